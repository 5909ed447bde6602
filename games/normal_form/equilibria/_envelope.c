/* Stacked 2 x n games by the upper envelope: batch.two_by_n, entry for entry. */
#include "_kernels.h"

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
PyObject *two_by_n(PyObject *self, PyObject *args) {
    PyObject *a_obj, *b_obj, *d_obj, *result = NULL;
    int K, n, k, i, j, j1, j2, l, failed = 0;
    Py_buffer ab, bb, db;
    Bytes xs = {0}, ys = {0}, gs = {0};
    if (!PyArg_ParseTuple(args, "OOiiO", &a_obj, &b_obj, &K, &n, &d_obj)) return NULL;
    if (K < 1 || n < 1) { PyErr_SetString(PyExc_ValueError, "bad shape"); return NULL; }
    if (get_buffer(a_obj, &ab, (Py_ssize_t)K * 2 * n, 0, "A") < 0) return NULL;
    if (get_buffer(b_obj, &bb, (Py_ssize_t)K * 2 * n, 0, "B") < 0) { PyBuffer_Release(&ab); return NULL; }
    if (get_flags(d_obj, &db, K) < 0) { PyBuffer_Release(&ab); PyBuffer_Release(&bb); return NULL; }
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
