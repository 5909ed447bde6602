/* Compiled loops of games.optimise.nash_product.linear_nash_product; the NumPy code there
 * stays the reference.
 *
 * The NumPy code takes logarithms with np.log, whose SIMD loop does not round every value as
 * the C library's log() does, so this file takes none: the rows are solved in two passes
 * around one np.log call over a buffer of gains.
 *
 *   nash_gains   per row, the frontier chain of the zonotope (the trade-off generators in
 *                order of their ratios, the vertices and edges, each edge's stationary
 *                point), kept in an array, and every pair of gains whose logs the NumPy code
 *                uses (both gains positive), written in turn into one buffer; returns how
 *                many numbers
 *   nash_points  per row, from the kept chain and the logs of that buffer in the same order:
 *                the log Nash product of each candidate, the best t on each edge, the best
 *                edge, the point there and both gains at it; returns 1 where the NumPy code
 *                must answer instead (a NaN in a point or a gain, whose bits NumPy may set
 *                otherwise), else 0
 *   nash_values  the log Nash product at those gains, given their logs (one more np.log)
 *
 * Each row goes through the same floating-point operations, in the same order, as the NumPy
 * code's elementwise passes over the whole stack, so both give the same numbers bit for bit
 * (the build turns off contraction into fused multiply-adds). Sums over coordinates run left
 * to right from the first term, as nash_product._sum adds them. Arrays come in through the
 * buffer protocol as C-contiguous float64 buffers, so no NumPy headers are needed.
 *
 * A row's arrays live on the stack (at most MAX_COORDINATES coordinates), and the loop over
 * the rows is compiled once for each of the usual numbers of coordinates, so that the
 * compiler unrolls the short loops over them. Choices between numbers are written as
 * selections rather than branches where the data decide them (they follow no pattern the
 * processor could predict).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>

#include "../_compiled.h"

#define MAX_COORDINATES 16

#if defined(__GNUC__)
#define INLINE static inline __attribute__((always_inline))
#else
#define INLINE static inline
#endif

/* Where the logarithms go (writing: gain pairs) or come from (reading: their logs), pairs in
 * turn; the buffer holds two numbers beyond the last pair, read or written but not counted. */
typedef struct {
    double *buf;
    Py_ssize_t at;
} Logs;

/* power log g_1 + (1 - power) log g_2 where both gains are positive (and the candidate is
 * wanted), else minus infinity, as nash_product.log_nash_product (a power of 0 or 1 ignores
 * that gain's log; with every power strictly between, its shorter formula gives the same
 * numbers). Writing: records the pair (counted if wanted and positive) and returns 0.0. */
INLINE double log_nash(double g_1, double g_2, double beta, int wanted, Logs *logs,
                       const int reading) {
    int counted = wanted & (g_1 > 0) & (g_2 > 0);
    double value = 0.0;
    if (reading) {
        double log_1 = logs->buf[logs->at], log_2 = logs->buf[logs->at + 1];
        value = (beta > 0 ? beta * log_1 : 0.0) + (beta < 1 ? (1 - beta) * log_2 : 0.0);
        value = counted ? value : -INFINITY;
    }
    else {
        logs->buf[logs->at] = g_1;
        logs->buf[logs->at + 1] = g_2;
    }
    logs->at += 2 * counted;
    return value;
}

/* Whether value beats best, a NaN beating a number (as in an argmax): nash_product._beats. */
INLINE int beats(double value, double best) {
    return (value > best) | ((value != value) & (best == best));
}

/* One row's frontier chain: per generator v = (va, vb), whether it is a trade-off, its end
 * at the frontier's start (1.0: its upper end) and its place in frontier order; per edge (in
 * that order) its step d, its first vertex e and the stationary point of the log Nash
 * product on its line. */
