"""The compiled pass of games.fused against the generated NumPy functions, bit for bit.

games/_fused.c runs an expression's generated function as one straight-line program over the
cells; the result must be the NumPy function's own, broadcast to the inputs' shape, to the
last bit (NaN where it gives NaN). Checked on every generated function of the library's deals
on random inputs of the shapes a comparison passes ((r, 1) per draw, (1, m) per issue, (r, m),
0-d; three or four dimensions; column views and Fortran-order tables) with NaN, infinities,
signed zeros and ties at the minima and maxima; on random expressions of the supported
operations; on minimum/maximum's edge cases in every layout; and the fallback for what the
program does not do. Skipped where the extension is not built (or
CHIPDEALS_PURE is set).
"""

import numpy as np
import pytest

import deals
from games import expression_cache, fused
from games.errors import ExpressionError
from games.expressions import parse_expression

pytestmark = pytest.mark.skipif(fused._fused is None, reason="games._fused is not built")

@pytest.fixture(autouse=True)
def every_dimension(monkeypatch):
    """The loop takes results of up to MAX_DIMS dimensions, checked here, though evaluate
    leaves those of more than MOST_DIMS to NumPy (faster there)."""
    monkeypatch.setattr(fused, "MOST_DIMS", fused.MAX_DIMS)


SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-5, 100.0])


def _same(want, got) -> bool:
    """Equal shapes, NaN in the same cells and the same bits everywhere else."""
    want, got = np.asarray(want, dtype=float), np.asarray(got, dtype=float)
    if want.shape != got.shape:
        return False
    nan = np.isnan(want)
    return (np.array_equal(nan, np.isnan(got))
            and np.array_equal(want[~nan].view(np.uint64), got[~nan].view(np.uint64)))


def _numbers(rng, shape, special: float) -> np.ndarray:
    """Random numbers, some small integers (ties), a share of them special values."""
    x = rng.normal(0.0, 3.0, shape)
    if rng.uniform() < 0.4:
        x = np.round(x)
    mask = rng.uniform(size=shape) < special
    return np.asarray(np.where(mask, rng.choice(SPECIAL, shape), x), dtype=float)


def _laid_out(rng, x: np.ndarray) -> np.ndarray:
    """x as it is, or as a view of every other or every third entry of a wider array along
    its last axis, or (a table) a Fortran-order copy."""
    style = int(rng.integers(0, 5))
    if x.ndim == 0 or style < 2:
        return x
    if style == 4:
        return np.asfortranarray(x) if x.ndim >= 2 and min(x.shape[-2:]) > 1 else x
    wide = np.zeros(x.shape[:-1] + (x.shape[-1] * style,))
    wide[..., ::style] = x
    return wide[..., ::style]


def _shapes(rng, count: int, rows: int, columns: int) -> list[tuple[int, ...]]:
    """Shapes of count inputs: mostly two-dimensional, (r, 1), (1, m), (r, m) or 0-d; else
    one-dimensional, or three or four dimensions each input varying along some of them."""
    style = rng.uniform()
    if style < 0.7:
        kinds = [(rows, 1), (1, columns), (rows, columns), (), (1, 1)]
        return [kinds[rng.integers(0, 5)] for _ in range(count)]
    if style < 0.8:
        return [[(), (columns,), (1,)][rng.integers(0, 3)] for _ in range(count)]
    dims = rng.integers(1, 9, 3 if style < 0.9 else 4)
    return [tuple(int(d) if rng.uniform() < 0.4 else 1 for d in dims)
            for _ in range(count)]


