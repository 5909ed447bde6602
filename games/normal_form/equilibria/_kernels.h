/* Shared declarations of the compiled kernels (_kernels.c lists what each file holds). */
#ifndef CHIPDEALS_KERNELS_H
#define CHIPDEALS_KERNELS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An entry must exceed this to bound the entering variable (payoffs normalised to [1, 2]). */
#define PIVOT_TOL 1e-9
/* max(1.0, |v|) for a finite v, as Python's max(1.0, abs(v)) and numpy's maximum. */
#define AT_LEAST_ONE(v) (fabs(v) > 1.0 ? fabs(v) : 1.0)

/* Loops compiled twice, for AVX2 and for the baseline, the one to run picked at load time
 * (GCC on x86-64 Linux). Element by element the same operations either way: contraction
 * into fused multiply-adds is off, and AVX2 alone does not enable FMA. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define WIDE_LOOPS __attribute__((target_clones("avx2", "default")))
#else
#define WIDE_LOOPS
#endif

/* A growable byte buffer (results are returned to Python as bytes). */
typedef struct { char *data; size_t size, capacity; } Bytes;
void *bytes_extend(Bytes *b, size_t size);

/* A C-contiguous float64 buffer of ``doubles`` entries; K writable bytes (flags). */
int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t doubles, int writable, const char *name);
int get_flags(PyObject *obj, Py_buffer *view, Py_ssize_t count);

/* Buffers of the polytope walk and vertex solves, reused from polytope to polytope. */
typedef struct { uint64_t *keys; size_t capacity, count; } KeySet;
typedef struct {
    Bytes level, next, level_bases, next_bases, bases, points, status;
    KeySet seen;
} Workspace;
void workspace_free(Workspace *w);

/* Vertices of a polytope: ``count`` points (d doubles each in z) and their label masks. */
typedef struct { Bytes z, labels; Py_ssize_t count; } Vertices;
int polytope_vertices(const double *M, int d, int e, Py_ssize_t max_bases, Workspace *w,
                      Vertices *out);
int popcount64(uint64_t v);

/* Buffers of game_pairs, reused from game to game of a stack. */
typedef struct { Workspace w; Vertices X, Y; Bytes shared, order; } PairWork;
void pair_work_free(PairWork *p);
/* The completely labeled vertex pairs of one game by the walk (_vertex_pairs.c). */
int game_pairs(const double *P, const double *Q, int m, int n, Py_ssize_t max_bases,
               PairWork *pw, Bytes *xs, Bytes *ys, int *degenerate, Py_ssize_t *x_count,
               Py_ssize_t *y_count);

PyObject *lemke_howson(PyObject *self, PyObject *args);
PyObject *simplex(PyObject *self, PyObject *args);
PyObject *feasible_bases(PyObject *self, PyObject *args);
PyObject *vertex_equilibria_stack(PyObject *self, PyObject *args);
PyObject *two_by_n(PyObject *self, PyObject *args);
PyObject *checked_vertex_equilibria(PyObject *self, PyObject *args);
PyObject *checked_vertex_equilibria_stack(PyObject *self, PyObject *args);

#endif
