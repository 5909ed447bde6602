"""An expression's generated NumPy function evaluated in one compiled pass over its cells.

The function sympy generates for an expression (:func:`games.expressions.compiled`) runs one
NumPy call per operation, each over the whole broadcast table, and on small tables the calls'
overhead is most of the time. Here its source is read once into a straight-line program, in
exactly the order Python evaluates it (``a*b*c`` is ``(a*b)*c``; constants as the compiler
folds them, ``1/2*x`` is ``0.5*x``; a common subexpression ``x0 = ...`` computed once), and
the compiled loop of :mod:`games._fused` runs it over blocks of cells. Each cell goes through
the same floating-point operations as in NumPy, so the result is the same bit for bit.

Logarithms stay NumPy's (its vectorised log does not round every value as the C library's
does): the program runs in passes, each writing the arguments of the logarithms the next one
needs into buffers of the result's shape, which ``np.log`` takes in place in between.

Only ``+ - * /``, negation, ``** 2``, ``reduce(minimum | maximum, [...])`` and ``log`` of
float64 arrays broadcasting to one or two dimensions are compiled; for anything else (another
function or power, a condition, a constant that is not a real number, a square of values that
are all 0-d, where NumPy would call ``pow``, a table laid out column by column, whose result
NumPy would lay out so too) :func:`evaluate` returns None and the caller runs the generated
function itself, as it does where the extension is not built.

>>> from games.expressions import parse_expression
>>> f = parse_expression("min(a / 2, b) * a - log(b)", names=["a", "b"]).compile()
>>> a, b = np.array([[1.0], [4.0]]), np.array([[0.25, 3.0]])
>>> found = evaluate(f, [a, b], (2, 2))
>>> _fused is None or found.tobytes() == f(a, b).tobytes()
True
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import textwrap
from typing import Any, Callable

import numpy as np

from games.compiled import optional_module

#: The compiled loop (games/_fused.c), or None: not built, or CHIPDEALS_PURE set
#: (:mod:`games.compiled`); then the generated functions run themselves. Tests set it to None
#: to compare the two.
_fused = optional_module("games._fused")

__all__ = ["all_finite", "evaluate", "evaluate_all", "program_of", "offset_program",
           "Program", "Unsupported"]

#: Operation codes of games/_fused.c.
ADD, SUB, MUL, DIV, NEG, SQUARE, MIN, MAX, STORE = range(9)
_BINARY = {ast.Add: ADD, ast.Sub: SUB, ast.Mult: MUL, ast.Div: DIV}
#: Python's own arithmetic for constants (what the compiler's folding computes).
_FOLD = {ADD: lambda a, b: a + b, SUB: lambda a, b: a - b, MUL: lambda a, b: a * b,
         DIV: lambda a, b: a / b}
#: The functions a program may call, as the generated function's module names them.
_CALLS = {"reduce": functools.reduce, "minimum": np.minimum, "maximum": np.maximum,
          "log": np.log}
#: Limits of games/_fused.c: inputs (arguments and logarithm buffers) and outputs of a pass,
#: dimensions of the result.
MAX_INPUTS, MAX_OUTPUTS, MAX_DIMS = 256, 64, 8
#: Most dimensions of a result evaluated here. The loop takes up to MAX_DIMS, but on the
#: comparisons' tables of three to seven short axes it is no faster than NumPy's own
#: broadcasting loops in all (measured per call: 3-, 4- and 7-axis tables 1.3-2 times slower,
#: 5- and 6-axis ones 1.5 times faster); on tables of one or two axes it is faster.
MOST_DIMS = 2
#: Largest integer constant taken (it converts to float64 exactly).
_EXACT_INTEGER = 2 ** 53


class Unsupported(Exception):
    """The generated function uses something the compiled program does not do."""


class _Reader:
    """Reads a generated function's body into nodes: ("in", i), ("const", hex of the value),
    (operation, a, b), (NEG | SQUARE, a) and ("log", a); a constant not yet used by an
    operation stays a Python number, so constant operations fold as the compiler folds them."""

    def __init__(self, function: Callable[..., Any], arguments: list[str]) -> None:
        self.globals = function.__globals__
        self.scope: dict[str, Any] = {name: ("in", i) for i, name in enumerate(arguments)}

    def _global(self, name: str) -> Any:
        if name in self.scope or name not in _CALLS or self.globals.get(name) is not _CALLS[name]:
            raise Unsupported(name)
        return name

    def node(self, tree: ast.AST) -> Any:
        if isinstance(tree, ast.Constant):
            if type(tree.value) not in (int, float):
                raise Unsupported(repr(tree.value))
            return tree.value
        if isinstance(tree, ast.Name):
            if tree.id not in self.scope:
                raise Unsupported(tree.id)
            return self.scope[tree.id]
        if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.USub):
            operand = self.node(tree.operand)
            return -operand if _is_number(operand) else (NEG, operand)
        if isinstance(tree, ast.BinOp):
            return self._binary(tree)
        if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and not tree.keywords:
            return self._call(self._global(tree.func.id), tree.args)
        raise Unsupported(type(tree).__name__)

    def _binary(self, tree: ast.BinOp) -> Any:
        left, right = self.node(tree.left), self.node(tree.right)
        if isinstance(tree.op, ast.Pow):
            if _is_number(left) or not _is_number(right) or right != 2:
                raise Unsupported("power")
            return (SQUARE, left)  # ndarray ** 2 is np.square, x * x
        if type(tree.op) not in _BINARY:
            raise Unsupported(type(tree.op).__name__)
        operation = _BINARY[type(tree.op)]
        if _is_number(left) and _is_number(right):
            try:
                return _FOLD[operation](left, right)
            except ArithmeticError:
                raise Unsupported("constant") from None
        return (operation, _operand(left), _operand(right))

    def _call(self, name: str, arguments: list[ast.AST]) -> Any:
        if name == "log" and len(arguments) == 1:
            value = self.node(arguments[0])
            if _is_number(value):
                raise Unsupported("log of a constant")
            return ("log", value)
        if (name == "reduce" and len(arguments) == 2 and isinstance(arguments[0], ast.Name)
                and self._global(arguments[0].id) in ("minimum", "maximum")
                and isinstance(arguments[1], ast.List) and arguments[1].elts):
            operation = MIN if arguments[0].id == "minimum" else MAX
            values = [_operand(self.node(a)) for a in arguments[1].elts]
            return functools.reduce(lambda a, b: (operation, a, b), values)
        raise Unsupported(name)


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


def _operand(value: Any) -> Any:
    """A node for value: a constant number as float64 (as NumPy converts it), else the node."""
    if not _is_number(value):
        return value
    if type(value) is int and abs(value) > _EXACT_INTEGER:
        raise Unsupported("integer constant")
    return ("const", float(value).hex())


def _tree(function: Callable[..., Any]) -> ast.Module:
    """The generated function's source, parsed. sympy's lambdify and the expression cache
    register each function's text with linecache as a file of its own: where that whole text
    is one definition, of this name, from its first line, it is the source (inspect's
    reading of it goes through the tokenizer, several times slower); else inspect reads it."""
    code = getattr(function, "__code__", None)
    if code is not None and code.co_firstlineno == 1:
        try:
            tree = ast.parse("".join(linecache.getlines(code.co_filename)))
        except (SyntaxError, ValueError):
            tree = None
        if (tree is not None and len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef)
                and tree.body[0].name == code.co_name and tree.body[0].lineno == 1):
            return tree
    try:
        return ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        raise Unsupported("source") from None


def _root(function: Callable[..., Any]) -> tuple[Any, int]:
    """The node of the generated function's result, and its number of arguments."""
    tree = _tree(function)
    definition = tree.body[0] if len(tree.body) == 1 else None
    if (not isinstance(definition, ast.FunctionDef) or definition.decorator_list
            or definition.args.vararg or definition.args.kwarg or definition.args.kwonlyargs
            or definition.args.defaults or definition.args.posonlyargs):
        raise Unsupported("definition")
    arguments = [a.arg for a in definition.args.args]
    reader = _Reader(function, arguments)
    *assignments, last = definition.body
    for statement in assignments:
        if (not isinstance(statement, ast.Assign) or len(statement.targets) != 1
                or not isinstance(statement.targets[0], ast.Name)):
            raise Unsupported(type(statement).__name__)
        reader.scope[statement.targets[0].id] = reader.node(statement.value)
    if not isinstance(last, ast.Return) or last.value is None:
        raise Unsupported("return")
    root = reader.node(last.value)
    if _is_number(root) or root[0] in ("in", "const"):
        raise Unsupported("a constant or an argument")
    return root, len(arguments)


