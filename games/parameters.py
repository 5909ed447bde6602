"""Parameters: named scalars with a point value, a plausible range, a distribution and a source.

A :class:`ParameterSet` samples to arrays, one per parameter, either on a grid or by seeded
Monte Carlo; those arrays feed vectorised payoff expressions and batch solvers.

>>> ps = ParameterSet([Parameter("cost", 2.0, range=(1.0, 4.0), unit="$bn"),
...                    Parameter("p", 0.5, range=(0.0, 1.0), distribution="triangular")])
>>> ps.point()
{'cost': 2.0, 'p': 0.5}
>>> draws = ps.sample(1000, seed=0)
>>> draws["cost"].shape, bool((draws["cost"] >= 1).all() and (draws["cost"] <= 4).all())
((1000,), True)
>>> ps.grid(cost=3)["cost"].tolist()
[1.0, 2.5, 4.0]
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from games.errors import ParameterError, finite_number
from games.results import TabularResult

__all__ = [
    "DISTRIBUTIONS", "WIDEST_RANGE", "Parameter", "check_seed", "ParameterSet", "read_parameters",
]

if TYPE_CHECKING:
    import pandas as pd

#: Distributions a parameter may declare over its range.
DISTRIBUTIONS = ("uniform", "triangular", "normal", "lognormal", "loguniform")
#: The widest range a parameter (or an issue) may span: the triangular law and the solvers
#: multiply a width by a width, which past this is no longer a number.
WIDEST_RANGE = 1e150


@dataclass(frozen=True)
class Parameter:
    """A named scalar with a point value, an optional plausible range, distribution, unit, source.

    ``distribution`` describes the analyst's uncertainty over ``range`` (default uniform):
    ``"triangular"`` peaks at ``value``; ``"normal"`` and ``"lognormal"`` are centred on
    ``value`` (the median for lognormal) with the range as their central 95% interval,
    truncated to the range; ``"loguniform"`` is uniform in the logarithm. A parameter without
    a range is fixed at its value when sampled.

    >>> Parameter("margin", 0.7, range=(0.6, 0.75), source="judgement").sample(3, seed=1).round(3).tolist()
    [0.611, 0.741, 0.67]
    """

    name: str
    value: float
    range: tuple[float, float] | None = None
    distribution: str | None = None
    unit: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier() or self.name.startswith("_"):
            raise ParameterError(f"parameter name {self.name!r} is not a valid name: use letters, "
                                 "digits and underscores, starting with a letter")
        value = _finite(self.value, f"parameter {self.name!r}: value")
        object.__setattr__(self, "value", value)
        if self.range is not None:
            try:
                lo, hi = self.range
            except (TypeError, ValueError):
                raise ParameterError(f"parameter {self.name!r}: range must be two numbers "
                                     f"[low, high], got {self.range!r}") from None
            lo = _finite(lo, f"parameter {self.name!r}: range low")
            hi = _finite(hi, f"parameter {self.name!r}: range high")
            if lo > hi:
                raise ParameterError(f"parameter {self.name!r}: range [{lo:g}, {hi:g}] is the wrong "
                                     f"way round; write [{hi:g}, {lo:g}]")
            if not hi - lo <= WIDEST_RANGE:  # the triangular law multiplies width by width
                raise ParameterError(f"parameter {self.name!r}: range [{lo:g}, {hi:g}] is more "
                                     f"than {WIDEST_RANGE:g} wide, too wide to draw from; use a "
                                     "larger unit")
            slack = 1e-9 * max(1.0, abs(lo), abs(hi))
            if not lo - slack <= value <= hi + slack:
                raise ParameterError(f"parameter {self.name!r}: value {value:g} is outside its "
                                     f"range [{lo:g}, {hi:g}]; widen the range or fix the value")
            object.__setattr__(self, "range", (lo, hi))
        if self.distribution is not None:
            if self.distribution not in DISTRIBUTIONS:
                raise ParameterError(f"parameter {self.name!r}: unknown distribution "
                                     f"{self.distribution!r}; use one of {', '.join(DISTRIBUTIONS)}")
            if self.range is None:
                raise ParameterError(f"parameter {self.name!r}: a distribution needs a range; "
                                     "add range = [low, high]")
            lo, hi = self.range
            if self.distribution in ("lognormal", "loguniform") and lo <= 0:
                raise ParameterError(f"parameter {self.name!r}: a {self.distribution} distribution "
                                     f"needs a positive range, got [{lo:g}, {hi:g}]")

    @property
    def low(self) -> float:
        """Lower end of the plausible range (the value itself when there is no range)."""
        return self.value if self.range is None else self.range[0]

    @property
    def high(self) -> float:
        """Upper end of the plausible range (the value itself when there is no range)."""
        return self.value if self.range is None else self.range[1]

    def with_value(self, value: float) -> "Parameter":
        """The same parameter at another point value (which must lie in its range)."""
        return replace(self, value=value)

    def draw(self, uniforms: np.ndarray) -> np.ndarray:
        """Map uniform(0, 1) numbers to draws from this parameter's distribution (inverse CDF)."""
        u = np.asarray(uniforms, dtype=float)
        if self.range is None or self.low == self.high:
            return np.full(u.shape, self.value)
        lo, hi, v = self.low, self.high, self.value
        kind = self.distribution or "uniform"
        if kind == "uniform":
            return lo + u * (hi - lo)
        if kind == "loguniform":
            return np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        if kind == "triangular":
            c = (v - lo) / (hi - lo)
            # inverse CDF of the triangular law, in closed form
            return np.where(u < c, lo + np.sqrt(u * (hi - lo) * (v - lo)),
                            hi - np.sqrt((1 - u) * (hi - lo) * (hi - v)))
        if kind == "normal":
            return _truncated_normal(u, v, (hi - lo) / (2 * 1.959964), lo, hi)
        # lognormal: a normal in log space, median at the value
        logged = _truncated_normal(u, math.log(v), (math.log(hi) - math.log(lo)) / (2 * 1.959964),
                                   math.log(lo), math.log(hi))
        return np.exp(logged)

    def sample(self, draws: int, seed: int | None = 0, *, scope: str | None = None
               ) -> np.ndarray:
        """Seeded Monte Carlo draws, reproducible per parameter name and seed.

        ``scope`` names a model the parameter belongs to among several: the draws then come
        from a stream of their own per (seed, scope, name), independent of the same name's
        draws in another scope (and of the unscoped ones).

        >>> p = Parameter("demand", 1.0, range=(0.5, 2.0))
        >>> bool((p.sample(3, 1) == p.sample(3, 1)).all())
        True
        >>> bool((p.sample(3, 1, scope="a") == p.sample(3, 1, scope="b")).any())
        False
        """
        return self.draw(_stream(self.name, seed, scope).random(_count(draws)))

    def sample_slice(self, start: int, stop: int, seed: int = 0, *,
                     scope: str | None = None) -> np.ndarray:
        """Draws ``start`` to ``stop`` of :meth:`sample`'s sequence, without drawing the ones
        before (the stream is advanced past them), so a chunk of a long run can be drawn on
        its own, in any process, with the same bytes as the whole run's slice.

        >>> p = Parameter("demand", 1.0, range=(0.5, 2.0))
        >>> bool((p.sample_slice(3, 7, 1) == p.sample(7, 1)[3:]).all())
        True
        """
        if check_seed(seed) is None:
            raise ParameterError("a slice of draws needs a seed (a whole number)")
        if not 0 <= start <= stop:
            raise ParameterError(f"draws {start} to {stop}: give 0 <= start <= stop")
        stream = _stream(self.name, seed, scope)
        stream.bit_generator.advance(start)       # one 64-bit output per uniform double
        return self.draw(stream.random(stop - start))


