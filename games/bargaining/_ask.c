/* Compiled loops of games.bargaining.ask.line_candidates, ask._affine and ask.accepted_sums,
 * and of games.bargaining.batch.take_it_or_leave_it._gathered; the NumPy code there stays the
 * reference.
 *
 *   line_candidates  the candidate positions along a line and the objective summed over the
 *                    draws at each: the positions themselves, and every draw's crossing of
 *                    g_2 = 0 between neighbours, sorted along the line (interval by interval,
 *                    by position, ties in the order of the draws, as np.lexsort)
 *   affine           whether every draw's gains along a line lie on the line through its ends
 *   gather           columns of several tables of both gains into one table each (copies)
 *   accepted_sums    player 1's gains summed over the accepting draws, per package (a scan)
 *
 * The gains come in as a block of columns of a round's table (rows contiguous, one row stride),
 * so a line's part of the table is read in place, not copied.
 *
 * Each number is the same floating-point operation, in the same order, as in the NumPy code
 * (the build turns off contraction into fused multiply-adds): a sum over the draws (axis 0 of
 * a C-contiguous table of at least two columns) runs in order from 0.0, as NumPy reduces it,
 * and a cumulative sum in order from its first term. Arrays come in through the buffer
 * protocol, so no NumPy headers are needed.
 *
 * Left to the NumPy code (the call returns -1): a position of -0.0, a crossing at NaN, and an
 * answer holding a NaN or needing np.maximum's choice between 0.0 and -0.0 (finite gains,
 * as BatchProblem.gains checks, give no NaN). Only there can
 * the sign of a zero from np.clip or np.maximum (which NumPy versions choose differently) or
 * the order np.lexsort gives NaN reach the answer.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../_compiled.h"

/* One crossing: where along the line, and its place in np.nonzero's order (the tie break). */
typedef struct {
    double root;
    Py_ssize_t at;
} Crossing;

static int by_root(const void *p, const void *q) {
    const Crossing *x = p, *y = q;
    if (x->root < y->root) return -1;
    if (x->root > y->root) return 1;
    return (x->at > y->at) - (x->at < y->at);
}

/* The work arrays of one call. */
typedef struct {
    const double *t, *g1, *g2;
    Py_ssize_t n, m, ld, count;              /* ld: entries from one draw's row to the next */
    double *h, *base_a, *base_b;             /* per interval (m - 1) */
    Py_ssize_t *row, *col, *first;           /* per crossing; first: per interval + 1 */
    Crossing *sorted;
    double *pre_a, *suf_a, *pre_s, *suf_s;   /* count + 1 each */
} Work;

#define ACCEPTS(w, r, j) ((w)->g2[(r) * (w)->ld + (j)] >= 0)

/* Sums over the draws, in order from 0.0 (np.sum over axis 0): the objective at each position
 * (into at_points), and per interval the draws accepting at both ends (base_a, base_b). */
static void column_sums(Work *w, double *at_points) {
    Py_ssize_t r, j, m = w->m;
    for (j = 0; j < m; j++) at_points[j] = 0.0;
    for (j = 0; j < m - 1; j++) w->base_a[j] = w->base_b[j] = 0.0;
    for (r = 0; r < w->n; r++) {
        const double *g = w->g1 + r * w->ld;
        for (j = 0; j < m; j++) at_points[j] = at_points[j] + g[j] * (ACCEPTS(w, r, j) ? 1.0 : 0.0);
        for (j = 0; j < m - 1; j++) {
            double both = ACCEPTS(w, r, j) && ACCEPTS(w, r, j + 1) ? 1.0 : 0.0;
            w->base_b[j] = w->base_b[j] + (g[j + 1] - g[j]) * both;
            w->base_a[j] = w->base_a[j] + g[j] * both;
        }
    }
    for (j = 0; j < m - 1; j++) {
        w->base_b[j] = w->base_b[j] / w->h[j];
        w->base_a[j] = w->base_a[j] - w->base_b[j] * w->t[j];
    }
}

