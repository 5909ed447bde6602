"""The compiled loop of linear_maximin against its NumPy code, byte for byte.

games/optimise/_maximin.c repeats the NumPy code's operations row by row. On random stacks of
problems with the awkward cases (equal and zero slopes, integer values that tie, magnitudes
that overflow to infinities and NaN, flat, reversed and -0.0-ended ranges, ranges shared or
one per problem, both sides of FEW_PROBLEMS) it must give the same points, values, bounds and
weights to the last bit, and leave to the NumPy code exactly the stacks it says it leaves: a
bound of -0.0 or a NaN somewhere in the answer. Skipped where the kernel is not built (or
CHIPDEALS_PURE is set): there the NumPy code is the only path.
"""

import numpy as np
import pytest

from games.optimise import maximin
from games.optimise.maximin import FEW_PROBLEMS, linear_maximin

pytestmark = pytest.mark.skipif(maximin._COMPILED is None,
                                reason="the compiled max-min loop is not built")

FIELDS = ("points", "values", "bounds", "weights")


def _numbers(rng, shape, style):
    """Random numbers of one style: normal, small integers (many ties), wide magnitudes
    (rounding shows), or extreme ones (products overflow to inf, inf - inf gives NaN)."""
    if style == "integer":
        return rng.integers(-3, 4, shape).astype(float)
    if style == "wide":
        return rng.normal(size=shape) * 10.0 ** rng.integers(-12, 13, shape)
    if style == "extreme":          # a few: most rows must keep a dual that is not NaN
        scale = np.where(rng.uniform(size=shape) < 0.1, 10.0 ** rng.integers(-320, 309, shape),
                         1.0)
        with np.errstate(over="ignore"):                              # some are infinite
            return rng.normal(size=shape) * scale
    return rng.normal(size=shape)


def _stack(rng, n, k, shared_box, style, tame=False):
    """One stack of n problems in k coordinates, with ties and zeros of either sign; ``tame``:
    no infinite or -0.0 bounds (the kernel answers every such stack of "wide" numbers)."""
    a, b = _numbers(rng, (n, k), style), _numbers(rng, (n, k), style)
    b = np.where(rng.uniform(size=(n, k)) < 0.2, a, b)               # equal slopes
    for v in (a, b):
        v[rng.uniform(size=(n, k)) < 0.15] = 0.0                     # zero slopes
        v[rng.uniform(size=(n, k)) < 0.05] = -0.0
    a0, b0 = _numbers(rng, n, style), _numbers(rng, n, style)
    b0 = np.where(rng.uniform(size=n) < 0.2, a0, b0)
    for v in (a0, b0):
        v[rng.uniform(size=n) < 0.1] = -0.0
    shape = (k,) if shared_box else (n, k)
    low = _numbers(rng, shape, "integer" if style == "extreme" else style)
    high = low + np.abs(_numbers(rng, shape, "integer" if style == "extreme" else style))
    high = np.where(rng.uniform(size=shape) < 0.1, low, high)        # flat ranges
    low[rng.uniform(size=shape) < 0.15] = 0.0
    if rng.uniform() < 0.1:
        high = np.where(rng.uniform(size=shape) < 0.1, low - 1, high)  # reversed ranges
    if rng.uniform() < 0.1 and not tame:
        high = np.where(rng.uniform(size=shape) < 0.1, np.inf, high)
    if rng.uniform() < 0.15 and not tame:                            # left to NumPy
        low[rng.uniform(size=shape) < 0.2] = -0.0
    return a, a0, b, b0, low, high


def _by_numpy(monkeypatch, args):
    with monkeypatch.context() as m:
        m.setattr(maximin, "_COMPILED", None)
        return linear_maximin(*args)


