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

/* The completely labeled vertex pairs of one game, appended to xs, ys (normalised, in the
 * order of P's vertices). P (m x n) is player 1's polytope matrix, Q (n x m) player 2's.
 * Returns 0, -1 (more than max_bases feasible bases in a polytope), -2 (out of memory). */
static int game_pairs(const double *P, const double *Q, int m, int n, Py_ssize_t max_bases,
                      Bytes *xs, Bytes *ys, int *degenerate, Py_ssize_t *x_count,
                      Py_ssize_t *y_count) {
    Vertices X = {0}, Y = {0};
    uint64_t everything, *y_shared = NULL;
    Py_ssize_t a, b;
    int status, i, j;
    *degenerate = 0;
    status = polytope_vertices(P, m, n, max_bases, &X);
    if (status == 0) status = polytope_vertices(Q, n, m, max_bases, &Y);
    if (status < 0) goto done;
    *x_count = X.count; *y_count = Y.count;
    /* Q's own labels: y_j = 0 (bit j), row i tight (bit n + i); shared: i, then m + j. */
    y_shared = malloc(sizeof(uint64_t) * (size_t)(Y.count + 1));
    if (!y_shared) { status = -2; goto done; }
    for (b = 0; b < Y.count; b++) {
        uint64_t own = Y.labels[b];
        y_shared[b] = (own >> n) | ((own & (((uint64_t)1 << n) - 1)) << m);
        if (popcount64(own) > n) *degenerate = 1;
    }
    for (a = 0; a < X.count; a++)
        if (popcount64(X.labels[a]) > m) *degenerate = 1;
    everything = ((uint64_t)1 << (m + n)) - 1;
    for (a = 0; a < X.count; a++)
        for (b = 0; b < Y.count; b++) {
            double *x, *y, total;
            const double *xa = X.z + (size_t)a * m, *yb = Y.z + (size_t)b * n;
            if ((X.labels[a] | y_shared[b]) != everything) continue;
            x = bytes_extend(xs, sizeof(double) * m);
            y = bytes_extend(ys, sizeof(double) * n);
            if (!x || !y) { status = -2; goto done; }
            for (total = 0.0, i = 0; i < m; i++) total += xa[i];
            for (i = 0; i < m; i++) x[i] = xa[i] / total;
            for (total = 0.0, j = 0; j < n; j++) total += yb[j];
            for (j = 0; j < n; j++) y[j] = yb[j] / total;
        }
done:
    free(X.z); free(X.labels); free(Y.z); free(Y.labels); free(y_shared);
    return status;
}

/* vertex_equilibria(P, Q, m, n, max_bases) -> (x bytes, y bytes, degenerate, vertices of P,
 * vertices of Q), or None when a polytope has more than max_bases feasible bases. */
static PyObject *vertex_equilibria(PyObject *self, PyObject *args) {
    PyObject *p_obj, *q_obj, *result = NULL;
    int m, n, status, degenerate = 0;
    Py_ssize_t max_bases, x_count = 0, y_count = 0;
    Py_buffer pb, qb;
    Bytes xs = {0}, ys = {0};
    if (!PyArg_ParseTuple(args, "OOiin", &p_obj, &q_obj, &m, &n, &max_bases)) return NULL;
    if (m < 1 || n < 1 || m + n > 63) {
        PyErr_SetString(PyExc_ValueError, "bad shape (m + n must be at most 63)");
        return NULL;
    }
    if (get_buffer(p_obj, &pb, (Py_ssize_t)m * n, 0, "P") < 0) return NULL;
    if (get_buffer(q_obj, &qb, (Py_ssize_t)m * n, 0, "Q") < 0) { PyBuffer_Release(&pb); return NULL; }
    status = game_pairs(pb.buf, qb.buf, m, n, max_bases, &xs, &ys, &degenerate, &x_count,
                        &y_count);
    PyBuffer_Release(&pb); PyBuffer_Release(&qb);
    if (status == -1) { Py_INCREF(Py_None); result = Py_None; }
    else if (status < 0) PyErr_NoMemory();
    else result = Py_BuildValue("(y#y#Onn)", xs.data ? xs.data : "", (Py_ssize_t)xs.size,
                                ys.data ? ys.data : "", (Py_ssize_t)ys.size,
                                degenerate ? Py_True : Py_False, x_count, y_count);
    free(xs.data); free(ys.data);
    return result;
}