def _check(function, rng, trials: int) -> int:
    """Compares the compiled pass with function on random inputs; how many ran compiled."""
    count, compiled = function.__code__.co_argcount, 0
    for trial in range(trials):
        rows, columns = int(rng.integers(1, 40)), int(rng.integers(1, 700 if trial % 4 else 40))
        arrays = [_laid_out(rng, _numbers(rng, s, [0.0, 0.1, 0.5][trial % 3]))
                  for s in _shapes(rng, count, rows, columns)]
        shape = np.broadcast_shapes(*[a.shape for a in arrays])
        with np.errstate(all="ignore"):
            value = function(*arrays)
            got = fused.evaluate(function, arrays, shape)
        if got is not None:
            compiled += 1
            assert got.flags.c_contiguous and got.dtype == np.float64
            # the layout NumPy gives a table (a Fortran-order input would make its own)
            assert np.shape(value) != shape or value.flags.c_contiguous
            assert _same(np.broadcast_to(value, shape), got), (
                function.__name__, [a.shape for a in arrays])
    return compiled


def _library_expressions():
    for name in deals.library_names():
        deal = deals.load(name)
        yield from (deal.inlined(side) for side in ("supplier", "partner"))
        yield from deal.utility.values()
        yield from deal.outside_option.values()
        yield from (deal.inline(e) for e in deal.outside_option.values())
        yield from deal.definitions.values()


def test_every_library_function_bit_for_bit():
    rng = np.random.default_rng(29)
    functions = {e.compile().__code__: e.compile() for e in _library_expressions()
                 if not e.is_constant}
    programs = [f for f in functions.values() if fused.program_of(f) is not None]
    assert len(programs) > len(functions) / 2
    assert sum(_check(f, rng, 24) for f in programs) > 12 * len(programs)


def _random_expression(rng, names: list[str], depth: int) -> str:
    """A random text of the supported operations (and constants folded as Python does)."""
    if depth == 0 or rng.uniform() < 0.2:
        return str(rng.choice(names + ["2", "0.5", "1/3", "-1.5", "0"]))
    a, b = (_random_expression(rng, names, depth - 1) for _ in range(2))
    choice = int(rng.integers(0, 9))
    return [f"({a} + {b})", f"({a} - {b})", f"({a} * {b})", f"({a} / {b})", f"-({a})",
            f"({a}) ** 2", f"min({a}, {b}, {names[0]})", f"max({a}, {b})",
            f"log({a})"][choice]


def test_random_expressions_bit_for_bit():
    rng = np.random.default_rng(7)
    names = ["a", "b", "c", "d"]
    compiled = 0
    for _ in range(150):
        try:
            expression = parse_expression(_random_expression(rng, names, 4), names=names)
        except ExpressionError:  # a division by the constant zero
            continue
        if expression.is_constant or fused.program_of(expression.compile()) is None:
            continue
        compiled += _check(expression.compile(), rng, 6)
    assert compiled > 300