/* The crossings in np.flatnonzero's order (draw by draw), counted per interval, then sorted
 * interval by interval (a stable counting sort) and by position within one. Returns -1 if a
 * crossing is at NaN. */
static int crossings(Work *w, double *roots) {
    Py_ssize_t r, j, i, m = w->m;
    w->count = 0;
    for (j = 0; j <= m - 1; j++) w->first[j] = 0;
    for (r = 0; r < w->n; r++)
        for (j = 0; j < m - 1; j++)
            if (ACCEPTS(w, r, j) != ACCEPTS(w, r, j + 1)) {
                double a = w->g2[r * w->ld + j], b = w->g2[r * w->ld + j + 1];
                double frac = a / (a - b);
                frac = frac < 0.0 ? 0.0 : (frac > 1.0 ? 1.0 : frac);   /* not NaN: see below */
                roots[w->count] = w->t[j] + frac * w->h[j];
                if (isnan(frac) || isnan(roots[w->count])) return -1;
                w->row[w->count] = r;
                w->col[w->count++] = j;
                w->first[j + 1]++;
            }
    for (j = 0; j < m - 1; j++) w->first[j + 1] += w->first[j];
    {
        Py_ssize_t *next = malloc(sizeof(Py_ssize_t) * (m > 1 ? m - 1 : 1));
        if (!next) return -2;
        memcpy(next, w->first, sizeof(Py_ssize_t) * (m - 1));
        for (i = 0; i < w->count; i++) {
            Crossing *c = &w->sorted[next[w->col[i]]++];
            c->root = roots[i];
            c->at = i;
        }
        free(next);
    }
    for (j = 0; j < m - 1; j++)
        qsort(w->sorted + w->first[j], w->first[j + 1] - w->first[j], sizeof(Crossing), by_root);
    return 0;
}

/* np.concatenate([[0.0], np.cumsum(weight * entering)]) and the same of the leaving draws,
 * over the crossings in sorted order; weight is alpha (slope 0) or the slope (slope 1). */
static void running_sums(Work *w, const double *alpha, const double *slope) {
    Py_ssize_t k;
    w->pre_a[0] = w->suf_a[0] = w->pre_s[0] = w->suf_s[0] = 0.0;
    for (k = 0; k < w->count; k++) {
        Py_ssize_t i = w->sorted[k].at;
        int entering = ACCEPTS(w, w->row[i], w->col[i] + 1);
        double in = entering ? 1.0 : 0.0, out = entering ? 0.0 : 1.0;
        double pa = alpha[i] * in, ga = alpha[i] * out, ps = slope[i] * in, gs = slope[i] * out;
        w->pre_a[k + 1] = k ? w->pre_a[k] + pa : pa;
        w->suf_a[k + 1] = k ? w->suf_a[k] + ga : ga;
        w->pre_s[k + 1] = k ? w->pre_s[k] + ps : ps;
        w->suf_s[k + 1] = k ? w->suf_s[k] + gs : gs;
    }
}

/* Each crossing's value (sorted order) into value[k] and its position into at[k]; -1 where
 * the NumPy code must answer. alpha, slope: scratch of count entries, by np.nonzero's order. */
static int crossing_values(Work *w, const double *roots, double *alpha, double *slope,
                           double *at, double *value) {
    Py_ssize_t i, k;
    for (i = 0; i < w->count; i++) {
        Py_ssize_t r = w->row[i], j = w->col[i];
        const double *g = w->g1 + r * w->ld;
        slope[i] = (g[j + 1] - g[j]) / w->h[j];
        alpha[i] = g[j] - slope[i] * w->t[j];
    }
    running_sums(w, alpha, slope);
    for (k = 0; k < w->count; k++) {
        Py_ssize_t i = w->sorted[k].at, j = w->col[i];
        Py_ssize_t start = w->first[j], stop = w->first[j + 1];
        double root = roots[i], v, beside;
        double total_a = w->pre_a[k + 1] - w->pre_a[start] + w->suf_a[stop] - w->suf_a[k];
        double total_s = w->pre_s[k + 1] - w->pre_s[start] + w->suf_s[stop] - w->suf_s[k];
        v = w->base_a[j] + w->base_b[j] * root;
        v = v + total_a;
        v = v + total_s * root;
        beside = v - (alpha[i] + slope[i] * root);
        if (isnan(v) || isnan(beside) || (v == 0 && beside == 0 && signbit(v) != signbit(beside)))
            return -1;
        at[k] = root;
        value[k] = v > beside ? v : beside;       /* np.maximum: the second of equals */
    }
    return 0;
}

