/* From a game's payoffs to its verified equilibria in one call (vertex_enumeration.py,
 * equilibrium.verified_set, batch.equilibria_batch).
 *
 * Small games (at most SMALL strategies per player) enumerate the bases of both
 * best-response polytopes pair by pair: the basis of P with rows I and tight columns J and
 * the basis of Q with rows J and tight columns I are solved together, so a nondegenerate
 * game's completely labeled vertex pairs are the pairs (I, J) whose two bases are both
 * feasible vertices (support enumeration, von Stengel 2002, section 3). Every basis is
 * solved, so every vertex is seen and degeneracy (a vertex with more labels than its
 * dimension) is tested exactly, as by the walk. A degenerate game, a nearly singular basis
 * or a larger game goes to the walk of _polytope.c instead. Either way the candidates then
 * pass verified_set's regret check here: cleaned, each player's gain from deviating held to
 * tol x that player's payoff range, repeats dropped, largest probabilities first. */
#include "_kernels.h"

#define SMALL 4
#define LABEL_TOL 1e-9
#define SINGULAR 1e-11
#define REPEAT 1e-7
/* The entries of a rescaled basis lie in [1, 2], so the products of squared row norms that the
 * near-singularity tests compare against are at most these (2 x 2: 8 x 8; 3 x 3: 12^3),
 * computed in the same order: a determinant past them passes the exact test, which is then
 * skipped (the same verdict, found sooner). */
#define CLEAR2 (SINGULAR * SINGULAR * 8.0 * 8.0)
#define CLEAR3 (SINGULAR * SINGULAR * 1728.0)

/* supports.rescale of a player's m x n payoffs onto [1, 2], transposed when ``flip``. */
static void rescaled(const double *a, int m, int n, int flip, double low, double high,
                     double *out) {
    double spread = high - low;
    int i, j;
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            double v = spread > 0 ? (a[i * n + j] - low) / spread + 1.0 : 1.0;
            if (flip) out[j * m + i] = v; else out[i * n + j] = v;
        }
}

/* Solve sum_a z[a] M[rows[a], cols[b]] = 1 (b < k) for M (d x e) by Gaussian elimination
 * with partial pivoting. 0: solved; 1: singular or nearly (|det| <= SINGULAR x Hadamard's
 * bound), so the caller cannot trust this basis. */
static int solve_basis(const double *M, int e, const int *rows, const int *cols, int k,
                       double *z) {
    double work[SMALL][SMALL + 1], det = 1.0, norms = 1.0;
    int a, b, c, r, best;
    if (k == 1) {
        z[0] = 1.0 / M[rows[0] * e + cols[0]];
        return 0;  /* entries are in [1, 2] */
    }
    for (b = 0; b < k; b++) {
        for (a = 0; a < k; a++) work[b][a] = M[rows[a] * e + cols[b]];
        work[b][k] = 1.0;
    }
    for (c = 0; c < k; c++) {
        double pivot;
        best = c;
        for (r = c + 1; r < k; r++)
            if (fabs(work[r][c]) > fabs(work[best][c])) best = r;
        if (best != c) {
            det = -det;
            for (a = 0; a <= k; a++) {
                double t = work[c][a]; work[c][a] = work[best][a]; work[best][a] = t;
            }
        }
        pivot = work[c][c];
        det *= pivot;
        if (pivot == 0.0) return 1;
        for (r = c + 1; r < k; r++) {
            double factor = work[r][c] / pivot;
            for (a = c; a <= k; a++) work[r][a] -= factor * work[c][a];
        }
    }
    /* entries in [1, 2]: each column's norm is at most 2 sqrt(k), their product at most
     * (4k)^(k/2) <= 256 for k <= SMALL = 4, so a determinant past SINGULAR x 256 passes
     * Hadamard's test without computing the norms */
    if (!(fabs(det) > SINGULAR * 256.0)) {
        for (b = 0; b < k; b++) {
            double norm = 0.0;
            for (a = 0; a < k; a++) norm += M[rows[a] * e + cols[b]] * M[rows[a] * e + cols[b]];
            norms *= sqrt(norm);
        }
        if (!(fabs(det) > SINGULAR * norms)) return 1;
    }
    for (c = k - 1; c >= 0; c--) {
        double value = work[c][k];
        for (a = c + 1; a < k; a++) value -= work[c][a] * z[a];
        z[c] = value / work[c][c];
    }
    return 0;
}