def _children(node: tuple) -> tuple:
    return () if node[0] in ("in", "const") else node[1:]


def _walk(root: tuple, stop: Callable[[tuple], bool] = lambda node: False) -> list[tuple]:
    """The nodes under root, each once, children first; below a node where stop holds, none."""
    seen, order = set(), []

    def visit(node: tuple) -> None:
        if node in seen:
            return
        seen.add(node)
        if not stop(node):
            for child in _children(node):
                visit(child)
        order.append(node)

    visit(root)
    return order


def _levels(root: tuple) -> dict[tuple, int]:
    """Each node's nesting of logarithms: the pass that can compute it."""
    level: dict[tuple, int] = {}
    for node in _walk(root):
        below = max((level[c] for c in _children(node)), default=0)
        level[node] = below + 1 if node[0] == "log" else below
    return level


def _pass(targets: list[tuple], inputs: dict[tuple, int]) -> tuple[bytes, bytes]:
    """One pass of the C loop, its code and constants: the operations that compute targets
    into the outputs in turn, from the pass's inputs (inputs maps the arguments and the
    logarithms of earlier passes to their registers). Each operation writes a register of
    its own, after the inputs' and the constants'."""
    order = list(dict.fromkeys(
        n for target in targets for n in _walk(target, lambda node: node[0] == "log")))
    constants = [n for n in order if n[0] == "const"]
    steps = [n for n in order if n[0] not in ("in", "const") and n not in inputs]
    register = dict(inputs)
    register.update({n: len(inputs) + i for i, n in enumerate(constants)})
    code = []
    for step in steps:
        arguments = [register[c] for c in step[1:]]
        register[step] = len(register)
        code.append((step[0], register[step], arguments[0], arguments[-1]))
    code += [(STORE, k, register[t], register[t]) for k, t in enumerate(targets)]
    values = np.array([float.fromhex(c[1]) for c in constants], dtype=np.float64)
    return np.array(code, dtype=np.int32).tobytes(), values.tobytes()