/* The buffer of obj as a float64 table of n rows and m columns, each row contiguous, rows
 * ld entries apart (a C-contiguous table, or a block of columns of one, as NumPy slices it);
 * on a mismatch a ValueError naming the array, and -1. */
static int get_table(PyObject *obj, Py_buffer *view, Py_ssize_t n, Py_ssize_t m,
                     Py_ssize_t *ld, const char *name) {
    const char *f;
    if (PyObject_GetBuffer(obj, view, PyBUF_STRIDES | PyBUF_FORMAT) < 0)
        return -1;
    f = view->format ? view->format : "B";
    if (*f == '=' || *f == '<' || *f == '@') f++;
    if (view->itemsize != 8 || strcmp(f, "d") != 0 || view->ndim != 2 ||
        view->shape[0] != n || view->shape[1] != m || (m > 1 && view->strides[1] != 8) ||
        view->strides[0] < 0 || view->strides[0] % 8 != 0 || (n > 1 && view->strides[0] < 8 * m)) {
        PyErr_Format(PyExc_ValueError, "%s must be a float64 table (%zd, %zd) with contiguous "
                     "rows", name, n, m);
        PyBuffer_Release(view);
        return -1;
    }
    *ld = n > 1 ? view->strides[0] / 8 : m;
    return 0;
}

/* line_candidates(t, g1, g2, at, value, n, m): t (m,) positions, g1 and g2 (n, m) gains, at
 * and value (m + n (m - 1),) written: the positions and their values, then the crossings'.
 * g1 and g2 may be blocks of columns of wider tables (rows contiguous, any row stride).
 * Returns how many crossings, or -1 where the NumPy code must answer (see the top). */
