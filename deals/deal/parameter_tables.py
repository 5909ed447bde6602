"""A parameter as its table in a deal file (the inverse of reading ``[parameters.NAME]``)."""

from __future__ import annotations

from typing import Any

from games.parameters import Parameter


def parameter_to_dict(p: Parameter) -> dict[str, Any]:
    """A parameter's table in a deal file: value, and range, distribution, unit, source if set.

    >>> parameter_to_dict(Parameter("harm", 2.0, range=(1.0, 3.0), unit="$bn"))
    {'value': 2.0, 'range': [1.0, 3.0], 'unit': '$bn'}
    """
    spec: dict[str, Any] = {"value": p.value}
    if p.range is not None:
        spec["range"] = list(p.range)
    if p.distribution:
        spec["distribution"] = p.distribution
    for key in ("unit", "source"):
        if getattr(p, key):
            spec[key] = getattr(p, key)
    return spec
