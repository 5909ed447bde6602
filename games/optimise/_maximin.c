/* Compiled loop of games.optimise.maximin.linear_maximin; the NumPy code there stays the
 * reference.
 *
 *   linear_maximin  max min(a . x + a0, b . x + b0) over the box lo <= x <= hi, one problem
 *                   (row) after another: the dual h(lam) at lam = 0, 1 and each breakpoint in
 *                   [0, 1], the first least by nanargmin's rule, the maximiser by
 *                   complementary slackness (maximin._share_out), the value at it
 *
 * Each row goes through the same floating-point operations, in the same order, as the NumPy
 * code's elementwise passes over the whole stack, so both give the same numbers bit for bit
 * (the build turns off contraction into fused multiply-adds). A sum over coordinates is taken
 * as np.sum adds a contiguous run (maximin._sum_as_numpy). Arrays come in through the buffer
 * protocol as C-contiguous float64 buffers, so no NumPy headers are needed.
 *
 * Two cases are left to the NumPy code (the call returns 1 and writes nothing useful): a
 * bound of -0.0, and an answer holding a NaN (or a dual that is NaN at every candidate, where
 * nanargmin raises). Only there can the sign of a zero from np.maximum or np.clip (which NumPy
 * versions choose differently) or the bits of a NaN reach the answer.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../_compiled.h"

/* np.sum over a contiguous row: NumPy's reduction adds the pairwise sum to 0.0. */
static double numpy_sum(const double *t, Py_ssize_t k) { return 0.0 + pairwise_sum(t, k, -0.0); }

/* np.maximum, np.minimum and np.clip(v, 0.0, 1.0) as NumPy 2 computes them: a NaN
 * propagates; of two equal numbers the second is returned. */
static double maximum(double a, double b) { return isnan(a) ? a : (a > b ? a : b); }
static double minimum(double a, double b) { return isnan(a) ? a : (a < b ? a : b); }
static double clip01(double v) { return isnan(v) ? v : (v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v)); }

/* The row's scratch: the candidate weights (k + 2), the terms of a sum and the slopes at the
 * optimum (k each), which coordinates are free (k). */
typedef struct {
    double *lams, *terms, *c;
    char *free;
} Scratch;

/* h at each candidate weight: the index of the first least (NaN and missing candidates count
 * as +inf, as nanargmin after np.where(isnan(lams), inf, h)), its h in *bound; -1 if every h
 * is NaN (nanargmin raises). */
static Py_ssize_t best_candidate(const double *a, double a0, const double *b, double b0,
                                 const double *lo, const double *hi, Py_ssize_t k,
                                 Scratch *s, double *bound) {
    Py_ssize_t i, j, best = 0;
    double least = 0.0;
    int numbers = 0;
    s->lams[0] = 0.0;
    s->lams[1] = 1.0;
    for (i = 0; i < k; i++) {
        double brk = b[i] / (b[i] - a[i]);
        s->lams[2 + i] = (brk >= 0 && brk <= 1) ? brk : NAN;
    }
    for (j = 0; j < k + 2; j++) {
        double lam = s->lams[j], h = NAN, key = INFINITY;
        /* A missing breakpoint (j >= 2) counts as +inf: never below candidate 0. */
        if (!isnan(lam)) {
            for (i = 0; i < k; i++) {
                double c = lam * a[i] + (1 - lam) * b[i];
                s->terms[i] = maximum(c * lo[i], c * hi[i]);
            }
            h = lam * a0 + (1 - lam) * b0 + numpy_sum(s->terms, k);
            if (!isnan(h)) key = h;
        }
        if (isnan(lam) || !isnan(h)) numbers = 1;    /* not NaN after np.where */
        if (j == 0 || key < least) {
            least = key;
            best = j;
            *bound = h;
        }
    }
    return numbers ? best : -1;
}

/* One problem (row): writes its maximiser x, value, bound and weight. Returns 1 where the
 * NumPy code must answer (every h NaN, or a NaN in the answer), else 0. */
