"""Safe expressions: text to sympy through an allow-list over Python's ``ast``.

A deal file is data, so the text of a payoff or utility must never be able to run code. The
parser here never calls ``eval``, ``sympify`` or ``parse_expr``: it reads the text with
``ast.parse`` and rebuilds it node by node, accepting only numbers, names, arithmetic,
comparisons, boolean connectives, ``a if cond else b`` and a fixed set of functions. Anything
else (attribute access, subscripts, lambdas, comprehensions, strings, calls of other names,
dunder names, absurd sizes such as ``9**9**9``) is refused with an :class:`ExpressionError`
before any arithmetic is done.

>>> e = parse_expression("margin * chips / 1e5 - max(0, cost - 1)", names=["margin", "chips", "cost"])
>>> e.names
('chips', 'cost', 'margin')
>>> round(e(margin=2.0, chips=3e5, cost=0.5), 9)
6.0
>>> e(margin=2.0, chips=[1e5, 2e5], cost=3.0).tolist()
[0.0, 2.0]
"""

from __future__ import annotations

import ast
import cmath
import difflib
import hashlib
import itertools
import json
import math
import warnings
from functools import cached_property, lru_cache
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from games import expression_cache, fused
from games.errors import MAX_LISTED, ExpressionError

__all__ = [
    "MAX_LENGTH", "MAX_DEPTH", "MAX_NODES", "MAX_POWER_DIGITS", "MAX_EXACT_BITS",
    "MAX_EXACT_EXPONENT", "is_condition", "FUNCTIONS", "symbol", "shown", "compiled",
    "Expression", "evaluate_together", "gains_together", "gains_program", "gains_of",
    "parse_expression", "check_finite_constants", "largest_affine_set", "expression_facts",
    "learn_facts", "with_definitions", "MAX_KINKS",
]


class _LazySympy:
    """sympy, imported the first time one of its names is used: importing it takes about half
    a second, and a run whose expressions are all known from a bundle
    (:func:`learn_facts`) never needs it. The first use puts the module itself in its place."""

    def __getattr__(self, name: str) -> Any:
        import sympy as module  # start-up time: sympy loads only when an expression is built

        globals()["sympy"] = module
        return getattr(module, name)


sympy: Any = _LazySympy()

#: Longest expression text accepted, in characters.
MAX_LENGTH = 10_000
#: Deepest nesting of operations accepted.
MAX_DEPTH = 100
#: Largest number of syntax nodes accepted.
MAX_NODES = 5_000
#: Largest magnitude (in decimal digits) of a power of two numbers computed while parsing.
MAX_POWER_DIGITS = 300
#: Largest exact constant kept as a fraction (bits of its numerator or denominator); a larger
#: one becomes a floating-point number, so exact arithmetic never grows without bound.
MAX_EXACT_BITS = 1_100
#: Largest whole-number exponent of a quantity kept exact: above it the exponent is a
#: floating-point number, so sympy never raises a number to it exactly ((3*x)**(10**20)
#: would otherwise compute 3**(10**20) while parsing).
MAX_EXACT_EXPONENT = 64
#: Decimal digits of the arithmetic that decides whether a power of two numbers is finite.
_GUARD_DIGITS = 40


def is_condition(value: Any) -> bool:
    """True when a built sympy value is a condition (a comparison, and/or/not of them, True/False).

    >>> is_condition(symbol("x") > 1), is_condition(symbol("x") + 1)
    (True, False)
    """
    return bool(getattr(value, "is_Relational", False)
                or isinstance(value, sympy.logic.boolalg.BooleanFunction)
                or value in (sympy.true, sympy.false))


def _where(condition: Any, if_true: Any, if_false: Any) -> sympy.Expr:
    if not is_condition(condition):
        raise TypeError("the condition must be a comparison such as x > 1")
    if is_condition(if_true) or is_condition(if_false):
        raise TypeError("the two values must be numbers, not conditions")
    return sympy.Piecewise((if_true, condition), (if_false, True))


#: The printer settings lambdify uses when it makes its own printer.
_LAMBDIFY_SETTINGS = {"fully_qualified_modules": False, "inline": True,
                      "allow_unknown_functions": True, "user_functions": {}}


@lru_cache(maxsize=1)
def _printer_class() -> type:
    """The printer of :func:`compiled` (its base class is sympy's, so it is made on first use)."""
    from sympy.printing.numpy import NumPyPrinter  # start-up time: sympy loads on first use

    class _ElementwisePrinter(NumPyPrinter):
        """numpy code in which and/or work elementwise on arrays of different shapes.

        sympy prints ``a & b`` as ``logical_and.reduce((a, b))``, which stacks its operands into
        one array and so fails when they broadcast (parameters (n, 1) against outcomes (1, k)).
        Nested two-argument calls broadcast like every other operator.
        """

        def _nested(self, function: str, args: Any) -> str:
            name = self._module_format(f"{self._module}.{function}")
            printed = [self._print(a) for a in args]
            result = printed[0]
            for other in printed[1:]:
                result = f"{name}({result}, {other})"
            return result

        def _print_And(self, expr: Any) -> str:
            return self._nested("logical_and", expr.args)

        def _print_Or(self, expr: Any) -> str:
            return self._nested("logical_or", expr.args)

    return _ElementwisePrinter


def _log(x: Any, base: Any = None) -> sympy.Expr:
    return sympy.log(x) if base is None else sympy.log(x, base)


#: The functions an expression may call: name -> (sympy builder, allowed argument counts).
FUNCTIONS: dict[str, tuple[Callable[..., Any], tuple[int, ...]]] = {
    "min": (lambda *a: sympy.Min(*a), (2, 3, 4, 5, 6, 7, 8)),
    "max": (lambda *a: sympy.Max(*a), (2, 3, 4, 5, 6, 7, 8)),
    "abs": (lambda x: sympy.Abs(x), (1,)),
    "exp": (lambda x: sympy.exp(x), (1,)),
    "log": (_log, (1, 2)),
    "sqrt": (lambda x: sympy.sqrt(x), (1,)),
    "where": (_where, (3,)),
}

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_COMPARE = {
    ast.Lt: lambda a, b: sympy.Lt(a, b),
    ast.LtE: lambda a, b: sympy.Le(a, b),
    ast.Gt: lambda a, b: sympy.Gt(a, b),
    ast.GtE: lambda a, b: sympy.Ge(a, b),
    ast.Eq: lambda a, b: sympy.Eq(a, b),
    ast.NotEq: lambda a, b: sympy.Ne(a, b),
}
_SYMBOLS: dict[str, sympy.Symbol] = {}