/* Is the basis (rows, cols) of {z >= 0, M^T z <= 1} (M is d x e) a vertex, as the walk
 * judges it (polytope_vertices)? 1: a vertex with d labels; 0: not a vertex; -1: a vertex
 * with more labels (the game is degenerate) or a basis that cannot be trusted. The vertex's
 * k entries in the rows go to ``z``. Closed forms for k <= 3 (Cramer's rule; the same
 * Hadamard test of near-singularity, squared), elimination above. ``row_max``: each row's
 * largest entry. Inlined into the loop over support pairs, where it is called 138 times per
 * 4 x 4 game: the call itself cost a fifth of the time. */
static inline __attribute__((always_inline)) int basis_vertex(
        const double *M, int d, int e, const int *rows, const int *cols, int k,
        const double *row_max, double *z) {
    const double *r0 = M + rows[0] * e, *r1, *r2;
    double total = 0.0;
    int a, j, labels;
    if (k == 1) {  /* a best response of the row, else not a vertex: a quick test first */
        double v = r0[cols[0]], limit = v * (1.0 + 2 * LABEL_TOL);
        if (row_max[rows[0]] > limit) return 0;  /* some entry of the row is above the limit */
        z[0] = 1.0 / v;
    } else if (k == 2) {
        /* sum_a z_a M[rows[a], cols[b]] = 1: S[b][a] = M[rows[a]][cols[b]] */
        double s00, s01, s10, s11, det;
        r1 = M + rows[1] * e;
        s00 = r0[cols[0]]; s01 = r1[cols[0]]; s10 = r0[cols[1]]; s11 = r1[cols[1]];
        det = s00 * s11 - s01 * s10;
        if (!(det * det > CLEAR2) &&
                !(det * det > SINGULAR * SINGULAR * (s00 * s00 + s01 * s01) * (s10 * s10 + s11 * s11)))
            return -1;
        z[0] = s11 - s01;
        z[1] = s00 - s10;
        /* most bases fail the sign test: make it before dividing (z = numerator / det) */
        if (det > 0 ? (z[0] < -LABEL_TOL * det || z[1] < -LABEL_TOL * det)
                    : (z[0] > -LABEL_TOL * det || z[1] > -LABEL_TOL * det)) return 0;
        z[0] /= det;
        z[1] /= det;
    } else if (k == 3) {
        double s[3][3], c0, c1, c2, det, norms = 1.0;
        int b;
        r1 = M + rows[1] * e; r2 = M + rows[2] * e;
        for (b = 0; b < 3; b++) {
            s[b][0] = r0[cols[b]]; s[b][1] = r1[cols[b]]; s[b][2] = r2[cols[b]];
        }
        /* cofactors of the first row, then the inverse applied to (1, 1, 1) */
        c0 = s[1][1] * s[2][2] - s[1][2] * s[2][1];
        c1 = s[1][2] * s[2][0] - s[1][0] * s[2][2];
        c2 = s[1][0] * s[2][1] - s[1][1] * s[2][0];
        det = s[0][0] * c0 + s[0][1] * c1 + s[0][2] * c2;
        if (!(det * det > CLEAR3)) {
            for (b = 0; b < 3; b++)
                norms *= s[b][0] * s[b][0] + s[b][1] * s[b][1] + s[b][2] * s[b][2];
            if (!(det * det > SINGULAR * SINGULAR * norms)) return -1;
        }
        z[0] = c0 + (s[0][2] * s[2][1] - s[0][1] * s[2][2]) + (s[0][1] * s[1][2] - s[0][2] * s[1][1]);
        z[1] = c1 + (s[0][0] * s[2][2] - s[0][2] * s[2][0]) + (s[0][2] * s[1][0] - s[0][0] * s[1][2]);
        z[2] = c2 + (s[0][1] * s[2][0] - s[0][0] * s[2][1]) + (s[0][0] * s[1][1] - s[0][1] * s[1][0]);
        if (det > 0 ? (z[0] < -LABEL_TOL * det || z[1] < -LABEL_TOL * det || z[2] < -LABEL_TOL * det)
                    : (z[0] > -LABEL_TOL * det || z[1] > -LABEL_TOL * det || z[2] > -LABEL_TOL * det))
            return 0;
        z[0] /= det; z[1] /= det; z[2] /= det;
    } else if (solve_basis(M, e, rows, cols, k, z)) {
        return -1;
    }
    for (a = 0; a < k; a++) {
        if (!isfinite(z[a]) || z[a] < -LABEL_TOL) return 0;
        total += z[a];
    }
    if (!(total > LABEL_TOL)) return 0;
    labels = d - k;
    for (a = 0; a < k; a++) if (fabs(z[a]) <= LABEL_TOL) labels++;
    if (k <= 3) {  /* the same sums, term by term, through row pointers */
        const double *q1 = M + rows[k > 1 ? 1 : 0] * e, *q2 = M + rows[k > 2 ? 2 : 0] * e;
        for (j = 0; j < e; j++) {
            double sum = 0.0;
            sum += z[0] * r0[j];
            if (k > 1) sum += z[1] * q1[j];
            if (k > 2) sum += z[2] * q2[j];
            if (!(sum <= 1.0 + LABEL_TOL)) return 0;
            if (sum >= 1.0 - LABEL_TOL) labels++;
        }
        return labels > d ? -1 : 1;
    }
    for (j = 0; j < e; j++) {
        double sum = 0.0;
        for (a = 0; a < k; a++) sum += z[a] * M[rows[a] * e + j];
        if (!(sum <= 1.0 + LABEL_TOL)) return 0;
        if (sum >= 1.0 - LABEL_TOL) labels++;
    }
    return labels > d ? -1 : 1;
}