typedef struct {
    double va[MAX_COORDINATES], vb[MAX_COORDINATES], start[MAX_COORDINATES];
    double d1[MAX_COORDINATES], d2[MAX_COORDINATES], e1[MAX_COORDINATES];
    double e2[MAX_COORDINATES], stationary[MAX_COORDINATES];
    int trade[MAX_COORDINATES], position[MAX_COORDINATES], real[MAX_COORDINATES];
} Chain;

/* The generators in frontier order: a stable sort of the ratios |va| / |vb|, the generators
 * that are no trade-off last (nash_product's `position`, and its `order` as `order`). */
INLINE void frontier_order(Chain *c, Py_ssize_t k, int *order) {
    double ratio[MAX_COORDINATES];
    Py_ssize_t i, j;
    for (i = 0; i < k; i++) {
        double r = fabs(c->va[i]) / fabs(c->vb[i]);
        ratio[i] = c->trade[i] & (r == r) ? r : INFINITY;
    }
    for (i = 0; i < k; i++) {        /* the earlier of equal ratios first */
        int place = 0;
        for (j = 0; j < i; j++) place += ratio[j] <= ratio[i];
        for (j = i + 1; j < k; j++) place += ratio[j] < ratio[i];
        c->position[i] = place;
        order[place] = (int)i;
    }
}

/* The row's chain, as linear_nash_product builds it. */
INLINE void frontier(const double *a, double a0, const double *b, double b0, const double *lo,
                     const double *hi, double beta, Py_ssize_t k, Chain *c) {
    int order[MAX_COORDINATES];
    Py_ssize_t i, j;
    double p1, p2, c1, c2, s1, s2;
    for (i = 0; i < k; i++) {
        double span = hi[i] - lo[i], va = a[i] * span, vb = b[i] * span;
        c->va[i] = va;
        c->vb[i] = vb;
        c->trade[i] = ((va > 0) & (vb < 0)) | ((va < 0) & (vb > 0));
        c->start[i] = (va > 0) | ((va == 0) & (vb > 0));
    }
    frontier_order(c, k, order);
    for (j = 0; j < k; j++) {      /* d = -v from the upper end, +v from the lower */
        int o = order[j];
        double sign = (c->start[o] > 0 ? -1.0 : 1.0) * (double)c->trade[o];
        c->real[j] = c->trade[o];
        c->d1[j] = sign * c->va[o];
        c->d2[j] = sign * c->vb[o];
    }
    s1 = a[0] * lo[0];
    s2 = b[0] * lo[0];
    for (i = 1; i < k; i++) {
        s1 += a[i] * lo[i];
        s2 += b[i] * lo[i];
    }
    p1 = a0 + s1;
    p2 = b0 + s2;
    s1 = c->va[0] * c->start[0];
    s2 = c->vb[0] * c->start[0];
    for (i = 1; i < k; i++) {
        s1 += c->va[i] * c->start[i];
        s2 += c->vb[i] * c->start[i];
    }
    p1 = p1 + s1;
    p2 = p2 + s2;
    c1 = c->d1[0];
    c2 = c->d2[0];
    c->e1[0] = p1 + 0.0;
    c->e2[0] = p2 + 0.0;
    for (j = 1; j < k; j++) {
        c->e1[j] = p1 + c1;
        c->e2[j] = p2 + c2;
        c1 = c1 + c->d1[j];
        c2 = c2 + c->d2[j];
    }
    for (j = 0; j < k; j++) {
        double d1 = c->d1[j], d2 = c->d2[j];
        c->stationary[j] = -(beta * d1 * c->e2[j] + (1 - beta) * d2 * c->e1[j]) / (d1 * d2);
    }
}

/* Per edge, the best t (start, end or the stationary point strictly inside) and the log Nash
 * product there, as nash_product._best_on_edges on a chain: the first edge's end is the
 * second edge's start. The candidates' gains go through logs in one fixed order. */