def symbol(name: str) -> sympy.Symbol:
    """The sympy symbol chipdeals uses for a named quantity (real-valued)."""
    found = _SYMBOLS.get(name)
    if found is None:
        found = _SYMBOLS[name] = sympy.Symbol(name, real=True)
    return found


def shown(text: str, width: int = 60) -> str:
    """The text of an expression for an error message: quoted, cut to about ``width`` characters.

    >>> shown("9" * 300)
    "'999999999999999999999999999...999999999999999999999999999' (300 characters)"
    """
    if len(text) <= width:
        return repr(text)
    half = (width - 6) // 2
    return f"{text[:half]!r}"[:-1] + "..." + f"{text[-half:]!r}"[1:] + f" ({len(text):,} characters)"


def _located(where: str) -> str:
    return f" in {where}" if where else ""


class _Builder:
    """Rebuilds an allowed ``ast`` tree as a sympy expression, refusing everything else."""

    def __init__(self, text: str, names: frozenset[str] | None, where: str):
        self.text = text
        self.names = names
        self.where = where
        self.used: set[str] = set()
        self.undefined: set[str] = set()
        self.nodes = 0

    def refuse(self, what: str, fix: str = "") -> ExpressionError:
        message = f"expression{_located(self.where)} is refused: {what} (in {shown(self.text)})"
        if fix:
            message += f". {fix}"
        return ExpressionError(message)

    def build(self, node: ast.AST, depth: int = 0) -> Any:
        self.nodes += 1
        if depth > MAX_DEPTH:
            raise self.refuse(f"nesting deeper than {MAX_DEPTH} levels", "Simplify the expression")
        if self.nodes > MAX_NODES:
            raise self.refuse(f"more than {MAX_NODES} terms", "Simplify the expression")
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.refuse(_describe(node), "Only numbers, names, + - * / **, comparisons, "
                              "and/or/not, 'a if cond else b' and the functions "
                              f"{', '.join(sorted(FUNCTIONS))} are allowed")
        return method(node, depth + 1)

    def _Constant(self, node: ast.Constant, depth: int) -> Any:
        value = node.value
        if isinstance(value, bool):
            return sympy.true if value else sympy.false
        if isinstance(value, int):
            if value.bit_length() > MAX_EXACT_BITS or abs(value) >= 10**MAX_POWER_DIGITS:
                raise self.refuse(f"a number with more than {MAX_POWER_DIGITS} digits")
            return sympy.Integer(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.refuse("an infinite number")
            return sympy.Float(value)
        raise self.refuse(_describe(node))

    def settle(self, value: Any) -> Any:
        """A constant as a number, never as a symbolic expression: a small fraction stays
        exact, anything else becomes a finite floating-point number (or is refused).

        Every operation the builder does passes its result through here, so each operation
        works on plain numbers: its cost is bounded whatever the text (``exp(exp(exp(100)))``
        is refused at the second ``exp``, not expanded symbolically for ever).
        """
        if (not isinstance(value, sympy.Expr) or value.free_symbols
                or isinstance(value, sympy.Float)):
            if isinstance(value, sympy.Float) and not math.isfinite(float(value)):
                raise self.refuse("a part of it has no finite real value (a number over "
                                  "1.8e308)")
            return value
        if isinstance(value, sympy.Rational):
            if max(int(value.p).bit_length(), int(value.q).bit_length()) <= MAX_EXACT_BITS:
                return value
        number = _number(value)
        if number is None:
            raise self.refuse("a part of it has no finite real value (such as log(0), "
                              "sqrt(-1) or a number over 1.8e308)")
        return _float(number)

    def _Name(self, node: ast.Name, depth: int) -> Any:
        name = node.id
        if name.startswith("__") or name.startswith("_"):
            raise self.refuse(f"the name {name!r} (names may not start with an underscore)")
        if name in FUNCTIONS:
            raise self.refuse(f"the function {name!r} used as a value", f"Call it: {name}(...)")
        if name in ("True", "False"):
            return sympy.true if name == "True" else sympy.false
        if self.names is not None and name not in self.names:
            self.undefined.add(name)
        self.used.add(name)
        return symbol(name)

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> Any:
        operand = self.build(node.operand, depth)
        if isinstance(node.op, ast.USub):
            return self.settle(-operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.Not):
            self._check_conditions("not", [operand])
            return sympy.Not(operand)
        raise self.refuse(f"the operator {type(node.op).__name__}")

    def _BinOp(self, node: ast.BinOp, depth: int) -> Any:
        combine = _BINARY.get(type(node.op))
        if combine is None:
            raise self.refuse(f"the operator {_OPERATOR_TEXT.get(type(node.op), type(node.op).__name__)}",
                              "Use + - * / or **")
        left = self.build(node.left, depth)
        right = self.build(node.right, depth)
        if isinstance(node.op, ast.Pow):
            return self.settle(self._power(left, right))
        if isinstance(node.op, ast.Div) and right == 0:
            raise self.refuse("division by the constant zero")
        return self.settle(combine(left, right))

    def _power(self, base: Any, exponent: Any) -> Any:
        """``base ** exponent`` without ever computing a huge number exactly.

        sympy raises numbers to whole powers exactly and eagerly (``9**9**9`` would never
        finish), also inside products (``(3*x)**(10**20)`` computes ``3**(10**20)``). So: a
        power of two numbers is exact only while its size, counted from the exact sizes of
        base and exponent, is small; otherwise its magnitude is decided in 40-digit
        arithmetic (``(1 + 1/10**20)**(10**20)`` is about e, not 1) and it is refused over
        :data:`MAX_POWER_DIGITS` digits or computed in floating point. A large whole exponent
        of a quantity becomes a floating-point exponent.
        """
        if not _is_number(exponent):
            return base**exponent
        if not _is_number(base):
            if isinstance(exponent, sympy.Integer) and abs(int(exponent)) > MAX_EXACT_EXPONENT:
                exponent = sympy.Float(int(exponent))
            return base**exponent
        if base == 0 and exponent < 0:
            raise self.refuse("a power of zero with a negative exponent (a division by zero)")
        if (isinstance(exponent, sympy.Integer) and isinstance(base, sympy.Rational)
                and abs(int(exponent)) * (max(int(base.p).bit_length(),
                                              int(base.q).bit_length()) - 1) <= MAX_EXACT_BITS):
            return base**exponent
        import mpmath

        with mpmath.workdps(_GUARD_DIGITS):
            b = _mpf(base)
            e = _mpf(exponent)
            if b == 0:
                return sympy.Integer(0) if e > 0 else sympy.Integer(1)
            if b < 0 and e != mpmath.floor(e):
                raise self.refuse("a negative number to a fractional power (no real value)")
            digits = e * mpmath.log10(abs(b))
            if digits > MAX_POWER_DIGITS:
                raise self.refuse(f"a power with more than {MAX_POWER_DIGITS} digits")
            if digits < -MAX_POWER_DIGITS - 30:
                return sympy.Float(0.0)
            value = mpmath.power(abs(b), e)
            if b < 0 and int(e) % 2:
                value = -value
            return _float(float(value))

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> Any:
        values = [self.build(v, depth) for v in node.values]
        self._check_conditions("and" if isinstance(node.op, ast.And) else "or", values)
        return sympy.And(*values) if isinstance(node.op, ast.And) else sympy.Or(*values)

    def _check_conditions(self, word: str, values: list[Any]) -> None:
        # sympy reads a number as a truth value ("x or 1" is True), Python's rule, not ours.
        if not all(is_condition(v) for v in values):
            raise self.refuse(f"'{word}' applied to a number",
                              f"'{word}' takes conditions such as x > 1, e.g. "
                              "where(x > 1 and y < 2, x, 0)")

    def _Compare(self, node: ast.Compare, depth: int) -> Any:
        terms = [self.build(node.left, depth)] + [self.build(c, depth) for c in node.comparators]
        parts = []
        for op, left, right in zip(node.ops, terms, terms[1:]):
            relation = _COMPARE.get(type(op))
            if relation is None:
                raise self.refuse(f"the comparison {type(op).__name__}", "Use < <= > >= == !=")
            parts.append(relation(left, right))
        return parts[0] if len(parts) == 1 else sympy.And(*parts)

    def _IfExp(self, node: ast.IfExp, depth: int) -> Any:
        return _where(self.build(node.test, depth), self.build(node.body, depth),
                      self.build(node.orelse, depth))

    def _Call(self, node: ast.Call, depth: int) -> Any:
        if not isinstance(node.func, ast.Name):
            raise self.refuse("a call of something that is not a plain function name",
                              f"Allowed functions: {', '.join(sorted(FUNCTIONS))}")
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.refuse(f"a call of {name!r}", f"Allowed functions: {', '.join(sorted(FUNCTIONS))}")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.refuse(f"keyword or starred arguments to {name}()")
        builder, counts = FUNCTIONS[name]
        if len(node.args) not in counts:
            takes = (f"{counts[0]} to {counts[-1]}" if len(counts) > 2
                     else " or ".join(map(str, counts)))
            raise self.refuse(f"{name}() with {len(node.args)} argument"
                              f"{'' if len(node.args) == 1 else 's'}",
                              f"{name}() takes {takes} argument{'' if counts == (1,) else 's'}")
        args = [self.build(a, depth) for a in node.args]
        if name in _NUMERIC and all(_is_number(a) for a in args):
            return self._numeric_call(name, args)
        try:
            return self.settle(builder(*args))
        except (TypeError, ValueError) as exc:
            raise self.refuse(f"{name}() cannot take these arguments ({exc})") from None

    def _numeric_call(self, name: str, args: list[Any]) -> Any:
        """A function of numbers, computed as a number (never a symbolic ``exp(3)``)."""
        if name in ("min", "max"):  # numbers compare exactly, in order
            return (min if name == "min" else max)(args)
        if name == "abs":
            return abs(args[0])
        x = [float(a) for a in args]
        try:
            value = _NUMERIC[name](*x)
        except (ValueError, ZeroDivisionError):
            raise self.refuse(f"{name}() of {', '.join(f'{v:g}' for v in x)} has no finite "
                              "real value") from None
        except OverflowError:
            raise self.refuse(f"{name}() of {', '.join(f'{v:g}' for v in x)} is over 1.8e308")
        return self.settle(_float(value))


def _log_base(x: float, base: float | None = None) -> float:
    return math.log(x) if base is None else math.log(x) / math.log(base)


#: The functions computed as floating-point numbers when every argument is a number.
_NUMERIC: dict[str, Callable[..., float]] = {
    "exp": math.exp, "log": _log_base, "sqrt": math.sqrt, "min": min, "max": max, "abs": abs,
}


def _float(value: float) -> sympy.Float:
    """A folded constant as a sympy Float that prints as the same double: sympy prints a
    float's 15 significant digits (``sqrt(2)`` would lose its last bits), 17 always round-trip."""
    return sympy.Float(value, 17)


def _is_number(value: Any) -> bool:
    return isinstance(value, sympy.Number)


def _mpf(value: Any) -> Any:
    import mpmath

    if isinstance(value, sympy.Rational):
        return mpmath.mpf(int(value.p)) / int(value.q)
    return mpmath.mpf(float(value))


def _number(value: Any) -> float | None:
    """The finite real float of a constant sympy expression, or None (complex, infinite)."""
    try:
        number = complex(value.evalf())
    except (TypeError, ValueError, OverflowError):
        return None
    if not (cmath.isfinite(number) and number.imag == 0):
        return None
    return number.real


_OPERATOR_TEXT = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitAnd: "&",
                  ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Attribute: "attribute access (a.b)",
        ast.Subscript: "subscripts (a[b])",
        ast.Lambda: "lambdas",
        ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
        ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
        ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
        ast.JoinedStr: "strings", ast.NamedExpr: "assignment (:=)",
        ast.Starred: "starred arguments", ast.Await: "await", ast.Yield: "yield",
    }
    if isinstance(node, ast.Constant):
        return f"the constant {node.value!r} (only numbers are allowed)"
    return kinds.get(type(node), f"the syntax {type(node).__name__}")


