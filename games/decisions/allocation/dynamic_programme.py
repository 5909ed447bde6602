"""Solve the draws a Lagrangian answer leaves open exactly, by a dynamic programme.

A draw's states after problem j are its non-dominated pairs (total volume, total value) of
the choices so far (Nemhauser and Ullmann 1969), pruned by the dual bound at the draw's price
and by reduced-cost fixing; the largest bound pruned is kept, so each draw's bound is
certified. :func:`solve_exactly` runs it on many draws at once, each over its own open
problems; a draw past :data:`MAX_STATES` states is left to the MILP
(:mod:`games.decisions.allocation.milp`).

>>> import numpy as np
>>> undominated(np.array([[0.0, 1.0, 0.5]]), np.array([[0.0, 1.0, 2.0]])).tolist()
[[True, True, False]]
"""

from __future__ import annotations

import numpy as np

from games.compiled import optional_module
from games.decisions.allocation.decomposition import stack_options

__all__ = ["MAX_STATES", "DP_CHUNK", "solve_exactly", "undominated"]

#: Most (volume, value) states the exact dynamic programme keeps before a draw goes to the MILP.
MAX_STATES = 2_000
#: Draws the dynamic programme takes at once (its memory is about DP_CHUNK x the states a
#: draw keeps x options per problem numbers; the per-step overhead of NumPy calls is paid
#: once per chunk, so a larger chunk is faster).
DP_CHUNK = 512

#: The compiled loops in use (games/decisions/_allocation.c: the dynamic programme's steps and
#: the undominated options, the same arithmetic as the NumPy code here, so the same numbers
#: bit for bit), or None: not built, or CHIPDEALS_PURE set (:mod:`games.compiled`). Tests set
#: it to None to compare (here and in :mod:`games.decisions.allocation.decomposition`).
_COMPILED = optional_module("games.decisions._allocation")


def solve_exactly(values, volumes, B, q, p, choice, value, bound, tolerance, rows):
    """:func:`_frontier` on the draws ``rows``, each over its own open problems only.

    Reduced-cost fixing (:func:`_fixing`) leaves most problems of a draw with one option
    that can still matter (on the middle tier a draw keeps a median of 18 of 153 open).
    Those are summed into one fixed part per draw, and each draw's open problems become
    the programme's problems in their own order (a draw with fewer has problems of one
    option of value and volume 0 after them); draws with about as many open problems are
    solved together (:data:`DP_CHUNK` at most), so a draw with few does not wait through
    the steps of one with many. The programme is the same (each state is a choice of the
    open problems on top of the fixed part, its bound the dual bound over the problems
    left open), so the answer is exact and its bound certified as before. Same arguments
    as :func:`_frontier`; returns the rows past ``MAX_STATES`` states."""
    if not rows.size:
        return rows
    Bs, qs, ps = B[rows], q[rows], p[rows]
    best, top = value[rows], bound[rows]
    slack = tolerance * np.minimum(np.abs(best), np.abs(top))
    stacked = _fixing(values, volumes, rows, Bs, qs, ps, best, slack)[5]
    open_ = stacked[2].sum(axis=2) != 1      # problems with other than one option alive
    sizes = open_.sum(axis=1)
    order = np.argsort(sizes, kind="stable")
    failed = []
    start = 0
    while start < order.size:            # groups of draws with about as many open problems
        stop = start + 1
        limit = 2 * sizes[order[start]] + 8
        while stop < order.size and stop - start < DP_CHUNK and sizes[order[stop]] <= limit:
            stop += 1
        group = order[start:stop]
        start = stop
        failed.extend(rows[group[_open_problems(values, volumes, stacked, open_, Bs, qs, ps,
                                                choice, value, bound, tolerance, rows, group)]])
    return np.array(sorted(failed), dtype=rows.dtype)