static PyObject *line_candidates(PyObject *self, PyObject *args) {
    PyObject *o[5];
    Py_buffer v[5];
    Py_ssize_t n, m, cap, j, ld[5] = {0, 0, 0, 0, 0};
    int got = 0, i, status = 0;
    Work w;
    double *roots = NULL, *alpha = NULL, *slope = NULL;
    memset(&w, 0, sizeof w);
    if (!PyArg_ParseTuple(args, "OOOOOnn", &o[0], &o[1], &o[2], &o[3], &o[4], &n, &m))
        return NULL;
    if (n < 0 || m < 2) { PyErr_SetString(PyExc_ValueError, "bad shape"); return NULL; }
    cap = n * (m - 1);
    {
        Py_ssize_t sizes[5] = {m, n * m, n * m, m + cap, m + cap};
        const char *names[5] = {"t", "g1", "g2", "at", "value"};
        for (got = 0; got < 5; got++)
            if ((got == 1 || got == 2 ? get_table(o[got], &v[got], n, m, &ld[got], names[got])
                 : get_array(o[got], &v[got], sizes[got], 0, got >= 3, names[got])) < 0)
                goto done;
    }
    if (ld[1] != ld[2]) {
        PyErr_SetString(PyExc_ValueError, "g1 and g2 must have the same row stride");
        goto done;
    }
    w.t = v[0].buf; w.g1 = v[1].buf; w.g2 = v[2].buf; w.n = n; w.m = m; w.ld = ld[1];
    w.h = malloc(sizeof(double) * 3 * (m - 1));
    w.first = malloc(sizeof(Py_ssize_t) * m);
    w.row = malloc(sizeof(Py_ssize_t) * (cap + 1));
    w.col = malloc(sizeof(Py_ssize_t) * (cap + 1));
    w.sorted = malloc(sizeof(Crossing) * (cap + 1));
    w.pre_a = malloc(sizeof(double) * 4 * (cap + 1));
    roots = malloc(sizeof(double) * 3 * (cap + 1));
    if (!w.h || !w.first || !w.row || !w.col || !w.sorted || !w.pre_a || !roots) {
        PyErr_NoMemory();
        goto done;
    }
    w.base_a = w.h + (m - 1); w.base_b = w.base_a + (m - 1);
    w.suf_a = w.pre_a + (cap + 1); w.pre_s = w.suf_a + (cap + 1); w.suf_s = w.pre_s + (cap + 1);
    alpha = roots + (cap + 1); slope = alpha + (cap + 1);
    {
        double *at = v[3].buf, *value = v[4].buf;
        for (j = 0; j < m; j++)
            if (w.t[j] == 0 && signbit(w.t[j])) status = -1;
        if (status == 0) {
            memcpy(at, w.t, sizeof(double) * m);
            for (j = 0; j < m - 1; j++) w.h[j] = w.t[j + 1] - w.t[j];
            column_sums(&w, value);
            for (j = 0; j < m; j++)
                if (isnan(value[j])) status = -1;
            if (status == 0) status = crossings(&w, roots);
        }
        if (status == -2) PyErr_NoMemory();
        else if (status == 0 && w.count)
            status = crossing_values(&w, roots, alpha, slope, at + m, value + m);
    }
done:
    free(w.h); free(w.first); free(w.row); free(w.col); free(w.sorted); free(w.pre_a);
    free(roots);
    for (i = 0; i < got; i++) PyBuffer_Release(&v[i]);
    if (PyErr_Occurred()) return NULL;
    return PyLong_FromSsize_t(status < 0 ? -1 : w.count);
}

/* affine(t, g, n, m, slack): whether every row of g (n, m; rows contiguous, any row stride)
 * lies on the line through its ends, as games.bargaining.ask._affine decides it: each inner
 * entry within slack * scale of g[r, 0] + (g[r, m - 1] - g[r, 0]) * ((t[j] - t[0]) /
 * (t[m - 1] - t[0])), scale the largest |g| plus 1e-300 (a maximum: exact in any order).
 * The same operations on each entry, so the same answer. 1, 0, or -1 (m < 3, no row or a
 * NaN: the NumPy code answers). */
static PyObject *affine(PyObject *self, PyObject *args) {
    PyObject *o[2];
    Py_buffer v[2];
    Py_ssize_t n, m, ld, r, j;
    double slack, scale = 0.0, bound, *w = NULL;
    int answer = 1;
    if (!PyArg_ParseTuple(args, "OOnnd", &o[0], &o[1], &n, &m, &slack))
        return NULL;
    if (n < 1 || m < 3) return PyLong_FromLong(-1);
    if (get_array(o[0], &v[0], m, 0, 0, "t") < 0) return NULL;
    if (get_table(o[1], &v[1], n, m, &ld, "g") < 0) {
        PyBuffer_Release(&v[0]);
        return NULL;
    }
    w = malloc(sizeof(double) * m);
    if (!w) {
        PyErr_NoMemory();
    } else {
        const double *t = v[0].buf, *g = v[1].buf;
        for (j = 1; j < m - 1; j++) w[j] = (t[j] - t[0]) / (t[m - 1] - t[0]);
        for (r = 0; r < n; r++)
            for (j = 0; j < m; j++) {
                double a = fabs(g[r * ld + j]);
                if (isnan(a)) answer = -1;      /* NumPy's maximum would be NaN */
                else if (a > scale) scale = a;
            }
        bound = slack * (scale + 1e-300);
        for (r = 0; r < n && answer == 1; r++) {
            const double *row = g + r * ld;
            double first = row[0], span = row[m - 1] - row[0];
            for (j = 1; j < m - 1; j++)
                if (!(fabs((first + span * w[j]) - row[j]) <= bound)) {
                    answer = 0;
                    break;
                }
        }
    }
    free(w);
    PyBuffer_Release(&v[0]);
    PyBuffer_Release(&v[1]);
    if (PyErr_Occurred()) return NULL;
    return PyLong_FromLong(answer);
}