def _truncated_normal(u: np.ndarray, mean: float, sd: float, lo: float, hi: float) -> np.ndarray:
    if sd <= 0:
        return np.full(u.shape, mean)
    a, b = (lo - mean) / sd, (hi - mean) / sd
    from scipy.stats import truncnorm  # scipy.stats is slow to import; only these laws need it

    return np.clip(truncnorm.ppf(u, a, b, loc=mean, scale=sd), lo, hi)


def _finite(value: Any, what: str) -> float:
    return finite_number(value, what, ParameterError)


def _count(draws: int) -> int:
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ParameterError(f"draws must be a positive whole number, got {draws!r}")
    return int(draws)


def check_seed(seed: Any) -> int | None:
    """A Monte Carlo seed: a whole number >= 0 of any size (or None for fresh entropy).

    Distinct seeds give distinct draws (numpy's SeedSequence takes the whole number), so a
    seed is never wrapped to 32 bits; anything else is refused.

    >>> check_seed(2**64)
    18446744073709551616
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    games.errors.ParameterError: seed must be a whole number >= 0 (or None), got -1
    """
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a whole number >= 0 (or None), got {seed!r}")
    return int(seed)


def _stream(name: str, seed: int | None, scope: str | None = None) -> np.random.Generator:
    # One stream per (seed, name): adding or reordering parameters leaves the others' draws
    # unchanged, so results stay comparable when a model grows. With a scope, one child
    # SeedSequence of the seed per (scope, name): the same name in two scopes is independent.
    # The whole seed goes in (never wrapped to 32 bits): distinct seeds, distinct draws.
    seed = check_seed(seed)
    if seed is None:
        return np.random.default_rng()
    if scope is None:
        return np.random.default_rng([seed, zlib.crc32(name.encode())])
    return np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(zlib.crc32(scope.encode()), zlib.crc32(name.encode()))))


