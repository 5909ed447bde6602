/* Compiled inner loops of games.decisions.allocation; the NumPy code there stays the reference.
 *
 *   critical_prices  _critical_prices: per draw, the doubling and the bisection on the price
 *                    (each problem's best option at a price by argmax, ties and NaN as NumPy's
 *                    argmax; the total volume by NumPy's pairwise summation)
 *   ascend, fill     _ascend and _fill: each problem in turn to its best option given the
 *                    others', or to its largest tied option that fits
 *   undominated      _undominated: the options no other option beats
 *   frontier         the step loop of _frontier: the dynamic programme over non-dominated
 *                    (volume, value) states of one draw after another, pruned by the dual
 *                    bound, with the incumbents of completed states
 *
 * Each repeats its NumPy loop operation for operation, so both paths give the same numbers,
 * bit for bit (the build turns off contraction into fused multiply-adds). Arrays come in
 * through the buffer protocol as C-contiguous float64 or int64 buffers, so no NumPy headers
 * are needed.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../_compiled.h"

/* A total fits the budget B when it is at most B * FIT (as allocation.py's B * (1 + 1e-12)). */
#define FIT (1 + 1e-12)

/* The first index of the largest entry of x[0..m-1] (a NaN counts as largest), as argmax. */
static Py_ssize_t argmax_of(const double *x, Py_ssize_t m) {
    double top = x[0];
    Py_ssize_t i, at = 0;
    if (isnan(top)) return 0;
    for (i = 1; i < m; i++)
        if (!(x[i] <= top)) {
            top = x[i];
            at = i;
            if (isnan(top)) break;
        }
    return at;
}

/* For serves: per problem of one draw, the options that can be the first largest of
 * v - w p at a finite price p >= 0: available, and no earlier option with at most the
 * volume and at least the value (that one's v - w p is then at least as large, rounding
 * included: a product and a difference are monotone in each argument). keep[k * M ...]
 * lists them, count[k] how many. */
static void candidates(const double *V, const double *W, const int64_t *widths, Py_ssize_t K,
                       Py_ssize_t M, int32_t *keep, int32_t *count) {
    Py_ssize_t k, i, j;
    for (k = 0; k < K; k++) {
        const double *v = V + k * M, *w = W + k * M;
        int32_t c = 0;
        for (j = 0; j < (Py_ssize_t)widths[k]; j++) {
            int beaten = !(v[j] > -INFINITY);
            for (i = 0; i < j && !beaten; i++)
                beaten = w[i] <= w[j] && v[i] >= v[j];
            if (!beaten) keep[k * M + c++] = (int32_t)j;
        }
        count[k] = c;
    }
}

/* _serves for one draw: V, W its (K, M) stacked options; vols and work scratch. At a finite
 * price only the candidates are compared (the first largest is among them, in their order);
 * else every entry, padding included, as NumPy's argmax over the stacked row. */
static int serves(const double *V, const double *W, const int32_t *keep, const int32_t *count,
                  Py_ssize_t K, Py_ssize_t M, double p, double B, double q, double *vols,
                  double *work) {
    Py_ssize_t k, j;
    double total;
    for (k = 0; k < K; k++) {
        const double *v = V + k * M, *w = W + k * M;
        if (isfinite(p) && count[k] > 0) {
            const int32_t *c = keep + k * M;
            for (j = 0; j < count[k]; j++) work[j] = v[c[j]] - w[c[j]] * p;
            vols[k] = w[c[argmax_of(work, count[k])]];
        }
        else {
            for (j = 0; j < M; j++) work[j] = v[j] - w[j] * p;
            vols[k] = w[argmax_of(work, M)];
        }
    }
    total = pairwise_sum(vols, K, 0.);
    return (total <= B * FIT) && (q * total <= p * FIT + 1e-300);
}

/* critical_prices(V, W, widths, B, q, lo, hi, n, K, M, bisections): per draw, lo and hi
 * (written) as allocation._critical_prices finds them. */