/* The vertex of a basis as a mixed strategy: z spread over the rows, normalised. */
static void strategy(const double *z, const int *rows, int k, int d, double *out) {
    double total = 0.0;
    int a, i;
    for (i = 0; i < d; i++) out[i] = 0.0;
    for (a = 0; a < k; a++) out[rows[a]] = z[a];
    for (i = 0; i < d; i++) total += out[i];
    for (i = 0; i < d; i++) out[i] /= total;
}

/* The next k-subset of 0..n-1 in lexicographic order; 0 after the last. */
static int next_subset(int *s, int k, int n) {
    int i = k - 1;
    while (i >= 0 && s[i] == n - k + i) i--;
    if (i < 0) return 0;
    s[i]++;
    for (i++; i < k; i++) s[i] = s[i - 1] + 1;
    return 1;
}

/* The k-subsets of 0..3 in lexicographic order, k = 1..4 (SUBSETS[k - 1]: SUBSET_COUNT[k - 1]
 * of them, k ints each); those of 0..n-1 are the ones whose last element is below n, in the
 * same order. A table, not next_subset: the loop below runs once per game. */
static const int SUBSETS[SMALL][6 * SMALL] = {
    {0, 1, 2, 3},
    {0, 1, 0, 2, 0, 3, 1, 2, 1, 3, 2, 3},
    {0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3},
    {0, 1, 2, 3},
};
static const int SUBSET_COUNT[SMALL] = {4, 6, 4, 1};

/* The equilibria of a small game by its support pairs, in support order (size, rows,
 * columns), appended to ``out`` (m + n doubles each). 0: done (a nondegenerate game);
 * 1: degenerate or untrusted (use the walk); -2: out of memory. */
/* The support pairs of size k (small_pairs' loop for one size): inlined once per size with
 * k a constant, so the compiler drops the branches on k and unrolls the loops over it. */
