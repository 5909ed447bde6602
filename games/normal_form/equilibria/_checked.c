/* From a game's payoffs to its verified equilibria in one call (vertex_enumeration.py,
 * equilibrium.verified_set, batch.equilibria_batch).
 *
 * Small games (at most SMALL strategies per player) solve every basis of both best-response
 * polytopes, polytope by polytope (the sign tests of all bases first, without branches on
 * their random outcomes, then the rest for the bases that pass), and then pair them: a
 * nondegenerate game's completely labeled vertex pairs are the pairs (I, J) whose basis of P
 * with rows I and tight columns J and basis of Q with rows J and tight columns I are both
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

/* Solve sum_a z[a] M[a, b] = 1 (b < 4) for the one basis of a 4 x 4 polytope (all rows,
 * all columns) by Gaussian elimination with partial pivoting, rows exchanged through
 * pointers, without branches on the choice of pivot; the determinant's sign flips are
 * counted and applied at the end (negation commutes with rounding: the same bits). 0:
 * solved; 1: singular or nearly (|det| <= SINGULAR x Hadamard's bound), so the caller cannot
 * trust this basis. */
static inline __attribute__((always_inline)) int solve_four(const double *M, double *z) {
    double work[4][5], *row[4], det = 1.0, norms = 1.0;
    int a, b, c, r, flips = 0;
    for (b = 0; b < 4; b++) {
        for (a = 0; a < 4; a++) work[b][a] = M[a * 4 + b];
        work[b][4] = 1.0;
        row[b] = work[b];
    }
    for (c = 0; c < 4; c++) {
        double *swap, pivot;
        int best = c;
        for (r = c + 1; r < 4; r++) best = fabs(row[r][c]) > fabs(row[best][c]) ? r : best;
        flips += best != c;
        swap = row[c]; row[c] = row[best]; row[best] = swap;
        pivot = row[c][c];
        det *= pivot;
        if (pivot == 0.0) return 1;
        for (r = c + 1; r < 4; r++) {  /* column c itself is not read again */
            double factor = row[r][c] / pivot;
            for (a = c + 1; a <= 4; a++) row[r][a] -= factor * row[c][a];
        }
    }
    if (flips & 1) det = -det;
    /* entries in [1, 2]: each column's norm is at most 4, their product at most 256, so a
     * determinant past SINGULAR x 256 passes Hadamard's test without computing the norms */
    if (!(fabs(det) > SINGULAR * 256.0)) {
        for (b = 0; b < 4; b++) {
            double norm = 0.0;
            for (a = 0; a < 4; a++) norm += M[a * 4 + b] * M[a * 4 + b];
            norms *= sqrt(norm);
        }
        if (!(fabs(det) > SINGULAR * norms)) return 1;
    }
    for (c = 3; c >= 0; c--) {
        double value = row[c][4];
        for (a = c + 1; a < 4; a++) value -= row[c][a] * z[a];
        z[c] = value / row[c][c];
    }
    return 0;
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

/* The k-subsets of 0..3 in lexicographic order, k = 1..4 (SUBSETS[k - 1]: 4, 6, 4, 1 of them,
 * k ints each); those of 0..n-1 are the ones whose last element is below n, in the same
 * order (WITHIN below). */
static const int SUBSETS[SMALL][6 * SMALL] = {
    {0, 1, 2, 3},
    {0, 1, 0, 2, 0, 3, 1, 2, 1, 3, 2, 3},
    {0, 1, 2, 0, 1, 3, 0, 2, 3, 1, 2, 3},
    {0, 1, 2, 3},
};
/* A basis of size k is bit a * SLOTS + b of a 64-bit mask: rows SUBSETS[k - 1] + a k, tight
 * columns SUBSETS[k - 1] + b k (so the bits run in the order of the support pairs). */
#define SLOTS 6
/* WITHIN[k - 1][d]: how many k-subsets of 0..d-1 there are, then their indices in
 * SUBSETS[k - 1] (k = 2, 3; k = 1 and 4 need no table). */
static const int WITHIN[3][SMALL + 1][7] = {
    {{0}, {0}, {0}, {0}, {0}},
    {{0}, {0}, {1, 0}, {3, 0, 1, 3}, {6, 0, 1, 2, 3, 4, 5}},
    {{0}, {0}, {0}, {1, 0}, {4, 0, 1, 2, 3}},
};

/* The vertices of a small polytope {z >= 0, M^T z <= 1} (M is d x e), basis by basis: bit
 * a * SLOTS + b of vertex[k - 1] is set when that basis of size k is a vertex with d labels;
 * its entries in z[k - 1][a * SLOTS + b]. */
typedef struct {
    uint64_t vertex[SMALL];
    double z[SMALL][SLOTS * SLOTS][SMALL];
} Bases;

/* Two doubles operated on at once, entry by entry (GCC's vector extensions: SSE2 on x86-64),
 * and the masks their comparisons give (all bits set where true). */
typedef double Pair __attribute__((vector_size(16)));
typedef long long PairMask __attribute__((vector_size(16)));
/* The sign bit of each entry of a Pair. */
static const PairMask SIGN_BIT = {INT64_MIN, INT64_MIN};

/* The rest of the walk's judgement of a solved basis (polytope_vertices) with rows r[0..k-1]:
 * z >= 0 (within LABEL_TOL), not all zero, M^T z <= 1 on every column; then its labels (zero
 * entries, tight columns, the d - k rows left out): a vertex when they are d, degenerate when
 * more. Computed without branches on the outcomes, which are random from basis to basis.
 * The walk also refuses an infinite or NaN z; here that needs no test of its own: the rows'
 * entries lie in [1, 2] (or are NaN), so such a z has an entry below -LABEL_TOL, a NaN total
 * or a column sum that is not <= 1 + LABEL_TOL. */
static inline __attribute__((always_inline)) void judge(
        const double *const *r, int k, int d, int e, const double *z, int *vertex,
        int *degenerate) {
    const Pair zero = {0.0, 0.0};
    PairMask over = {0, 0}, tight = {0, 0};
    double total = 0.0;
    int a, j, bad = 0, labels = d - k;
    for (a = 0; a < k; a++) {
        bad |= z[a] < -LABEL_TOL;
        total += z[a];
    }
    bad |= !(total > LABEL_TOL);
    for (a = 0; a < k; a++) labels += fabs(z[a]) <= LABEL_TOL;
    for (j = 0; j + 2 <= e; j += 2) {  /* the same sums, term by term, two columns at once */
        Pair sum = zero, row;
        for (a = 0; a < k; a++) {
            memcpy(&row, r[a] + j, sizeof row);
            sum += z[a] * row;
        }
        over |= ~(sum <= 1.0 + LABEL_TOL);
        tight -= sum >= 1.0 - LABEL_TOL;
    }
    if (j < e) {
        double sum = 0.0;
        for (a = 0; a < k; a++) sum += z[a] * r[a][j];
        bad |= !(sum <= 1.0 + LABEL_TOL);
        labels += sum >= 1.0 - LABEL_TOL;
    }
    bad |= (over[0] | over[1]) != 0;
    labels += (int)(tight[0] + tight[1]);
    *vertex = !bad & (labels <= d);
    *degenerate = !bad & (labels > d);
}

/* Does z = num / det have an entry below -LABEL_TOL? Asked of two bases at once, before
 * dividing (most bases fail here): num_a < -LABEL_TOL det when det > 0, num_a > -LABEL_TOL det
 * when det < 0, that is (flipping signs, which is exact) sign(det) num_a < -LABEL_TOL |det|
 * for some a: the smallest entry decides. det is finite and not zero (the basis passed the
 * test of near-singularity), and so are the entries. All bits set where the answer is yes. */
static inline __attribute__((always_inline)) PairMask negative(const Pair *num, int k, Pair det) {
    PairMask sign = (PairMask)det & SIGN_BIT;
    Pair low = (Pair)((PairMask)num[0] ^ sign);
    int a;
    for (a = 1; a < k; a++) {
        Pair v = (Pair)((PairMask)num[a] ^ sign);
        PairMask smaller = v < low;
        low = (Pair)(((PairMask)v & smaller) | ((PairMask)low & ~smaller));
    }
    return low < -LABEL_TOL * (Pair)((PairMask)det & ~SIGN_BIT);
}

/* Judge the bases of size k whose bits are set in ``pass`` (entries num / det; 1 / num for
 * k = 1) into out->vertex[k - 1] and out->z; 1 when one is degenerate. */
static inline __attribute__((always_inline)) int judge_passed(
        const double *M, int d, int e, int k, uint64_t pass, const double (*num)[3],
        const double *det, Bases *out) {
    const int *sets = SUBSETS[k - 1];
    uint64_t found = 0;
    int degenerate = 0;
    while (pass) {
        int bit = __builtin_ctzll(pass), a, vertex, bad;
        const int *I = sets + (bit / SLOTS) * k;
        const double *r[SMALL];
        double *z = out->z[k - 1][bit];
        pass &= pass - 1;
        for (a = 0; a < k; a++) r[a] = M + I[a] * e;
        if (k == 1) z[0] = 1.0 / num[bit][0];
        else for (a = 0; a < k; a++) z[a] = num[bit][a] / det[bit];
        judge(r, k, d, e, z, &vertex, &bad);
        found |= (uint64_t)vertex << bit;
        degenerate |= bad;
    }
    out->vertex[k - 1] = found;
    return degenerate;
}

/* Every basis of a small polytope {z >= 0, M^T z <= 1} (M is d x e, d, e <= SMALL) with k
 * rows and k tight columns, k up to min(d, e), solved and judged as the walk judges it
 * (polytope_vertices): 0, or 1 when one is a vertex with more labels than d (the game is
 * degenerate) or is nearly singular (it cannot be trusted). Closed forms for k <= 3
 * (Cramer's rule; the Hadamard test of near-singularity, squared), elimination for k = 4.
 * First every basis's sign test, without branches on its outcome, then the rest for the
 * bases that pass (a third of them). ``row_max``: each row's largest entry. */
static inline __attribute__((always_inline)) int polytope_bases(
        const double *M, int d, int e, const double *row_max, Bases *out) {
    double num[SLOTS * SLOTS][3], det[SLOTS * SLOTS];
    const int *sets;
    uint64_t pass = 0;
    int top = d < e ? d : e, a, b, c, i, j;
    /* k = 1: a best response of its row, else not a vertex */
    for (a = 0; a < d; a++)
        for (b = 0; b < e; b++) {
            double v = M[a * e + b], limit = v * (1.0 + 2 * LABEL_TOL);
            num[a * SLOTS + b][0] = v;
            pass |= (uint64_t)!(row_max[a] > limit) << (a * SLOTS + b);
        }
    if (judge_passed(M, d, e, 1, pass, num, det, out)) return 1;
    out->vertex[1] = out->vertex[2] = out->vertex[3] = 0;
    if (top < 2) return 0;
    /* k = 2: sum_a z_a M[I[a], J[b]] = 1, S[b][a] = M[I[a]][J[b]] */
    sets = SUBSETS[1];
    pass = 0;
    for (i = 1; i <= WITHIN[1][d][0]; i++) {
        const int *I = sets + 2 * (a = WITHIN[1][d][i]);
        const double *r0 = M + I[0] * e, *r1 = M + I[1] * e;
        for (j = 1; j <= WITHIN[1][e][0]; j += 2) {  /* two bases at once (the last twice) */
            int b2 = WITHIN[1][e][j < WITHIN[1][e][0] ? j + 1 : j];
            const int *J = sets + 2 * (b = WITHIN[1][e][j]), *K = sets + 2 * b2;
            int bit = a * SLOTS + b, bit2 = a * SLOTS + b2;
            Pair s00 = {r0[J[0]], r0[K[0]]}, s01 = {r1[J[0]], r1[K[0]]};
            Pair s10 = {r0[J[1]], r0[K[1]]}, s11 = {r1[J[1]], r1[K[1]]}, n[2];
            Pair dt = s00 * s11 - s01 * s10;
            PairMask clear = dt * dt > CLEAR2, fail;
            if (!(clear[0] & clear[1])) {
                for (c = 0; c < 2; c++)
                    if (!clear[c] && !(dt[c] * dt[c] > SINGULAR * SINGULAR *
                                       (s00[c] * s00[c] + s01[c] * s01[c]) *
                                       (s10[c] * s10[c] + s11[c] * s11[c])))
                        return 1;
            }
            n[0] = s11 - s01;
            n[1] = s00 - s10;
            fail = negative(n, 2, dt);
            num[bit][0] = n[0][0]; num[bit][1] = n[1][0]; det[bit] = dt[0];
            num[bit2][0] = n[0][1]; num[bit2][1] = n[1][1]; det[bit2] = dt[1];
            pass |= (uint64_t)!fail[0] << bit | (uint64_t)!fail[1] << bit2;
        }
    }
    if (judge_passed(M, d, e, 2, pass, num, det, out)) return 1;
    if (top < 3) return 0;
    /* k = 3: cofactors of the first row, then the inverse applied to (1, 1, 1) */
    sets = SUBSETS[2];
    pass = 0;
    for (i = 1; i <= WITHIN[2][d][0]; i++) {
        const int *I = sets + 3 * (a = WITHIN[2][d][i]);
        const double *r0 = M + I[0] * e, *r1 = M + I[1] * e, *r2 = M + I[2] * e;
        for (j = 1; j <= WITHIN[2][e][0]; j += 2) {  /* two bases at once (the last twice) */
            int b2 = WITHIN[2][e][j < WITHIN[2][e][0] ? j + 1 : j];
            const int *J = sets + 3 * (b = WITHIN[2][e][j]), *K = sets + 3 * b2;
            int bit = a * SLOTS + b, bit2 = a * SLOTS + b2;
            Pair s[3][3], c0, c1, c2, dt, z[3];
            PairMask clear, fail;
            for (c = 0; c < 3; c++) {
                s[c][0] = (Pair){r0[J[c]], r0[K[c]]};
                s[c][1] = (Pair){r1[J[c]], r1[K[c]]};
                s[c][2] = (Pair){r2[J[c]], r2[K[c]]};
            }
            c0 = s[1][1] * s[2][2] - s[1][2] * s[2][1];
            c1 = s[1][2] * s[2][0] - s[1][0] * s[2][2];
            c2 = s[1][0] * s[2][1] - s[1][1] * s[2][0];
            dt = s[0][0] * c0 + s[0][1] * c1 + s[0][2] * c2;
            clear = dt * dt > CLEAR3;
            if (!(clear[0] & clear[1])) {
                int lane;
                for (lane = 0; lane < 2; lane++) {
                    double norms = 1.0;
                    if (clear[lane]) continue;
                    for (c = 0; c < 3; c++)
                        norms *= s[c][0][lane] * s[c][0][lane] + s[c][1][lane] * s[c][1][lane] +
                                 s[c][2][lane] * s[c][2][lane];
                    if (!(dt[lane] * dt[lane] > SINGULAR * SINGULAR * norms)) return 1;
                }
            }
            z[0] = c0 + (s[0][2] * s[2][1] - s[0][1] * s[2][2]) +
                   (s[0][1] * s[1][2] - s[0][2] * s[1][1]);
            z[1] = c1 + (s[0][0] * s[2][2] - s[0][2] * s[2][0]) +
                   (s[0][2] * s[1][0] - s[0][0] * s[1][2]);
            z[2] = c2 + (s[0][1] * s[2][0] - s[0][0] * s[2][1]) +
                   (s[0][0] * s[1][1] - s[0][1] * s[1][0]);
            fail = negative(z, 3, dt);
            for (c = 0; c < 3; c++) {
                num[bit][c] = z[c][0];
                num[bit2][c] = z[c][1];
            }
            det[bit] = dt[0];
            det[bit2] = dt[1];
            pass |= (uint64_t)!fail[0] << bit | (uint64_t)!fail[1] << bit2;
        }
    }
    if (judge_passed(M, d, e, 3, pass, num, det, out)) return 1;
    if (top < 4) return 0;
    /* k = 4 (d = e = 4): the one basis, by elimination */
    {
        const double *r[SMALL] = {M, M + e, M + 2 * e, M + 3 * e};
        double *z = out->z[3][0];
        int vertex, degenerate;
        if (solve_four(M, z)) return 1;
        judge(r, 4, d, e, z, &vertex, &degenerate);
        out->vertex[3] = (uint64_t)vertex;
        return degenerate;
    }
}

/* The equilibria of a small game by its support pairs, in support order (size, rows,
 * columns), appended to ``out`` (m + n doubles each): the pairs (I, J) whose basis of P (rows
 * I, tight columns J) and of Q (rows J, tight columns I) are both vertices (support
 * enumeration, von Stengel 2002, section 3). 0: done (a nondegenerate game); 1: degenerate
 * or untrusted (use the walk); -2: out of memory. */
static int small_pairs(const double *P, const double *Q, int m, int n, Bytes *out,
                       Py_ssize_t *x_count, Py_ssize_t *y_count) {
    int i, j, k, top = m < n ? m : n;
    double p_max[SMALL], q_max[SMALL];
    Bases X, Y;
    for (i = 0; i < m; i++)
        for (p_max[i] = P[i * n], j = 1; j < n; j++) p_max[i] = fmax(p_max[i], P[i * n + j]);
    for (j = 0; j < n; j++)
        for (q_max[j] = Q[j * m], i = 1; i < m; i++) q_max[j] = fmax(q_max[j], Q[j * m + i]);
    /* square shapes written out, so the loops over rows and columns have constant bounds */
    if (m == 4 && n == 4) {
        if (polytope_bases(P, 4, 4, p_max, &X) || polytope_bases(Q, 4, 4, q_max, &Y)) return 1;
    } else if (m == 3 && n == 3) {
        if (polytope_bases(P, 3, 3, p_max, &X) || polytope_bases(Q, 3, 3, q_max, &Y)) return 1;
    } else if (m == 2 && n == 2) {
        if (polytope_bases(P, 2, 2, p_max, &X) || polytope_bases(Q, 2, 2, q_max, &Y)) return 1;
    } else if (polytope_bases(P, m, n, p_max, &X) || polytope_bases(Q, n, m, q_max, &Y)) {
        return 1;
    }
    *x_count = *y_count = 0;
    for (k = 1; k <= top; k++) {
        const int *sets = SUBSETS[k - 1];
        uint64_t x = X.vertex[k - 1], y = Y.vertex[k - 1];
        *x_count += __builtin_popcountll(x);
        *y_count += __builtin_popcountll(y);
        while (x) {  /* P's vertices in the order of the pairs; Q's basis (J, I): bit b, a */
            int bit = __builtin_ctzll(x), a = bit / SLOTS, b = bit % SLOTS;
            x &= x - 1;
            if (y >> (b * SLOTS + a) & 1) {
                double *row = bytes_extend(out, sizeof(double) * (m + n));
                if (!row) return -2;
                strategy(X.z[k - 1][bit], sets + a * k, k, m, row);
                strategy(Y.z[k - 1][b * SLOTS + a], sets + b * k, k, n, row + m);
            }
        }
    }
    return 0;
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
