/* The dictionary C v + s = 1 pivoted in place: Lemke-Howson and the zero-sum simplex. */
#include "_kernels.h"

#define LH_TIE 1e-12
#define OPTIMAL_TOL 1e-12

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
    bound = best + LH_TIE * AT_LEAST_ONE(best);
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
        bound = key_best + LH_TIE * AT_LEAST_ONE(key_best);
        for (t = 0; t < count; t++)
            if (ratios[t] <= bound) D->tied[kept++] = D->tied[t];
        count = kept;
        if (count == 1) break;
    }
    return D->tied[0];
}

/* Dictionary.pivot: ``label`` enters at ``row``; returns the label that leaves. */
WIDE_LOOPS static int pivot(Dictionary *D, int label, int row) {
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
PyObject *lemke_howson(PyObject *self, PyObject *args) {
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
PyObject *simplex(PyObject *self, PyObject *args) {
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