_FLOAT = np.dtype(float)


#: Broadcast shapes already worked out, by the operands' shapes (a search evaluates the same
#: shapes thousands of times); bounded, so odd shapes cannot grow it without end.
_SHAPES: dict[tuple[tuple[int, ...], ...], tuple[int, ...]] = {}


def _broadcast_shape(arrays: list[np.ndarray]) -> tuple[int, ...]:
    # np.broadcast is one C call (up to 32 operands); np.broadcast_shapes builds arrays in
    # Python, a tenth of an audit's time in its many small evaluations. Reading the shapes
    # and looking them up costs a third of either.
    shapes = tuple([a.shape for a in arrays])
    found = _SHAPES.get(shapes)
    if found is not None:
        return found
    if not arrays:
        return ()
    found = (np.broadcast(*arrays).shape if len(arrays) <= 32
             else np.broadcast_shapes(*shapes))
    if len(_SHAPES) < 4096:
        _SHAPES[shapes] = found
    return found


@lru_cache(maxsize=4096)
def compiled(names: tuple[str, ...], expression: Any) -> Callable[..., Any]:
    """The numpy function of a sympy expression of ``names``, made once per process.

    Loading a deal and setting it at other terms parse the same texts again; the generated code
    depends only on the names and the expression, so equal expressions share one function
    (sympy's ``lambdify`` is the slow step of evaluating a deal the first time), and the code
    is kept on disk for the next run (:mod:`games.expression_cache`).

    >>> compiled(("x",), symbol("x") * 2) is compiled(("x",), symbol("x") * 2)
    True
    """
    def make() -> Callable[..., Any]:
        arguments = [symbol(n) for n in names]
        # Common subexpressions (a definition inlined in several places) are computed once.
        return sympy.lambdify(arguments, expression, modules="numpy", cse=True,
                              printer=_printer_class()(_LAMBDIFY_SETTINGS))
    return expression_cache.compiled(names, expression, make)