@pytest.mark.parametrize("function", [np.minimum, np.maximum])
def test_minimum_maximum_edge_cases(function):
    values = np.append(SPECIAL, [np.float64(-np.nan), 3.0, 3.0])
    a, b = (x.ravel() for x in np.meshgrid(values, values))
    source = f"def f(x, y):\n    return reduce({function.__name__}, [x, y])\n"
    f = expression_cache.function_of({"function": "f", "source": source})
    layouts = [(a[:, None], b[:, None]), (a[None, :], b[None, :]), (a, b),
               (np.repeat(a, 3)[::3], b), (a.reshape(-1, 1), b.reshape(-1, 1) + 0 * b[:3])]
    for x, y in layouts + [(y, x) for x, y in layouts]:
        shape = np.broadcast_shapes(x.shape, y.shape)
        got = fused.evaluate(f, [x, y], shape)
        assert got is not None
        assert np.array_equal(np.broadcast_to(f(x, y), shape).view(np.uint64),
                              got.view(np.uint64))
    for i in range(len(a)):  # one scalar against a table, both ways round
        for x, y in ((np.array(a[i]), b.reshape(4, -1)), (a.reshape(4, -1), np.array(b[i]))):
            got = fused.evaluate(f, [x, y], (4, len(a) // 4))
            assert np.array_equal(f(x, y).view(np.uint64), got.view(np.uint64))


def test_fallback_where_the_program_does_not_apply():
    where = parse_expression("a if a > b else b", names=["a", "b"]).compile()
    power = parse_expression("a ** 3 + b", names=["a", "b"]).compile()
    assert fused.program_of(where) is None and fused.program_of(power) is None
    square = parse_expression("a ** 2 * b + 1", names=["a", "b"]).compile()
    table = np.ones((3, 4))
    assert fused.evaluate(square, [table, table], (3, 4)) is not None
    # NumPy may square a 0-d value with pow(): left to the function
    assert fused.evaluate(square, [np.array(3.0), table], (3, 4)) is None
    # more than MAX_DIMS dimensions, and a table NumPy might lay out in Fortran order
    nine = (1,) * fused.MAX_DIMS + (2,)
    assert fused.evaluate(square, [np.ones(nine), np.ones(nine)], nine) is None
    assert fused.evaluate(square, [np.ones((4, 3)).T, table], (3, 4)) is None


def test_more_dimensions_than_most_left_to_numpy(monkeypatch):
    monkeypatch.setattr(fused, "MOST_DIMS", 2)
    f = parse_expression("a * b + 1", names=["a", "b"]).compile()
    assert fused.evaluate(f, [np.ones((2, 1, 3)), np.ones((4, 1))], (2, 4, 3)) is None
    assert fused.evaluate(f, [np.ones((2, 1)), np.ones((4,))], (2, 4)) is not None


def test_expression_evaluate_is_unchanged(monkeypatch):
    """Expression.evaluate gives the same bytes with the compiled pass as without it."""
    rng = np.random.default_rng(3)
    deal = deals.load(deals.library_names()[0])
    expression = deal.inlined("partner")
    values = {n: rng.uniform(0.1, 2.0, (50, 1)) for n in expression.names}
    values[expression.names[0]] = rng.uniform(0.1, 2.0, (1, 9))
    with_pass = expression.evaluate(values)
    monkeypatch.setattr(fused, "_fused", None)
    assert _same(expression.evaluate(values), with_pass)


def test_empty_results():
    f = parse_expression("min(a * b, a - b) / (a + 1) + log(b)", names=["a", "b"]).compile()
    for a, b in [((0, 1), (1, 3)), ((3, 0), ()), ((2, 1, 0), (4, 1)), ((0,), (1,))]:
        x, y = np.ones(a), np.ones(b)
        shape = np.broadcast_shapes(a, b)
        got = fused.evaluate(f, [x, y], shape)
        assert got is not None and got.shape == shape == f(x, y).shape


def _gains_inputs(rng, names, rows, columns, special):
    """Values for names (per draw, per issue, tables or 0-d) and two offsets, one per draw."""
    kinds = [(rows, 1), (1, columns), (rows, columns), (), (1, 1)]
    values = {n: _laid_out(rng, _numbers(rng, kinds[rng.integers(0, 5)], special))
              for n in names}
    return values, [_numbers(rng, (rows, 1), special) for _ in range(2)]


def test_both_gains_in_one_pass_bit_for_bit():
    """gains_together: each library deal's two utilities less an offset each, the same bits
    as evaluating each and subtracting, at the shape of all of them."""
    from games.expressions import gains_together

    rng = np.random.default_rng(11)
    compiled = 0
    for name in deals.library_names():
        deal = deals.load(name)
        pair = (deal.inlined("supplier"), deal.inlined("partner"))
        names = sorted(set(pair[0].names) | set(pair[1].names))
        for trial in range(16):
            rows, columns = int(rng.integers(1, 30)), int(rng.integers(1, 300))
            values, offsets = _gains_inputs(rng, names, rows, columns, [0.0, 0.1][trial % 2])
            with np.errstate(all="ignore"):
                got = gains_together(pair, values, offsets)
                want = [np.asarray(e.evaluate(values), dtype=float) - d
                        for e, d in zip(pair, offsets)]
            if got is None:
                continue
            compiled += 1
            shape = np.broadcast_shapes(*(w.shape for w in want))
            for g, w in zip(got, want):
                assert g.flags.c_contiguous and _same(np.broadcast_to(w, shape), g), name
    assert compiled > 4 * len(deals.library_names())


def test_gains_fall_back_where_a_utility_has_no_program():
    from games.expressions import gains_together

    pair = (parse_expression("a if a > b else b", names=["a", "b"]),
            parse_expression("a * b", names=["a", "b"]))
    values, offsets = {"a": np.ones((3, 1)), "b": np.ones((1, 4))}, (np.zeros((3, 1)),) * 2
    assert gains_together(pair, values, offsets) is None
    assert gains_together(pair[1:] * 2, {"a": np.ones((3, 1))}, offsets) is None  # no b


def test_batch_gains_are_the_same_with_and_without_the_pass(monkeypatch):
    """A deal's batch problem gives the same gains, bit for bit, from the one-pass hook and
    from its utilities less the disagreement payoffs."""
    from deals.audit.leverage import batch_problem, sample_values

    rng = np.random.default_rng(5)
    for name in deals.library_names():
        deal = deals.load(name)
        problem = batch_problem(deal, sample_values(deal, 40, 0))
        box = problem.box
        outcome = {k: rng.uniform(*box.bounds(k), (1, 25)) for k in box.names}
        rows = rng.choice(40, 17)
        assert problem._fused_gains(outcome, *problem._columns(rows)) is not None, name
        with_pass = problem.gains(outcome, rows)
        with monkeypatch.context() as m:
            m.setattr(type(problem), "_fused_gains", lambda self, *a: None)
            without = problem.gains(outcome, rows)
        assert all(_same(a, b) for a, b in zip(with_pass, without)), name
        # The utilities keep their program; a pickled copy (an executor's) makes its own.
        import pickle
        copy = pickle.loads(pickle.dumps(problem.utilities))
        assert "_gains_program" not in vars(copy) and copy == problem.utilities
        params, d_1, d_2 = problem._columns(rows)
        with np.errstate(all="ignore"):
            again = copy.gains(outcome, params, d_1, d_2)
        assert all(_same(a, b) for a, b in zip(with_pass, again)), name


def test_all_finite_is_numpys_answer():
    rng = np.random.default_rng(17)
    for trial in range(300):
        shape = tuple(int(n) for n in rng.integers(0, 9, rng.integers(1, 4)))
        arrays = [_numbers(rng, shape, [0.0, 0.002, 0.2][trial % 3]) for _ in range(2)]
        assert fused.all_finite(*arrays) == all(np.isfinite(a).all() for a in arrays)
    # every special value, wherever it sits in a block of the vectorised loop
    for special in (np.nan, np.inf, -np.inf, np.float64(-np.nan)):
        for where in range(0, 67, 5):
            x = np.ones(67)
            x[where] = special
            assert fused.all_finite(np.ones(3), x) is False
    assert fused.all_finite(np.array([np.finfo(float).max, -0.0, 5e-324])) is True
    # not C-contiguous float64: the caller checks
    assert fused.all_finite(np.ones((4, 3)).T) is None
    assert fused.all_finite(np.ones(3, dtype=np.float32)) is None


def test_source_read_from_linecache_is_inspects(monkeypatch):
    """A generated function's file text (linecache) is read as its source only where it is
    that one definition; the tree is then inspect's, node for node."""
    import ast
    import inspect
    import textwrap

    functions = {e.compile().__code__: e.compile() for e in _library_expressions()
                 if not e.is_constant}
    wants = {c: ast.dump(ast.parse(textwrap.dedent(inspect.getsource(f))))
             for c, f in functions.items()}
    with monkeypatch.context() as m:  # the generated functions never need inspect here
        m.setattr(fused.inspect, "getsource", lambda f: (_ for _ in ()).throw(OSError()))
        for c, f in functions.items():
            assert ast.dump(fused._tree(f)) == wants[c]

    def inner(a, b):  # not a file of its own: inspect reads it
        return a * b - a

    assert ast.dump(fused._tree(inner)) == ast.dump(
        ast.parse(textwrap.dedent(inspect.getsource(inner))))
    assert fused.program_of(inner) is not None
