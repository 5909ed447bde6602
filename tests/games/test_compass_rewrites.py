"""The compass search's faster formulations held to the ones they replace, bit for bit, on
random inputs with plateaus, box edges and a coordinate not searched: the same points asked
in the same calls and order, the same moves and values."""

import numpy as np
import pytest

from games.optimise import box_search
from games.optimise.box_search import Box, Objective, Mapping, _evaluate


def _sweep_before(objective: Objective, box: Box, moving: list[str],
                  points: dict[str, np.ndarray], current: np.ndarray,
                  step: Mapping[str, np.ndarray], rows: np.ndarray,
                  improved: np.ndarray, compass: object = None) -> None:
    """box_search._sweep as it was: each wave stacks the rows' points and steps anew (and
    works out its trials itself: ``compass`` is not used)."""
    trials = 2 * len(moving)                # trial 2 i: coordinate i up, 2 i + 1: down
    lo = np.repeat([box.bounds(k)[0] for k in moving], 2)
    hi = np.repeat([box.bounds(k)[1] for k in moving], 2)
    sign = np.tile([1.0, -1.0], len(moving))
    down = sign < 0
    column, axis = np.arange(trials), np.arange(trials) // 2
    done = np.zeros(rows.size, dtype=int)   # each row's trials met so far
    waiting = np.arange(rows.size)
    while waiting.size:
        r = rows[waiting]
        ask = column >= done[waiting][:, None]                          # (rows, trials)
        here = np.stack([points[k][r] for k in moving], axis=1)         # (rows, coordinates)
        at = np.repeat(here, 2, axis=1)
        tried = np.clip(at + sign * np.repeat(np.stack([step[k][r] for k in moving], axis=1),
                                              2, axis=1), lo, hi)
        moved = np.repeat(here[:, None, :], trials, axis=1)             # each trial's point
        moved[:, column, axis] = tried
        drawn = np.repeat(r, trials - done[waiting])
        asked = {k: moved[:, :, moving.index(k)][ask] if k in moving else v[drawn]
                 for k, v in points.items()}
        value = np.full(ask.shape, -np.inf)
        value[ask] = _evaluate(objective, asked, drawn, True)
        held = current[r][:, None]
        moves = ask & ((value > held) | (down & ~improved[r][:, None] & (value == held)
                                         & (tried < at)))
        some = np.flatnonzero(moves.any(axis=1))
        first = np.argmax(moves[some], axis=1)
        done[waiting] = trials
        done[waiting[some]] = first + 1
        going, v, t = r[some], value[some, first], tried[some, first]
        better = v > current[going]
        current[going[better]] = v[better]
        improved[going[better]] = True
        for i, k in enumerate(moving):
            on = axis[first] == i
            points[k][going[on]] = t[on]
        waiting = waiting[done[waiting] < trials]


def _bumpy(rng, draws, names, calls):
    """Per draw a bowl rounded to a few levels (plateaus and ties), plus the coordinate not
    searched; every call's rows and points are logged, so a point asked in another call or
    order shows."""
    centre = {k: rng.uniform(-0.2, 1.2, draws) for k in names}
    scale = rng.choice([4.0, 16.0, 1e6], draws)

    def f(rows, fixed, **x):
        calls.append(b"".join(a.tobytes() for a in (rows, fixed, *x.values())))
        bowl = -sum((x[k] - centre[k][rows][:, None]) ** 2 for k in names)
        return np.round(bowl * scale[rows][:, None]) / scale[rows][:, None] + 0.1 * fixed
    return f


def _state(rng, draws, names):
    box = Box({**{k: (0.0, 1.0) for k in names}, "fixed": [0.0, 0.5, 1.0]})
    points = {k: rng.choice([0.0, 1.0, rng.uniform()], draws) for k in names}
    points["fixed"] = rng.choice([0.0, 0.5, 1.0], draws)
    step = {k: rng.choice([0.5, 0.125, 2.0 ** -20], draws) for k in names}
    return box, points, step


@pytest.mark.parametrize("d", [1, 2, 3, 5])
@pytest.mark.parametrize("seed", range(3))
def test_a_sweep_asks_and_moves_as_it_did(d, seed):
    rng = np.random.default_rng(seed)
    names, draws = ["x", "y", "z", "u", "v"][:d], 200
    box, points, step = _state(rng, draws, names)
    rows = np.sort(rng.choice(draws, 150, replace=False))
    found = []
    for sweep in (box_search._sweep, _sweep_before):
        calls = []
        f = _bumpy(np.random.default_rng(seed + 100), draws, names, calls)
        p = {k: v.copy() for k, v in points.items()}
        current = _evaluate(f, p, np.arange(draws), True)
        improved = np.zeros(draws, dtype=bool)
        base = {k: p[k].copy() for k in names}
        sweep(f, box, names, p, current, step, rows, improved)
        box_search._strides(f, box, names, p, current, base, rows[improved[rows]])
        found.append((calls, [p[k].tobytes() for k in p], current.tobytes(), improved.tobytes()))
    assert improved[rows].any() and found[0] == found[1]


@pytest.mark.parametrize("d", [1, 2, 5])
def test_the_compass_search_is_what_it_was(d, monkeypatch):
    rng = np.random.default_rng(d)
    names, draws = ["x", "y", "z", "u", "v"][:d], 60
    box, points, _ = _state(rng, draws, names)
    found = []
    for before in (False, True):
        if before:
            monkeypatch.setattr(box_search, "_sweep", _sweep_before)
        calls = []
        f = _bumpy(np.random.default_rng(7), draws, names, calls)
        result = box_search.maximise(f, box, draws, start=points, resolution=1e-6,
                                     first_step=0.125, max_rounds=60, by_rows=True)
        found.append((calls, [result.points[k].tobytes() for k in result.points],
                      result.values.tobytes(), result.resolution))
    assert len(found[0][0]) > 10 and found[0] == found[1]