static int solve_row(const double *a, double a0, const double *b, double b0, const double *lo,
                     const double *hi, Py_ssize_t k, Scratch *s, double *x, double *value,
                     double *bound, double *weight) {
    Py_ssize_t i, best = best_candidate(a, a0, b, b0, lo, hi, k, s, bound);
    double lam, gap, need, va, vb;
    int nan = 0;
    if (best < 0) return 1;
    lam = *weight = s->lams[best];
    for (i = 0; i < k; i++) {
        double scale = fabs(a[i]) + fabs(b[i]);
        s->c[i] = lam * a[i] + (1 - lam) * b[i];
        s->free[i] = fabs(s->c[i]) <= 1e-12 * maximum(scale, 1e-300);
    }
    if (best >= 2) s->free[best - 2] = 1;         /* the coordinate whose breakpoint it is */
    for (i = 0; i < k; i++) {
        double slope = a[i] - b[i];
        x[i] = s->free[i] ? (slope > 0 ? lo[i] : hi[i]) : (s->c[i] > 0 ? hi[i] : lo[i]);
        s->terms[i] = slope * x[i];
    }
    gap = a0 - b0 + numpy_sum(s->terms, k);
    need = maximum(-gap, 0.0);
    for (i = 0; i < k; i++) {      /* complementary slackness: the free ones in turn */
        double step, width, reach, share;
        if (!s->free[i]) continue;
        step = a[i] - b[i];
        width = hi[i] - lo[i];
        reach = fabs(step) * width;
        share = reach > 0 ? clip01(need / reach) : 0.0;
        x[i] = step > 0 ? lo[i] + share * width : hi[i] - share * width;
        need = need - share * reach;
    }
    for (i = 0; i < k; i++) s->terms[i] = a[i] * x[i];
    va = numpy_sum(s->terms, k) + a0;
    for (i = 0; i < k; i++) s->terms[i] = b[i] * x[i];
    vb = numpy_sum(s->terms, k) + b0;
    *value = minimum(va, vb);
    for (i = 0; i < k; i++) nan |= isnan(x[i]);
    return nan || isnan(*value) || isnan(*bound) || isnan(*weight);
}

static int any_negative_zero(const double *v, Py_ssize_t count) {
    Py_ssize_t i;
    for (i = 0; i < count; i++)
        if (v[i] == 0 && signbit(v[i])) return 1;
    return 0;
}

/* linear_maximin(a, a0, b, b0, lo, hi, x, values, bounds, weights, n, k, lo_shared,
 * hi_shared): a, b, x (n, k); a0, b0, values, bounds, weights (n,); lo and hi (k,) where
 * shared, else (n, k). Writes x, values, bounds and weights; returns 0, or 1 where the NumPy
 * code must answer instead (see the top of this file). */
static PyObject *linear_maximin(PyObject *self, PyObject *args) {
    PyObject *o[10];
    Py_buffer v[10];
    Py_ssize_t n, k, r;
    int lo_shared, hi_shared, got = 0, i, numpy = 0;
    Scratch s = {NULL, NULL, NULL, NULL};
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOnnpp", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5],
                          &o[6], &o[7], &o[8], &o[9], &n, &k, &lo_shared, &hi_shared))
        return NULL;
    if (n < 0 || k < 0) { PyErr_SetString(PyExc_ValueError, "bad shape"); return NULL; }
    {
        Py_ssize_t sizes[10] = {n * k, n, n * k, n, lo_shared ? k : n * k,
                                hi_shared ? k : n * k, n * k, n, n, n};
        const char *names[10] = {"a", "a0", "b", "b0", "lo", "hi", "x", "values", "bounds",
                                 "weights"};
        for (got = 0; got < 10; got++)
            if (get_array(o[got], &v[got], sizes[got], 0, got >= 6, names[got]) < 0) goto done;
    }
    s.lams = malloc(sizeof(double) * (3 * k + 2));
    s.free = malloc(k + 1);
    if (!s.lams || !s.free) { PyErr_NoMemory(); goto done; }
    s.terms = s.lams + k + 2;
    s.c = s.terms + k;
    {
        const double *a = v[0].buf, *a0 = v[1].buf, *b = v[2].buf, *b0 = v[3].buf;
        const double *lo = v[4].buf, *hi = v[5].buf;
        double *x = v[6].buf, *values = v[7].buf, *bounds = v[8].buf, *weights = v[9].buf;
        Py_BEGIN_ALLOW_THREADS
        numpy = any_negative_zero(lo, lo_shared ? k : n * k) ||
                any_negative_zero(hi, hi_shared ? k : n * k);
        for (r = 0; r < n && !numpy; r++)
            numpy = solve_row(a + r * k, a0[r], b + r * k, b0[r], lo + (lo_shared ? 0 : r * k),
                              hi + (hi_shared ? 0 : r * k), k, &s, x + r * k, values + r,
                              bounds + r, weights + r);
        Py_END_ALLOW_THREADS
    }
done:
    free(s.lams);
    free(s.free);
    for (i = 0; i < got; i++) PyBuffer_Release(&v[i]);
    if (PyErr_Occurred()) return NULL;
    return PyLong_FromLong(numpy);
}

static PyMethodDef methods[] = {
    {"linear_maximin", linear_maximin, METH_VARARGS,
     "The max-min of two affine functions over a box, row by row (see "
     "maximin.linear_maximin); 1: the NumPy code must answer."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_maximin",
    "Compiled loop of games.optimise.maximin (the NumPy code is the reference).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__maximin(void) { return PyModule_Create(&module); }
