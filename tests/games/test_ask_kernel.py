"""The compiled loop of line_candidates against its NumPy code, byte for byte.

games/bargaining/_ask.c repeats the NumPy code's operations: its sums over the draws in
NumPy's order, its crossings sorted as np.lexsort sorts them (ties in the draws' order), its
running sums. On random lines (3 to 20 positions, 1 to 3,000 draws; gains normal, integer
valued with many ties and exact zeros of either sign, or of magnitudes from 1e-300 to 1e300)
it must give the same positions and values to the last bit, or leave the line to the NumPy
code. Skipped where the kernel is not built (or CHIPDEALS_PURE is set).
"""

import numpy as np
import pytest

from games.bargaining import ask
from games.bargaining.ask import line_candidates

pytestmark = pytest.mark.skipif(ask._COMPILED is None,
                                reason="the compiled line candidates are not built")


def _gains(rng, shape, style):
    if style == "integer":
        g = rng.integers(-3, 4, shape).astype(float)
    elif style == "wide":
        g = rng.normal(size=shape) * 10.0 ** rng.integers(-300, 301, shape)
    else:
        g = rng.normal(size=shape)
    g[rng.uniform(size=shape) < 0.05] = -0.0
    g[rng.uniform(size=shape) < 0.05] = 0.0
    return g


def _line(rng, n, m, style):
    t = np.cumsum(rng.uniform(0.1, 1.0, m)) + rng.choice([0.0, -1.0, 3.0])
    if style == "integer":
        t = np.arange(m, dtype=float) - rng.integers(0, m)      # a position at 0.0
    return t, _gains(rng, (n, m), style), _gains(rng, (n, m), style)


def _check(monkeypatch, t, g_1, g_2):
    """The kernel's answer is the NumPy code's, byte for byte, or it declines; the public
    function gives the NumPy answer either way. Returns whether the kernel answered."""
    with monkeypatch.context() as mp:
        mp.setattr(ask, "_COMPILED", None)
        with np.errstate(all="ignore"):
            plain = line_candidates(t, g_1, g_2)
    with np.errstate(all="ignore"):
        compiled = ask._by_kernel(t, g_1, g_2)
        through = line_candidates(t, g_1, g_2)
    for i in range(2):
        if compiled is not None:
            assert compiled[i].tobytes() == plain[i].tobytes()
        assert through[i].tobytes() == plain[i].tobytes()
    return compiled is not None


@pytest.mark.parametrize("style", ["normal", "integer", "wide"])
@pytest.mark.parametrize("seed", range(5))
def test_the_kernel_gives_the_numpy_candidates_bit_for_bit(monkeypatch, style, seed):
    rng = np.random.default_rng([seed, len(style)])
    answered = 0
    sizes = [1, 2, 2000, 3000] + list(rng.integers(1, 1500, 8))
    for n in sizes:
        answered += _check(monkeypatch, *_line(rng, int(n), int(rng.integers(3, 21)), style))
    assert answered >= len(sizes) - 2         # the kernel answers, NumPy rarely


def test_a_line_without_crossings_and_the_lines_left_to_numpy(monkeypatch):
    rng = np.random.default_rng(5)
    t = np.array([0.0, 1.0, 2.0, 4.0])
    g = rng.normal(size=(50, 4))
    assert _check(monkeypatch, t, g, np.abs(g))                   # every draw accepts
    assert ask._by_kernel(t, g, np.abs(g))[0] is t                # the positions as given
    for m in (1, 2):                    # one interval: NumPy sums over the draws pairwise
        assert ask._by_kernel(t[:m], g[:, :m], g[:, :m]) is None
        _check(monkeypatch, t[:m], g[:, :m], g[:, :m])
    minus = np.array([-1.0, -0.0, 1.0])                         # a position of -0.0
    assert ask._by_kernel(minus, g[:, :3], g[:, :3]) is None
    g[3, 2] = np.inf                                  # inf x 0 (a draw out there): NaN
    assert ask._by_kernel(t, g, -np.abs(g)) is None
    _check(monkeypatch, t, g, -np.abs(g))