def _check(monkeypatch, args):
    """The kernel's answer is the NumPy code's, or the kernel declines exactly where the
    answer holds a NaN or a bound is -0.0; linear_maximin gives the NumPy answer either way.
    Returns whether the kernel answered."""
    with np.errstate(all="ignore"):
        a, a0, b, b0, low, high = (np.asarray(v, dtype=float) for v in args)
        a, b = np.atleast_2d(a), np.atleast_2d(b)
        a0, b0 = (np.broadcast_to(v, (len(a),)) for v in (a0, b0))
        compiled = maximin._by_kernel(a, a0, b, b0, low, high)
        try:
            plain = _by_numpy(monkeypatch, args)
        except ValueError:              # a dual NaN at every candidate: nanargmin raises
            assert compiled is None
            with pytest.raises(ValueError):
                linear_maximin(*args)
            return False
        through = linear_maximin(*args)
    minus_zero = any((np.signbit(v) & (v == 0)).any() for v in (low, high))
    nan = any(np.isnan(getattr(plain, f)).any() for f in FIELDS)
    assert (compiled is None) == (minus_zero or nan)
    for f in FIELDS:
        if compiled is not None:
            assert getattr(compiled, f).tobytes() == getattr(plain, f).tobytes(), f
        assert getattr(through, f).tobytes() == getattr(plain, f).tobytes(), f
    return compiled is not None


@pytest.mark.parametrize("style", ["normal", "integer", "wide", "extreme"])
@pytest.mark.parametrize("seed", range(4))
def test_the_kernel_gives_the_numpy_answer_bit_for_bit(monkeypatch, style, seed):
    rng = np.random.default_rng([seed, len(style)])
    answered = 0
    sizes = [1, 2, FEW_PROBLEMS - 1, FEW_PROBLEMS, 5000] + list(rng.integers(1, 2000, 10))
    for i, n in enumerate(sizes):
        k = int(rng.integers(1, 13)) if i >= 2 else 1 + (seed * 4 + i) % 12
        answered += _check(monkeypatch, _stack(rng, int(n), k, bool(i % 2), style))
    assert answered >= len(sizes) // 2        # the kernel answers most stacks, not NumPy


@pytest.mark.parametrize("k", range(1, 13))
def test_every_number_of_coordinates_on_both_layouts(monkeypatch, k):
    # Both of the NumPy code's layouts of the dual (problem first below FEW_PROBLEMS), and
    # its sums of k terms: in order below 8, eight running sums from 8 on.
    rng = np.random.default_rng(100 + k)
    for n in (FEW_PROBLEMS - 1, FEW_PROBLEMS, 3000):
        for shared_box in (True, False):
            assert _check(monkeypatch, _stack(rng, n, k, shared_box, "wide", tame=True))


@pytest.mark.parametrize("k", [13, 64, 129, 300])
def test_coordinates_beyond_the_usual_few(monkeypatch, k):
    # Sums of more than 128 terms too (NumPy sums them by halves).
    rng = np.random.default_rng(k)
    assert _check(monkeypatch, _stack(rng, 70, k, False, "wide", tame=True))


def test_no_coordinates_is_left_to_numpy(monkeypatch):
    # The NumPy code cannot mark a breakpoint's coordinate when there are none, and raises.
    args = (np.ones((3, 0)), np.zeros(3), np.ones((3, 0)), np.ones(3), np.zeros(0), np.zeros(0))
    assert maximin._by_kernel(*args) is None
    with pytest.raises(IndexError):
        linear_maximin(*args)


def test_the_kernel_takes_no_problems_and_scalar_offsets(monkeypatch):
    rng = np.random.default_rng(7)
    assert _check(monkeypatch, _stack(rng, 0, 3, True, "normal", tame=True))
    a, a0, b, b0, low, high = _stack(rng, 5, 3, True, "normal", tame=True)
    assert _check(monkeypatch, (a, 0.5, b, -1.0, low, high))          # offsets broadcast
    assert _check(monkeypatch, (a[0], a0[0], b[0], b0[0], low, high))  # one problem, 1-D


def test_a_dual_nan_everywhere_raises_on_both_paths(monkeypatch):
    # Every candidate's h is NaN: nanargmin raises, and the kernel leaves it to NumPy.
    assert not _check(monkeypatch, ([[np.nan, 1.0]], [0.0], [[1.0, 2.0]], [0.0], [0.0, 0.0],
                                    [1.0, 1.0]))