/* The float64 buffer of obj as a table of n rows (any row and column strides, as NumPy views
 * and broadcasts give), its width into *width; on a mismatch a ValueError, and -1. */
static int get_strided(PyObject *obj, Py_buffer *view, Py_ssize_t n, Py_ssize_t *width) {
    const char *f;
    if (PyObject_GetBuffer(obj, view, PyBUF_STRIDES | PyBUF_FORMAT) < 0)
        return -1;
    f = view->format ? view->format : "B";
    if (*f == '=' || *f == '<' || *f == '@') f++;
    if (view->itemsize != 8 || strcmp(f, "d") != 0 || view->ndim != 2 || view->shape[0] != n ||
        view->strides[0] % 8 != 0 || view->strides[1] % 8 != 0) {
        PyErr_Format(PyExc_ValueError, "tables must be float64 of %zd rows", n);
        PyBuffer_Release(view);
        return -1;
    }
    *width = view->shape[1];
    return 0;
}

/* gather(out1, out2, tables1, tables2, which, column, n, c): column a of out1 and out2 (n, c,
 * C-contiguous, written) is column column[a] of tables1[which[a]] and tables2[which[a]]
 * (tuples of tables of n rows). Only copies, row by row: one pass over the result. */
static PyObject *gather(PyObject *self, PyObject *args) {
    PyObject *o[6];
    Py_buffer v[4], *t = NULL;
    Py_ssize_t n, c, k = 0, i, a, r, got = 0, held = 0, *width = NULL;
    const double **src = NULL;
    Py_ssize_t *step = NULL;
    if (!PyArg_ParseTuple(args, "OOO!O!OOnn", &o[0], &o[1], &PyTuple_Type, &o[2],
                          &PyTuple_Type, &o[3], &o[4], &o[5], &n, &c))
        return NULL;
    if (n < 0 || c < 0) { PyErr_SetString(PyExc_ValueError, "bad shape"); return NULL; }
    k = PyTuple_GET_SIZE(o[2]);
    if (PyTuple_GET_SIZE(o[3]) != k) {
        PyErr_SetString(PyExc_ValueError, "tables1 and tables2 must be as many");
        return NULL;
    }
    for (got = 0; got < 4; got++)
        if (get_array(o[got < 2 ? got : got + 2], &v[got], got < 2 ? n * c : c, got >= 2,
                      got < 2, got < 2 ? "out" : "which or column") < 0)
            goto done;
    t = malloc(sizeof(Py_buffer) * (2 * k + 1));
    width = malloc(sizeof(Py_ssize_t) * (2 * k + 1));
    src = malloc(sizeof(double *) * (2 * c + 1));
    step = malloc(sizeof(Py_ssize_t) * (2 * c + 1));
    if (!t || !width || !src || !step) { PyErr_NoMemory(); goto done; }
    for (held = 0; held < 2 * k; held++)
        if (get_strided(PyTuple_GET_ITEM(o[2 + held / k], held % k), &t[held], n,
                        &width[held]) < 0)
            goto done;
    {
        const int64_t *which = v[2].buf, *column = v[3].buf;
        for (a = 0; a < c; a++) {
            if (which[a] < 0 || which[a] >= k) {
                PyErr_SetString(PyExc_ValueError, "which out of range");
                goto done;
            }
            for (i = 0; i < 2; i++) {
                Py_buffer *b = &t[i * k + which[a]];
                if (column[a] < 0 || column[a] >= width[i * k + which[a]]) {
                    PyErr_SetString(PyExc_ValueError, "column out of range");
                    goto done;
                }
                src[i * c + a] = (const double *)b->buf + column[a] * (b->strides[1] / 8);
                step[i * c + a] = b->strides[0] / 8;
            }
        }
    }
    for (i = 0; i < 2; i++) {
        double *out = v[i].buf;
        const double **from = src + i * c;
        const Py_ssize_t *by = step + i * c;
        for (r = 0; r < n; r++)
            for (a = 0; a < c; a++)
                out[r * c + a] = from[a][r * by[a]];
    }
done:
    for (i = 0; i < held; i++) PyBuffer_Release(&t[i]);
    for (i = 0; i < got; i++) PyBuffer_Release(&v[i]);
    free(t); free(width); free(src); free(step);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

/* accepted_sums(g1, g2, out, n, m): out[j] = the sum over the draws r, in order from 0.0, of
 * g1[r, j] where g2[r, j] >= 0 and 0.0 elsewhere (tables of n rows and m columns, any strides):
 * np.where(g2 >= 0, g1, 0.0).sum(axis=0), which NumPy sums so, row after row from 0.0, where
 * that table is C-contiguous with at least two columns. */
static PyObject *accepted_sums(PyObject *self, PyObject *args) {
    PyObject *o[3];
    Py_buffer v[3];
    Py_ssize_t n, m, width[2], r, j, s1[2], s0[2];
    int got = 0, i;
    if (!PyArg_ParseTuple(args, "OOOnn", &o[0], &o[1], &o[2], &n, &m))
        return NULL;
    if (n < 0 || m < 0) { PyErr_SetString(PyExc_ValueError, "bad shape"); return NULL; }
    for (got = 0; got < 2; got++) {
        if (get_strided(o[got], &v[got], n, &width[got]) < 0) goto done;
        if (width[got] != m) {
            PyErr_SetString(PyExc_ValueError, "g1 and g2 must have m columns");
            got++;
            goto done;
        }
        s0[got] = v[got].strides[0] / 8;
        s1[got] = v[got].strides[1] / 8;
    }
    if (get_array(o[2], &v[2], m, 0, 1, "out") < 0) goto done;
    got = 3;
    {
        const double *g1 = v[0].buf, *g2 = v[1].buf;
        double *restrict out = v[2].buf;
        for (j = 0; j < m; j++) out[j] = 0.0;
        if (s1[0] == 1 && s1[1] == 1) {     /* rows contiguous: a loop the compiler vectorises */
            for (r = 0; r < n; r++) {
                const double *restrict a = g1 + r * s0[0], *restrict b = g2 + r * s0[1];
                for (j = 0; j < m; j++) {
                    double gain = a[j];
                    out[j] = out[j] + (b[j] >= 0 ? gain : 0.0);
                }
            }
        } else {
            for (r = 0; r < n; r++)
                for (j = 0; j < m; j++)
                    out[j] = out[j] + (g2[r * s0[1] + j * s1[1]] >= 0
                                       ? g1[r * s0[0] + j * s1[0]] : 0.0);
        }
    }
done:
    for (i = 0; i < got; i++) PyBuffer_Release(&v[i]);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"line_candidates", line_candidates, METH_VARARGS,
     "Candidate positions along a line and their values (see ask.line_candidates); -1: the "
     "NumPy code must answer."},
    {"affine", affine, METH_VARARGS,
     "Whether every row lies on the line through its ends (see ask._affine); -1: the NumPy "
     "code must answer."},
    {"accepted_sums", accepted_sums, METH_VARARGS,
     "Player 1's gains summed over the draws that accept, per column (see "
     "ask.accepted_sums)."},
    {"gather", gather, METH_VARARGS,
     "Columns of several pairs of tables into one pair (see "
     "batch.take_it_or_leave_it._gathered)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_ask",
    "Compiled loop of games.bargaining.ask (the NumPy code is the reference).", -1, methods,
};

PyMODINIT_FUNC PyInit__ask(void) { return PyModule_Create(&module); }