/* Support order of support enumeration: size, then the row indices, then the column indices
 * (lexicographically; equal sizes make them base-64 numbers). */
static void support_key(const double *x, int m, const double *y, int n, uint64_t key[3]) {
    int i;
    key[0] = 0; key[1] = 0; key[2] = 0;
    for (i = 0; i < m; i++) if (x[i] != 0.0) { key[0]++; key[1] = key[1] * 64 + i; }
    for (i = 0; i < n; i++) if (y[i] != 0.0) key[2] = key[2] * 64 + i;
}

static int key_less(const uint64_t a[3], const uint64_t b[3]) {
    if (a[0] != b[0]) return a[0] < b[0];
    if (a[1] != b[1]) return a[1] < b[1];
    return a[2] < b[2];
}

/* vertex_equilibria_stack(P, Q, K, m, n, max_bases, degenerate) -> (games bytes (int64),
 * x bytes, y bytes) or None (too many bases). P (K, m, n), Q (K, n, m); ``degenerate`` (K
 * bytes) receives each game's flag. The pairs of the nondegenerate games only, game by game,
 * each game's in the support order of support enumeration. */
static PyObject *vertex_equilibria_stack(PyObject *self, PyObject *args) {
    PyObject *p_obj, *q_obj, *d_obj, *result = NULL;
    int K, m, n, status = 0, k;
    Py_ssize_t max_bases, x_count, y_count;
    Py_buffer pb, qb, db;
    Bytes xs = {0}, ys = {0}, gs = {0};
    double *scratch = NULL;
    if (!PyArg_ParseTuple(args, "OOiiinO", &p_obj, &q_obj, &K, &m, &n, &max_bases, &d_obj))
        return NULL;
    if (K < 1 || m < 1 || n < 1 || m + n > 63) {
        PyErr_SetString(PyExc_ValueError, "bad shape (m + n must be at most 63)");
        return NULL;
    }
    if (get_buffer(p_obj, &pb, (Py_ssize_t)K * m * n, 0, "P") < 0) return NULL;
    if (get_buffer(q_obj, &qb, (Py_ssize_t)K * m * n, 0, "Q") < 0) { PyBuffer_Release(&pb); return NULL; }
    if (PyObject_GetBuffer(d_obj, &db, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0 || db.len != K) {
        if (!PyErr_Occurred()) { PyErr_SetString(PyExc_ValueError, "degenerate: K bytes"); PyBuffer_Release(&db); }
        PyBuffer_Release(&pb); PyBuffer_Release(&qb);
        return NULL;
    }
    scratch = malloc(sizeof(double) * (m + n));
    if (!scratch) status = -2;
    for (k = 0; k < K && status == 0; k++) {
        size_t x_start = xs.size, y_start = ys.size;
        int degenerate, count, a, b;
        status = game_pairs((const double *)pb.buf + (size_t)k * m * n,
                            (const double *)qb.buf + (size_t)k * m * n, m, n, max_bases, &xs,
                            &ys, &degenerate, &x_count, &y_count);
        if (status < 0) break;
        ((char *)db.buf)[k] = (char)degenerate;
        count = (int)((xs.size - x_start) / (sizeof(double) * m));
        if (degenerate) { xs.size = x_start; ys.size = y_start; continue; }
        /* insertion sort of this game's pairs by support order */
        for (a = 1; a < count; a++) {
            double *x = (double *)(xs.data + x_start), *y = (double *)(ys.data + y_start);
            uint64_t key[3], other[3];
            support_key(x + (size_t)a * m, m, y + (size_t)a * n, n, key);
            memcpy(scratch, x + (size_t)a * m, sizeof(double) * m);
            memcpy(scratch + m, y + (size_t)a * n, sizeof(double) * n);
            for (b = a - 1; b >= 0; b--) {
                support_key(x + (size_t)b * m, m, y + (size_t)b * n, n, other);
                if (!key_less(key, other)) break;
                memcpy(x + (size_t)(b + 1) * m, x + (size_t)b * m, sizeof(double) * m);
                memcpy(y + (size_t)(b + 1) * n, y + (size_t)b * n, sizeof(double) * n);
            }
            memcpy(x + (size_t)(b + 1) * m, scratch, sizeof(double) * m);
            memcpy(y + (size_t)(b + 1) * n, scratch + m, sizeof(double) * n);
        }
        for (a = 0; a < count; a++) {
            int64_t *g = bytes_extend(&gs, sizeof(int64_t));
            if (!g) { status = -2; break; }
            *g = k;
        }
    }
    PyBuffer_Release(&pb); PyBuffer_Release(&qb); PyBuffer_Release(&db);
    if (status == -1) { Py_INCREF(Py_None); result = Py_None; }
    else if (status < 0) PyErr_NoMemory();
    else result = Py_BuildValue("(y#y#y#)", gs.data ? gs.data : "", (Py_ssize_t)gs.size,
                                xs.data ? xs.data : "", (Py_ssize_t)xs.size,
                                ys.data ? ys.data : "", (Py_ssize_t)ys.size);
    free(xs.data); free(ys.data); free(gs.data); free(scratch);
    return result;
}

/* ---------- stacked 2 x n games by the upper envelope (batch.two_by_n) ---------- */

#define TIE 1e-9
#define FEASIBILITY 1e-7

static double range_of(const double *P, int size) {
    double low = P[0], high = P[0];
    int i;
    for (i = 1; i < size; i++) { if (P[i] < low) low = P[i]; if (P[i] > high) high = P[i]; }
    return high - low;
}

/* two_by_n(A, B, K, n, degenerate) -> (games bytes (int64), x bytes, y bytes): the
 * candidates of the nondegenerate 2 x n games, game by game (pure profiles, then one mixed
 * profile per pair of columns), the arithmetic of batch.two_by_n entry for entry. */
static PyObject *two_by_n(PyObject *self, PyObject *args) {
    PyObject *a_obj, *b_obj, *d_obj, *result = NULL;
    int K, n, k, i, j, j1, j2, l, failed = 0;
    Py_buffer ab, bb, db;
    Bytes xs = {0}, ys = {0}, gs = {0};
    if (!PyArg_ParseTuple(args, "OOiiO", &a_obj, &b_obj, &K, &n, &d_obj)) return NULL;
    if (K < 1 || n < 1) { PyErr_SetString(PyExc_ValueError, "bad shape"); return NULL; }
    if (get_buffer(a_obj, &ab, (Py_ssize_t)K * 2 * n, 0, "A") < 0) return NULL;
    if (get_buffer(b_obj, &bb, (Py_ssize_t)K * 2 * n, 0, "B") < 0) { PyBuffer_Release(&ab); return NULL; }
    if (PyObject_GetBuffer(d_obj, &db, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0 || db.len != K) {
        if (!PyErr_Occurred()) { PyErr_SetString(PyExc_ValueError, "degenerate: K bytes"); PyBuffer_Release(&db); }
        PyBuffer_Release(&ab); PyBuffer_Release(&bb);
        return NULL;
    }
    for (k = 0; k < K && !failed; k++) {
        const double *A = (const double *)ab.buf + (size_t)k * 2 * n;
        const double *B = (const double *)bb.buf + (size_t)k * 2 * n;
        double low = A[0], high = A[0], both, own_A, own_B, tie_A, tie_B, scale_B;
        size_t x_start = xs.size, y_start = ys.size, g_start = gs.size;
        int degenerate = 0, count = 0;
        for (i = 0; i < 2 * n; i++) {
            low = A[i] < low ? A[i] : low;
            high = A[i] > high ? A[i] : high;
            low = B[i] < low ? B[i] : low;
            high = B[i] > high ? B[i] : high;
        }
        both = high - low;
        if (!(both > 0)) both = 1.0;
        own_A = range_of(A, 2 * n); if (!(own_A > 0)) own_A = both;
        own_B = range_of(B, 2 * n); if (!(own_B > 0)) own_B = both;
        scale_B = own_B; tie_A = TIE * own_A; tie_B = TIE * scale_B;
        for (i = 0; i < 2; i++) {  /* ties at the maximum of a row of B */
            double best = B[(size_t)i * n];
            int ties = 0;
            for (j = 1; j < n; j++) if (B[(size_t)i * n + j] > best) best = B[(size_t)i * n + j];
            for (j = 0; j < n; j++) if (B[(size_t)i * n + j] >= best - tie_B) ties++;
            if (ties > 1) degenerate = 1;
        }
        for (j = 0; j < n; j++)
            if (fabs(A[j] - A[n + j]) <= tie_A) degenerate = 1;
        for (i = 0; i < 2 && !degenerate; i++)  /* pure equilibria */
            for (j = 0; j < n; j++) {
                double column_best = A[j] > A[n + j] ? A[j] : A[n + j], row_best = B[(size_t)i * n];
                int l2;
                for (l2 = 1; l2 < n; l2++)
                    if (B[(size_t)i * n + l2] > row_best) row_best = B[(size_t)i * n + l2];
                if (A[(size_t)i * n + j] >= column_best - tie_A &&
                    B[(size_t)i * n + j] >= row_best - tie_B) {
                    double *x = bytes_extend(&xs, 2 * sizeof(double));
                    double *y = bytes_extend(&ys, (size_t)n * sizeof(double));
                    if (!x || !y) { failed = 1; break; }
                    x[0] = i == 0; x[1] = i == 1;
                    for (l = 0; l < n; l++) y[l] = l == j;
                    count++;
                }
            }
        for (j1 = 0; j1 < n && !degenerate && !failed; j1++)  /* mixed: pairs of columns */
            for (j2 = j1 + 1; j2 < n; j2++) {
                double slope1 = B[n + j1] - B[j1], slope2 = B[n + j2] - B[j2];
                double gap = B[j2] - B[j1], turn = slope1 - slope2, p = gap / turn;
                double level = B[j1] + p * slope1, top = 0.0, q, dA1, dA2;
                int at_top = 0, on_top;
                if (!(isfinite(p) && p > TIE && p < 1 - TIE)) continue;
                for (l = 0; l < n; l++) {  /* the envelope's height, NaN-propagating as numpy */
                    double line = B[l] + p * (B[n + l] - B[l]);
                    top = l == 0 ? line : (isnan(top) || isnan(line) ? NAN : (line > top ? line : top));
                    if (line >= level - tie_B) at_top++;
                }
                on_top = top <= level + FEASIBILITY * scale_B;
                if (!on_top) continue;
                if (at_top >= 3) { degenerate = 1; break; }
                dA1 = A[j1] - A[n + j1]; dA2 = A[j2] - A[n + j2];
                q = dA2 / (dA2 - dA1);
                if (q >= -FEASIBILITY && q <= 1 + FEASIBILITY) {
                    double *x = bytes_extend(&xs, 2 * sizeof(double));
                    double *y = bytes_extend(&ys, (size_t)n * sizeof(double));
                    double pc = p < 0 ? 0 : (p > 1 ? 1 : p), qc = q < 0 ? 0 : (q > 1 ? 1 : q);
                    if (!x || !y) { failed = 1; break; }
                    x[0] = 1 - pc; x[1] = pc;
                    for (l = 0; l < n; l++) y[l] = 0.0;
                    y[j1] = qc; y[j2] = 1 - qc;
                    count++;
                }
            }
        ((char *)db.buf)[k] = (char)degenerate;
        if (degenerate) { xs.size = x_start; ys.size = y_start; gs.size = g_start; continue; }
        for (i = 0; i < count && !failed; i++) {
            int64_t *g = bytes_extend(&gs, sizeof(int64_t));
            if (!g) { failed = 1; break; }
            *g = k;
        }
    }
    PyBuffer_Release(&ab); PyBuffer_Release(&bb); PyBuffer_Release(&db);
    if (failed) PyErr_NoMemory();
    else result = Py_BuildValue("(y#y#y#)", gs.data ? gs.data : "", (Py_ssize_t)gs.size,
                                xs.data ? xs.data : "", (Py_ssize_t)xs.size,
                                ys.data ? ys.data : "", (Py_ssize_t)ys.size);
    free(xs.data); free(ys.data); free(gs.data);
    return result;
}

static PyMethodDef methods[] = {
    {"lemke_howson", lemke_howson, METH_VARARGS, "Lemke-Howson path (see lemke_howson.py)."},
    {"simplex", simplex, METH_VARARGS, "Zero-sum simplex (see zero_sum.py)."},
    {"feasible_bases", feasible_bases, METH_VARARGS, "Walk of feasible bases (see polytope.py)."},
    {"vertex_equilibria", vertex_equilibria, METH_VARARGS,
     "Completely labeled vertex pairs of a game (see vertex_enumeration.py)."},
    {"vertex_equilibria_stack", vertex_equilibria_stack, METH_VARARGS,
     "Vertex pairs of the nondegenerate games of a stack (see batch.py)."},
    {"two_by_n", two_by_n, METH_VARARGS, "Stacked 2 x n games (see batch.two_by_n)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels",
    "Compiled inner loops of the equilibrium solvers (the pure-NumPy code is the reference).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