#: What is known about expressions, by identity (:func:`_identity`, from what an expression is
#: made of): "names" (the names it uses), "code" (its generated numpy function, an entry of
#: :func:`games.expression_cache.entry_of`), "derivatives" (for a name, the names its first
#: derivative depends on) and "counts" (:meth:`Expression.node_counts`). Filled as the facts
#: are found, and from bundles (:func:`learn_facts`): a fact is about what the expression is,
#: so it holds wherever it was found, and an expression known here is never built in sympy.
_FACTS: dict[str, dict[str, Any]] = {}


def _identity(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:40]


def _known(identity: str | None) -> dict[str, Any] | None:
    """The facts of ``identity``: found in this process or a bundle, else kept on disk for
    this one expression (:func:`games.expression_cache.load_facts`), else None."""
    if identity is None:
        return None
    facts = _FACTS.get(identity)
    if facts is None:
        learn_facts({identity: expression_cache.load_facts(identity) or {}})
        facts = _FACTS[identity]
    return facts


def _found(identity: str | None, kind: str, value: Any) -> None:
    """Keep a fact just worked out: in this process, and on disk for the next run."""
    if identity is None:
        return
    facts = _FACTS.setdefault(identity, {})
    facts[kind] = value
    expression_cache.store_facts(identity, facts)


def _real(result: Any) -> np.ndarray:
    """``result`` as floats; a complex value (the root of a negative number once a parameter
    is bound, sqrt(0.3 - 0.4)) has no real value and is NaN, not its real part.

    >>> _real(np.array([4.0 + 0j, 2j])).tolist()
    [4.0, nan]
    """
    if np.iscomplexobj(result):
        result = np.asarray(result)
        return np.where(result.imag == 0, result.real, np.nan)
    return np.asarray(result, dtype=float)