def _open_problems(values, volumes, stacked, open_, Bs, qs, ps, choice, value, bound, tolerance,
                   rows, group):
    """For :func:`solve_exactly`: the draws ``rows[group]`` by :func:`_frontier` over a fixed part
    (the one option left of every other problem, summed) and their open problems; writes
    back the choice, value and bound; returns the positions in ``group`` that failed."""
    g = group.size
    at = np.arange(g)
    sub = rows[group]
    V, W, alive = stacked                 # the draws ``rows``' options, stacked, and alive
    stacked_v, stacked_w = np.where(alive[group], V[group], -np.inf), W[group]
    # Each problem's first alive option (an alive option's value is finite; the padding's
    # is not), and the fixed part: the one option left of every problem that has one,
    # summed problem by problem from 0 in order (a running sum: the loop's additions).
    single = np.argmax(np.isfinite(stacked_v), axis=2)
    one = ~open_[group]
    fixed_v, fixed_w = (np.add.accumulate(np.concatenate([np.zeros((g, 1)), np.where(
        one, np.take_along_axis(x, single[..., None], axis=2)[..., 0], 0.0)], axis=1),
        axis=1)[:, -1] for x in (stacked_v, stacked_w))
    steps = int(open_[group].sum(axis=1).max())
    # Each draw's open problems first, in their own order (a stable sort of "not open").
    problem = np.argsort(~open_[group], axis=1, kind="stable")[:, :steps]
    real = np.take_along_axis(open_[group], problem, axis=1)
    v_values, v_volumes = [fixed_v[:, None]], [fixed_w[:, None]]
    for t in range(steps):
        V, W = stacked_v[at, problem[:, t]], stacked_w[at, problem[:, t]]
        V[~real[:, t]] = -np.inf          # past a draw's own problems: nothing to choose
        V[~real[:, t], 0] = 0.0
        W[~real[:, t]] = 0.0
        v_values.append(V)
        v_volumes.append(W)
    problem = np.where(real, problem, -1)
    v_choice = np.full((g, steps + 1), -1)
    v_value, v_bound = value[sub].copy(), bound[sub].copy()
    failed = _frontier(v_values, v_volumes, Bs[group], qs[group], ps[group], v_choice, v_value,
                       v_bound, tolerance, at)
    ok = np.ones(g, bool)
    ok[failed] = False
    value[sub[ok]], bound[sub[ok]] = v_value[ok], v_bound[ok]
    for i in np.flatnonzero(ok & (v_choice[:, 0] >= 0)):       # the programme's own answer
        picks = single[i].copy()
        real = problem[i] >= 0
        picks[problem[i, real]] = v_choice[i, 1:][real]
        choice[sub[i]] = picks
    return failed


def _frontier(values, volumes, B, q, p, choice, value, bound, tolerance, rows):
    """The draws ``rows`` exactly, all at once, by a dynamic programme over the problems
    (Nemhauser and Ullmann 1969). A draw's states after problem j are its non-dominated pairs
    (total volume, total value) of the choices so far (less volume and more value is better,
    since the cost on the total rises with it). A state whose dual bound on any completion
    (at the draw's price ``p``, as in :func:`_dual`) cannot beat the best known answer by
    more than the tolerance is dropped, and the largest such bound is kept, so each draw's
    returned bound is certified. Updates ``choice``, ``value``, ``bound`` in place for the
    rows; returns the rows that passed ``MAX_STATES`` states (left to the MILP)."""
    K, r = len(values), rows.size
    Bs, qs, ps = B[rows], q[rows], p[rows]
    best, top = value[rows].copy(), bound[rows]
    # The slack a pruned state may have: the tolerance times the smaller of |answer| and
    # |bound| now, so the final gap is within the tolerance of the final objective (which
    # lies between them) whenever the two have one sign.
    slack = tolerance * np.minimum(np.abs(best), np.abs(top))
    red, reduced, alive, fixed, dropped, _ = _fixing(values, volumes, rows, Bs, qs, ps, best,
                                                     slack)
    at = np.arange(r)
    W, V = np.zeros(r), np.zeros(r)
    fixed_pick = {}
    for k in fixed:
        c = np.argmax(alive[k], axis=1)
        fixed_pick[k] = c
        W = W + volumes[k][rows][at, c]
        V = V + values[k][rows][at, c]
    order = [k for k in range(K) if k not in fixed_pick]
    tail = np.concatenate([np.cumsum(reduced[:, order][:, ::-1], axis=1)[:, ::-1],
                           np.zeros((r, 1))], axis=1)
    keep0 = W <= Bs * (1 + 1e-12)
    # Each state completed by the Lagrangian choice of the problems after it is an answer;
    # the best such raises the incumbent as the programme runs, so later states are pruned
    # against it (branch and bound's incumbent). Where it is kept, its stage and state are
    # remembered to rebuild its choice.
    lagr, g_w, g_v = _completions(values, volumes, rows, red, order)
    steps = _steps if _COMPILED is None else _compiled_steps
    failed = steps(values, volumes, rows, alive, order, W, V, keep0, Bs, qs, ps, slack, best,
                   dropped, tail, g_w, g_v, choice, fixed_pick, lagr)
    ok = ~failed
    value[rows[ok]] = best[ok]
    bound[rows[ok]] = np.maximum(best, np.minimum(top, dropped))[ok]
    return rows[failed]