class Program:
    """A generated function as passes of the C loop: each pass's code, constants and number
    of logarithms it keeps (the last pass writes the result), and for each square the
    arguments under it (if all of them are 0-d, NumPy squares a NumPy scalar with pow, so the
    program is not used)."""

    def __init__(self, roots: list[tuple], arguments: int) -> None:
        # One program may compute several results (STORE k writes output k), over the
        # arguments of all of them.
        top = ("all", *roots)  # a node over every result, for the walks (never computed)
        level = _levels(top)
        logs = [n for n in _walk(top) if n[0] == "log"]
        inputs = {("in", i): i for i in range(arguments)}
        self.passes: list[tuple[bytes, bytes, int]] = []
        for depth in range(max(level[r] for r in roots)):
            targets = list(dict.fromkeys(n[1] for n in logs if level[n[1]] == depth))
            if len(targets) > MAX_OUTPUTS:
                raise Unsupported("logarithms")
            self.passes.append(_pass(targets, inputs) + (len(targets),))
            start = len(inputs)
            inputs.update({("log", t): start + k for k, t in enumerate(targets)})
        if len(inputs) > MAX_INPUTS:
            raise Unsupported("inputs")
        self.passes.append(_pass(list(roots), inputs) + (0,))
        self.results = len(roots)
        self.squares = [sorted(set(_leaves(n))) for n in _walk(top) if n[0] == SQUARE]

    def run_all(self, arrays: list[np.ndarray], shape: tuple[int, ...]
                ) -> tuple[np.ndarray, ...] | None:
        """Every result at arrays (float64, broadcasting to shape), each a new C-contiguous
        array of that shape, or None."""
        for under in self.squares:  # usually settled by its first argument (an array)
            if all(arrays[i].ndim == 0 for i in under):
                return None
        inputs = tuple(arrays)
        for code, constants, count in self.passes[:-1]:
            kept = np.empty((count,) + shape)
            if not _fused.run(code, constants, inputs, tuple(kept)):
                return None
            np.log(kept, out=kept)
            inputs += tuple(kept)
        code, constants, _ = self.passes[-1]
        values = tuple(np.empty(shape) for _ in range(self.results))
        return values if _fused.run(code, constants, inputs, values) else None


def _leaves(node: tuple) -> list[int]:
    """The arguments under node (through its logarithms)."""
    return [n[1] for n in _walk(node) if n[0] == "in"]


#: Each generated function's program (by its code: sympy's functions name only NumPy's
#: functions, functools.reduce and their arguments), or None where it has none.
_PROGRAMS: dict[Any, Program | None] = {}


def program_of(function: Callable[..., Any]) -> Program | None:
    """The program of a generated function (read once from its source), or None if it uses
    anything the C loop does not do."""
    key = function.__code__
    if key not in _PROGRAMS:
        _bounded(_PROGRAMS)
        try:
            root, arguments = _root(function)
            _PROGRAMS[key] = Program([root], arguments)
        except (Unsupported, RecursionError):
            _PROGRAMS[key] = None
    return _PROGRAMS[key]