static PyObject *critical_prices(PyObject *self, PyObject *args) {
    PyObject *o[7];
    Py_buffer b[7];
    Py_ssize_t n, K, M, d;
    int bisections, i, got = 0, it;
    double *vols = NULL, *work = NULL;
    int32_t *keep = NULL, *count = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOOOnnni", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6],
                          &n, &K, &M, &bisections))
        return NULL;
    if (n < 0 || K < 1 || M < 1) { PyErr_SetString(PyExc_ValueError, "bad shape"); return NULL; }
    {
        Py_ssize_t sizes[7] = {n * K * M, n * K * M, K, n, n, n, n};
        int integer[7] = {0, 0, 1, 0, 0, 0, 0}, writable[7] = {0, 0, 0, 0, 0, 1, 1};
        const char *names[7] = {"V", "W", "widths", "B", "q", "lo", "hi"};
        for (got = 0; got < 7; got++)
            if (get_array(o[got], &b[got], sizes[got], integer[got], writable[got],
                          names[got]) < 0)
                goto done;
    }
    for (d = 0; d < K; d++)
        if (((const int64_t *)b[2].buf)[d] < 1 || ((const int64_t *)b[2].buf)[d] > M) {
            PyErr_SetString(PyExc_ValueError, "bad widths");
            goto done;
        }
    vols = malloc(sizeof(double) * K);
    work = malloc(sizeof(double) * M);
    keep = malloc(sizeof(int32_t) * K * M);
    count = malloc(sizeof(int32_t) * K);
    if (!vols || !work || !keep || !count) { PyErr_NoMemory(); goto done; }
    {
        const double *V = b[0].buf, *W = b[1].buf, *B = b[3].buf, *q = b[4].buf;
        const int64_t *widths = b[2].buf;
        double *lo = b[5].buf, *hi = b[6].buf;
        for (d = 0; d < n; d++) {
            const double *v = V + d * K * M, *w = W + d * K * M;
            double l = 0.0, h = 1.0, mid;
            candidates(v, w, widths, K, M, keep, count);
            if (serves(v, w, keep, count, K, M, 0.0, B[d], q[d], vols, work)) {
                lo[d] = 0.0;
                hi[d] = 0.0;
                continue;
            }
            for (it = 0; it < 1100; it++) {          /* a feasible price by doubling */
                if (serves(v, w, keep, count, K, M, h, B[d], q[d], vols, work)) break;
                l = h;
                h = h * 2;
            }
            for (i = 0; i < bisections; i++) {
                mid = (l + h) / 2;
                if (serves(v, w, keep, count, K, M, mid, B[d], q[d], vols, work)) h = mid;
                else l = mid;
            }
            lo[d] = l;
            hi[d] = h;
        }
    }
done:
    free(vols);
    free(work);
    free(keep);
    free(count);
    for (i = 0; i < got; i++) PyBuffer_Release(&b[i]);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

/* The stacked options' arrays of ascend and fill, and one draw's view of them. */
typedef struct {
    const double *V, *W, *B, *q, *p;
    const int64_t *widths;
    int64_t *choice;
    double *vols, *score;
    Py_ssize_t n, K, M;
} Options;

/* _ascend for draw d: each problem in turn to its best option given the others'. */
static void ascend_draw(Options *o, Py_ssize_t d, int sweeps) {
    Py_ssize_t K = o->K, M = o->M, k, j, m, pick;
    double *vols = o->vols + d * K, fit = o->B[d] * FIT, q = o->q[d];
    int64_t *choice = o->choice + d * K;
    int sweep;
    for (sweep = 0; sweep < sweeps; sweep++)
        for (k = 0; k < K; k++) {
            const double *v = o->V + (d * K + k) * M, *w = o->W + (d * K + k) * M;
            double others = pairwise_sum(vols, K, 0.) - vols[k], current;
            m = (Py_ssize_t)o->widths[k];
            for (j = 0; j < m; j++) {
                double total = others + w[j];
                o->score[j] = total <= fit ? v[j] - q * (total * total) / 2 : -INFINITY;
            }
            current = o->score[choice[k]];
            pick = argmax_of(o->score, m);
            if (o->score[pick] > current + 1e-12 * (1 + fabs(current))) {
                choice[k] = pick;
                vols[k] = w[pick];
            }
        }
}

