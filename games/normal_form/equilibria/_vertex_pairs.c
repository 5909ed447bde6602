/* Completely labeled vertex pairs: vertex enumeration of one game or of a stack of games. */
#include "_kernels.h"

static int compare_masks(const void *a, const void *b) {
    uint64_t u = *(const uint64_t *)a, v = *(const uint64_t *)b;
    return (u > v) - (u < v);
}

void pair_work_free(PairWork *p) {
    workspace_free(&p->w);
    free(p->X.z.data); free(p->X.labels.data); free(p->Y.z.data); free(p->Y.labels.data);
    free(p->shared.data); free(p->order.data);
}

/* The completely labeled vertex pairs of one game, appended to xs, ys (normalised, in the
 * order of P's vertices). P (m x n) is player 1's polytope matrix, Q (n x m) player 2's.
 * Returns 0, -1 (more than max_bases feasible bases in a polytope), -2 (out of memory). */
int game_pairs(const double *P, const double *Q, int m, int n, Py_ssize_t max_bases,
                      PairWork *pw, Bytes *xs, Bytes *ys, int *degenerate,
                      Py_ssize_t *x_count, Py_ssize_t *y_count) {
    const uint64_t *x_labels, *y_labels;
    uint64_t everything, *y_shared;
    const double *X, *Y;
    Py_ssize_t a, b;
    int status, i, j;
    *degenerate = 0;
    status = polytope_vertices(P, m, n, max_bases, &pw->w, &pw->X);
    if (status == 0) status = polytope_vertices(Q, n, m, max_bases, &pw->w, &pw->Y);
    if (status < 0) return status;
    *x_count = pw->X.count; *y_count = pw->Y.count;
    X = (const double *)pw->X.z.data; Y = (const double *)pw->Y.z.data;
    x_labels = (const uint64_t *)pw->X.labels.data;
    y_labels = (const uint64_t *)pw->Y.labels.data;
    /* Q's own labels: y_j = 0 (bit j), row i tight (bit n + i); shared: i, then m + j. */
    pw->shared.size = 0;
    y_shared = bytes_extend(&pw->shared, sizeof(uint64_t) * (size_t)(pw->Y.count + 1));
    if (!y_shared) return -2;
    for (b = 0; b < pw->Y.count; b++) {
        uint64_t own = y_labels[b];
        y_shared[b] = (own >> n) | ((own & (((uint64_t)1 << n) - 1)) << m);
        if (popcount64(own) > n) *degenerate = 1;
    }
    for (a = 0; a < pw->X.count; a++)
        if (popcount64(x_labels[a]) > m) *degenerate = 1;
    everything = ((uint64_t)1 << (m + n)) - 1;
    if (!*degenerate) {  /* a vertex's partner carries exactly the other labels: look it up */
        uint64_t *sorted_masks;
        pw->order.size = 0;
        sorted_masks = bytes_extend(&pw->order, sizeof(uint64_t) * (size_t)(pw->Y.count + 1));
        if (!sorted_masks) return -2;
        memcpy(sorted_masks, y_shared, sizeof(uint64_t) * (size_t)pw->Y.count);
        qsort(sorted_masks, (size_t)pw->Y.count, sizeof(uint64_t), compare_masks);
    }
    for (a = 0; a < pw->X.count; a++)
        for (b = 0; b < pw->Y.count; b++) {
            double *x, *y, total;
            const double *xa, *yb;
            if (!*degenerate && b == 0) {  /* skip the games's vertices without a partner */
                uint64_t wanted = everything ^ x_labels[a];
                if (!bsearch(&wanted, pw->order.data, (size_t)pw->Y.count, sizeof(uint64_t),
                             compare_masks))
                    break;
            }
            if ((x_labels[a] | y_shared[b]) != everything) continue;
            xa = X + (size_t)a * m; yb = Y + (size_t)b * n;
            x = bytes_extend(xs, sizeof(double) * m);
            y = bytes_extend(ys, sizeof(double) * n);
            if (!x || !y) return -2;
            for (total = 0.0, i = 0; i < m; i++) total += xa[i];
            for (i = 0; i < m; i++) x[i] = xa[i] / total;
            for (total = 0.0, j = 0; j < n; j++) total += yb[j];
            for (j = 0; j < n; j++) y[j] = yb[j] / total;
        }
    return 0;
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

/* Insertion sort of one game's pairs into support order. */
static void sort_by_support(double *x, double *y, int count, int m, int n, double *scratch) {
    int a, b;
    for (a = 1; a < count; a++) {
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
}

/* Drop a pair within 1e-7 (in every probability) of an earlier one, as verified_set does;
 * returns the pairs kept. */
static int drop_repeats(double *x, double *y, int count, int m, int n) {
    int a, b, i, kept = 0;
    for (a = 0; a < count; a++) {
        int repeat = 0;
        for (b = 0; b < kept && !repeat; b++) {
            double gap = 0.0;
            for (i = 0; i < m; i++) gap = fmax(gap, fabs(x[(size_t)a * m + i] - x[(size_t)b * m + i]));
            for (i = 0; i < n; i++) gap = fmax(gap, fabs(y[(size_t)a * n + i] - y[(size_t)b * n + i]));
            repeat = gap <= 1e-7;
        }
        if (repeat) continue;
        memmove(x + (size_t)kept * m, x + (size_t)a * m, sizeof(double) * m);
        memmove(y + (size_t)kept * n, y + (size_t)a * n, sizeof(double) * n);
        kept++;
    }
    return kept;
}

/* vertex_equilibria_stack(P, Q, K, m, n, max_bases, keep_degenerate, degenerate) -> (games
 * bytes (int64), x bytes, y bytes) or None (too many bases). P (K, m, n), Q (K, n, m);
 * ``degenerate`` (K bytes) receives each game's flag. Game by game: the pairs of a
 * nondegenerate game in the support order of support enumeration; those of a degenerate game
 * (the extreme equilibria) without repeats, if ``keep_degenerate``, else none. */
PyObject *vertex_equilibria_stack(PyObject *self, PyObject *args) {
    PyObject *p_obj, *q_obj, *d_obj, *result = NULL;
    int K, m, n, status = 0, k, keep;
    Py_ssize_t max_bases, x_count, y_count;
    Py_buffer pb, qb, db;
    Bytes xs = {0}, ys = {0}, gs = {0};
    double *scratch = NULL;
    PairWork pw = {0};
    if (!PyArg_ParseTuple(args, "OOiiinpO", &p_obj, &q_obj, &K, &m, &n, &max_bases, &keep,
                          &d_obj))
        return NULL;
    if (K < 1 || m < 1 || n < 1 || m + n > 63) {
        PyErr_SetString(PyExc_ValueError, "bad shape (m + n must be at most 63)");
        return NULL;
    }
    if (get_buffer(p_obj, &pb, (Py_ssize_t)K * m * n, 0, "P") < 0) return NULL;
    if (get_buffer(q_obj, &qb, (Py_ssize_t)K * m * n, 0, "Q") < 0) { PyBuffer_Release(&pb); return NULL; }
    if (get_flags(d_obj, &db, K) < 0) { PyBuffer_Release(&pb); PyBuffer_Release(&qb); return NULL; }
    scratch = malloc(sizeof(double) * (m + n));
    if (!scratch) status = -2;
    for (k = 0; k < K && status == 0; k++) {
        size_t x_start = xs.size, y_start = ys.size;
        int degenerate, count, a;
        double *x, *y;
        status = game_pairs((const double *)pb.buf + (size_t)k * m * n,
                            (const double *)qb.buf + (size_t)k * m * n, m, n, max_bases, &pw,
                            &xs, &ys, &degenerate, &x_count, &y_count);
        if (status < 0) break;
        ((char *)db.buf)[k] = (char)degenerate;
        count = (int)((xs.size - x_start) / (sizeof(double) * m));
        x = (double *)(xs.data + x_start);
        y = (double *)(ys.data + y_start);
        if (degenerate && !keep) count = 0;
        else if (degenerate) count = drop_repeats(x, y, count, m, n);
        else sort_by_support(x, y, count, m, n, scratch);
        xs.size = x_start + sizeof(double) * (size_t)count * m;
        ys.size = y_start + sizeof(double) * (size_t)count * n;
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
    pair_work_free(&pw);
    return result;
}
