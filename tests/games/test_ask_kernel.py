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


@pytest.mark.parametrize("seed", range(4))
def test_a_block_of_columns_of_a_wider_table_reads_as_its_copy(monkeypatch, seed):
    """A line's gains are a block of columns of the round's table: the kernel reads the block
    in place (rows apart by the whole table's width) and answers as for a contiguous copy."""
    rng = np.random.default_rng([seed, 77])
    for style in ("normal", "integer", "wide"):
        n, m = int(rng.integers(1, 2500)), int(rng.integers(3, 21))
        t, g_1, g_2 = _line(rng, n, m, style)
        left, right = (int(k) for k in rng.integers(0, 30, 2))
        wide = [np.hstack([_gains(rng, (n, left), style), g, _gains(rng, (n, right), style)])
                for g in (g_1, g_2)]
        block_1, block_2 = (w[:, left:left + m] for w in wide)
        assert not block_1.flags.c_contiguous or left + right == 0
        with np.errstate(all="ignore"):
            in_place = ask._by_kernel(t, block_1, block_2)
            copied = ask._by_kernel(t, g_1.copy(), g_2.copy())
        assert (in_place is None) == (copied is None)
        if in_place is not None:
            for a, b in zip(in_place, copied):
                assert a.tobytes() == b.tobytes()
        _check(monkeypatch, t, block_1, block_2)


def _affine_numpy(monkeypatch, t, g):
    with monkeypatch.context() as mp:
        mp.setattr(ask, "_COMPILED", None)
        return ask._affine(t, g)


@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_affine_check_decides_as_numpy(monkeypatch, seed):
    """Lines through their ends give or take noise near the slack (each side of it), rows of
    every scale, blocks of wider tables: the compiled check and the NumPy code agree on each,
    and both answers occur."""
    rng = np.random.default_rng([seed, 91])
    answers = set()
    for _ in range(60):
        n, m = int(rng.integers(1, 400)), int(rng.integers(3, 18))
        t = np.sort(rng.uniform(-2, 5, m))
        scale = 10.0 ** rng.integers(-5, 6)
        g = scale * (rng.normal(size=(n, 1)) + rng.normal(size=(n, 1)) * t[None, :])
        noise = ask.AFFINE_SLACK * scale * rng.choice([0.0, 0.5, 1.0, 2.0, 10.0, 1e6])
        g = g + noise * rng.uniform(-1, 1, (n, m)) * (rng.uniform(size=(n, m)) < 0.1)
        if rng.uniform() < 0.3:
            g = np.hstack([rng.normal(size=(n, 3)), g, rng.normal(size=(n, 2))])[:, 3:3 + m]
        expected = _affine_numpy(monkeypatch, t, g)
        assert ask._affine(t, g) is expected
        assert ask._COMPILED.affine(t, g, n, m, ask.AFFINE_SLACK) == int(expected)
        answers.add(expected)
    assert answers == {True, False}
    tiny = np.array([[1.0, 2.0]])
    assert ask._COMPILED.affine(np.array([0.0, 1.0]), tiny, 1, 2, ask.AFFINE_SLACK) == -1
    assert ask._affine(np.array([0.0, 1.0]), tiny) is False


@pytest.mark.parametrize("seed", range(3))
def test_the_whole_ask_is_the_same_with_and_without_the_compiled_loops(monkeypatch, seed):
    """The compiled candidates, affine check and gather change no number of the ask: on random
    problems (a kink, a square, a discrete issue; a search on part of the draws, then all of
    them) the same package, acceptance and gains."""
    from games.bargaining.batch import BatchProblem, optimal_ask, take_it_or_leave_it
    from games.optimise.outcome_space import Box
    rng = np.random.default_rng([seed, 13])
    draws = int(rng.integers(50, 1500))
    q = {k: rng.uniform(0.2, 2.0, draws) for k in "abc"}

    def u(x, p):
        return (p["a"] * np.minimum(x["s"], p["b"]) - x["t"] ** 2 * p["c"] + x["k"],
                x["t"] * p["b"] - x["s"] * p["a"] + 0.3 * x["k"] * p["c"] - 0.2)

    problem = BatchProblem(u, Box({"s": (0.0, 2.0), "t": (0.0, 1.5), "k": [0.0, 1.0]}), q,
                           (np.zeros(len(q["a"])), np.zeros(len(q["a"]))), elementwise=True)
    answers = []
    for compiled in (True, False):
        with monkeypatch.context() as mp:
            if not compiled:
                mp.setattr(ask, "_COMPILED", None)
                mp.setattr(take_it_or_leave_it, "_COMPILED", None)
            found = optimal_ask(problem, search_draws=int(len(q["a"]) * 0.6))
        answers.append((sorted(found.package.items()), found.acceptance, found.expected_gain,
                        found.gains[0].tobytes(), found.gains[1].tobytes()))
    assert answers[0] == answers[1]


def test_the_compiled_accepted_sums_are_the_numpy_sums(monkeypatch):
    """Player 1's accepted gains summed per package (the grid scan's and the checked
    crossings'): the same sums to the bit by the compiled loop and by NumPy, and the same
    totals added chunk after chunk from 0.0, on tables with exact zeros of either sign, whole,
    sliced or broadcast, of 1 to 3,000 draws and 1 to 300 packages."""
    rng = np.random.default_rng(41)
    for _ in range(60):
        columns = int(rng.integers(1, 300))
        totals = [np.zeros(columns), np.zeros(columns)]     # compiled, NumPy
        for _ in range(int(rng.integers(1, 4))):
            n = int(rng.integers(1, 3000))
            g_1 = _gains(rng, (n, columns + 3), "integer" if rng.uniform() < 0.4 else "normal")
            g_1 = g_1[:, 1:1 + columns] if rng.uniform() < 0.2 else g_1[:, :columns].copy()
            g_2 = np.broadcast_to(_gains(rng, (1, columns), "integer"), (n, columns)) \
                if rng.uniform() < 0.2 else _gains(rng, (n, columns), "integer")
            sums = []
            for compiled, total in zip((True, False), totals):
                with monkeypatch.context() as mp:
                    if not compiled:
                        mp.setattr(ask, "_COMPILED", None)
                    sums.append(ask.accepted_sums(g_1, g_2))
                total += sums[-1]
            assert sums[0].tobytes() == sums[1].tobytes()
        assert totals[0].tobytes() == totals[1].tobytes()
    zeros = np.full((5, 3), -0.0)                        # a sum of -0.0 terms is 0.0
    assert ask.accepted_sums(zeros, zeros).tobytes() == np.zeros(3).tobytes()