/* _fill for draw d: each problem in turn to its largest tied option that still fits. */
static void fill_draw(Options *o, Py_ssize_t d) {
    Py_ssize_t K = o->K, M = o->M, k, j, m, pick;
    double *vols = o->vols + d * K, p = o->p[d];
    int64_t *choice = o->choice + d * K;
    for (k = 0; k < K; k++) {
        const double *v = o->V + (d * K + k) * M, *w = o->W + (d * K + k) * M;
        double top, room;
        int has = 0;
        m = (Py_ssize_t)o->widths[k];
        for (j = 0; j < m; j++) o->score[j] = v[j] - p * w[j];
        top = o->score[0];                       /* np.max: a NaN wins */
        for (j = 1; j < m && !isnan(top); j++)
            if (isnan(o->score[j]) || o->score[j] > top) top = o->score[j];
        room = o->B[d] - pairwise_sum(vols, K, 0.) + vols[k];
        for (j = 0; j < m; j++) {
            int fits = o->score[j] >= top - 1e-9 * (1 + fabs(top)) && w[j] <= room * FIT;
            o->score[M + j] = fits ? w[j] : -INFINITY;
            has |= fits;
        }
        if (has) {
            pick = argmax_of(o->score + M, m);
            choice[k] = pick;
            vols[k] = w[pick];
        }
    }
}

/* ascend(V, W, widths, B, q, choice, vols, n, K, M, sweeps) and fill(V, W, widths, B, p,
 * choice, vols, n, K, M): allocation._ascend and _fill on the stacked options, draw by draw,
 * choice (int64) and vols updated in place. */
static PyObject *options_loop(PyObject *args, int is_fill) {
    PyObject *o[7];
    Py_buffer b[7];
    Py_ssize_t n, K, M, d, k;
    int sweeps = 0, i, got = 0;
    Options opt;
    memset(&opt, 0, sizeof opt);
    if (!PyArg_ParseTuple(args, "OOOOOOOnnni", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6],
                          &n, &K, &M, &sweeps))
        return NULL;
    if (n < 0 || K < 1 || M < 1) { PyErr_SetString(PyExc_ValueError, "bad shape"); return NULL; }
    {
        Py_ssize_t sizes[7] = {n * K * M, n * K * M, K, n, n, n * K, n * K};
        int integer[7] = {0, 0, 1, 0, 0, 1, 0}, writable[7] = {0, 0, 0, 0, 0, 1, 1};
        const char *names[7] = {"V", "W", "widths", "B", is_fill ? "p" : "q", "choice", "vols"};
        for (got = 0; got < 7; got++)
            if (get_array(o[got], &b[got], sizes[got], integer[got], writable[got],
                          names[got]) < 0)
                goto done;
    }
    opt.V = b[0].buf; opt.W = b[1].buf; opt.widths = b[2].buf; opt.B = b[3].buf;
    if (is_fill) opt.p = b[4].buf; else opt.q = b[4].buf;
    opt.choice = b[5].buf; opt.vols = b[6].buf; opt.n = n; opt.K = K; opt.M = M;
    for (k = 0; k < K; k++)
        if (opt.widths[k] < 1 || opt.widths[k] > M) {
            PyErr_SetString(PyExc_ValueError, "bad widths");
            goto done;
        }
    for (d = 0; d < n * K; d++)
        if (opt.choice[d] < 0 || opt.choice[d] >= opt.widths[d % K]) {
            PyErr_SetString(PyExc_ValueError, "a choice out of range");
            goto done;
        }
    opt.score = malloc(sizeof(double) * 2 * M);
    if (!opt.score) { PyErr_NoMemory(); goto done; }
    for (d = 0; d < n; d++) {
        if (is_fill) fill_draw(&opt, d);
        else ascend_draw(&opt, d, sweeps);
    }
done:
    free(opt.score);
    for (i = 0; i < got; i++) PyBuffer_Release(&b[i]);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

static PyObject *ascend(PyObject *self, PyObject *args) { return options_loop(args, 0); }
static PyObject *fill(PyObject *self, PyObject *args) { return options_loop(args, 1); }