static inline __attribute__((always_inline)) int pairs_of_size(
        int k, const double *P, const double *Q, int m, int n, const double *p_max,
        const double *q_max, Bytes *out, Py_ssize_t *x_count, Py_ssize_t *y_count) {
    const int *sets = SUBSETS[k - 1];
    double x[SMALL], y[SMALL];
    int a, b;
    for (a = 0; a < SUBSET_COUNT[k - 1]; a++) {
        const int *I = sets + a * k;
        if (I[k - 1] >= m) continue;
        for (b = 0; b < SUBSET_COUNT[k - 1]; b++) {
            const int *J = sets + b * k;
            int found_x, found_y;
            if (J[k - 1] >= n) continue;
            found_x = basis_vertex(P, m, n, I, J, k, p_max, x);
            if (found_x < 0) return 1;
            found_y = basis_vertex(Q, n, m, J, I, k, q_max, y);
            if (found_y < 0) return 1;
            *x_count += found_x; *y_count += found_y;
            if (found_x && found_y) {
                double *row = bytes_extend(out, sizeof(double) * (m + n));
                if (!row) return -2;
                strategy(x, I, k, m, row);
                strategy(y, J, k, n, row + m);
            }
        }
    }
    return 0;
}

static int small_pairs(const double *P, const double *Q, int m, int n, Bytes *out,
                       Py_ssize_t *x_count, Py_ssize_t *y_count) {
    int i, j, status, top = m < n ? m : n;
    double p_max[SMALL], q_max[SMALL];
    for (i = 0; i < m; i++)
        for (p_max[i] = P[i * n], j = 1; j < n; j++) p_max[i] = fmax(p_max[i], P[i * n + j]);
    for (j = 0; j < n; j++)
        for (q_max[j] = Q[j * m], i = 1; i < m; i++) q_max[j] = fmax(q_max[j], Q[j * m + i]);
    *x_count = *y_count = 0;
    status = pairs_of_size(1, P, Q, m, n, p_max, q_max, out, x_count, y_count);
    if (status == 0 && top >= 2)
        status = pairs_of_size(2, P, Q, m, n, p_max, q_max, out, x_count, y_count);
    if (status == 0 && top >= 3)
        status = pairs_of_size(3, P, Q, m, n, p_max, q_max, out, x_count, y_count);
    if (status == 0 && top >= 4)
        status = pairs_of_size(4, P, Q, m, n, p_max, q_max, out, x_count, y_count);
    return status;
}

/* Support order of support enumeration (size, then rows, then columns, lexicographically):
 * is candidate a (m + n doubles) before b? */
static int support_before(const double *a, const double *b, int m, int n) {
    int i, size_a = 0, size_b = 0;
    for (i = 0; i < m; i++) { size_a += a[i] != 0.0; size_b += b[i] != 0.0; }
    if (size_a != size_b) return size_a < size_b;
    for (i = 0; i < m + n; i++) {  /* the first index where the supports differ */
        int in_a = a[i] != 0.0, in_b = b[i] != 0.0;
        if (in_a != in_b) return in_a;
    }
    return 0;
}

/* Stable insertion sort of candidates (m + n doubles each) into support order. */
static void sort_by_support(double *cand, int count, int m, int n) {
    double held[64];
    int a, b, width = m + n;
    for (a = 1; a < count; a++) {
        memcpy(held, cand + (size_t)a * width, sizeof(double) * width);
        for (b = a - 1; b >= 0 && support_before(held, cand + (size_t)b * width, m, n); b--)
            memcpy(cand + (size_t)(b + 1) * width, cand + (size_t)b * width, sizeof(double) * width);
        memcpy(cand + (size_t)(b + 1) * width, held, sizeof(double) * width);
    }
}

/* Per row, entries below 1e-13 x max(1, largest |entry|) set to 0, then divided by the sum
 * (equilibrium.clean_rows); -1 when a row has no positive entry. */
static int clean(double *s, int size) {
    double big = 1.0, total = 0.0;
    int i;
    for (i = 0; i < size; i++) if (fabs(s[i]) > big) big = fabs(s[i]);
    for (i = 0; i < size; i++) {
        if (s[i] < 1e-13 * big) s[i] = 0.0;
        total += s[i];
    }
    if (!(total > 0)) return -1;
    for (i = 0; i < size; i++) s[i] /= total;
    return 0;
}