INLINE void best_on_edges(const Chain *c, double beta, Py_ssize_t k, Logs *logs,
                          const int reading, double *t, double *value) {
    double first[MAX_COORDINATES];
    Py_ssize_t j;
    for (j = 0; j < k; j++) {
        first[j] = value[j] = log_nash(c->e1[j], c->e2[j], beta, 1, logs, reading);
        t[j] = 0.0;
    }
    for (j = 0; j < k; j++) {
        double at_end;
        int take;
        if (k > 1 && j == 0)
            at_end = first[1];
        else
            at_end = log_nash(c->e1[j] + c->d1[j], c->e2[j] + c->d2[j], beta, 1, logs,
                              reading);
        take = beats(at_end, value[j]);
        t[j] = take ? (c->real[j] ? 1.0 : 0.0) : t[j];
        value[j] = take ? at_end : value[j];
    }
    for (j = 0; j < k; j++) {       /* a stationary point outside (0, 1) is no candidate */
        double s = c->stationary[j];
        int inside = (s > 0) & (s < 1), take;
        double there = log_nash(c->e1[j] + s * c->d1[j], c->e2[j] + s * c->d2[j], beta,
                                inside, logs, reading);
        take = inside & beats(there, value[j]);
        t[j] = take ? s : t[j];
        value[j] = take ? there : value[j];
    }
}

/* The best edge (the first of equals, a NaN counting as the largest) and the point there:
 * generators before it flipped, its own part-way; then both gains at the point. Returns
 * whether a NaN is among them. */
INLINE int best_point(const double *a, double a0, const double *b, double b0,
                      const double *lo, const double *hi, Py_ssize_t k, const Chain *c,
                      const double *t, const double *value, double *x, double *g_1,
                      double *g_2) {
    Py_ssize_t i, j;
    int edge = 0, nan = 0;
    double best = value[0], best_t = t[0], s1, s2;
    for (j = 1; j < k; j++) {
        int take = beats(value[j], best);
        edge = take ? (int)j : edge;
        best = take ? value[j] : best;
        best_t = take ? t[j] : best_t;
    }
    for (i = 0; i < k; i++) {
        double start = c->start[i], on;
        int place = c->position[i];
        on = place < edge ? 1 - start
           : place == edge ? (start > 0 ? 1 - best_t : best_t) : start;
        on = c->trade[i] ? on : start;
        x[i] = lo[i] + on * (hi[i] - lo[i]);
        nan |= x[i] != x[i];
    }
    s1 = a[0] * x[0];
    s2 = b[0] * x[0];
    for (i = 1; i < k; i++) {
        s1 += a[i] * x[i];
        s2 += b[i] * x[i];
    }
    *g_1 = s1 + a0;
    *g_2 = s2 + b0;
    return nan | (*g_1 != *g_1) | (*g_2 != *g_2);
}

/* The arrays of a call: a, a0, b, b0, beta, lo, hi, kept, logs, points, g_1, g_2, finals. */
typedef struct {
    const double *a, *a0, *b, *b0, *beta, *lo, *hi;
    double *kept, *logs, *x, *g_1, *g_2, *finals;
    Py_ssize_t n;
    int lo_shared, hi_shared;
} Rows;

/* What the second pass keeps of a row's chain: KEPT k numbers, each edge's e, d and
 * stationary point, and a code per generator and edge (its place, whether it is a trade-off,
 * its start, whether the edge is real). */
#define KEPT 6

INLINE void keep(const Chain *c, Py_ssize_t k, double *kept) {
    Py_ssize_t i;
    for (i = 0; i < k; i++) {
        kept[i] = c->e1[i];
        kept[k + i] = c->e2[i];
        kept[2 * k + i] = c->d1[i];
        kept[3 * k + i] = c->d2[i];
        kept[4 * k + i] = c->stationary[i];
        kept[5 * k + i] = (double)(c->position[i] * 8 + c->trade[i] * 4 + (c->start[i] > 0) * 2
                                   + c->real[i]);
    }
}

