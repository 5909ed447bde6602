/* Compiled inner loops of the equilibrium solvers; the pure-NumPy code stays the reference.
 *
 * Each function repeats, operation for operation, a loop written in NumPy elsewhere in this
 * package, so the compiled and pure paths visit the same pivots and return the same numbers:
 *
 *   lemke_howson  - pivoting.Dictionary and lemke_howson.lemke_howson_path
 *   simplex       - zero_sum.simplex_strategies (Dantzig's rule, lexicographic ratio test)
 *   feasible_bases - polytope.feasible_bases_stack (breadth-first walk over the feasible
 *                   bases of {z >= 0, M^T z <= 1}, lexicographic ratio test)
 *
 * Arrays come in and go out through the buffer protocol as C-contiguous float64 (and int64)
 * buffers, so no NumPy headers are needed to build this file. The build turns off
 * floating-point contraction (fused multiply-add), which would round differently from NumPy.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PIVOT_TOL 1e-9
#define LH_TIE 1e-12
#define WALK_TIE 1e-11
#define OPTIMAL_TOL 1e-12

/* ---------- buffers ---------- */

static int get_buffer(PyObject *obj, Py_buffer *view, Py_ssize_t doubles, int writable,
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

/* ---------- the dictionary C v + s = 1, pivoted in place (pivoting.Dictionary) ---------- */

typedef struct {
    int rows, total, k, width;    /* pivot rows, rows with extra rows, nonbasic columns, k + 1 */
    double *table;                /* total x width, right-hand side last */
    int *basis, *nonbasic, *row_of, *column_of, *lex;
    double *column, *ratios;
    int *tied;
} Dictionary;

static void dictionary_free(Dictionary *D) {
    free(D->table); free(D->basis); free(D->nonbasic); free(D->row_of); free(D->column_of);
    free(D->lex); free(D->column); free(D->ratios); free(D->tied);
}

/* The slacks (labels basic_first..) basic, the k variables labelled nonbasic_first.. not. */
static int dictionary_init(Dictionary *D, int rows, int extra, int k, int nonbasic_first,
                           int basic_first) {
    int labels = rows + k, i;
    memset(D, 0, sizeof(*D));
    D->rows = rows; D->total = rows + extra; D->k = k; D->width = k + 1;
    D->table = malloc(sizeof(double) * (size_t)D->total * D->width);
    D->basis = malloc(sizeof(int) * rows); D->nonbasic = malloc(sizeof(int) * k);
    D->row_of = malloc(sizeof(int) * labels); D->column_of = malloc(sizeof(int) * labels);
    D->lex = malloc(sizeof(int) * rows); D->column = malloc(sizeof(double) * D->total);
    D->ratios = malloc(sizeof(double) * rows); D->tied = malloc(sizeof(int) * rows);
    if (!D->table || !D->basis || !D->nonbasic || !D->row_of || !D->column_of || !D->lex ||
        !D->column || !D->ratios || !D->tied) {
        dictionary_free(D);
        return -1;
    }
    for (i = 0; i < labels; i++) { D->row_of[i] = -1; D->column_of[i] = -1; }
    for (i = 0; i < rows; i++) {
        D->basis[i] = D->lex[i] = basic_first + i;
        D->row_of[basic_first + i] = i;
        D->table[(size_t)i * D->width + k] = 1.0;
    }
    for (i = 0; i < k; i++) {
        D->nonbasic[i] = nonbasic_first + i;
        D->column_of[nonbasic_first + i] = i;
    }
    return 0;
}

static double full_column_entry(const Dictionary *D, int label, int row) {
    int column = D->column_of[label];
    if (column >= 0) return D->table[(size_t)row * D->width + column];
    return row == D->row_of[label] ? 1.0 : 0.0;
}

/* Lexicographic minimum-ratio test (Dictionary.leaving_row); -1 when unbounded. */
static int leaving_row(Dictionary *D, int label) {
    int rows = D->rows, width = D->width, c = D->column_of[label], first = 0, count = 0, i, t, l;
    double best = INFINITY, bound, *ratios = D->ratios;
    const double *T = D->table;
    for (i = 0; i < rows; i++) {
        double entry = T[(size_t)i * width + c];
        ratios[i] = entry > PIVOT_TOL ? T[(size_t)i * width + width - 1] / entry : INFINITY;
        if (ratios[i] < best) { best = ratios[i]; first = i; }
    }
    if (best == INFINITY) return -1;
    bound = best + LH_TIE * fmax(1.0, fabs(best));
    for (i = 0; i < rows; i++)
        if (ratios[i] <= bound) D->tied[count++] = i;
    if (count == 1) return first;
    for (l = 0; l < rows; l++) {
        int lex = D->lex[l], kept = 0;
        double key_best = INFINITY;
        for (t = 0; t < count; t++) {
            i = D->tied[t];
            ratios[t] = full_column_entry(D, lex, i) / T[(size_t)i * width + c];
            if (ratios[t] < key_best) key_best = ratios[t];
        }
        bound = key_best + LH_TIE * fmax(1.0, fabs(key_best));
        for (t = 0; t < count; t++)
            if (ratios[t] <= bound) D->tied[kept++] = D->tied[t];
        count = kept;
        if (count == 1) break;
    }
    return D->tied[0];
}

/* Dictionary.pivot: ``label`` enters at ``row``; returns the label that leaves. */
static int pivot(Dictionary *D, int label, int row) {
    int k = D->column_of[label], total = D->total, width = D->width, i, j, leaving;
    double *T = D->table, *column = D->column, *pivot_row = T + (size_t)row * width, p, inverse;
    for (i = 0; i < total; i++) column[i] = T[(size_t)i * width + k];
    p = column[row];
    for (j = 0; j < width; j++) pivot_row[j] /= p;
    inverse = 1.0 / p;
    column[row] = 0.0;
    for (i = 0; i < total; i++) {
        double factor = column[i], *target = T + (size_t)i * width;
        for (j = 0; j < width; j++) {
            double product = factor * pivot_row[j];
            target[j] = target[j] - product;
        }
    }
    for (i = 0; i < total; i++) T[(size_t)i * width + k] = column[i] * -inverse;
    T[(size_t)row * width + k] = inverse;
    leaving = D->basis[row];
    D->basis[row] = label; D->nonbasic[k] = leaving;
    D->row_of[label] = row; D->column_of[label] = -1;
    D->row_of[leaving] = -1; D->column_of[leaving] = k;
    return leaving;
}

/* lemke_howson(A, B, m, n, initial_label, max_pivots, x, y) -> pivots; -1: no end within
 * max_pivots, -2: an unbounded ray. A, B: normalised payoffs (m x n); x (m), y (n) receive
 * the unnormalised end point. */
static PyObject *lemke_howson(PyObject *self, PyObject *args) {
    PyObject *a_obj, *b_obj, *x_obj, *y_obj;
    int m, n, initial, max_pivots, i, j, result = -1, pivots, entering, row;
    Py_buffer a, b, x, y;
    Dictionary P, Q, *current;
    if (!PyArg_ParseTuple(args, "OOiiiiOO", &a_obj, &b_obj, &m, &n, &initial, &max_pivots,
                          &x_obj, &y_obj))
        return NULL;
    if (m < 1 || n < 1 || initial < 0 || initial >= m + n) {
        PyErr_SetString(PyExc_ValueError, "bad shape or initial label");
        return NULL;
    }
    if (get_buffer(a_obj, &a, (Py_ssize_t)m * n, 0, "A") < 0) return NULL;
    if (get_buffer(b_obj, &b, (Py_ssize_t)m * n, 0, "B") < 0) { PyBuffer_Release(&a); return NULL; }
    if (get_buffer(x_obj, &x, m, 1, "x") < 0) {
        PyBuffer_Release(&a); PyBuffer_Release(&b); return NULL;
    }
    if (get_buffer(y_obj, &y, n, 1, "y") < 0) {
        PyBuffer_Release(&a); PyBuffer_Release(&b); PyBuffer_Release(&x); return NULL;
    }
    /* P: B^T x + s = 1 (x labelled 0..m-1, s m..); Q: A y + r = 1 (r 0..m-1, y m..). */
    if (dictionary_init(&P, n, 0, m, 0, m) < 0) goto memory;
    if (dictionary_init(&Q, m, 0, n, m, 0) < 0) { dictionary_free(&P); goto memory; }
    {
        const double *A = a.buf, *B = b.buf;
        for (i = 0; i < n; i++)
            for (j = 0; j < m; j++) P.table[(size_t)i * P.width + j] = B[(size_t)j * n + i];
        for (i = 0; i < m; i++)
            for (j = 0; j < n; j++) Q.table[(size_t)i * Q.width + j] = A[(size_t)i * n + j];
    }
    Py_BEGIN_ALLOW_THREADS
    entering = initial;
    current = initial < m ? &P : &Q;
    for (pivots = 1; pivots <= max_pivots; pivots++) {
        int leaving;
        row = leaving_row(current, entering);
        if (row < 0) { result = -2; break; }
        leaving = pivot(current, entering, row);
        if (leaving == initial) {
            double *xs = x.buf, *ys = y.buf;
            for (i = 0; i < m; i++) xs[i] = 0.0;
            for (j = 0; j < n; j++) ys[j] = 0.0;
            for (i = 0; i < P.rows; i++)
                if (P.basis[i] < m) xs[P.basis[i]] = P.table[(size_t)i * P.width + P.k];
            for (i = 0; i < Q.rows; i++)
                if (Q.basis[i] >= m) ys[Q.basis[i] - m] = Q.table[(size_t)i * Q.width + Q.k];
            result = pivots;
            break;
        }
        entering = leaving;
        current = current == &P ? &Q : &P;
    }
    Py_END_ALLOW_THREADS
    dictionary_free(&P); dictionary_free(&Q);
    PyBuffer_Release(&a); PyBuffer_Release(&b); PyBuffer_Release(&x); PyBuffer_Release(&y);
    return PyLong_FromLong(result);
memory:
    PyBuffer_Release(&a); PyBuffer_Release(&b); PyBuffer_Release(&x); PyBuffer_Release(&y);
    return PyErr_NoMemory();
}

/* simplex(M, m, n, max_pivots, u, prices) -> pivots; -1: no end within max_pivots, -2: an
 * unbounded ray. Solves max 1^T u s.t. M u <= 1, u >= 0 as zero_sum.simplex_strategies does;
 * u (n) receives the primal solution, prices (m) the objective row under the slacks. */
static PyObject *simplex(PyObject *self, PyObject *args) {
    PyObject *m_obj, *u_obj, *p_obj;
    int m, n, max_pivots, i, j, pivots, result = -1;
    Py_buffer mb, ub, pb;
    Dictionary D;
    if (!PyArg_ParseTuple(args, "OiiiOO", &m_obj, &m, &n, &max_pivots, &u_obj, &p_obj))
        return NULL;
    if (m < 1 || n < 1) { PyErr_SetString(PyExc_ValueError, "bad shape"); return NULL; }
    if (get_buffer(m_obj, &mb, (Py_ssize_t)m * n, 0, "M") < 0) return NULL;
    if (get_buffer(u_obj, &ub, n, 1, "u") < 0) { PyBuffer_Release(&mb); return NULL; }
    if (get_buffer(p_obj, &pb, m, 1, "prices") < 0) {
        PyBuffer_Release(&mb); PyBuffer_Release(&ub); return NULL;
    }
    if (dictionary_init(&D, m, 1, n, m, 0) < 0) {
        PyBuffer_Release(&mb); PyBuffer_Release(&ub); PyBuffer_Release(&pb);
        return PyErr_NoMemory();
    }
    {
        const double *M = mb.buf;
        for (i = 0; i < m; i++)
            for (j = 0; j < n; j++) D.table[(size_t)i * D.width + j] = M[(size_t)i * n + j];
        for (j = 0; j < n; j++) D.table[(size_t)m * D.width + j] = -1.0;
        D.table[(size_t)m * D.width + n] = 0.0;
    }
    Py_BEGIN_ALLOW_THREADS
    for (pivots = 0; pivots <= max_pivots; pivots++) {
        const double *objective = D.table + (size_t)m * D.width;
        int column = 0, row;
        for (j = 1; j < n; j++)
            if (objective[j] < objective[column]) column = j;
        if (objective[column] >= -OPTIMAL_TOL) { result = pivots; break; }
        if (pivots == max_pivots) break;
        row = leaving_row(&D, D.nonbasic[column]);
        if (row < 0) { result = -2; break; }
        pivot(&D, D.nonbasic[column], row);
    }
    if (result >= 0) {
        double *u = ub.buf, *prices = pb.buf;
        for (j = 0; j < n; j++) u[j] = 0.0;
        for (i = 0; i < m; i++) prices[i] = 0.0;
        for (i = 0; i < m; i++)
            if (D.basis[i] >= m) u[D.basis[i] - m] = D.table[(size_t)i * D.width + n];
        for (j = 0; j < n; j++)
            if (D.nonbasic[j] < m) prices[D.nonbasic[j]] = D.table[(size_t)m * D.width + j];
    }
    Py_END_ALLOW_THREADS
    dictionary_free(&D);
    PyBuffer_Release(&mb); PyBuffer_Release(&ub); PyBuffer_Release(&pb);
    return PyLong_FromLong(result);
}

/* ---------- the walk over feasible bases (polytope.feasible_bases_stack) ---------- */

typedef struct { uint64_t *keys; size_t capacity, count; } KeySet;

static int keyset_add(KeySet *s, uint64_t key);

static int keyset_grow(KeySet *s) {
    size_t old = s->capacity, i;
    uint64_t *keys = s->keys;
    s->capacity = old ? 2 * old : 256;
    s->keys = calloc(s->capacity, sizeof(uint64_t));
    if (!s->keys) { s->keys = keys; s->capacity = old; return -1; }
    s->count = 0;
    for (i = 0; i < old; i++)
        if (keys[i]) keyset_add(s, keys[i]);
    free(keys);
    return 0;
}

/* 1 if added, 0 if present, -1 out of memory. Keys are nonzero (a basis has a variable). */
static int keyset_add(KeySet *s, uint64_t key) {
    size_t i;
    if (2 * (s->count + 1) > s->capacity && keyset_grow(s) < 0) return -1;
    i = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 17) & (s->capacity - 1);
    while (s->keys[i]) {
        if (s->keys[i] == key) return 0;
        i = (i + 1) & (s->capacity - 1);
    }
    s->keys[i] = key;
    s->count++;
    return 1;
}