/* The payoffs of a game and what the check needs of them (verified_set's arithmetic). */
typedef struct {
    const double *A, *B;
    double *shifted;  /* A - low_A, then B - low_B (2 m n) */
    int m, n;
    double low[2], high[2], slack[2], range[2], bound;
} Checker;

static int checker_init(Checker *c, const double *A, const double *B, int m, int n, double tol,
                        double *shifted) {
    double *high = c->high, spread, payoff_range;
    int p, i, size = m * n;
    c->A = A; c->B = B; c->m = m; c->n = n; c->shifted = shifted;
    for (p = 0; p < 2; p++) {
        const double *a = p ? B : A;
        double lo = a[0], hi = a[0];
        for (i = 1; i < size; i++) {
            if (a[i] < lo) lo = a[i];
            if (a[i] > hi) hi = a[i];
        }
        c->low[p] = lo; high[p] = hi;
        for (i = 0; i < size; i++) shifted[p * size + i] = a[i] - lo;
    }
    spread = fmax(high[0], high[1]) - fmin(c->low[0], c->low[1]);
    payoff_range = spread > 0 ? spread : 1.0;
    c->bound = tol * payoff_range;
    for (p = 0; p < 2; p++) {
        double own = high[p] - c->low[p];
        c->range[p] = own != 0.0 ? own : payoff_range;
        c->slack[p] = tol * c->range[p];
    }
    return 0;
}

/* The expected payoffs (relative to each player's lowest) and gains from deviating of the
 * profile (x, y). */
static void gains_of(const Checker *c, const double *x, const double *y, double u[2],
                     double gain[2]) {
    int m = c->m, n = c->n, i, j;
    const double *SA = c->shifted, *SB = c->shifted + m * n;
    double best = -INFINITY;
    u[0] = 0.0;
    for (i = 0; i < m; i++) {
        double v = 0.0;
        for (j = 0; j < n; j++) v += y[j] * SA[i * n + j];
        u[0] += v * x[i];
        if (v > best) best = v;
    }
    gain[0] = fmax(best - u[0], 0.0);
    best = -INFINITY;
    u[1] = 0.0;
    for (j = 0; j < n; j++) {
        double v = 0.0;
        for (i = 0; i < m; i++) v += x[i] * SB[i * n + j];
        u[1] += v * y[j];
        if (v > best) best = v;
    }
    gain[1] = fmax(best - u[1], 0.0);
}

/* Largest probabilities first: rows compared entry by entry on -round(p, 12). */
static int order_before(const double *a, const double *b, int size) {
    int i;
    for (i = 0; i < size; i++) {
        double ka = -(rint(a[i] * 1e12) / 1e12), kb = -(rint(b[i] * 1e12) / 1e12);
        if (ka != kb) return ka < kb;
    }
    return 0;
}

/* Stable insertion sort of ``count`` rows of ``width`` doubles by their first ``size``. */
static void sort_rows(double *rows, int count, int width, int size) {
    double held[2 * 64 + 3];
    int a, b;
    for (a = 1; a < count; a++) {
        memcpy(held, rows + (size_t)a * width, sizeof(double) * width);
        for (b = a - 1; b >= 0 && order_before(held, rows + (size_t)b * width, size); b--)
            memcpy(rows + (size_t)(b + 1) * width, rows + (size_t)b * width, sizeof(double) * width);
        memcpy(rows + (size_t)(b + 1) * width, held, sizeof(double) * width);
    }
}

/* verified_set: each candidate (m + n doubles, normalised) cleaned and checked; the kept
 * ones written to ``out`` as rows (x, y, u1, u2, regret), repeats dropped and sorted.
 * Returns the count kept, or -1 when a candidate has no positive probability. */