def _steps(values, volumes, rows, alive, order, W, V, keep0, Bs, qs, ps, slack, best, dropped,
           tail, g_w, g_v, choice, fixed_pick, lagr):
    """For :func:`_frontier`, in NumPy: the programme's steps over the problems ``order``
    from the states (``W``, ``V``) of the draws ``keep0``, all draws at once. Updates
    ``best`` (the incumbents and the best final states), ``dropped`` (the largest bound of
    a pruned state) and the rows' ``choice`` in place; returns the draws that passed
    ``MAX_STATES`` states."""
    r = rows.size
    draw, W, V = np.flatnonzero(keep0), W[keep0], V[keep0]
    back: list[tuple[np.ndarray, np.ndarray]] = []
    failed = np.zeros(r, bool)
    inc_step = np.full(r, -1)
    inc_state = np.zeros(r, dtype=np.int64)
    for step, j in enumerate(order):
        d, w_new, v_new, parent, option = _children(draw, W, V, Bs,
                                                    *_alive_options(alive[j], values[j][rows],
                                                                    volumes[j][rows]))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            room = np.maximum(Bs[d] - w_new, 0.0)
            qd, pd = qs[d], ps[d]
            more = np.where(qd > 0, np.clip(pd / np.where(qd > 0, qd, 1.0) - w_new, 0.0, room),
                            np.where(pd > 0, room, 0.0))
            more = np.where(np.isfinite(more), more, 0.0)
            ub = v_new + tail[d, step + 1] + pd * more - qd * (w_new + more) ** 2 / 2
        keep = ub > best[d] + slack[d]
        lost = ~keep
        np.maximum.at(dropped, d[lost], ub[lost])
        d, w_new, v_new = d[keep], w_new[keep], v_new[keep]
        parent, option = parent[keep], option[keep]
        if d.size:      # non-dominated: more value than every lighter state of the same draw
            sort = np.lexsort((-v_new, w_new, d))
            d, w_new, v_new = d[sort], w_new[sort], v_new[sort]
            parent, option = parent[sort], option[sort]
            levels, rank = np.unique(v_new, return_inverse=True)
            key = d.astype(np.int64) * levels.size + rank.ravel()
            prior = np.concatenate([[-1], np.maximum.accumulate(key)[:-1]])
            front = key > prior          # a draw's first state beats all earlier draws' keys
            counts = np.bincount(d[front], minlength=r)
            failed |= counts > MAX_STATES
            front &= ~failed[d]
            d, w_new, v_new = d[front], w_new[front], v_new[front]
            parent, option = parent[front], option[front]
        draw, W, V = d, w_new, v_new
        back.append((parent, option))
        if draw.size and step + 1 < len(order):
            w_c = W + g_w[draw, step + 1]
            v_c = V + g_v[draw, step + 1] - qs[draw] * w_c ** 2 / 2
            v_c = np.where(w_c <= Bs[draw] * (1 + 1e-12), v_c, -np.inf)
            sort = np.lexsort((v_c, draw))
            last = sort[np.flatnonzero(np.r_[draw[sort][1:] != draw[sort][:-1], True])]
            owner = draw[last]
            win = v_c[last] > best[owner]
            best[owner[win]] = v_c[last][win]
            inc_step[owner[win]] = step
            inc_state[owner[win]] = last[win]
    found = (inc_step >= 0) & ~failed          # incumbents from completed states
    for i in np.flatnonzero(found):
        choice[rows[i]] = _incumbent(choice[rows[i]], i, fixed_pick, order, back, lagr,
                                     int(inc_step[i]), int(inc_state[i]))
    if draw.size:
        _best_last_states(draw, W, V, qs, best, choice, rows, fixed_pick, order, back)
    return failed


