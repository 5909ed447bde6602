"""The outcome space of a bargaining problem: a box of continuous ranges and discrete levels.

Data only: the searches over it live in :mod:`games.optimise.box_search` and the solvers of
:mod:`games.bargaining`; a domain layer describes its outcomes with a :class:`Box` and hands it
to them.

>>> box = Box({"chips": (0.0, 1.0), "tier": [0, 1, 2]})
>>> box.names, bool(box.is_continuous("chips")), box.bounds("tier")
(('chips', 'tier'), True, (0.0, 2.0))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from games.errors import GameTooLargeError, InvalidGameError

#: Largest number of grid points a scan evaluates per draw.
MAX_GRID = 200_000


@dataclass(frozen=True)
class Box:
    """A product of continuous ranges ``(low, high)`` and discrete level lists, by name."""

    ranges: Mapping[str, tuple[float, float] | Sequence[float]]

    def __post_init__(self) -> None:
        clean: dict[str, tuple[str, np.ndarray]] = {}
        for name, spec in self.ranges.items():
            values = np.asarray(spec, dtype=float).ravel()
            if values.size == 0 or not np.all(np.isfinite(values)):
                raise InvalidGameError(f"box coordinate {name!r}: bounds must be finite numbers")
            if isinstance(spec, tuple) and len(spec) == 2:
                if values[0] > values[1]:
                    raise InvalidGameError(f"box coordinate {name!r}: range {spec} is the "
                                           "wrong way round")
                clean[name] = ("continuous", values)
            else:
                clean[name] = ("discrete", np.unique(values))
        object.__setattr__(self, "_coordinates", clean)
        # Asked for once per coordinate and candidate by the searches: found once here.
        object.__setattr__(self, "_bounds", {name: (float(values.min()), float(values.max()))
                                             for name, (_, values) in clean.items()})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._coordinates)  # type: ignore[attr-defined]

    def is_continuous(self, name: str) -> bool:
        kind, values = self._coordinates[name]  # type: ignore[attr-defined]
        return kind == "continuous" and values[1] > values[0]

    def bounds(self, name: str) -> tuple[float, float]:
        return self._bounds[name]  # type: ignore[attr-defined]

    def grid(self, points: int = 2_000) -> dict[str, np.ndarray]:
        """About ``points`` grid points, spread evenly over the continuous coordinates: the
        product of :meth:`grid_axes`, the first coordinate varying slowest.

        >>> Box({"a": (0.0, 1.0), "b": [5, 6]}).grid(6)["a"].tolist()
        [0.0, 0.0, 0.5, 0.5, 1.0, 1.0]
        """
        axes = self.grid_axes(points)
        mesh = np.meshgrid(*axes.values(), indexing="ij")
        return {name: m.ravel() for name, m in zip(axes, mesh)}

    def grid_axes(self, points: int = 2_000) -> dict[str, np.ndarray]:
        """Each coordinate's values in :meth:`grid` (its points are every combination).

        >>> {k: v.tolist() for k, v in Box({"a": (0.0, 1.0), "b": [5, 6]}).grid_axes(6).items()}
        {'a': [0.0, 0.5, 1.0], 'b': [5.0, 6.0]}
        """
        coords = self._coordinates  # type: ignore[attr-defined]
        discrete = int(np.prod([len(v) for k, v in coords.values() if k == "discrete"] or [1]))
        continuous = [n for n in coords if self.is_continuous(n)]
        # At least 3 levels an axis (its ends and middle); with so many continuous coordinates
        # that 3 each would pass MAX_GRID, their ends only (2 each), so a problem of 12 to 17
        # continuous coordinates is still scanned, not refused.
        floor = 3 if discrete * 3.0 ** len(continuous) <= MAX_GRID else 2
        per_axis = max(floor, int(round((points / discrete) ** (1 / max(1, len(continuous))))))
        axes = []
        for name, (kind, values) in coords.items():
            if self.is_continuous(name):
                axes.append(np.linspace(values[0], values[1], per_axis))
            elif kind == "continuous":
                axes.append(values[:1].copy())
            else:
                axes.append(values.copy())
        size = int(np.prod([len(a) for a in axes]))
        if size > MAX_GRID:
            raise GameTooLargeError(f"a grid of {size:,} outcomes exceeds {MAX_GRID:,}; use "
                                    "fewer discrete levels or issues")
        return dict(zip(coords, axes))