INLINE void restore(const double *kept, Py_ssize_t k, Chain *c) {
    Py_ssize_t i;
    for (i = 0; i < k; i++) {
        int code = (int)kept[5 * k + i];
        c->e1[i] = kept[i];
        c->e2[i] = kept[k + i];
        c->d1[i] = kept[2 * k + i];
        c->d2[i] = kept[3 * k + i];
        c->stationary[i] = kept[4 * k + i];
        c->position[i] = code >> 3;
        c->trade[i] = (code >> 2) & 1;
        c->start[i] = (code >> 1) & 1;
        c->real[i] = code & 1;
    }
}

/* Both passes over the rows of k coordinates; returns the numbers of logs used, or -1 where
 * a row's answer holds a NaN (reading). */
INLINE Py_ssize_t solve_rows(const Rows *rows, Py_ssize_t k, const int reading) {
    Chain c;
    double t[MAX_COORDINATES], value[MAX_COORDINATES];
    Logs logs = {rows->logs, 0};
    Py_ssize_t r;
    for (r = 0; r < rows->n; r++) {
        const double *a = rows->a + r * k, *b = rows->b + r * k;
        const double *lo = rows->lo + (rows->lo_shared ? 0 : r * k);
        const double *hi = rows->hi + (rows->hi_shared ? 0 : r * k);
        if (reading)
            restore(rows->kept + r * KEPT * k, k, &c);
        else {
            frontier(a, rows->a0[r], b, rows->b0[r], lo, hi, rows->beta[r], k, &c);
            keep(&c, k, rows->kept + r * KEPT * k);
        }
        best_on_edges(&c, rows->beta[r], k, &logs, reading, t, value);
        if (reading) {
            double *g_1 = rows->g_1 + r, *g_2 = rows->g_2 + r;
            int positive;
            if (best_point(a, rows->a0[r], b, rows->b0[r], lo, hi, k, &c, t, value,
                           rows->x + r * k, g_1, g_2))
                return -1;
            positive = (*g_1 > 0) & (*g_2 > 0);     /* the others' logs are not used */
            rows->finals[2 * r] = positive ? *g_1 : 1.0;
            rows->finals[2 * r + 1] = positive ? *g_2 : 1.0;
        }
    }
    return logs.at;
}

/* solve_rows compiled for the usual numbers of coordinates, and once for any. */
static Py_ssize_t dispatch(const Rows *rows, Py_ssize_t k, const int reading) {
#define CASE(K) case K: return reading ? solve_rows(rows, K, 1) : solve_rows(rows, K, 0);
    switch (k) {
        CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6)
        default: return reading ? solve_rows(rows, k, 1) : solve_rows(rows, k, 0);
    }
#undef CASE
}

/* Both functions: (a, a0, b, b0, beta, lo, hi, kept, logs, points, g_1, g_2, finals, n, k,
 * lo_shared, hi_shared, count): a, b, points (n, k); a0, b0, beta, g_1, g_2 (n,); lo, hi
 * (k,) where shared, else (n, k); kept (n, KEPT k); logs 6 k n + 2 numbers, room for every
 * pair of every row and one more; finals (n, 2). Writing (nash_gains): writes kept and the
 * pairs, returns how many numbers of logs it used. Reading (nash_points): logs holds the
 * logs of the first `count` of them; writes points, g_1 and g_2, and in finals the gains
 * again where both are positive (else 1.0) for their logs; returns 1 where the NumPy code
 * must answer, else 0. */