typedef struct { char *data; size_t size, capacity; } Bytes;

static void *bytes_extend(Bytes *b, size_t size) {
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

/* Leaving row of the lexicographic ratio test for entering variable v (polytope.
 * lexicographic_rows); -1 when no entry is positive. ``candidates`` has room for e ints. */
static int walk_leaving_row(const double *T, int e, int width, int d, int v, int *candidates,
                            double *ratios) {
    int count = 0, kept, i, t, key;
    double best = INFINITY, bound;
    for (i = 0; i < e; i++) {
        double entry = T[(size_t)i * width + v];
        if (entry > PIVOT_TOL) {
            double ratio = T[(size_t)i * width + width - 1] / entry;
            candidates[count] = i; ratios[count++] = ratio;
            if (ratio < best) best = ratio;
        }
    }
    if (count == 0) return -1;
    bound = best + WALK_TIE * fmax(1.0, fabs(best));
    for (t = 0, kept = 0; t < count; t++)
        if (ratios[t] <= bound) candidates[kept++] = candidates[t];
    count = kept;
    for (key = d; key < d + e && count > 1; key++) {
        best = INFINITY;
        for (t = 0; t < count; t++) {
            i = candidates[t];
            ratios[t] = T[(size_t)i * width + key] / T[(size_t)i * width + v];
            if (ratios[t] < best) best = ratios[t];
        }
        bound = best + WALK_TIE * fmax(1.0, fabs(best));
        for (t = 0, kept = 0; t < count; t++)
            if (ratios[t] <= bound) candidates[kept++] = candidates[t];
        count = kept;
    }
    return candidates[0];
}

/* Walk one polytope; append its bases (e int64 each) to ``out``. Returns the number of
 * bases, -1 when more than max_bases, -2 out of memory. */
static Py_ssize_t walk(const double *M, int d, int e, Py_ssize_t max_bases, Bytes *out) {
    int width = d + e + 1, i, j, v, r;
    size_t table_size = (size_t)e * width;
    Bytes level = {0}, next = {0}, level_bases = {0}, next_bases = {0};
    KeySet seen = {0};
    Py_ssize_t found = 1, in_level = 1, in_next, node;
    int *candidates = malloc(sizeof(int) * e), *is_basic = malloc(sizeof(int) * (d + e));
    double *ratios = malloc(sizeof(double) * e), *T;
    int64_t *basis, *child_basis;
    uint64_t key;
    if (!candidates || !is_basic || !ratios) { found = -2; goto done; }
    T = bytes_extend(&level, sizeof(double) * table_size);
    basis = bytes_extend(&level_bases, sizeof(int64_t) * e);
    if (!T || !basis) { found = -2; goto done; }
    for (i = 0; i < e; i++) {
        for (j = 0; j < d; j++) T[(size_t)i * width + j] = M[(size_t)j * e + i];
        for (j = 0; j < e; j++) T[(size_t)i * width + d + j] = i == j ? 1.0 : 0.0;
        T[(size_t)i * width + width - 1] = 1.0;
        basis[i] = d + i;
    }
    key = 0;
    for (i = 0; i < e; i++) key |= (uint64_t)1 << basis[i];
    if (keyset_add(&seen, key) < 0) { found = -2; goto done; }
    if (!bytes_extend(out, sizeof(int64_t) * e)) { found = -2; goto done; }
    memcpy(out->data + out->size - sizeof(int64_t) * e, basis, sizeof(int64_t) * e);
    while (in_level) {
        in_next = 0; next.size = 0; next_bases.size = 0;
        for (node = 0; node < in_level; node++) {
            const double *parent = (const double *)level.data + (size_t)node * table_size;
            const int64_t *parent_basis = (const int64_t *)level_bases.data + (size_t)node * e;
            uint64_t parent_key = 0;
            for (v = 0; v < d + e; v++) is_basic[v] = 0;
            for (i = 0; i < e; i++) {
                is_basic[parent_basis[i]] = 1;
                parent_key |= (uint64_t)1 << parent_basis[i];
            }
            for (v = 0; v < d + e; v++) {
                double *child, pivot;
                int added;
                if (is_basic[v]) continue;
                r = walk_leaving_row(parent, e, width, d, v, candidates, ratios);
                if (r < 0) continue;
                key = (parent_key & ~((uint64_t)1 << parent_basis[r])) | ((uint64_t)1 << v);
                added = keyset_add(&seen, key);
                if (added < 0) { found = -2; goto done; }
                if (!added) continue;
                if (++found > max_bases) { found = -1; goto done; }
                /* The new tableau: divide the pivot row, eliminate the column elsewhere. */
                child = bytes_extend(&next, sizeof(double) * table_size);
                child_basis = bytes_extend(&next_bases, sizeof(int64_t) * e);
                if (!child || !child_basis) { found = -2; goto done; }
                parent = (const double *)level.data + (size_t)node * table_size;
                pivot = parent[(size_t)r * width + v];
                for (j = 0; j < width; j++)
                    child[(size_t)r * width + j] = parent[(size_t)r * width + j] / pivot;
                for (i = 0; i < e; i++) {
                    double factor;
                    if (i == r) continue;
                    factor = parent[(size_t)i * width + v];
                    for (j = 0; j < width; j++) {
                        double product = factor * child[(size_t)r * width + j];
                        child[(size_t)i * width + j] = parent[(size_t)i * width + j] - product;
                    }
                }
                memcpy(child_basis, parent_basis, sizeof(int64_t) * e);
                child_basis[r] = v;
                if (!bytes_extend(out, sizeof(int64_t) * e)) { found = -2; goto done; }
                memcpy(out->data + out->size - sizeof(int64_t) * e, child_basis,
                       sizeof(int64_t) * e);
                in_next++;
            }
        }
        { Bytes swap = level; level = next; next = swap; }
        { Bytes swap = level_bases; level_bases = next_bases; next_bases = swap; }
        in_level = in_next;
    }
done:
    free(level.data); free(next.data); free(level_bases.data); free(next_bases.data);
    free(seen.keys); free(candidates); free(is_basic); free(ratios);
    return found;
}

/* feasible_bases(M, K, d, e, max_bases) -> (bases bytes (int64, e per basis), counts list)
 * or None when a polytope has more than max_bases feasible bases. */
static PyObject *feasible_bases(PyObject *self, PyObject *args) {
    PyObject *m_obj, *counts = NULL, *result = NULL;
    int K, d, e, k;
    Py_ssize_t max_bases, found = 0;
    Py_buffer mb;
    Bytes out = {0};
    if (!PyArg_ParseTuple(args, "Oiiin", &m_obj, &K, &d, &e, &max_bases)) return NULL;
    if (K < 1 || d < 1 || e < 1 || d + e > 63) {
        PyErr_SetString(PyExc_ValueError, "bad shape (d + e must be at most 63)");
        return NULL;
    }
    if (get_buffer(m_obj, &mb, (Py_ssize_t)K * d * e, 0, "M") < 0) return NULL;
    counts = PyList_New(K);
    if (!counts) { PyBuffer_Release(&mb); return NULL; }
    for (k = 0; k < K; k++) {
        Py_BEGIN_ALLOW_THREADS
        found = walk((const double *)mb.buf + (size_t)k * d * e, d, e, max_bases, &out);
        Py_END_ALLOW_THREADS
        if (found < 0) break;
        PyList_SET_ITEM(counts, k, PyLong_FromSsize_t(found));
    }
    PyBuffer_Release(&mb);
    if (found == -2) {
        PyErr_NoMemory();
    } else if (found == -1) {
        Py_INCREF(Py_None);
        result = Py_None;
    } else {
        PyObject *bases = PyBytes_FromStringAndSize(out.data ? out.data : "", (Py_ssize_t)out.size);
        if (bases) result = Py_BuildValue("(NO)", bases, counts);
    }
    free(out.data);
    Py_DECREF(counts);
    return result;
}

/* ---------- vertex enumeration of one game (vertex_enumeration.py) ---------- */

#define LABEL_TOL 1e-9
#define SINGULAR 1e-11

typedef struct { double *z; uint64_t *labels; Py_ssize_t count; } Vertices;

/* z solves  [M^T | I][:, basis] values = 1  (e x e) by Gaussian elimination with partial
 * pivoting; returns -1 when a pivot is exactly zero (where LAPACK raises), else 0 and in
 * *nearly_singular whether |det| <= 1e-11 x the product of the row norms (Hadamard's bound):
 * the test supports.solve_carefully applies to every system once one is exactly singular. */
static int basis_point(const double *M, int d, int e, const int64_t *basis, double *work,
                       double *z, int *nearly_singular) {
    int i, j, c, r, best;
    double det = 1.0, norms = 1.0;
    /* work: e rows of e + 1 (system, then right-hand side) */
    for (i = 0; i < e; i++) {
        double norm = 0.0;
        for (j = 0; j < e; j++) {
            int64_t v = basis[j];
            double entry = v < d ? M[(size_t)v * e + i] : (v - d == i ? 1.0 : 0.0);
            work[(size_t)i * (e + 1) + j] = entry;
            norm += entry * entry;
        }
        work[(size_t)i * (e + 1) + e] = 1.0;
        norms *= sqrt(norm);
    }
    for (c = 0; c < e; c++) {
        double *pivot_row, pivot;
        best = c;
        for (r = c + 1; r < e; r++)
            if (fabs(work[(size_t)r * (e + 1) + c]) > fabs(work[(size_t)best * (e + 1) + c]))
                best = r;
        if (best != c) {
            det = -det;
            for (j = 0; j <= e; j++) {
                double t = work[(size_t)c * (e + 1) + j];
                work[(size_t)c * (e + 1) + j] = work[(size_t)best * (e + 1) + j];
                work[(size_t)best * (e + 1) + j] = t;
            }
        }
        pivot_row = work + (size_t)c * (e + 1);
        pivot = pivot_row[c];
        det *= pivot;
        if (pivot == 0.0) return -1;
        for (r = c + 1; r < e; r++) {
            double *row = work + (size_t)r * (e + 1), factor = row[c] / pivot;
            for (j = c; j <= e; j++) row[j] -= factor * pivot_row[j];
        }
    }
    *nearly_singular = !(fabs(det) > SINGULAR * norms);
    for (i = 0; i < d; i++) z[i] = 0.0;
    for (c = e - 1; c >= 0; c--) {
        double *row = work + (size_t)c * (e + 1), value = row[e];
        for (j = c + 1; j < e; j++) value -= row[j] * work[(size_t)j * (e + 1) + e];
        value /= row[c];
        row[e] = value;  /* back substitution in place: the solution of unknown c */
        if (basis[c] < d) z[basis[c]] = value;
    }
    return 0;
}

static int popcount64(uint64_t v) {
    int count = 0;
    while (v) { v &= v - 1; count++; }
    return count;
}

/* The distinct nonzero vertices of {z >= 0, M^T z <= 1} and their label masks (label i for
 * z_i = 0, d + j for (M^T z)_j = 1), from the feasible bases: stacked_polytope_vertices and
 * distinct_vertices. Returns 0, -1 (too many bases), -2 (out of memory). */
static int polytope_vertices(const double *M, int d, int e, Py_ssize_t max_bases, Vertices *out) {
    Bytes bases = {0};
    Py_ssize_t count = walk(M, d, e, max_bases, &bases), b, v, w;
    double *work = NULL, *load = NULL, *points = NULL;
    int i, j, wide = 0, singular = 0, *status = NULL;
    out->z = NULL; out->labels = NULL; out->count = 0;
    if (count < 0) { free(bases.data); return (int)count; }
    out->z = malloc(sizeof(double) * (size_t)count * d);
    out->labels = malloc(sizeof(uint64_t) * (size_t)count);
    work = malloc(sizeof(double) * (size_t)e * (e + 1));
    load = malloc(sizeof(double) * (size_t)e);
    if (!out->z || !out->labels || !work || !load) {
        free(bases.data); free(work); free(load); return -2;
    }
    points = malloc(sizeof(double) * (size_t)count * d);
    status = malloc(sizeof(int) * (size_t)count);
    if (!points || !status) {
        free(bases.data); free(work); free(load); free(points); free(status); return -2;
    }
    for (b = 0; b < count; b++) {
        int nearly_singular = 0;
        if (basis_point(M, d, e, (const int64_t *)bases.data + (size_t)b * e, work,
                        points + (size_t)b * d, &nearly_singular) < 0) {
            status[b] = -1;
            singular = 1;
        } else {
            status[b] = nearly_singular;
        }
    }
    for (b = 0; b < count; b++) {
        double *z = out->z + (size_t)out->count * d, total = 0.0;
        uint64_t labels = 0;
        int real = 1;
        if (status[b] < 0 || (singular && status[b])) continue;
        memcpy(z, points + (size_t)b * d, sizeof(double) * d);
        for (i = 0; i < d; i++) {
            if (!isfinite(z[i]) || z[i] < -LABEL_TOL) real = 0;
            total += z[i];
        }
        if (!real || !(total > LABEL_TOL)) continue;
        for (j = 0; j < e; j++) {
            double sum = 0.0;
            for (i = 0; i < d; i++) sum += z[i] * M[(size_t)i * e + j];
            if (!(sum <= 1.0 + LABEL_TOL)) real = 0;
            load[j] = sum;
        }
        if (!real) continue;
        for (i = 0; i < d; i++)
            if (fabs(z[i]) <= LABEL_TOL) labels |= (uint64_t)1 << i;
        for (j = 0; j < e; j++)
            if (load[j] >= 1.0 - LABEL_TOL) labels |= (uint64_t)1 << (d + j);
        for (v = 0; v < out->count; v++)  /* a degenerate vertex is reached from several bases */
            if (out->labels[v] == labels) break;
        if (v < out->count) continue;
        out->labels[out->count++] = labels;
        if (popcount64(labels) > d) wide = 1;
    }
    if (wide) {  /* keep vertices only: drop label sets strictly inside another one */
        Py_ssize_t kept = 0;
        char *drop = calloc((size_t)out->count + 1, 1);
        if (!drop) { free(bases.data); free(work); free(load); free(points); free(status); return -2; }
        for (v = 0; v < out->count; v++)
            for (w = 0; w < out->count; w++)
                if (w != v && (out->labels[v] & ~out->labels[w]) == 0) { drop[v] = 1; break; }
        for (v = 0; v < out->count; v++) {
            if (drop[v]) continue;
            memmove(out->z + (size_t)kept * d, out->z + (size_t)v * d, sizeof(double) * d);
            out->labels[kept++] = out->labels[v];
        }
        out->count = kept;
        free(drop);
    }
    free(bases.data); free(work); free(load); free(points); free(status);
    return 0;
}

/* vertex_equilibria(P, Q, m, n, max_bases) -> (x bytes, y bytes, degenerate, vertices of P,
 * vertices of Q), or None when a polytope has more than max_bases feasible bases. P (m x n)
 * is player 1's polytope matrix, Q (n x m) player 2's; x, y hold the completely labeled pairs
 * (m and n float64 each, normalised to sum 1), pair by pair in the order of P's vertices. */
static PyObject *vertex_equilibria(PyObject *self, PyObject *args) {
    PyObject *p_obj, *q_obj, *result = NULL;
    int m, n, status, degenerate = 0, i, j;
    Py_ssize_t max_bases, a, b;
    Py_buffer pb, qb;
    Vertices X = {0}, Y = {0};
    Bytes xs = {0}, ys = {0};
    uint64_t everything, *y_shared = NULL;
    if (!PyArg_ParseTuple(args, "OOiin", &p_obj, &q_obj, &m, &n, &max_bases)) return NULL;
    if (m < 1 || n < 1 || m + n > 63) {
        PyErr_SetString(PyExc_ValueError, "bad shape (m + n must be at most 63)");
        return NULL;
    }
    if (get_buffer(p_obj, &pb, (Py_ssize_t)m * n, 0, "P") < 0) return NULL;
    if (get_buffer(q_obj, &qb, (Py_ssize_t)m * n, 0, "Q") < 0) { PyBuffer_Release(&pb); return NULL; }
    status = polytope_vertices(pb.buf, m, n, max_bases, &X);
    if (status == 0) status = polytope_vertices(qb.buf, n, m, max_bases, &Y);
    PyBuffer_Release(&pb); PyBuffer_Release(&qb);
    if (status == -1) { Py_INCREF(Py_None); result = Py_None; goto done; }
    if (status < 0) { PyErr_NoMemory(); goto done; }
    /* Q's own labels: y_j = 0 (bit j), row i tight (bit n + i); shared: i, then m + j. */
    y_shared = malloc(sizeof(uint64_t) * (size_t)(Y.count + 1));
    if (!y_shared) { PyErr_NoMemory(); goto done; }
    for (b = 0; b < Y.count; b++) {
        uint64_t own = Y.labels[b];
        y_shared[b] = (own >> n) | ((own & (((uint64_t)1 << n) - 1)) << m);
        if (popcount64(own) > n) degenerate = 1;
    }
    for (a = 0; a < X.count; a++)
        if (popcount64(X.labels[a]) > m) degenerate = 1;
    everything = ((uint64_t)1 << (m + n)) - 1;
    for (a = 0; a < X.count; a++)
        for (b = 0; b < Y.count; b++) {
            double *x, *y, total;
            const double *xa = X.z + (size_t)a * m, *yb = Y.z + (size_t)b * n;
            if ((X.labels[a] | y_shared[b]) != everything) continue;
            x = bytes_extend(&xs, sizeof(double) * m);
            y = bytes_extend(&ys, sizeof(double) * n);
            if (!x || !y) { PyErr_NoMemory(); goto done; }
            for (total = 0.0, i = 0; i < m; i++) total += xa[i];
            for (i = 0; i < m; i++) x[i] = xa[i] / total;
            for (total = 0.0, j = 0; j < n; j++) total += yb[j];
            for (j = 0; j < n; j++) y[j] = yb[j] / total;
        }
    result = Py_BuildValue("(y#y#Onn)", xs.data ? xs.data : "", (Py_ssize_t)xs.size,
                           ys.data ? ys.data : "", (Py_ssize_t)ys.size,
                           degenerate ? Py_True : Py_False, X.count, Y.count);
done:
    free(X.z); free(X.labels); free(Y.z); free(Y.labels); free(y_shared);
    free(xs.data); free(ys.data);
    return result;
}

static PyMethodDef methods[] = {
    {"lemke_howson", lemke_howson, METH_VARARGS, "Lemke-Howson path (see lemke_howson.py)."},
    {"simplex", simplex, METH_VARARGS, "Zero-sum simplex (see zero_sum.py)."},
    {"feasible_bases", feasible_bases, METH_VARARGS, "Walk of feasible bases (see polytope.py)."},
    {"vertex_equilibria", vertex_equilibria, METH_VARARGS,
     "Completely labeled vertex pairs of a game (see vertex_enumeration.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels",
    "Compiled inner loops of the equilibrium solvers (the pure-NumPy code is the reference).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
