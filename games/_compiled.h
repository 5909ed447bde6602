/* What the compiled loops of games/decisions/_allocation.c, games/optimise/_maximin.c,
 * games/optimise/_nash_product.c, games/bargaining/_ask.c and games/_fused.c share: arrays in
 * through the buffer protocol (C-contiguous float64 or int64 buffers, so no NumPy headers),
 * and NumPy's pairwise summation. Each of those files includes this once; its functions are static
 * inline, so each extension holds its own copy. */
#ifndef CHIPDEALS_COMPILED_H
#define CHIPDEALS_COMPILED_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* A buffer's struct format without its byte-order prefix ("d": float64). */
static inline const char *value_format(const Py_buffer *view) {
    const char *f = view->format ? view->format : "B";
    if (*f == '=' || *f == '<' || *f == '@') f++;
    return f;
}

/* Whether a buffer holds float64 values. */
static inline int is_float64(const Py_buffer *view) {
    return view->itemsize == 8 && strcmp(value_format(view), "d") == 0;
}

/* The buffer of obj as count C-contiguous float64 (or, integer, int64) entries, writable if
 * asked; on a mismatch a ValueError naming the array, and -1. */
static inline int get_array(PyObject *obj, Py_buffer *view, Py_ssize_t count, int integer,
                            int writable, const char *name) {
    const char *f;
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT |
                           (writable ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    f = value_format(view);
    if (view->itemsize != 8 || view->len != count * 8 ||
        (integer ? (strcmp(f, "l") != 0 && strcmp(f, "q") != 0) : strcmp(f, "d") != 0)) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous %s array of %zd entries",
                     name, integer ? "int64" : "float64", count);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* NumPy's pairwise summation (add.reduce over a contiguous run), term for term: below 8
 * terms in order from start (NumPy 2 starts from -0.0), up to 128 with eight running sums
 * joined in pairs and the rest in order, halves beyond. */
static inline double pairwise_sum(const double *a, Py_ssize_t n, double start) {
    if (n < 8) {
        double res = start;
        Py_ssize_t i;
        for (i = 0; i < n; i++) res += a[i];
        return res;
    }
    else if (n <= 128) {
        double r[8], res;
        Py_ssize_t i;
        int j;
        for (j = 0; j < 8; j++) r[j] = a[j];
        for (i = 8; i < n - (n % 8); i += 8)
            for (j = 0; j < 8; j++) r[j] += a[i + j];
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    else {
        Py_ssize_t n2 = n / 2;
        n2 -= n2 % 8;
        return pairwise_sum(a, n2, start) + pairwise_sum(a + n2, n - n2, start);
    }
}

#endif
