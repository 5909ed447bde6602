/* The feasible bases of {z >= 0, M^T z <= 1} breadth first (polytope.feasible_bases_stack),
 * and the polytope's vertices and labels from them (vertex_enumeration). */
#include "_kernels.h"

#define WALK_TIE 1e-11
#define LABEL_TOL 1e-9
#define SINGULAR 1e-11

static int keyset_add(KeySet *s, uint64_t key);

static int keyset_grow(KeySet *s) {
    size_t old = s->capacity, i;
    uint64_t *keys = s->keys;
    s->capacity = old ? 2 * old : 64;
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

void workspace_free(Workspace *w) {
    free(w->level.data); free(w->next.data); free(w->level_bases.data);
    free(w->next_bases.data); free(w->bases.data); free(w->points.data); free(w->status.data);
    free(w->seen.keys);
    memset(w, 0, sizeof(*w));
}

/* Leaving row of the lexicographic ratio test for entering variable v (polytope.
 * lexicographic_rows); -1 when no entry is positive. The first pass has no branches (a
 * division by 1 where the entry is not positive, its ratio then infinite): the signs of the
 * entries are as good as random, and mispredicted branches cost more than the divisions. */
WIDE_LOOPS static int walk_leaving_row(const double *T, int e, int width, int d, int v) {
    int candidates[64], count = 0, kept, i, t, key;
    double ratios[64], best = INFINITY, bound;
    for (i = 0; i < e; i++) {
        double entry = T[(size_t)i * width + v], rhs = T[(size_t)i * width + width - 1];
        int positive = entry > PIVOT_TOL;
        double quotient = rhs / (positive ? entry : 1.0);
        ratios[i] = positive ? quotient : INFINITY;
        best = ratios[i] < best ? ratios[i] : best;
    }
    if (best == INFINITY) return -1;
    bound = best + WALK_TIE * AT_LEAST_ONE(best);
    for (i = 0; i < e; i++)
        if (ratios[i] <= bound) { candidates[count] = i; ratios[count++] = ratios[i]; }
    for (key = d; key < d + e && count > 1; key++) {
        best = INFINITY;
        for (t = 0; t < count; t++) {
            i = candidates[t];
            ratios[t] = T[(size_t)i * width + key] / T[(size_t)i * width + v];
            if (ratios[t] < best) best = ratios[t];
        }
        bound = best + WALK_TIE * AT_LEAST_ONE(best);
        for (t = 0, kept = 0; t < count; t++)
            if (ratios[t] <= bound) candidates[kept++] = candidates[t];
        count = kept;
    }
    return candidates[0];
}

/* Walk one polytope (M is d x e, d + e <= 63); append its bases (e int64 each) to ``out``.
 * Returns the number of bases, -1 when more than max_bases, -2 out of memory. */
WIDE_LOOPS static Py_ssize_t walk(const double *M, int d, int e, Py_ssize_t max_bases, Workspace *w,
                       Bytes *out) {
    int width = d + e + 1, i, j, v, r, is_basic[64];
    size_t table_size = (size_t)e * width;
    Py_ssize_t found = 1, in_level = 1, in_next, node;
    double *T;
    int64_t *basis, *child_basis;
    uint64_t key;
    w->level.size = w->level_bases.size = 0;
    if (w->seen.keys) memset(w->seen.keys, 0, sizeof(uint64_t) * w->seen.capacity);
    w->seen.count = 0;
    T = bytes_extend(&w->level, sizeof(double) * table_size);
    basis = bytes_extend(&w->level_bases, sizeof(int64_t) * e);
    if (!T || !basis) return -2;
    for (i = 0; i < e; i++) {
        for (j = 0; j < d; j++) T[(size_t)i * width + j] = M[(size_t)j * e + i];
        for (j = 0; j < e; j++) T[(size_t)i * width + d + j] = i == j ? 1.0 : 0.0;
        T[(size_t)i * width + width - 1] = 1.0;
        basis[i] = d + i;
    }
    key = 0;
    for (i = 0; i < e; i++) key |= (uint64_t)1 << basis[i];
    if (keyset_add(&w->seen, key) < 0) return -2;
    if (!bytes_extend(out, sizeof(int64_t) * e)) return -2;
    memcpy(out->data + out->size - sizeof(int64_t) * e, basis, sizeof(int64_t) * e);
    while (in_level) {
        in_next = 0; w->next.size = 0; w->next_bases.size = 0;
        for (node = 0; node < in_level; node++) {
            const double *parent = (const double *)w->level.data + (size_t)node * table_size;
            const int64_t *parent_basis = (const int64_t *)w->level_bases.data + (size_t)node * e;
            uint64_t parent_key = 0;
            for (v = 0; v < d + e; v++) is_basic[v] = 0;
            for (i = 0; i < e; i++) {
                is_basic[parent_basis[i]] = 1;
                parent_key |= (uint64_t)1 << parent_basis[i];
            }
            for (v = 0; v < d + e; v++) {
                double *child, *child_row, pivot;
                int added;
                if (is_basic[v]) continue;
                r = walk_leaving_row(parent, e, width, d, v);
                if (r < 0) continue;
                key = (parent_key & ~((uint64_t)1 << parent_basis[r])) | ((uint64_t)1 << v);
                added = keyset_add(&w->seen, key);
                if (added < 0) return -2;
                if (!added) continue;
                if (++found > max_bases) return -1;
                /* The new tableau: divide the pivot row, eliminate the column elsewhere. */
                child = bytes_extend(&w->next, sizeof(double) * table_size);
                child_basis = bytes_extend(&w->next_bases, sizeof(int64_t) * e);
                if (!child || !child_basis) return -2;
                pivot = parent[(size_t)r * width + v];
                child_row = child + (size_t)r * width;
                for (j = 0; j < width; j++) child_row[j] = parent[(size_t)r * width + j] / pivot;
                for (i = 0; i < e; i++) {
                    double factor;
                    if (i == r) continue;
                    factor = parent[(size_t)i * width + v];
                    for (j = 0; j < width; j++) {
                        double product = factor * child_row[j];
                        child[(size_t)i * width + j] = parent[(size_t)i * width + j] - product;
                    }
                }
                memcpy(child_basis, parent_basis, sizeof(int64_t) * e);
                child_basis[r] = v;
                if (!bytes_extend(out, sizeof(int64_t) * e)) return -2;
                memcpy(out->data + out->size - sizeof(int64_t) * e, child_basis,
                       sizeof(int64_t) * e);
                in_next++;
            }
        }
        { Bytes swap = w->level; w->level = w->next; w->next = swap; }
        { Bytes swap = w->level_bases; w->level_bases = w->next_bases; w->next_bases = swap; }
        in_level = in_next;
    }
    return found;
}

/* feasible_bases(M, K, d, e, max_bases) -> (bases bytes (int64, e per basis), counts list)
 * or None when a polytope has more than max_bases feasible bases. */
PyObject *feasible_bases(PyObject *self, PyObject *args) {
    PyObject *m_obj, *counts = NULL, *result = NULL;
    int K, d, e, k;
    Py_ssize_t max_bases, found = 0;
    Py_buffer mb;
    Bytes out = {0};
    Workspace w = {0};
    if (!PyArg_ParseTuple(args, "Oiiin", &m_obj, &K, &d, &e, &max_bases)) return NULL;
    if (K < 1 || d < 1 || e < 1 || d + e > 63) {
        PyErr_SetString(PyExc_ValueError, "bad shape (d + e must be at most 63)");
        return NULL;
    }
    if (get_buffer(m_obj, &mb, (Py_ssize_t)K * d * e, 0, "M") < 0) return NULL;
    counts = PyList_New(K);
    if (!counts) { PyBuffer_Release(&mb); return NULL; }
    for (k = 0; k < K; k++) {
        found = walk((const double *)mb.buf + (size_t)k * d * e, d, e, max_bases, &w, &out);
        if (found < 0) break;
        PyList_SET_ITEM(counts, k, PyLong_FromSsize_t(found));
    }
    PyBuffer_Release(&mb);
    workspace_free(&w);
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

/* z solves  [M^T | I][:, basis] values = 1  (e x e) by Gaussian elimination with partial
 * pivoting; returns -1 when a pivot is exactly zero (where LAPACK raises), else 0 and in
 * *nearly_singular whether |det| <= 1e-11 x the product of the row norms (Hadamard's bound):
 * the test supports.solve_carefully applies to every system once one is exactly singular. */
WIDE_LOOPS static int basis_point(const double *M, int d, int e, const int64_t *basis, double *z,
                       int *nearly_singular) {
    double work[63 * 64], det = 1.0, norms = 1.0;
    int i, j, c, r, best;
    for (i = 0; i < e; i++) {  /* e rows of e + 1: the system, then the right-hand side */
        double norm = 0.0;
        for (j = 0; j < e; j++) {
            int64_t v = basis[j];
            double entry = v < d ? M[(size_t)v * e + i] : (v - d == i ? 1.0 : 0.0);
            work[i * (e + 1) + j] = entry;
            norm += entry * entry;
        }
        work[i * (e + 1) + e] = 1.0;
        norms *= sqrt(norm);
    }
    for (c = 0; c < e; c++) {
        double *pivot_row, pivot;
        best = c;
        for (r = c + 1; r < e; r++)
            if (fabs(work[r * (e + 1) + c]) > fabs(work[best * (e + 1) + c])) best = r;
        if (best != c) {
            det = -det;
            for (j = 0; j <= e; j++) {
                double t = work[c * (e + 1) + j];
                work[c * (e + 1) + j] = work[best * (e + 1) + j];
                work[best * (e + 1) + j] = t;
            }
        }
        pivot_row = work + c * (e + 1);
        pivot = pivot_row[c];
        det *= pivot;
        if (pivot == 0.0) return -1;
        for (r = c + 1; r < e; r++) {
            double *row = work + r * (e + 1), factor = row[c] / pivot;
            for (j = c; j <= e; j++) row[j] -= factor * pivot_row[j];
        }
    }
    *nearly_singular = !(fabs(det) > SINGULAR * norms);
    for (i = 0; i < d; i++) z[i] = 0.0;
    for (c = e - 1; c >= 0; c--) {
        double *row = work + c * (e + 1), value = row[e];
        for (j = c + 1; j < e; j++) value -= row[j] * work[j * (e + 1) + e];
        value /= row[c];
        row[e] = value;  /* back substitution in place: the solution of unknown c */
        if (basis[c] < d) z[basis[c]] = value;
    }
    return 0;
}

int popcount64(uint64_t v) {
    int count = 0;
    while (v) { v &= v - 1; count++; }
    return count;
}

/* The distinct nonzero vertices of {z >= 0, M^T z <= 1} and their label masks (label i for
 * z_i = 0, d + j for (M^T z)_j = 1), from the feasible bases: stacked_polytope_vertices and
 * distinct_vertices. Returns 0, -1 (too many bases), -2 (out of memory). */
int polytope_vertices(const double *M, int d, int e, Py_ssize_t max_bases, Workspace *w,
                      Vertices *out) {
    Py_ssize_t count, b, v, u;
    double *points, *vertices, load[63];
    uint64_t *labels;
    int i, j, wide = 0, singular = 0, *status;
    w->bases.size = 0;
    out->count = 0; out->z.size = 0; out->labels.size = 0;
    count = walk(M, d, e, max_bases, w, &w->bases);
    if (count < 0) return (int)count;
    w->points.size = w->status.size = 0;
    points = bytes_extend(&w->points, sizeof(double) * (size_t)count * d);
    status = bytes_extend(&w->status, sizeof(int) * (size_t)count);
    vertices = bytes_extend(&out->z, sizeof(double) * (size_t)count * d);
    labels = bytes_extend(&out->labels, sizeof(uint64_t) * (size_t)count);
    if (!points || !status || !vertices || !labels) return -2;
    memset(w->seen.keys, 0, sizeof(uint64_t) * w->seen.capacity);
    w->seen.count = 0;
    for (b = 0; b < count; b++) {
        int nearly_singular = 0;
        if (basis_point(M, d, e, (const int64_t *)w->bases.data + (size_t)b * e,
                        points + (size_t)b * d, &nearly_singular) < 0) {
            status[b] = -1;
            singular = 1;
        } else {
            status[b] = nearly_singular;
        }
    }
    for (b = 0; b < count; b++) {
        double *z = vertices + (size_t)out->count * d, total = 0.0;
        uint64_t mask = 0;
        int real = 1;
        int added;
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
            if (fabs(z[i]) <= LABEL_TOL) mask |= (uint64_t)1 << i;
        for (j = 0; j < e; j++)
            if (load[j] >= 1.0 - LABEL_TOL) mask |= (uint64_t)1 << (d + j);
        /* A degenerate vertex is reached from several bases: keep its first (masks are
         * nonzero, a vertex having d labels; the walk's key set is free again). */
        added = keyset_add(&w->seen, mask);
        if (added < 0) return -2;
        if (!added) continue;
        labels[out->count++] = mask;
        if (popcount64(mask) > d) wide = 1;
    }
    if (wide) {  /* keep vertices only: drop label sets strictly inside another one */
        Py_ssize_t kept = 0;
        char *drop;
        w->status.size = 0;  /* reused as the drop flags */
        drop = bytes_extend(&w->status, (size_t)out->count + 1);
        if (!drop) return -2;
        for (v = 0; v < out->count; v++) {
            drop[v] = 0;
            for (u = 0; u < out->count; u++)
                if (u != v && (labels[v] & ~labels[u]) == 0) { drop[v] = 1; break; }
        }
        for (v = 0; v < out->count; v++) {
            if (drop[v]) continue;
            memmove(vertices + (size_t)kept * d, vertices + (size_t)v * d, sizeof(double) * d);
            labels[kept++] = labels[v];
        }
        out->count = kept;
    }
    return 0;
}