#: Most programs kept by each memo: a long session that reads many edited deals starts the
#: memo afresh past it (a program is made again in milliseconds).
MAX_KEPT = 4096


def _bounded(memo: dict) -> None:
    if len(memo) >= MAX_KEPT:
        memo.clear()


#: Programs of functions minus offsets (:func:`offset_program`), by the functions' code and
#: argument names.
_OFFSET_PROGRAMS: dict[Any, tuple[Program, tuple[str, ...]] | None] = {}


def offset_program(functions: tuple[Callable[..., Any], ...],
                   names: tuple[tuple[str, ...], ...]) -> tuple[Program, tuple[str, ...]] | None:
    """One program of ``f_k(its arguments) - offset_k`` for each generated function ``f_k``
    (``names[k]``: its arguments' names, in order), and the names of the program's inputs:
    every argument name once (in order of first use), then one input per offset (named by an
    empty string). Each result is the same sequence of operations as the function's, then the
    subtraction of its offset. None if a function uses anything the C loop does not do."""
    key = (tuple(f.__code__ for f in functions), names)
    if key not in _OFFSET_PROGRAMS:
        _bounded(_OFFSET_PROGRAMS)
        _OFFSET_PROGRAMS[key] = _offset_program(functions, names)
    return _OFFSET_PROGRAMS[key]


def _offset_program(functions: tuple[Callable[..., Any], ...],
                    names: tuple[tuple[str, ...], ...]
                    ) -> tuple[Program, tuple[str, ...]] | None:
    union = tuple(dict.fromkeys(n for each in names for n in each))
    roots = []
    try:
        for k, (function, own) in enumerate(zip(functions, names)):
            root, arguments = _root(function)
            if arguments != len(own):
                return None
            position = {("in", i): ("in", union.index(n)) for i, n in enumerate(own)}
            roots.append((SUB, _renamed(root, position, {}), ("in", len(union) + k)))
        return Program(roots, len(union) + len(functions)), union + ("",) * len(functions)
    except (Unsupported, RecursionError):
        return None


def _renamed(node: Any, position: dict[tuple, tuple], done: dict[tuple, tuple]) -> Any:
    """``node`` with each argument ("in", i) replaced by ``position``'s node for it (the
    shared subtrees of a common subexpression stay shared)."""
    if node in position:
        return position[node]
    if node[0] in ("in", "const"):
        return node
    if node not in done:
        done[node] = (node[0], *(_renamed(c, position, done) for c in node[1:]))
    return done[node]


def all_finite(*arrays: np.ndarray) -> bool | None:
    """Whether every value of ``arrays`` is finite, in one compiled pass over their bits
    (no temporaries, unlike np.isfinite); None where the caller must check itself (no
    extension, or an array that is not C-contiguous float64).

    >>> import numpy as np
    >>> all_finite(np.ones((2, 3)), np.array([1.0, np.inf])) in (False, None)
    True
    """
    return None if _fused is None else _fused.finite(arrays)


def _takes(shape: tuple[int, ...]) -> bool:
    """Whether the compiled loop is here and takes a result of this shape."""
    return _fused is not None and 0 < len(shape) <= MOST_DIMS


def evaluate_all(program: Program, arrays: list[np.ndarray], shape: tuple[int, ...]
                 ) -> tuple[np.ndarray, ...] | None:
    """Every result of ``program`` at ``arrays`` (float64, broadcasting to ``shape``), each a
    new C-contiguous array of that shape, or None where the caller must evaluate them itself
    (as :func:`evaluate`). The caller ignores floating-point errors (np.errstate)."""
    return program.run_all(arrays, shape) if _takes(shape) else None


def evaluate(function: Callable[..., Any], arrays: list[np.ndarray],
             shape: tuple[int, ...]) -> np.ndarray | None:
    """``function(*arrays)`` broadcast to shape as a new C-contiguous array, bit for bit, by
    the compiled loop; None when the caller must call function itself (no extension, a
    result of no or more than MOST_DIMS dimensions, an operation the program does not do,
    an input the loop does not take). The arrays are float64; the caller ignores
    floating-point errors (np.errstate)."""
    if not _takes(shape):  # before reading the program: nothing to read it for
        return None
    program = program_of(function)
    values = None if program is None else program.run_all(arrays, shape)
    return None if values is None else values[0]
