/* Compiled inner loops of the equilibrium solvers; the pure-NumPy code stays the reference.
 *
 * Each function repeats, operation for operation, a loop written in NumPy elsewhere in this
 * package, so the compiled and pure paths visit the same pivots and return the same numbers:
 *
 *   _pivoting.c     lemke_howson: pivoting.Dictionary and lemke_howson.lemke_howson_path;
 *                   simplex: zero_sum.simplex_strategies (Dantzig's rule, lexicographic ratios)
 *   _polytope.c     feasible_bases: polytope.feasible_bases_stack (breadth-first walk over the
 *                   feasible bases of {z >= 0, M^T z <= 1}); the vertices and their labels
 *                   (vertex_enumeration.stacked_polytope_vertices, distinct_vertices)
 *   _vertex_pairs.c game_pairs, vertex_equilibria_stack: completely labeled pairs of one game
 *                   or of each game of a stack (vertex_enumeration.equilibria_from_vertices)
 *   _envelope.c     two_by_n: stacked 2 x n games (batch.two_by_n)
 *   _checked.c      checked_vertex_equilibria(_stack): from payoffs to verified equilibria
 *                   (vertex_enumeration and verified_set; batch.equilibria_batch), small
 *                   games by their support pairs
 *
 * Arrays come in and go out through the buffer protocol as C-contiguous float64 (and int64)
 * buffers, so no NumPy headers are needed to build this file. The build turns off
 * floating-point contraction (fused multiply-add), which would round differently from NumPy.
 */
#include "_kernels.h"

void *bytes_extend(Bytes *b, size_t size) {
    if (b->size + size > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 4096;
        char *data;
        while (capacity < b->size + size) capacity *= 2;
        data = realloc(b->data, capacity);
        if (!data) return NULL;
        b->data = data; b->capacity = capacity;
    }
    b->size += size;
    return b->data + b->size - size;
}

int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t doubles, int writable,
               const char *name) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT |
                           (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    if (view->itemsize != 8 || view->format == NULL || strcmp(view->format, "d") != 0 ||
        view->len != doubles * 8) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous float64 array of %zd entries",
                     name, doubles);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

int get_flags(PyObject *obj, Py_buffer *view, Py_ssize_t count) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) return -1;
    if (view->len != count) {
        PyErr_Format(PyExc_ValueError, "the flags must be %zd writable bytes", count);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyMethodDef methods[] = {
    {"lemke_howson", lemke_howson, METH_VARARGS, "Lemke-Howson path (see lemke_howson.py)."},
    {"simplex", simplex, METH_VARARGS, "Zero-sum simplex (see zero_sum.py)."},
    {"feasible_bases", feasible_bases, METH_VARARGS, "Walk of feasible bases (see polytope.py)."},
    {"vertex_equilibria_stack", vertex_equilibria_stack, METH_VARARGS,
     "Vertex pairs of the nondegenerate games of a stack (see batch.py)."},
    {"two_by_n", two_by_n, METH_VARARGS, "Stacked 2 x n games (see batch.two_by_n)."},
    {"checked_vertex_equilibria", checked_vertex_equilibria, METH_VARARGS,
     "Verified equilibria of a game from its payoffs (see vertex_enumeration.py)."},
    {"checked_vertex_equilibria_stack", checked_vertex_equilibria_stack, METH_VARARGS,
     "Verified equilibria of each game of a stack (see batch.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels",
    "Compiled inner loops of the equilibrium solvers (the pure-NumPy code is the reference).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