class ParameterSet(Mapping[str, Parameter], TabularResult):
    """An ordered set of parameters, addressed by name; samples to arrays.

    >>> ps = ParameterSet.from_values(a=1.0, b=2.0)
    >>> ps.with_values(b=3.0).point()
    {'a': 1.0, 'b': 3.0}
    """

    def __init__(self, parameters: Iterable[Parameter] = ()):
        items: dict[str, Parameter] = {}
        for p in parameters:
            if not isinstance(p, Parameter):
                raise ParameterError(f"expected Parameter objects, got {type(p).__name__}")
            if p.name in items:
                raise ParameterError(f"parameter {p.name!r} is defined twice")
            items[p.name] = p
        self._items = items

    @classmethod
    def coerce(cls, parameters: Any) -> "ParameterSet":
        """A ParameterSet from itself, a mapping name -> Parameter or an iterable of Parameters.

        (For a "parameters" argument that may also be plain names or default values, use
        :func:`read_parameters`.)

        >>> ParameterSet.coerce({"a": Parameter("a", 1.0)}).point()
        {'a': 1.0}
        """
        if isinstance(parameters, ParameterSet):
            return parameters
        if isinstance(parameters, Mapping):
            parameters = parameters.values()
        return cls(list(parameters))

    @classmethod
    def from_values(cls, **values: float) -> "ParameterSet":
        """A set of fixed parameters (no ranges) from keyword values."""
        return cls(Parameter(name, value) for name, value in values.items())

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self._items[name]
        except KeyError:
            raise ParameterError(self._unknown(name)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"ParameterSet({', '.join(f'{k}={p.value:g}' for k, p in self._items.items())})"

    def _unknown(self, name: str) -> str:
        return (f"unknown parameter {name!r}; known parameters: "
                f"{', '.join(self._items) or '(none)'}")

    def check_names(self, names: Iterable[str]) -> None:
        """Raise :class:`ParameterError` naming every name that is not a parameter here."""
        unknown = [n for n in names if n not in self._items]
        if unknown:
            raise ParameterError(f"unknown parameter{'s' if len(unknown) > 1 else ''} "
                                 f"{', '.join(map(repr, unknown))}; known parameters: "
                                 f"{', '.join(self._items) or '(none)'}")

    def point(self) -> dict[str, float]:
        """The point value of every parameter."""
        return {name: p.value for name, p in self._items.items()}

    def with_values(self, **values: float) -> "ParameterSet":
        """A copy with some point values changed (each must be in its parameter's range)."""
        self.check_names(values)
        return ParameterSet(p.with_value(values[n]) if n in values else p
                            for n, p in self._items.items())

    def sample(self, draws: int, seed: int | None = 0, *, scope: str | None = None
               ) -> dict[str, np.ndarray]:
        """Seeded Monte Carlo: ``draws`` values of every parameter, as arrays of shape (draws,).

        ``scope``: see :meth:`Parameter.sample` (independent streams per model).
        """
        n = _count(draws)
        check_seed(seed)
        return {name: p.sample(n, seed, scope=scope) for name, p in self._items.items()}

    def sample_slice(self, start: int, stop: int, seed: int = 0, *,
                     scope: str | None = None) -> dict[str, np.ndarray]:
        """Draws ``start`` to ``stop`` of :meth:`sample` (see :meth:`Parameter.sample_slice`)."""
        return {name: p.sample_slice(start, stop, seed, scope=scope)
                for name, p in self._items.items()}

    def grid(self, **axes: int | Sequence[float]) -> dict[str, np.ndarray]:
        """A full grid over the named parameters; the others stay at their point values.

        Each axis is a number of evenly spaced points over the parameter's range, or explicit
        values. Arrays come flattened in C order (the last axis varies fastest), so
        ``.reshape(n1, n2, ...)`` recovers the grid.
        """
        self.check_names(axes)
        if not axes:
            raise ParameterError("grid needs at least one axis, e.g. grid(cost=20)")
        columns = []
        for name, spec in axes.items():
            p = self._items[name]
            if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
                if spec < 1:
                    raise ParameterError(f"grid axis {name!r}: need at least one point, got {spec}")
                if p.range is None and spec > 1:
                    raise ParameterError(f"grid axis {name!r}: parameter has no range; give "
                                         "explicit values or add a range")
                columns.append(np.linspace(p.low, p.high, int(spec)))
            else:
                values = np.asarray(spec, dtype=float).ravel()
                if values.size == 0 or not np.all(np.isfinite(values)):
                    raise ParameterError(f"grid axis {name!r}: values must be finite numbers")
                columns.append(values)
        mesh = np.meshgrid(*columns, indexing="ij")
        size = mesh[0].size
        out = {name: np.full(size, p.value) for name, p in self._items.items()}
        for name, m in zip(axes, mesh):
            out[name] = m.ravel()
        return out

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd
        rows = [{"parameter": p.name, "value": p.value,
                 "low": p.low if p.range else None, "high": p.high if p.range else None,
                 "distribution": p.distribution or ("uniform" if p.range else "fixed"),
                 "unit": p.unit, "source": p.source} for p in self._items.values()]
        return pd.DataFrame(rows, columns=["parameter", "value", "low", "high", "distribution",
                                           "unit", "source"]).set_index("parameter")


def read_parameters(parameters: Any, error: type[ParameterError] | type = ParameterError
                    ) -> tuple[tuple[str, ...] | None, dict[str, float]]:
    """The one reader of a ``parameters`` argument: the names it allows and their defaults.

    ``parameters`` may be ``None`` (any name, no defaults), a :class:`ParameterSet` or an
    iterable of :class:`Parameter` (names and point values), a mapping name -> default value
    (``None`` for no default; a :class:`Parameter` gives its point value) or an iterable of
    names (no defaults). Every default must be a finite number; otherwise ``error`` names it.

    >>> read_parameters({"a": 1, "b": None})
    (('a', 'b'), {'a': 1.0})
    >>> read_parameters(["a", "b"]), read_parameters(None)
    ((('a', 'b'), {}), (None, {}))
    >>> read_parameters({"a": "lots"})
    Traceback (most recent call last):
    ...
    games.errors.ParameterError: the default value of a must be a number, got 'lots'
    """
    if parameters is None:
        return None, {}
    if isinstance(parameters, ParameterSet):
        return tuple(parameters), parameters.point()
    if isinstance(parameters, (str, bytes)):
        raise error(f"parameters must be a ParameterSet, a mapping name -> default value or a "
                    f"list of names, not the text {parameters!r}")
    if isinstance(parameters, Mapping):
        defaults = {}
        for name, value in parameters.items():
            if isinstance(value, Parameter):
                value = value.value
            if value is not None:
                defaults[str(name)] = finite_number(value, f"the default value of {name}", error)
        return tuple(str(k) for k in parameters), defaults
    try:
        items = list(parameters)
    except TypeError:
        raise error(f"parameters must be a ParameterSet, a mapping name -> default value or a "
                    f"list of names, not {type(parameters).__name__}") from None
    if items and all(isinstance(p, Parameter) for p in items):
        return read_parameters(ParameterSet.coerce(items), error)
    return tuple(str(p) for p in items), {}