def _compiled_steps(values, volumes, rows, alive, order, W, V, keep0, Bs, qs, ps, slack, best,
                    dropped, tail, g_w, g_v, choice, fixed_pick, lagr):
    """:func:`_steps` by the compiled loop (games/decisions/_allocation.c), draw by draw:
    the same states, bounds and answers, bit for bit. Same arguments and result."""
    r, S = rows.size, len(order)
    options = [_alive_options(alive[j], values[j][rows], volumes[j][rows]) for j in order]
    M = max([o[0].shape[1] for o in options], default=1)
    ov, ow = np.full((S, r, M), -np.inf), np.zeros((S, r, M))
    oi = np.zeros((S, r, M), dtype=np.int64)
    for s, (v, w, i) in enumerate(options):
        ov[s, :, :v.shape[1]], ow[s, :, :v.shape[1]], oi[s, :, :v.shape[1]] = v, w, i
    pick, upto = np.zeros((r, S), dtype=np.int64), np.zeros(r, dtype=np.int64)
    failed = np.zeros(r, dtype=np.int64)

    def flat(x):
        return np.ascontiguousarray(x, dtype=float)

    _COMPILED.frontier(flat(W), flat(V), keep0.astype(np.int64), flat(Bs), flat(qs), flat(ps),
                       flat(slack), best, dropped, flat(tail), flat(g_w), flat(g_v), ov, ow, oi,
                       pick, upto, failed, r, S, M, MAX_STATES)
    new = np.flatnonzero(upto >= -1)       # a new answer: its steps up to upto, then Lagrangian
    if new.size:
        picks = np.empty((new.size, len(values)), dtype=choice.dtype)
        for k, c in fixed_pick.items():
            picks[:, k] = c[new]
        for s, j in enumerate(order):
            picks[:, j] = np.where(s <= upto[new], pick[new, s], lagr[j][new])
        choice[rows[new]] = picks
    return failed.astype(bool)


def _alive_options(alive, v, w):
    """For :func:`_frontier`: one problem's options alive in each draw, side by side in
    their own order (as few columns as the draw with most of them needs; the rest value
    -inf), their values, volumes and indices among the problem's options."""
    width = max(1, int(alive.sum(axis=1).max()))
    index = np.argsort(~alive, axis=1, kind="stable")[:, :width]
    live = np.take_along_axis(alive, index, axis=1)
    return (np.where(live, np.take_along_axis(v, index, axis=1), -np.inf),
            np.take_along_axis(w, index, axis=1), index)


def _children(draw, W, V, Bs, vj, wj, index):
    """For :func:`_frontier`: every state (``draw``, volume ``W``, value ``V``) extended by
    each alive option of the next problem, only the children that fit the budget, in the
    order of their parents and then of the options: their draws, volumes, values, parents
    and options."""
    m = vj.shape[1]
    v_new = (V[:, None] + vj[draw]).ravel()
    w_new = (W[:, None] + wj[draw]).ravel()
    d = np.repeat(draw, m)
    fit = np.flatnonzero(np.isfinite(v_new) & (w_new <= Bs[d] * (1 + 1e-12)))
    d = d[fit]
    return d, w_new[fit], v_new[fit], fit // m, index[d, fit % m]


def undominated(v, w):
    """Per draw, the options no other option of the problem beats: none has at most the
    volume and at least the value (of identical options the first is kept). A dominated
    option is never needed (the cost on the total only rises with the volume), so the
    dynamic programme need not extend its states by it.

    >>> undominated(np.array([[0.0, 1.0, 1.0, 0.5, -np.inf]]),
    ...              np.array([[0.0, 1.0, 1.0, 2.0, 0.0]])).tolist()
    [[True, True, False, False, False]]
    """
    r, m = v.shape
    if _COMPILED is not None:
        out = np.empty((r, m), dtype=np.int64)
        _COMPILED.undominated(np.ascontiguousarray(v, dtype=float),
                              np.ascontiguousarray(w, dtype=float), out, r, m)
        return out.astype(bool)
    order = np.lexsort((np.broadcast_to(np.arange(m), (r, m)), -v, w), axis=1)
    sv = np.take_along_axis(v, order, axis=1)
    before = np.concatenate([np.full((r, 1), -np.inf),
                             np.maximum.accumulate(sv, axis=1)[:, :-1]], axis=1)
    out = np.empty((r, m), bool)
    np.put_along_axis(out, order, sv > before, axis=1)
    return out