static PyObject *run(PyObject *args, int reading) {
    PyObject *o[13];
    Py_buffer v[13];
    Py_ssize_t k, count, used = 0;
    Rows rows;
    int got = 0, i;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOnnppn", &o[0], &o[1], &o[2], &o[3], &o[4],
                          &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &o[12], &rows.n,
                          &k, &rows.lo_shared, &rows.hi_shared, &count))
        return NULL;
    if (rows.n < 0 || k < 1 || k > MAX_COORDINATES) {
        PyErr_SetString(PyExc_ValueError, "bad shape");
        return NULL;
    }
    {
        Py_ssize_t n = rows.n, sizes[13] = {n * k, n, n * k, n, n, rows.lo_shared ? k : n * k,
                                            rows.hi_shared ? k : n * k, KEPT * k * n,
                                            6 * k * n + 2, n * k, n, n, 2 * n};
        const char *names[13] = {"a", "a0", "b", "b0", "beta", "lo", "hi", "kept", "logs",
                                 "points", "g_1", "g_2", "finals"};
        for (got = 0; got < 13; got++)
            if (get_array(o[got], &v[got], sizes[got], 0,
                          reading ? got >= 9 : got == 7 || got == 8, names[got]) < 0)
                goto done;
    }
    rows.a = v[0].buf; rows.a0 = v[1].buf; rows.b = v[2].buf; rows.b0 = v[3].buf;
    rows.beta = v[4].buf; rows.lo = v[5].buf; rows.hi = v[6].buf; rows.kept = v[7].buf;
    rows.logs = v[8].buf; rows.x = v[9].buf; rows.g_1 = v[10].buf; rows.g_2 = v[11].buf;
    rows.finals = v[12].buf;
    Py_BEGIN_ALLOW_THREADS
    used = dispatch(&rows, k, reading);
    Py_END_ALLOW_THREADS
    if (reading && used >= 0 && used != count)
        PyErr_SetString(PyExc_ValueError, "the logs do not match the rows' gains");
done:
    for (i = 0; i < got; i++) PyBuffer_Release(&v[i]);
    if (PyErr_Occurred()) return NULL;
    return PyLong_FromSsize_t(reading ? used < 0 : used);
}

/* nash_values(g_1, g_2, beta, finals, values, n): all (n,) but finals (n, 2), the logs of
 * nash_points' finals. Writes the log Nash product at the gains, as log_nash_product. */
static PyObject *nash_values(PyObject *self, PyObject *args) {
    PyObject *o[5];
    Py_buffer v[5];
    Py_ssize_t n, r;
    int got;
    if (!PyArg_ParseTuple(args, "OOOOOn", &o[0], &o[1], &o[2], &o[3], &o[4], &n))
        return NULL;
    {
        Py_ssize_t sizes[5] = {n, n, n, 2 * n, n};
        const char *names[5] = {"g_1", "g_2", "beta", "finals", "values"};
        for (got = 0; got < 5; got++)
            if (get_array(o[got], &v[got], sizes[got], 0, got == 4, names[got]) < 0)
                goto done;
    }
    {
        const double *g_1 = v[0].buf, *g_2 = v[1].buf, *beta = v[2].buf, *logs = v[3].buf;
        double *values = v[4].buf;
        for (r = 0; r < n; r++) {
            Logs one = {(double *)logs + 2 * r, 0};
            values[r] = log_nash(g_1[r], g_2[r], beta[r], 1, &one, 1);
        }
    }
done:
    for (r = 0; r < got; r++) PyBuffer_Release(&v[r]);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

static PyObject *nash_gains(PyObject *self, PyObject *args) { return run(args, 0); }
static PyObject *nash_points(PyObject *self, PyObject *args) { return run(args, 1); }

static PyMethodDef methods[] = {
    {"nash_gains", nash_gains, METH_VARARGS,
     "The gain pairs whose logs the rows' Nash products need, in order (see "
     "nash_product.linear_nash_product); returns how many numbers."},
    {"nash_points", nash_points, METH_VARARGS,
     "The rows' maximisers and gains, given the logs of nash_gains' pairs; 1: the NumPy code "
     "must answer."},
    {"nash_values", nash_values, METH_VARARGS,
     "The log Nash product at the rows' gains, given the logs of nash_points' finals."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_nash_product",
    "Compiled loops of games.optimise.nash_product (the NumPy code is the reference).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__nash_product(void) { return PyModule_Create(&module); }
