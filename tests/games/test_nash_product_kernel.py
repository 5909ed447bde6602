"""The compiled loops of linear_nash_product against its NumPy code, byte for byte.

games/optimise/_nash_product.c repeats the NumPy code's operations row by row and leaves the
logarithms to np.log. On random stacks with the awkward cases (zero and -0.0 slopes, ties in
the frontier's ratios, edges that are no trade-off, flat ranges, gains negative everywhere,
powers near and at 0 and 1, infinities that make NaN, bounds shared or one per row) and on
the calls a comparison of deals makes, it must give the same points, gains and values to the
last bit, and leave to the NumPy code exactly the stacks it says it leaves: a NaN in a point
or a gain. Skipped where the kernel is not built (or CHIPDEALS_PURE is set): there the NumPy
code is the only path.
"""

import numpy as np
import pytest

import deals
import games.bargaining.affine_split as affine_split
import games.bargaining.batch.nash as batch_nash
from games.optimise import nash_product
from games.optimise.nash_product import MAX_COORDINATES, linear_nash_product

pytestmark = pytest.mark.skipif(nash_product._COMPILED is None,
                                reason="the compiled Nash product loops are not built")


def _numbers(rng, shape, style):
    """Random numbers of one style: normal, small integers (ties in the ratios, zeros), wide
    magnitudes, or extreme ones (products overflow to inf, inf - inf gives NaN)."""
    if style == "integer":
        return rng.integers(-3, 4, shape).astype(float)
    if style == "wide":
        return rng.normal(size=shape) * 10.0 ** rng.integers(-12, 13, shape)
    if style == "extreme":
        scale = np.where(rng.uniform(size=shape) < 0.05,
                         10.0 ** rng.integers(-320, 309, shape), 1.0)
        with np.errstate(over="ignore"):
            return rng.normal(size=shape) * scale
    return rng.normal(size=shape)


def _powers(rng, n, style):
    """One power per row: inside (0, 1), near its ends, at them, or a mix of those and of
    powers outside [0, 1], infinite or NaN."""
    if style == "inside":
        return rng.uniform(0.05, 0.95, n)
    if style == "near":
        return np.where(rng.uniform(size=n) < 0.5, 1e-12, 1 - 1e-12) * rng.uniform(0.5, 1.5, n)
    if style == "ends":
        return rng.integers(0, 2, n).astype(float)
    return rng.choice([0.0, 1.0, 0.5, 1e-300, 1 - 2 ** -53, 0.3, 2.0, -0.5, np.inf, np.nan], n)


def _stack(rng, n, k, style, shared_box, power_style="inside"):
    """One stack of n problems in k coordinates, with ties, zeros of either sign, edges that
    are no trade-off, flat ranges and, now and then, gains negative everywhere."""
    a, b = _numbers(rng, (n, k), style), _numbers(rng, (n, k), style)
    b = np.where(rng.uniform(size=(n, k)) < 0.1, -a, b)             # equal ratios
    for v in (a, b):
        v[rng.uniform(size=(n, k)) < 0.15] = 0.0                   # moves one gain only
        v[rng.uniform(size=(n, k)) < 0.05] = -0.0
    # Offsets (none with both gains positive anywhere, now and then), then the box.
    a0 = _numbers(rng, n, style) - (1e3 if rng.uniform() < 0.2 else 0.0)
    b0 = np.where(rng.uniform(size=n) < 0.1, -0.0, _numbers(rng, n, style))
    shape = (k,) if shared_box else (n, k)
    low, width = (_numbers(rng, shape, "integer" if style == "extreme" else style) for _ in "lw")
    high = low + np.where(rng.uniform(size=shape) < 0.1, 0.0, np.abs(width))   # flat ranges
    low[rng.uniform(size=shape) < 0.1] = -0.0
    return a, a0, b, b0, low, high, _powers(rng, n, power_style)


def _by_numpy(monkeypatch, args):
    with monkeypatch.context() as m:
        m.setattr(nash_product, "_COMPILED", None)
        return linear_nash_product(*args)


def _fields(answer):
    return answer.points, answer.gains[0], answer.gains[1], answer.values


def _check(monkeypatch, args, shaped=True):
    """The kernel's answer is the NumPy code's, or the kernel declines exactly where a point
    or a gain is NaN (or, not ``shaped`` as it takes them, always); linear_nash_product gives
    the NumPy answer either way. Returns whether the kernel answered."""
    with np.errstate(all="ignore"):
        a, a0, b, b0, low, high, power = (np.asarray(v, dtype=float) for v in args)
        a, b = np.atleast_2d(a), np.atleast_2d(b)
        a0, b0, power = (np.broadcast_to(v, (len(a),)) for v in (a0, b0, power))
        compiled = nash_product._by_kernel(a, a0, b, b0, power, low, high)
        plain = _by_numpy(monkeypatch, args)
        through = linear_nash_product(*args)
    nan = any(np.isnan(v).any() for v in _fields(plain)[:3])
    assert (compiled is None) == (nan or not shaped)
    for name, mine, theirs, again in zip(("points", "g_1", "g_2", "values"),
                                         _fields(compiled) if compiled else _fields(plain),
                                         _fields(plain), _fields(through)):
        for v in (mine, again):
            assert v.shape == theirs.shape and v.dtype == theirs.dtype, name
            assert v.tobytes() == theirs.tobytes(), name
    return compiled is not None