/* undominated(v, w, out, r, m): allocation._undominated, row by row. out[i, j] = 1 where
 * option j is available and no other option has at most its volume and at least its value
 * (of identical options the first is kept), else 0. */
static PyObject *undominated(PyObject *self, PyObject *args) {
    PyObject *o[3];
    Py_buffer b[3];
    Py_ssize_t r, m, i, j, l;
    int got = 0, k;
    if (!PyArg_ParseTuple(args, "OOOnn", &o[0], &o[1], &o[2], &r, &m)) return NULL;
    if (r < 0 || m < 0) { PyErr_SetString(PyExc_ValueError, "bad shape"); return NULL; }
    {
        int integer[3] = {0, 0, 1}, writable[3] = {0, 0, 1};
        const char *names[3] = {"v", "w", "out"};
        for (got = 0; got < 3; got++)
            if (get_array(o[got], &b[got], r * m, integer[got], writable[got], names[got]) < 0)
                goto done;
    }
    for (i = 0; i < r; i++) {
        const double *v = (const double *)b[0].buf + i * m, *w = (const double *)b[1].buf + i * m;
        int64_t *out = (int64_t *)b[2].buf + i * m;
        for (j = 0; j < m; j++) {
            int beaten = !(v[j] > -INFINITY);
            for (l = 0; l < m && !beaten; l++)
                beaten = l != j && w[l] <= w[j] && v[l] >= v[j] &&
                         (l < j || w[l] < w[j] || v[l] > v[j]);
            out[j] = !beaten;
        }
    }
done:
    for (k = 0; k < got; k++) PyBuffer_Release(&b[k]);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

/* A child state: volume, value, its place among the children as NumPy lists them (parent by
 * parent, option by option), its parent's index and the option's index in its problem. */
typedef struct { double w, v; int64_t place, option; int32_t parent; } Child;

/* Rising volume, then falling value, then the NumPy order (np.lexsort is stable): whether
 * x comes before y (places differ, so this is a total order). */
static int child_before(const Child *x, const Child *y) {
    if (x->w != y->w) return x->w < y->w;
    if (x->v != y->v) return x->v > y->v;
    return x->place < y->place;
}

/* Merge sort of the children by child_before (tmp: room for n / 2 + 1 of them). Each
 * parent's children come in the order of its options, mostly rising in volume already, so
 * a half already in order after the other is not merged. */
static void sort_children(Child *a, Child *tmp, Py_ssize_t n) {
    Py_ssize_t mid, i, j, k;
    if (n < 16) {
        for (i = 1; i < n; i++) {
            Child x = a[i];
            for (j = i; j > 0 && child_before(&x, &a[j - 1]); j--) a[j] = a[j - 1];
            a[j] = x;
        }
        return;
    }
    mid = n / 2;
    sort_children(a, tmp, mid);
    sort_children(a + mid, tmp, n - mid);
    if (!child_before(&a[mid], &a[mid - 1])) return;
    memcpy(tmp, a, sizeof(Child) * mid);
    for (i = 0, j = mid, k = 0; i < mid; k++) {
        if (j < n && child_before(&a[j], &tmp[i])) a[k] = a[j++];
        else a[k] = tmp[i++];
    }
}

/* np.maximum's rule: a NaN on either side wins. */
static double nan_max(double a, double b) {
    if (isnan(a)) return a;
    if (isnan(b) || b > a) return b;
    return a;
}

/* The dual bound on completing a child (volume w, value v) at step s, as _frontier's ub. */
static double child_bound(double w, double v, double tail, double B, double q, double p) {
    double room = B - w, more;
    room = isnan(room) ? room : (room < 0.0 ? 0.0 : room);
    if (q > 0) {
        more = p / q - w;
        if (!isnan(more)) {
            more = more < 0.0 ? 0.0 : more;
            if (isnan(room)) more = room;
            else more = more > room ? room : more;
        }
    }
    else more = p > 0 ? room : 0.0;
    if (!isfinite(more)) more = 0.0;
    return v + tail + p * more - q * ((w + more) * (w + more)) / 2;
}

typedef struct {
    Py_ssize_t r, S, M, cap;                      /* draws, steps, options, MAX_STATES */
    const double *W0, *V0, *B, *q, *p, *slack, *tail, *gw, *gv, *ov, *ow;
    const int64_t *live, *oi;
    double *best, *dropped;
    int64_t *pick, *upto, *failed;
    double *sw, *sv;                              /* the states, cap + 1 of each */
    Child *kids, *tmp;                            /* cap * M, and half as many */
    int32_t *parent; int64_t *option;             /* S * cap: the states' back links */
} Frontier;

/* One draw's programme (the arithmetic of _frontier's loop, draw d's states only). */
static void frontier_draw(Frontier *f, Py_ssize_t d) {
    Py_ssize_t S = f->S, M = f->M, n = 0, s, i, j, c, kept, inc_step = -1, inc_state = 0;
    Py_ssize_t up = -1, state = 0, chosen = 0;
    double best = f->best[d], drop = f->dropped[d], fit = f->B[d] * FIT, q = f->q[d];
    if (f->live[d]) { f->sw[0] = f->W0[d]; f->sv[0] = f->V0[d]; n = 1; }
    for (s = 0; s < S && n > 0; s++) {
        const double *ov = f->ov + (s * f->r + d) * M, *ow = f->ow + (s * f->r + d) * M;
        const int64_t *oi = f->oi + (s * f->r + d) * M;
        double tail = f->tail[d * (S + 1) + s + 1], vmax = -INFINITY;
        c = 0;
        for (i = 0; i < n; i++)
            for (j = 0; j < M; j++) {
                double v = f->sv[i] + ov[j], w, ub;
                if (!isfinite(v)) continue;
                w = f->sw[i] + ow[j];
                if (!(w <= fit)) continue;
                ub = child_bound(w, v, tail, f->B[d], q, f->p[d]);
                if (ub > best + f->slack[d]) {
                    Child *k = &f->kids[c++];
                    k->w = w; k->v = v; k->place = i * M + j; k->option = oi[j];
                    k->parent = (int32_t)i;
                }
                else drop = nan_max(drop, ub);
            }
        sort_children(f->kids, f->tmp, c);
        kept = 0;
        for (i = 0; i < c; i++) {          /* non-dominated: more value than every lighter */
            if (!(f->kids[i].v > vmax)) continue;
            vmax = f->kids[i].v;
            if (kept >= f->cap) { f->failed[d] = 1; return; }
            f->sw[kept] = f->kids[i].w;
            f->sv[kept] = f->kids[i].v;
            f->parent[s * f->cap + kept] = f->kids[i].parent;
            f->option[s * f->cap + kept] = f->kids[i].option;
            kept++;
        }
        n = kept;
        if (n && s + 1 < S) {              /* completed by the Lagrangian choice after it */
            double gw = f->gw[d * (S + 1) + s + 1], gv = f->gv[d * (S + 1) + s + 1], top = 0;
            Py_ssize_t at = -1;
            for (i = 0; i < n; i++) {
                double wc = f->sw[i] + gw, vc = f->sv[i] + gv - q * (wc * wc) / 2;
                if (!(wc <= fit)) vc = -INFINITY;
                if (at < 0 || vc >= top) { top = vc; at = i; }
            }
            if (top > best) { best = top; inc_step = s; inc_state = at; }
        }
    }
    if (n > 0) {                           /* the best final state, if it beats them */
        double top = 0;
        Py_ssize_t at = -1;
        for (i = 0; i < n; i++) {
            double total = f->sv[i] - q * (f->sw[i] * f->sw[i]) / 2;
            if (at < 0 || total >= top) { top = total; at = i; }
        }
        if (top > best) { best = top; up = S - 1; state = at; chosen = 1; }
    }
    if (!chosen && inc_step >= 0) { up = inc_step; state = inc_state; chosen = 1; }
    for (s = up; s >= 0; s--) {
        f->pick[d * S + s] = f->option[s * f->cap + state];
        state = f->parent[s * f->cap + state];
    }
    f->upto[d] = chosen ? up : -2;
    f->best[d] = best;
    f->dropped[d] = drop;
}

/* frontier(W0, V0, live, B, q, p, slack, best, dropped, tail, gw, gv, ov, ow, oi, pick, upto,
 * failed, r, S, M, cap): the loop of allocation._frontier over r draws and S steps (ov, ow,
 * oi: (S, r, M) alive options, value -inf past them). Writes best, dropped, pick (r, S: the
 * option of each step up to upto), upto (the last step of the new answer's trace, the steps
 * after it Lagrangian; -2: the answer did not change) and failed (1: past cap states). */
static PyObject *frontier(PyObject *self, PyObject *args) {
    PyObject *o[18];
    Py_buffer b[18];
    Py_ssize_t r, S, M, cap, d;
    int i, got = 0;
    Frontier f;
    memset(&f, 0, sizeof f);
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOOOOOOnnnn", &o[0], &o[1], &o[2], &o[3], &o[4],
                          &o[5], &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &o[12], &o[13],
                          &o[14], &o[15], &o[16], &o[17], &r, &S, &M, &cap))
        return NULL;
    if (r < 0 || S < 0 || M < 1 || cap < 0 || cap > INT32_MAX / 2) {
        PyErr_SetString(PyExc_ValueError, "bad shape");
        return NULL;
    }
    {
        Py_ssize_t sizes[18] = {r, r, r, r, r, r, r, r, r, r * (S + 1), r * (S + 1),
                                r * (S + 1), S * r * M, S * r * M, S * r * M, r * S, r, r};
        int integer[18] = {0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
        int writable[18] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1};
        const char *names[18] = {"W0", "V0", "live", "B", "q", "p", "slack", "best",
                                 "dropped", "tail", "gw", "gv", "ov", "ow", "oi", "pick",
                                 "upto", "failed"};
        for (got = 0; got < 18; got++)
            if (get_array(o[got], &b[got], sizes[got], integer[got], writable[got],
                          names[got]) < 0)
                goto done;
    }
    f.r = r; f.S = S; f.M = M; f.cap = cap;
    f.W0 = b[0].buf; f.V0 = b[1].buf; f.live = b[2].buf; f.B = b[3].buf; f.q = b[4].buf;
    f.p = b[5].buf; f.slack = b[6].buf; f.best = b[7].buf; f.dropped = b[8].buf;
    f.tail = b[9].buf; f.gw = b[10].buf; f.gv = b[11].buf; f.ov = b[12].buf; f.ow = b[13].buf;
    f.oi = b[14].buf; f.pick = b[15].buf; f.upto = b[16].buf; f.failed = b[17].buf;
    f.sw = malloc(sizeof(double) * (cap + 1));
    f.sv = malloc(sizeof(double) * (cap + 1));
    f.kids = malloc(sizeof(Child) * (cap > 0 ? cap : 1) * M);   /* states (1 at first) x M */
    f.tmp = malloc(sizeof(Child) * ((cap > 0 ? cap : 1) * M / 2 + 1));
    f.parent = malloc(sizeof(int32_t) * (S * cap + 1));
    f.option = malloc(sizeof(int64_t) * (S * cap + 1));
    if (!f.sw || !f.sv || !f.kids || !f.tmp || !f.parent || !f.option) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    for (d = 0; d < r; d++) {
        f.failed[d] = 0;
        f.upto[d] = -2;
        frontier_draw(&f, d);
    }
    Py_END_ALLOW_THREADS
done:
    free(f.sw); free(f.sv); free(f.kids); free(f.tmp); free(f.parent); free(f.option);
    for (i = 0; i < got; i++) PyBuffer_Release(&b[i]);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"critical_prices", critical_prices, METH_VARARGS,
     "Per draw, the prices around the critical one (see allocation._critical_prices)."},
    {"ascend", ascend, METH_VARARGS, "Coordinate ascent (see allocation._ascend)."},
    {"fill", fill, METH_VARARGS, "The budget filled with tied options (see allocation._fill)."},
    {"undominated", undominated, METH_VARARGS,
     "The options no other beats (see allocation._undominated)."},
    {"frontier", frontier, METH_VARARGS,
     "The dynamic programme's loop, draw by draw (see allocation._frontier)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_allocation",
    "Compiled inner loops of games.decisions.allocation (the NumPy code is the reference).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__allocation(void) { return PyModule_Create(&module); }