def _fixing(values, volumes, rows, Bs, qs, ps, best, slack):
    """Reduced-cost fixing for :func:`_frontier`: with problem k held at option l the dual
    bound falls by the option's shortfall from the best reduced value; an option whose bound
    cannot beat the best answer is dropped (its bound kept in ``dropped``), and a problem
    left with one option in every draw is ``fixed`` before the programme runs. Also returns
    the reduced values (``red``, and their maxima ``reduced``), the options ``alive``, and
    the draws' options stacked as :func:`stack_options` stacks them with which are alive (values,
    volumes, alive: (draws, problems, options) each)."""
    # All problems at once, stacked (draws, problems, options); past a problem's own
    # options nothing is alive and nothing is dropped.
    V, W = stack_options([v[rows] for v in values], [w[rows] for w in volumes])
    widths = np.array([v.shape[1] for v in values])
    own = np.arange(V.shape[2])[None, :] < widths[:, None]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        stacked = np.where(own, V - ps[:, None, None] * W, -np.inf)
        reduced = np.max(stacked, axis=2)
        room = np.where(qs > 0, np.clip(ps / np.where(qs > 0, qs, 1.0), 0.0, Bs),
                        np.where(ps > 0, Bs, 0.0))
        room = np.where(np.isfinite(room), room, 0.0)
        dual = reduced.sum(axis=1) + ps * room - qs * room ** 2 / 2
        ub = dual[:, None, None] - (reduced[:, :, None] - stacked)
    finite = np.isfinite(stacked)
    keep = finite & (ub > (best + slack)[:, None, None])
    lost = finite & ~keep
    r, K, m = V.shape
    ok = keep & undominated(V.reshape(r * K, m), W.reshape(r * K, m)).reshape(r, K, m)
    if lost.any():
        dropped = np.max(np.where(lost, ub, -np.inf), axis=(1, 2))
    else:
        dropped = np.full(rows.size, -np.inf)
    red = [stacked[:, k, :w] for k, w in enumerate(widths)]
    alive = [ok[:, k, :w] for k, w in enumerate(widths)]
    fixed = [int(k) for k in np.flatnonzero(np.all(ok.sum(axis=2) == 1, axis=0))]
    return red, reduced, alive, fixed, dropped, (V, W, ok)


def _completions(values, volumes, rows, red, order):
    """For :func:`_frontier`: each problem's Lagrangian choice (the best reduced value), and
    per draw the volume and value of that choice summed over the problems from each step of
    ``order`` on (a last column of zeros: nothing left)."""
    at, r = np.arange(rows.size), rows.size
    lagr = {k: np.argmax(red[k], axis=1) for k in order}
    g_w = np.column_stack([volumes[k][rows][at, lagr[k]] for k in order] + [np.zeros(r)])
    g_v = np.column_stack([values[k][rows][at, lagr[k]] for k in order] + [np.zeros(r)])
    return lagr, np.cumsum(g_w[:, ::-1], axis=1)[:, ::-1], np.cumsum(g_v[:, ::-1], axis=1)[:, ::-1]


def _incumbent(start, i, fixed_pick, order, back, lagr, inc_step, state):
    """The choice of draw ``i``'s incumbent in :func:`_frontier`: the fixed problems, the
    programme's state ``state`` at ``inc_step`` traced back, the Lagrangian choice after it."""
    picks = np.array(start)
    for k, c in fixed_pick.items():
        picks[k] = c[i]
    for step in range(inc_step, -1, -1):
        parent, option = back[step]
        picks[order[step]] = option[state]
        state = int(parent[state])
    for step in range(inc_step + 1, len(order)):
        picks[order[step]] = lagr[order[step]][i]
    return picks


def _best_last_states(draw, W, V, qs, best, choice, rows, fixed_pick, order, back):
    """Where a draw's best final state of :func:`_frontier` beats its incumbent: that
    state's objective into ``best`` and its choice, traced back, into ``choice``."""
    total = V - qs[draw] * W ** 2 / 2
    sort = np.lexsort((total, draw))
    last = np.flatnonzero(np.r_[draw[sort][1:] != draw[sort][:-1], True])
    state = sort[last]
    owner = draw[state]
    win = total[state] > best[owner]
    state, owner = state[win], owner[win]
    best[owner] = total[state]
    picks = np.empty((owner.size, len(fixed_pick) + len(order)), dtype=choice.dtype)
    for k, c in fixed_pick.items():
        picks[:, k] = c[owner]
    for step in range(len(order) - 1, -1, -1):
        parent, option = back[step]
        picks[:, order[step]] = option[state]
        state = parent[state]
    choice[rows[owner]] = picks