@pytest.mark.parametrize("style", ["normal", "integer", "wide", "extreme"])
@pytest.mark.parametrize("powers", ["inside", "near", "ends", "mixed"])
def test_the_kernel_gives_the_numpy_answer_bit_for_bit(monkeypatch, style, powers):
    rng = np.random.default_rng([len(style), len(powers)])
    answered = 0
    sizes = [1, 2, 5000] + list(rng.integers(1, 1500, 8))
    for i, n in enumerate(sizes):
        k = int(rng.integers(1, 7))
        answered += _check(monkeypatch, _stack(rng, int(n), k, style, bool(i % 2), powers))
    assert answered >= len(sizes) // 2        # the kernel answers most stacks, not NumPy


@pytest.mark.parametrize("k", list(range(1, 9)) + [MAX_COORDINATES])
def test_every_number_of_coordinates(monkeypatch, k):
    # Each number of coordinates the loop is compiled for, and the general one.
    rng = np.random.default_rng(100 + k)
    for shared_box in (True, False):
        assert _check(monkeypatch, _stack(rng, 700, k, "integer", shared_box, "mixed"))
        assert _check(monkeypatch, _stack(rng, 700, k, "normal", shared_box))


def test_what_the_kernel_leaves_to_numpy(monkeypatch):
    rng = np.random.default_rng(3)
    a, a0, b, b0, low, high, power = _stack(rng, 50, MAX_COORDINATES + 1, "normal", True)
    assert not _check(monkeypatch, (a, a0, b, b0, low, high, power), shaped=False)
    a, a0, b, b0, low, high, power = _stack(rng, 50, 3, "normal", True)
    a[7, 1] = np.nan                                    # a NaN gain: NumPy answers
    assert not _check(monkeypatch, (a, a0, b, b0, low, high, power))
    a[7, 1] = 1.0
    high = np.full((50, 1), 2.0)                        # a column: NumPy broadcasts it
    assert not _check(monkeypatch, (a, a0, b, b0, low, high, power), shaped=False)


def test_a_nan_value_beats_a_number_as_in_an_argmax(monkeypatch):
    # With an infinite power the value is inf log g_1: inf at the start (g_1 = 2), NaN at
    # the end (g_1 = 1, inf * 0). NumPy's rule takes the NaN, as an argmax would; a plain
    # comparison would keep the start. The gains stay numbers, so the kernel answers.
    args = ([[1.0]], [1.0], [[-1.0]], [2.0], [0.0], [1.0], [np.inf])
    assert _check(monkeypatch, args)
    with np.errstate(invalid="ignore"):
        assert linear_nash_product(*args).points.tolist() == [[0.0]]


def test_scalars_one_row_and_no_rows(monkeypatch):
    rng = np.random.default_rng(8)
    a, a0, b, b0, low, high, power = _stack(rng, 6, 3, "normal", True)
    assert _check(monkeypatch, (a, 0.5, b, -0.25, low, high, 0.4))       # broadcast
    assert _check(monkeypatch, (a[0], a0[0], b[0], b0[0], low, high, power[0]))  # 1-D
    assert _check(monkeypatch, (a, a0, b, b0, low[None], high[None], power))  # (1, k) box
    assert _check(monkeypatch, (a[:0], a0[:0], b[:0], b0[:0], low, high, power[:0]))


def test_np_log_rounds_a_value_alike_wherever_it_stands():
    # The kernel gathers the gains into one buffer for one np.log; the NumPy code takes the
    # logs of (k, n) arrays, rows of them and gathered entries. Each value's log must not
    # depend on where it stands or on the array's length.
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(0, 10, 40_000), np.exp(rng.uniform(-740, 700, 40_000)),
                        1 + rng.normal(size=40_000) * 1e-9, [np.inf, 5e-324, 1.0]])
    logs = np.log(x).view(np.int64)
    grid = x[:79_998].reshape(3, -1)
    assert np.array_equal(np.log(grid).ravel().view(np.int64), logs[:79_998])
    assert np.array_equal(np.log(grid.T).T.ravel().view(np.int64), logs[:79_998])
    assert np.array_equal(np.log(x[1::3]).view(np.int64), logs[1::3])
    for start in range(0, 200, 7):
        for size in (1, 2, 3, 7, 8, 9, 17):
            part = x[start:start + size].copy()
            assert np.array_equal(np.log(part).view(np.int64), logs[start:start + size])
    inplace = x.copy()
    np.log(inplace, out=inplace)
    assert np.array_equal(inplace.view(np.int64), logs)


def test_the_calls_of_a_comparison(monkeypatch):
    # The stacks the deals' audits hand to linear_nash_product (one, two, three and five
    # coordinates), each solved by both paths.
    seen = []

    def both(*args):
        seen.append(_check(monkeypatch, args))
        return linear_nash_product(*args)

    monkeypatch.setattr(affine_split, "linear_nash_product", both)
    monkeypatch.setattr(batch_nash, "linear_nash_product", both)
    deals.compare(["chips-for-farm-purchases", "malaysia-anti-smuggling", "gulf-divestment-uae",
                   "india-energy-trade"], draws=60)
    assert len(seen) > 100 and all(seen)