static int verify(const Checker *c, double *cand, int count, Bytes *out, int *dropped,
                  double *need) {
    int m = c->m, n = c->n, width = m + n + 3, a, b, kept = 0;
    double *rows;
    out->size = 0;
    rows = bytes_extend(out, sizeof(double) * (size_t)(count ? count : 1) * width);
    if (!rows) return -2;
    *dropped = 0; *need = INFINITY;
    for (a = 0; a < count; a++) {
        double *x = cand + (size_t)a * (m + n), *y = x + m, u[2], gain[2], *row;
        int repeat = 0;
        if (clean(x, m) < 0 || clean(y, n) < 0) return -1;
        gains_of(c, x, y, u, gain);
        if (gain[0] > c->slack[0] || gain[1] > c->slack[1]) {
            double want = 0.0;
            if (gain[0] > c->slack[0]) want = gain[0] / c->range[0];
            if (gain[1] > c->slack[1]) want = fmax(want, gain[1] / c->range[1]);
            (*dropped)++;
            if (want < *need) *need = want;
            continue;
        }
        for (b = 0; b < kept && !repeat; b++) {
            const double *other = rows + (size_t)b * width;
            double gap = 0.0;
            int i;
            for (i = 0; i < m + n; i++) gap = fmax(gap, fabs(other[i] - x[i]));
            repeat = gap <= REPEAT;
        }
        if (repeat) continue;
        row = rows + (size_t)kept * width;
        memcpy(row, x, sizeof(double) * (m + n));
        row[m + n] = u[0] + c->low[0];
        row[m + n + 1] = u[1] + c->low[1];
        row[m + n + 2] = fmax(gain[0], gain[1]);
        kept++;
    }
    sort_rows(rows, kept, width, m + n);
    out->size = sizeof(double) * (size_t)kept * width;
    return kept;
}

/* Candidates of one game (normalised rows of m + n), small path or walk. 0 or the walk's
 * status (-1 too many bases, -2 out of memory); *degenerate as the walk reports it. */
static int game_candidates(const double *A, const double *B, int m, int n, Py_ssize_t max_bases,
                           double *P, double *Q, const Checker *c, PairWork *pw, Bytes *cand,
                           int *degenerate, Py_ssize_t *x_count, Py_ssize_t *y_count,
                           int *small) {
    Bytes xs = {0}, ys = {0};
    int status, a, count;
    rescaled(B, m, n, 0, c->low[1], c->high[1], P);
    rescaled(A, m, n, 1, c->low[0], c->high[0], Q);
    cand->size = 0;
    *degenerate = 0;
    *small = 0;
    if (m <= SMALL && n <= SMALL) {
        status = small_pairs(P, Q, m, n, cand, x_count, y_count);
        /* the walk's limit: its bases are the vertices and the origin */
        if (status == 0 && (*x_count + 1 > max_bases || *y_count + 1 > max_bases)) return -1;
        if (status <= 0) { *small = 1; return status; }
        cand->size = 0;
    }
    status = game_pairs(P, Q, m, n, max_bases, pw, &xs, &ys, degenerate, x_count, y_count);
    if (status == 0) {
        count = (int)(xs.size / (sizeof(double) * m));
        for (a = 0; a < count; a++) {
            double *row = bytes_extend(cand, sizeof(double) * (m + n));
            if (!row) { status = -2; break; }
            memcpy(row, xs.data + sizeof(double) * (size_t)a * m, sizeof(double) * m);
            memcpy(row + m, ys.data + sizeof(double) * (size_t)a * n, sizeof(double) * n);
        }
    }
    free(xs.data); free(ys.data);
    return status;
}

/* checked_vertex_equilibria(A, B, m, n, max_bases, tol) -> (rows bytes, kept, degenerate,
 * vertices of P, vertices of Q, dropped, tol needed by the closest dropped, the regret
 * bound tol x payoff range), None when a
 * polytope has more than max_bases feasible bases, NotImplemented when A or B is not a
 * C-contiguous float64 array (the caller copies it). Rows: x (m), y (n), payoffs, regret. */