class Expression:
    """A parsed, safe expression of named quantities, compiled once to a numpy function.

    Build one with :func:`parse_expression`. Call it with keyword values (numbers or arrays,
    which broadcast) to evaluate it; extra keywords are ignored, so a whole parameter set can
    be passed. Immutable. Its ``sympy`` form is built the first time it is asked for when the
    expression's facts are already known (:func:`learn_facts`), so a run that only evaluates
    known expressions never imports sympy.

    >>> e = parse_expression("a * x if x > 1 else 0", names=["a", "x"])
    >>> e(a=2, x=[0.5, 3.0]).tolist()
    [0.0, 6.0]
    """

    text: str
    names: tuple[str, ...]
    where: str
    #: What the expression is made of, hashed (None for one built from a sympy value alone).
    identity: str | None

    def __init__(self, text: str, sympy: Any, names: Iterable[str], where: str = "", *,
                 identity: str | None = None, origin: tuple[Any, ...] | None = None) -> None:
        if sympy is None and origin is None:
            raise TypeError("an Expression needs its sympy value or what to build it from")
        state = self.__dict__
        state.update(text=text, names=tuple(names), where=where, identity=identity,
                     _origin=origin)
        if sympy is not None:
            state["sympy"] = sympy

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"an Expression is immutable: cannot set {name!r}")

    @cached_property
    def sympy(self) -> Any:
        """The sympy expression (built from what the expression is made of on first use)."""
        kind, *parts = self._origin
        if kind == "parse":
            return _parsed(parts[0], None, "", parts[1])[0]
        return _inlined(*parts)

    @cached_property
    def _compiled(self) -> Callable[..., Any]:
        facts = _known(self.identity)
        if facts is not None and "code" in facts:
            function = expression_cache.function_of(facts["code"])
            if function is not None:
                return function
        function = compiled(self.names, self.sympy)
        entry = expression_cache.entry_of(function)
        if entry is not None:
            _found(self.identity, "code", entry)
        return function

    def compile(self) -> Callable[..., Any]:
        """The expression's numpy function (positional arguments in the order of ``names``),
        compiled now if it was not yet: its code is then among the facts kept for the next run
        (:func:`expression_facts`).

        >>> parse_expression("2 * x", names=["x"]).compile()(3.0)
        6.0
        """
        return self._compiled

    @property
    def is_constant(self) -> bool:
        """True when the expression names no quantity."""
        return not self.names

    @property
    def is_name(self) -> bool:
        """True when the text is one bare name (its value is that quantity's, unchanged).

        >>> parse_expression("x").is_name, parse_expression("2 * x").is_name
        (True, False)
        """
        return len(self.names) == 1 and self.text.strip() == self.names[0]

    def node_counts(self) -> tuple[int, dict[str, int]]:
        """The size of the expression tree: its nodes that are not names, and how often each
        name occurs (a definition written out in its place adds its own size that often).

        >>> parse_expression("x * y + x").node_counts()
        (2, {'x': 2, 'y': 1})
        """
        facts = _known(self.identity)
        if facts is not None and "counts" in facts:
            others, tally = facts["counts"]
            return others, dict(tally)
        others, tally = 0, {}
        for node in sympy.preorder_traversal(self.sympy):
            if isinstance(node, sympy.Symbol):
                tally[node.name] = tally.get(node.name, 0) + 1
            else:
                others += 1
        tally = dict(sorted(tally.items()))
        _found(self.identity, "counts", [others, tally])
        return others, dict(tally)

    def is_affine_in(self, names: Iterable[str]) -> bool:
        """True when the expression is affine in the quantities ``names`` (the rest held fixed):
        every first derivative with respect to one of them is free of all of them. A kink such
        as ``min(x, c)`` leaves a step function of ``x`` in its derivative, so it is not affine.

        >>> parse_expression("2 * x - a * y + a ** 2").is_affine_in(["x", "y"])
        True
        >>> parse_expression("min(x, 3) + y").is_affine_in(["x", "y"])
        False
        """
        wanted = set(names)
        moves = self.derivative_names(tuple(sorted(n for n in wanted if n in self.names)))
        return not any(used & wanted for used in moves.values())

    def derivative_names(self, names: Iterable[str]) -> dict[str, frozenset[str]]:
        """For each of ``names``, the names among them that its first derivative depends on.

        The expression is affine in a set W of names (the others held fixed) exactly when no
        name of W appears in the derivative with respect to a name of W (its Hessian's W block
        is zero). Differentiated once per expression and name in a process (and kept with the
        expression's facts).

        >>> e = parse_expression("x * y + min(z, 1) + w")
        >>> {k: sorted(v) for k, v in e.derivative_names(["w", "x", "y", "z"]).items()}
        {'w': [], 'x': ['y'], 'y': ['x'], 'z': ['z']}
        """
        names = tuple(names)
        facts = _known(self.identity)
        known = dict((facts or {}).get("derivatives", {}))
        missing = tuple(sorted({n for n in names if n not in known}))
        if missing:
            known.update({n: sorted(used) for n, used in _derivative_names(self.sympy, missing)})
            _found(self.identity, "derivatives", dict(sorted(known.items())))
        wanted = frozenset(names)
        return {n: frozenset(known[n]) & wanted for n in names}

    def kinks(self, names: Iterable[str]) -> list[str] | None:
        """Where the expression is piecewise affine in ``names`` (the rest held fixed): the
        differences of the arguments of each ``min``/``max`` that moves with them, as texts (the
        expression is affine in ``names`` on each cell cut out by the hyperplanes where those are
        zero), or None when it is not piecewise affine that way (a curve such as a log or a
        square, a product of two of ``names``, a kink nested in another, a condition, or more
        than :data:`MAX_KINKS` kinks). Found symbolically once and kept with the expression's
        facts.

        >>> parse_expression("a * max(x, r * y) - 2 * y + min(c, 3)").kinks(["x", "y"])
        ['-r*y + x']
        >>> parse_expression("x * y").kinks(["x", "y"]) is None
        True
        >>> parse_expression("3 * x - y").kinks(["x", "y"])
        []
        """
        names = tuple(sorted(set(names)))
        facts = _known(self.identity)
        known = dict((facts or {}).get("kinks", {}))
        key = ",".join(names)
        if key not in known:
            found = _kinks(self.sympy, names)
            known[key] = None if found is None else list(found)
            _found(self.identity, "kinks", dict(sorted(known.items())))
        return None if known[key] is None else list(known[key])

    def __call__(self, **values: Any) -> Any:
        return self.evaluate(values)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The value at ``values`` (a mapping of names to numbers or arrays; extra names are
        ignored): the same as calling with keywords, without building a keyword dict.

        >>> parse_expression("a + b", names=["a", "b"]).evaluate({"a": 1, "b": 2, "c": 9})
        3.0
        """
        with np.errstate(all="ignore"):
            return self._evaluate(values)

    def _evaluate(self, values: Mapping[str, Any]) -> Any:
        # :meth:`evaluate` for a caller that already ignores floating-point errors.
        try:
            arrays = _float_arrays(values, self.names)
        except KeyError:
            missing = [n for n in self.names if n not in values]
            raise ExpressionError(
                f"expression{_located(self.where)} {self.text!r} needs values for "
                f"{', '.join(missing)}") from None
        function = self._compiled
        try:
            shape = _broadcast_shape(arrays)
        except ValueError:  # the function's own call below says which arrays do not broadcast
            shape = None
        else:
            # The same numbers in one compiled pass, where the function's operations allow.
            if (result := fused.evaluate(function, arrays, shape)) is not None:
                return result
        result = function(*arrays)
        if type(result) is not np.ndarray or result.dtype != _FLOAT:
            result = _real(result)
        if shape is None:
            shape = _broadcast_shape(arrays)
        if result.shape != shape:
            result = np.broadcast_to(result, shape).copy()
        return result if result.ndim else float(result)

    def substitute(self, **values: float) -> "Expression":
        """The same expression with some names fixed to numbers (a partial binding)."""
        known = {symbol(n): v for n, v in values.items() if n in self.names}
        if not known:
            return self
        expr = self.sympy.subs(known)
        return Expression(self.text, expr, tuple(n for n in self.names if n not in values), self.where)

    def __getstate__(self) -> dict[str, Any]:
        # The compiled function is generated code and does not pickle; workers recompile it.
        state = dict(self.__dict__)
        state.pop("_compiled", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Expression) or self.text != other.text:
            return False
        return ((self.identity is not None and self.identity == other.identity)
                or self.sympy == other.sympy)

    def __hash__(self) -> int:
        return hash(self.text)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


def evaluate_together(expressions: Iterable[Expression], values: Mapping[str, Any]) -> list[Any]:
    """Each expression's value at ``values``, as :meth:`Expression.evaluate` gives it, with
    floating-point errors ignored once for all of them instead of once each.

    >>> [float(v) for v in evaluate_together([parse_expression("a + 1"),
    ...                                        parse_expression("1 / a")], {"a": 0.0})]
    [1.0, inf]
    """
    with np.errstate(all="ignore"):
        return [e._evaluate(values) for e in expressions]


def _float_arrays(values: Mapping[str, Any], names: Iterable[str]) -> list[np.ndarray]:
    """The values of ``names`` as float arrays: a float array passes as it is (what
    np.asarray would return), the rest are converted. KeyError names a missing one."""
    return [a if type(a := values[n]) is np.ndarray and a.dtype == _FLOAT
            else np.asarray(a, dtype=float) for n in names]


def gains_together(expressions: Sequence[Expression], values: Mapping[str, Any],
                   offsets: Sequence[np.ndarray]) -> tuple[np.ndarray, ...] | None:
    """Each expression's value at ``values`` minus its offset (an array that broadcasts with
    it), all broadcast to one shape, in one compiled pass (:func:`games.fused.offset_program`):
    the same numbers as ``np.asarray(e.evaluate(values), dtype=float) - offset``. None where
    the pass cannot (no compiled loop, an operation or a shape it does not take, a missing
    value): then evaluate them. The caller ignores floating-point errors (np.errstate).

    >>> import numpy as np
    >>> es = [parse_expression("a * b"), parse_expression("a - b")]
    >>> v, d = {"a": np.array([[1.0], [2.0]]), "b": np.array([[3.0, 4.0]])}, np.ones((2, 1))
    >>> found = gains_together(es, v, (d, d))
    >>> found is None or all(np.array_equal(g, e.evaluate(v) - d) for g, e in zip(found, es))
    True
    """
    return gains_of(gains_program(expressions), values, offsets)


def gains_program(expressions: Sequence[Expression]
                  ) -> tuple[fused.Program, tuple[str, ...]] | None:
    """The one-pass program of :func:`gains_together` for ``expressions`` and the names of
    its inputs (:func:`games.fused.offset_program`), or None where there is none: a caller
    that evaluates the same expressions many times keeps it and calls :func:`gains_of`."""
    return fused.offset_program(tuple(e._compiled for e in expressions),
                                tuple(e.names for e in expressions))


def gains_of(found: tuple[fused.Program, tuple[str, ...]] | None, values: Mapping[str, Any],
             offsets: Sequence[np.ndarray]) -> tuple[np.ndarray, ...] | None:
    """:func:`gains_together` by the program ``found`` (:func:`gains_program`)."""
    if found is None:
        return None
    program, names = found
    try:
        arrays = _float_arrays(values, names[:len(names) - len(offsets)])
    except KeyError:  # evaluate says which value is missing
        return None
    arrays += [np.asarray(o, dtype=float) for o in offsets]
    try:
        shape = _broadcast_shape(arrays)
    except ValueError:
        return None
    return fused.evaluate_all(program, arrays, shape)


@lru_cache(maxsize=1024)
def _derivative_names(expression: Any, names: tuple[str, ...]
                      ) -> tuple[tuple[str, frozenset[str]], ...]:
    """For each of ``names``, every name the first derivative of ``expression`` uses."""
    present = {s.name: s for s in expression.free_symbols}
    out = []
    for name in names:
        if name not in present:
            out.append((name, frozenset()))
            continue
        out.append((name, frozenset(s.name for s in sympy.diff(expression, present[name]).free_symbols)))
    return tuple(out)


#: Most kinks (``min``/``max`` nodes moving with the issues) :meth:`Expression.kinks` splits
#: an expression at: each doubles the pieces checked for being affine.
MAX_KINKS = 4


def _kinks(expression: Any, names: tuple[str, ...]) -> tuple[str, ...] | None:
    """The kink hyperplanes of ``expression`` in ``names`` (see :meth:`Expression.kinks`)."""
    wanted = {symbol(n) for n in names}
    moving = [node for node in sympy.preorder_traversal(expression)
              if isinstance(node, (sympy.Min, sympy.Max)) and node.free_symbols & wanted]
    if len(moving) > MAX_KINKS:
        return None
    nested = any(inner is not outer and outer.has(inner) for outer in moving for inner in moving)
    if nested:
        return None
    cuts: list[str] = []
    for node in moving:
        for left, right in itertools.combinations(node.args, 2):
            if not _affine(left - right, wanted):
                return None
            cut = str(sympy.expand(left - right))
            if cut not in cuts:
                cuts.append(cut)
    for choice in itertools.product(*(node.args for node in moving)):
        piece = expression.xreplace(dict(zip(moving, choice)))
        if not _affine(piece, wanted):
            return None
    return tuple(cuts)


def _affine(expression: Any, wanted: set) -> bool:
    """Whether ``expression`` is affine in the symbols ``wanted`` (no derivative in them uses
    any of them; a condition or a step in one is not affine)."""
    if any(not isinstance(node, (sympy.Expr, sympy.Tuple)) for node in
           sympy.preorder_traversal(expression)):
        return False
    return not any(sympy.diff(expression, s).free_symbols & wanted
                   for s in wanted & expression.free_symbols)


def _inlined(expression: Expression, definitions: tuple[tuple[str, Expression], ...]) -> Any:
    """The sympy form of ``expression`` with ``definitions`` written out, the last first
    (a later definition may use an earlier one)."""
    expr = expression.sympy
    for name, definition in reversed(definitions):
        expr = expr.subs(symbol(name), definition.sympy)
    return expr


def with_definitions(expression: Expression, definitions: Iterable[tuple[str, Expression]]
                     ) -> Expression:
    """``expression`` with the named ``definitions`` written out in its place, the last
    first (a later definition may use an earlier one): an expression of what the definitions
    are made of. Its names come from the known facts when this was done before.

    >>> a = parse_expression("x + 1")
    >>> with_definitions(parse_expression("2 * a + y"), [("a", a)]).names
    ('x', 'y')
    """
    definitions = tuple((name, d) for name, d in definitions)
    parts = [expression.identity, *[[n, d.identity] for n, d in definitions]]
    identity = None if None in [expression.identity, *[d.identity for _, d in definitions]] \
        else _identity("inline", *parts)
    origin = ("inline", expression, definitions)
    known = _known(identity)
    if known is not None and "names" in known:
        return Expression(expression.text, None, known["names"], expression.where,
                          identity=identity, origin=origin)
    expr = _inlined(expression, definitions)
    names = tuple(sorted(str(s) for s in expr.free_symbols))
    _found(identity, "names", list(names))
    return Expression(expression.text, expr, names, expression.where, identity=identity,
                      origin=origin)


def expression_facts(expressions: Iterable[Expression]) -> dict[str, dict[str, Any]]:
    """What is known about ``expressions`` (names, generated code, derivatives, sizes), by
    identity, as plain data for a bundle (:func:`games.expression_cache.store_bundle`).

    >>> e = parse_expression("2 * x")
    >>> facts = expression_facts([e])
    >>> facts[e.identity]["names"]
    ['x']
    """
    found: dict[str, Expression] = {}
    todo = list(expressions)
    while todo:  # a written-out expression brings what it is made of (to build it again)
        e = todo.pop()
        if e.identity is not None and e.identity not in found:
            found[e.identity] = e
            if e._origin is not None and e._origin[0] == "inline":
                todo += [e._origin[1], *(d for _, d in e._origin[2])]
    return {identity: json.loads(json.dumps(_FACTS[identity])) for identity in found
            if identity in _FACTS}


def _fact_ok(kind: str, value: Any) -> bool:
    """Whether a fact read from a bundle has the shape :data:`_FACTS` gives it."""
    def names(v: Any) -> bool:
        return isinstance(v, list) and all(isinstance(n, str) for n in v)
    if kind == "names":
        return names(value)
    if kind == "code":
        return (isinstance(value, dict) and isinstance(value.get("function"), str)
                and isinstance(value.get("source"), str))
    if kind == "derivatives":
        return isinstance(value, dict) and all(names(v) for v in value.values())
    if kind == "kinks":
        return isinstance(value, dict) and all(v is None or names(v) for v in value.values())
    if kind == "counts":
        return (isinstance(value, list) and len(value) == 2 and type(value[0]) is int
                and isinstance(value[1], dict)
                and all(isinstance(k, str) and type(c) is int for k, c in value[1].items()))
    return False


def learn_facts(facts: Mapping[str, Any]) -> None:
    """Take the facts of a bundle (:func:`expression_facts`, as read back from disk): the
    expressions they describe are then built without sympy. A fact of the wrong shape is
    skipped (its expression is then built in sympy, as without a bundle)."""
    if not isinstance(facts, Mapping):
        return
    for identity, known in facts.items():
        if not isinstance(identity, str) or not isinstance(known, Mapping):
            continue
        mine = _FACTS.setdefault(identity, {})
        for kind, value in known.items():
            if kind not in mine and _fact_ok(kind, value):
                mine[kind] = value


def largest_affine_set(expressions: Iterable[Expression], names: Iterable[str]
                       ) -> tuple[str, ...]:
    """The largest set W of ``names`` in which every expression is affine when the other names
    are held fixed (the block of each Hessian for W is zero), in the order of ``names``.

    Exact and symbolic (:meth:`Expression.derivative_names`). Among sets of the same size the
    first in the order of ``names`` is taken. A name whose derivative depends on itself (a
    kink ``min(x, c)``, a square, a log) is never in W; two names multiplied together are
    never both in it.

    >>> u = parse_expression("log(1 + x) * a + y - y * z")
    >>> v = parse_expression("x - z")
    >>> largest_affine_set([u, v], ["x", "y", "z"])
    ('y',)
    >>> largest_affine_set([parse_expression("x * y + z")], ["x", "y", "z"])
    ('x', 'z')
    """
    names = tuple(names)
    blocked = {n: set() for n in names}
    for expression in expressions:
        for name, used in expression.derivative_names(names).items():
            blocked[name] |= used
            for other in used:
                blocked[other].add(name)
    candidates = [n for n in names if n not in blocked[n]]
    if len(candidates) > 20:  # too many sets to try: add names greedily, in order
        chosen: list[str] = []
        for n in candidates:
            if not blocked[n] & set(chosen):
                chosen.append(n)
        return tuple(chosen)
    for size in range(len(candidates), 0, -1):
        for subset in itertools.combinations(candidates, size):
            if all(not blocked[n] & set(subset) for n in subset):
                return subset
    return ()


def parse_expression(text: str | int | float | Expression,
                     names: Iterable[str] | Mapping[str, Any] | None = None,
                     *, where: str = "", condition: bool = False) -> Expression:
    """Parse text into a safe :class:`Expression`; refuse anything that is not plain arithmetic.

    ``names`` is the set of names the expression may use (``None`` allows any name); an
    expression using others raises :class:`ExpressionError` listing them. ``where`` says where
    the text came from (a file and field) so errors can name it. An expression is a number
    (a comparison such as ``x > 1`` is refused) unless ``condition=True``, which asks for a
    condition instead (evaluated as 1.0 where it holds and 0.0 elsewhere).

    >>> parse_expression("2 * x + y", names=["x", "y"]).sympy
    2*x + y
    >>> parse_expression("x.__class__")
    Traceback (most recent call last):
    ...
    games.errors.ExpressionError: expression is refused: attribute access (a.b) (in 'x.__class__'). Only numbers, names, + - * / **, comparisons, and/or/not, 'a if cond else b' and the functions abs, exp, log, max, min, sqrt, where are allowed
    """
    allowed = None if names is None else frozenset(names)
    if isinstance(text, Expression):
        _check_names(text.names, allowed, text.text, where)
        return text
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ExpressionError(f"expression{_located(where)} must be text or a number, "
                              f"not {type(text).__name__}")
    if not isinstance(text, str):
        if not math.isfinite(text):
            raise ExpressionError(f"expression{_located(where)} is not a finite number: {text!r}")
        value = sympy.Integer(text) if isinstance(text, int) else sympy.Float(text)
        return Expression(repr(text), value, (), where)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression{_located(where)} is refused: longer than "
                              f"{MAX_LENGTH} characters")
    return _parse_text(text, allowed, where, condition)


@lru_cache(maxsize=8192)
def _parse_text(text: str, allowed: frozenset[str] | None, where: str,
                condition: bool = False) -> Expression:
    """Parse checked text once per process (a deal set at other terms parses the same texts
    again; an :class:`Expression` is immutable, so equal requests share one). Text whose
    names are known (:func:`learn_facts`) parsed before, so only its names are checked, and
    its sympy form is built when first asked for."""
    identity = _identity("parse", text, condition)
    origin = ("parse", text, condition)
    known = _known(identity)
    if known is not None and "names" in known:
        _check_names(known["names"], allowed, text, where)
        return Expression(text, None, known["names"], where, identity=identity, origin=origin)
    value, used = _parsed(text, allowed, where, condition)
    _found(identity, "names", list(used))
    return Expression(text, value, used, where, identity=identity, origin=origin)


def _parsed(text: str, allowed: frozenset[str] | None, where: str, condition: bool
            ) -> tuple[Any, tuple[str, ...]]:
    """The sympy value of checked text and the names it uses (refused with an
    :class:`ExpressionError` naming ``where``)."""
    if not text.strip():
        raise ExpressionError(f"expression{_located(where)} is empty")
    try:
        with warnings.catch_warnings():  # e.g. "1else": our error says it, not a stray warning
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"expression{_located(where)} does not parse: {exc.msg} "
                              f"(in {shown(text)})") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(f"expression{_located(where)} is refused: too deeply nested "
                              f"or malformed (in {shown(text)})") from None
    builder = _Builder(text, allowed, where)
    try:
        value = builder.build(tree.body)
    except RecursionError:
        raise builder.refuse(f"nesting deeper than {MAX_DEPTH} levels") from None
    except ExpressionError:
        raise
    except (TypeError, AttributeError, ValueError, ArithmeticError) as exc:
        # sympy refuses some combinations, e.g. a comparison used as a number: (x < y) + 1
        raise builder.refuse(f"it mixes conditions and numbers or has no value ({exc})") from None
    if condition and not is_condition(value):
        raise builder.refuse("a number where a condition is wanted",
                             "Write a comparison such as x > 1, joined by and/or/not")
    if not condition and is_condition(value):
        raise builder.refuse("a condition used as a value (it is true or false, not a number)",
                             "Use a condition only inside where(condition, a, b) or "
                             "'a if condition else b'")
    if getattr(value, "has", None) and value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I):
        raise builder.refuse("a part of it has no finite real value (such as log(0) or 0**-1)")
    check_finite_constants(value, text, where)
    used = tuple(sorted(builder.used))
    _check_names(used, allowed, text, where)
    return value, used


def check_finite_constants(value: Any, text: str = "", where: str = "") -> None:
    """Refuse an expression whose constant part has no finite real value.

    The parser folds constants exactly, so ``log(-1)`` or ``10**299 * 10**299`` become an
    imaginary number or an integer too large for floating point, which would otherwise fail
    only later, as a bare ``OverflowError`` inside a compiled function. Every constant sub-tree
    is evaluated once, whole; an :class:`ExpressionError` names the part, the text and ``where``.
    :func:`parse_expression` calls this on everything it builds.

    >>> check_finite_constants(sympy.Integer(10) ** 299 * symbol("a"), "1e299 * a")
    >>> check_finite_constants(sympy.Integer(10) ** 598 * symbol("a"), "10**299 * 10**299 * a")
    Traceback (most recent call last):
    ...
    games.errors.ExpressionError: expression: the constant part 1000...000 of '10**299 * 10**299 * a' has no finite real value (a division by zero, a log of zero or of a negative number, or a number too large); rewrite it
    """
    if not isinstance(value, sympy.Basic):
        return
    walk = sympy.preorder_traversal(value)
    for node in walk:
        if not isinstance(node, sympy.Expr) or node.free_symbols:
            continue
        walk.skip()  # a constant part: check it whole
        try:
            number = complex(node.evalf())
        except (TypeError, ValueError, OverflowError):
            number = complex("nan")
        if not (cmath.isfinite(number) and number.imag == 0):
            part = str(node)
            part = part if len(part) <= 24 else f"{part[:4]}...{part[-3:]}"
            part = part.replace("zoo", "zoo (complex infinity)")
            raise ExpressionError(
                f"expression{_located(where)}: the constant part {part} of {shown(text)} has no "
                "finite real value (a division by zero, a log of zero or of a negative number, "
                "or a number too large); rewrite it")


def _names_listed(names: list[str]) -> str:
    if not names:
        return "(none)"
    more = f", ... {len(names) - MAX_LISTED:,} more" if len(names) > MAX_LISTED else ""
    return ", ".join(names[:MAX_LISTED]) + more


def _check_names(used: Iterable[str], allowed: frozenset[str] | None, text: str, where: str) -> None:
    if allowed is None:
        return
    undefined = sorted(set(used) - allowed)
    if not undefined:
        return
    hints = []
    for name in undefined:
        close = difflib.get_close_matches(name, sorted(allowed), n=1)
        if close:
            hints.append(f"did you mean {close[0]!r} for {name!r}?")
    message = (f"expression{_located(where)} uses undefined name"
               f"{'s' if len(undefined) > 1 else ''} {', '.join(undefined)} (in {shown(text)}). "
               f"Defined names: {_names_listed(sorted(allowed))}")
    if hints:
        message += ". " + " ".join(hints)
    raise ExpressionError(message)
