"""The Nash split search's faster formulations held to the ones they replace, bit for bit, on
random inputs with the ties, signed zeros, NaNs and box edges that make them differ if wrong."""

import numpy as np
import pytest

from games.optimise import box_search


def _poll_before(objective, rows, trial, names, centre, seen=None):
    """box_search._poll as it was: every comparison of a row's points as an (r, m, m) or
    (r, m, s) table, any() over the last axis."""
    r, m = len(rows), trial[names[0]].shape[1]
    coords = [np.broadcast_to(trial[k], (r, m)) for k in names]
    on_centre = np.logical_and.reduce([c == centre[k][:, None] for c, k in zip(coords, names)])
    same = np.logical_and.reduce([c[:, :, None] == c[:, None, :] for c in coords])
    source = np.argmax(same | np.eye(m, dtype=bool), axis=2)
    points = np.stack(coords, axis=2)
    points[on_centre] = np.nan
    ask = (source == np.arange(m)) & ~on_centre
    value = np.full((r, m), -np.inf)
    if seen is not None:
        match = np.logical_and.reduce([c[:, :, None] == seen[0][:, None, :, i]
                                       for i, c in enumerate(coords)])
        known = ask & match.any(axis=2)
        kr, kc = np.nonzero(known)
        value[kr, kc] = seen[1][kr, np.argmax(match[kr, kc], axis=1)]
        ask &= ~known
    at, column = np.nonzero(ask)
    if at.size:
        asked = {k: v[at] for k, v in trial.items() if k not in names}
        asked.update({k: c[at, column][:, None] for k, c in zip(names, coords)})
        value[at, column] = box_search._values(objective(rows[at], **asked), at.size)[:, 0]
    return np.take_along_axis(value, source, axis=1), points


def _levels(rng, shape):
    # Few distinct levels (many equal points), signed zeros and, rarely, NaN.
    return rng.choice([0.0, -0.0, 0.25, 0.5, 1.0, np.nan], shape,
                      p=[0.25, 0.15, 0.2, 0.2, 0.15, 0.05])


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_a_poll_finds_what_the_tables_of_every_pair_found(d, seed):
    rng = np.random.default_rng(seed)
    r, m, s = 300, 3 ** d - 1, 3 ** d
    names = ["x", "y", "z"][:d]
    trial = {k: _levels(rng, (r, m)) for k in names}
    trial["fixed"] = rng.uniform(0, 1, (r, 1))           # an issue not searched
    centre = {k: np.where(rng.uniform(size=r) < 0.5, trial[k][:, 0], _levels(rng, r))
              for k in names}
    seen = (np.stack([_levels(rng, (r, s)) for _ in names], axis=2), rng.normal(size=(r, s)))
    c = rng.normal(size=1000)

    def f(rows, fixed, **x):
        # Hangs on the place of each point in the call too: a point asked that should not
        # be, or asked in another order, shows in the values.
        return (c[rows][:, None] + fixed + sum((j + 1.5) * v for j, v in enumerate(x.values()))
                + 1e-3 * np.arange(len(rows))[:, None])

    rows = rng.permutation(1000)[:r]
    for given in (seen, None):
        new = box_search._poll(f, rows, trial, names, centre, given)
        old = _poll_before(f, rows, trial, names, centre, given)
        assert new[0].tobytes() == old[0].tobytes() and new[1].tobytes() == old[1].tobytes()
