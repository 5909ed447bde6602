"""The sequential LP steps' shortcuts against the plain NumPy they replace, bit for bit.

The probes' ends are written by two strided slices instead of index arrays, and arrays that
already have the shape wanted are used as they are instead of broadcast: on random stacks the
probes and the steps' answers must be the very bytes the plain forms give.
"""

import numpy as np
import pytest

from games.optimise.maximin import _set_ends, _shaped, maximin_by_lp_steps
from games.optimise.outcome_space import Box


@pytest.mark.parametrize("k", [1, 2, 3, 5, 10])
def test_the_ends_land_where_index_arrays_put_them(k):
    rng = np.random.default_rng(k)
    r = 7
    x, up, down = (rng.normal(size=(r, k)) for _ in range(3))
    plain = np.repeat(x[:, None, :], 1 + 2 * k, axis=1)
    each = np.arange(k)
    plain[:, 1 + 2 * each, each] = up
    plain[:, 2 + 2 * each, each] = down
    sliced = np.repeat(x[:, None, :], 1 + 2 * k, axis=1)
    _set_ends(sliced.reshape(r, -1), up, down)
    assert sliced.tobytes() == plain.tobytes()


def test_shaped_is_broadcast_to():
    v = np.arange(6.0).reshape(2, 3)
    assert _shaped(v, (2, 3)) is v
    for w, shape in ((v[:, :1], (2, 3)), (2.5, (2, 1)), (np.array([1.0, 2.0, 3.0]), (2, 3))):
        assert _shaped(w, shape).tobytes() == np.broadcast_to(w, shape).tobytes()


@pytest.mark.parametrize("seed", range(4))
def test_steps_answer_the_same_whatever_shape_the_pair_returns(seed):
    """A pair whose second function ignores the issues may return one value a row (r, 1);
    the answer is the same bytes as from the same values broadcast by the pair itself."""
    rng = np.random.default_rng(seed)
    m = 9
    centre, level = rng.uniform(0, 1, size=(m, 2)), rng.uniform(0.2, 0.8, size=m)
    box = Box({"x": (0.0, 1.0), "y": (0.0, 1.0)})

    def pair(rows, x, full):
        a = 1 - (x["x"] - centre[rows, :1]) ** 2 - (x["y"] - centre[rows, 1:]) ** 2
        b = level[rows][:, None] + 0.0 * (x["x"] if full else x["x"][:, :1])
        return a, b

    start = {"x": rng.uniform(0, 1, size=m), "y": rng.uniform(0, 1, size=m)}
    value = np.full(m, -np.inf)
    answers = [maximin_by_lp_steps(lambda r, x, f=full: pair(r, x, f), box, start, value,
                                   1e-7, 60) for full in (True, False)]
    (p_1, v_1), (p_2, v_2) = answers
    assert v_1.tobytes() == v_2.tobytes()
    assert all(p_1[k].tobytes() == p_2[k].tobytes() for k in p_1)
    assert np.all(v_1 > -np.inf)


def test_fmax_with_minus_infinity_only_turns_nan_to_minus_infinity():
    """The steps take a NaN value as -inf by np.fmax(got, -inf): the bytes of the np.where."""
    rng = np.random.default_rng(3)
    got = rng.normal(size=200) * 10.0 ** rng.integers(-320, 300, 200)
    got[::7], got[1::11], got[2::13], got[3::17] = np.nan, -0.0, np.inf, -np.inf
    plain = np.where(np.isnan(got), -np.inf, got)
    assert np.fmax(got, -np.inf).tobytes() == plain.tobytes()