PyObject *checked_vertex_equilibria(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *a_obj, *b_obj, *result = NULL;
    int m, n, status, degenerate = 0, kept = 0, dropped = 0, small;
    Py_ssize_t max_bases, x_count = 0, y_count = 0;
    double tol, need = INFINITY, *work;
    Py_buffer ab, bb;
    Bytes cand = {0}, rows = {0};
    PairWork pw = {0};
    Checker c;
    if (!PyArg_ParseTuple(args, "OOiind", &a_obj, &b_obj, &m, &n, &max_bases, &tol)) return NULL;
    if (m < 1 || n < 1 || m + n > 63) {
        PyErr_SetString(PyExc_ValueError, "bad shape (m + n must be at most 63)");
        return NULL;
    }
    if (PyObject_GetBuffer(a_obj, &ab, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (PyObject_GetBuffer(b_obj, &bb, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        PyBuffer_Release(&ab);
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (ab.len != (Py_ssize_t)m * n * 8 || bb.len != (Py_ssize_t)m * n * 8 || !ab.format ||
        !bb.format || strcmp(ab.format, "d") || strcmp(bb.format, "d")) {
        PyBuffer_Release(&ab); PyBuffer_Release(&bb);
        Py_RETURN_NOTIMPLEMENTED;
    }
    work = malloc(sizeof(double) * 4 * (size_t)m * n);
    if (!work) { PyBuffer_Release(&ab); PyBuffer_Release(&bb); return PyErr_NoMemory(); }
    checker_init(&c, ab.buf, bb.buf, m, n, tol, work + 2 * (size_t)m * n);
    status = game_candidates(ab.buf, bb.buf, m, n, max_bases, work, work + (size_t)m * n, &c,
                             &pw, &cand, &degenerate, &x_count, &y_count, &small);
    if (status == 0) {
        kept = verify(&c, (double *)cand.data, (int)(cand.size / (sizeof(double) * (m + n))),
                      &rows, &dropped, &need);
        if (kept == -1) status = -3;
        else if (kept < 0) status = -2;
    }
    pair_work_free(&pw);
    PyBuffer_Release(&ab); PyBuffer_Release(&bb);
    free(work);
    if (status == -1) { Py_INCREF(Py_None); result = Py_None; }
    else if (status == -3) PyErr_SetString(PyExc_ValueError, "a candidate strategy has no positive probability");
    else if (status < 0) PyErr_NoMemory();
    else result = Py_BuildValue("(y#iOnnidd)", rows.data ? rows.data : "", (Py_ssize_t)rows.size,
                                kept, degenerate ? Py_True : Py_False, x_count, y_count,
                                dropped, need, c.bound);
    free(cand.data); free(rows.data);
    return result;
}

/* checked_vertex_equilibria_stack(A, B, K, m, n, max_bases, tol, degenerate) -> (game index
 * bytes (int64), rows bytes (x, y, payoffs, regret), dropped, dropped games bytes (int64)) or
 * None (too many bases). ``degenerate`` (K writable bytes) receives each game's flag. A
 * nondegenerate game's equilibria in support order; a degenerate game's extreme equilibria
 * without repeats, largest probabilities first (batch.compiled_extreme_equilibria). */
PyObject *checked_vertex_equilibria_stack(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *a_obj, *b_obj, *d_obj, *result = NULL;
    int K, m, n, k, status = 0, dropped = 0;
    Py_ssize_t max_bases, x_count, y_count;
    double tol, *work = NULL;
    Py_buffer ab, bb, db;
    Bytes cand = {0}, rows = {0}, games = {0}, lost = {0};
    PairWork pw = {0};
    if (!PyArg_ParseTuple(args, "OOiiindO", &a_obj, &b_obj, &K, &m, &n, &max_bases, &tol, &d_obj))
        return NULL;
    if (K < 1 || m < 1 || n < 1 || m + n > 63) {
        PyErr_SetString(PyExc_ValueError, "bad shape (m + n must be at most 63)");
        return NULL;
    }
    if (get_buffer(a_obj, &ab, (Py_ssize_t)K * m * n, 0, "A") < 0) return NULL;
    if (get_buffer(b_obj, &bb, (Py_ssize_t)K * m * n, 0, "B") < 0) { PyBuffer_Release(&ab); return NULL; }
    if (get_flags(d_obj, &db, K) < 0) { PyBuffer_Release(&ab); PyBuffer_Release(&bb); return NULL; }
    work = malloc(sizeof(double) * 4 * (size_t)m * n);
    if (!work) status = -2;
    for (k = 0; k < K && status == 0; k++) {
        const double *A = (const double *)ab.buf + (size_t)k * m * n;
        const double *B = (const double *)bb.buf + (size_t)k * m * n;
        int degenerate, small, count, a, width = m + n + 3;
        (void)x_count; (void)y_count;
        Checker c;
        checker_init(&c, A, B, m, n, tol, work + 2 * (size_t)m * n);
        status = game_candidates(A, B, m, n, max_bases, work, work + (size_t)m * n, &c, &pw,
                                 &cand, &degenerate, &x_count, &y_count, &small);
        if (status < 0) break;
        ((char *)db.buf)[k] = (char)degenerate;
        count = (int)(cand.size / (sizeof(double) * (m + n)));
        if (!degenerate && !small) sort_by_support((double *)cand.data, count, m, n);
        if (degenerate)  /* repeats dropped before cleaning, as the stack kernel does */
            for (a = 1; a < count; a++) {
                double *x = (double *)cand.data + (size_t)a * (m + n);
                int b, repeat = 0;
                for (b = 0; b < a && !repeat; b++) {
                    const double *other = (double *)cand.data + (size_t)b * (m + n);
                    double gap = 0.0;
                    int i;
                    if (isnan(other[0])) continue;
                    for (i = 0; i < m + n; i++) gap = fmax(gap, fabs(other[i] - x[i]));
                    repeat = gap <= REPEAT;
                }
                if (repeat) x[0] = NAN;  /* marked: left out below */
            }
        {
            size_t start = rows.size;
            int kept = 0;
            for (a = 0; a < count; a++) {
                double *x = (double *)cand.data + (size_t)a * (m + n), *y = x + m, u[2], gain[2];
                double *row;
                int64_t *g;
                if (isnan(x[0])) continue;
                if (clean(x, m) < 0 || clean(y, n) < 0) { status = -3; break; }
                gains_of(&c, x, y, u, gain);
                if (gain[0] > c.slack[0] || gain[1] > c.slack[1]) {
                    g = bytes_extend(&lost, sizeof(int64_t));
                    if (!g) { status = -2; break; }
                    *g = k;
                    dropped++;
                    continue;
                }
                row = bytes_extend(&rows, sizeof(double) * width);
                if (!row) { status = -2; break; }
                memcpy(row, x, sizeof(double) * (m + n));
                row[m + n] = u[0] + c.low[0];
                row[m + n + 1] = u[1] + c.low[1];
                row[m + n + 2] = fmax(gain[0], gain[1]);
                kept++;
            }
            if (status < 0) break;
            if (degenerate) sort_rows((double *)(rows.data + start), kept, width, m + n);
            for (a = 0; a < kept; a++) {
                int64_t *g = bytes_extend(&games, sizeof(int64_t));
                if (!g) { status = -2; break; }
                *g = k;
            }
        }
    }
    PyBuffer_Release(&ab); PyBuffer_Release(&bb); PyBuffer_Release(&db);
    pair_work_free(&pw);
    free(work);
    if (status == -1) { Py_INCREF(Py_None); result = Py_None; }
    else if (status == -3) PyErr_SetString(PyExc_ValueError, "a candidate strategy has no positive probability");
    else if (status < 0) PyErr_NoMemory();
    else result = Py_BuildValue("(y#y#iy#)", games.data ? games.data : "", (Py_ssize_t)games.size,
                                rows.data ? rows.data : "", (Py_ssize_t)rows.size, dropped,
                                lost.data ? lost.data : "", (Py_ssize_t)lost.size);
    free(cand.data); free(rows.data); free(games.data); free(lost.data);
    return result;
}
