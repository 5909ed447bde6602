"""Numbers for people and for programs: how every table, note and JSON file of chipdeals writes one.

>>> people(387_512.0), people(0.4245, "percent"), json_value({"p": np.float64(0.1 + 0.2)})
('388,000', '42%', {'p': 0.3})
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np


def snake_case(text: str) -> str:
    """``'P(partner accepts)'`` -> ``'p_partner_accepts'``.

    >>> snake_case("flag (supplier)")
    'flag_supplier'
    """
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "name"


def people(value: Any, kind: str = "number") -> str:
    """A value as a person writes it: three significant figures, thousands separators.

    >>> [people(x) for x in (1.1e6, 387_512.0, 0.7424999, 4.28e-16, -9.89624, 12, 6e307)]
    ['1,100,000', '388,000', '0.742', '0', '-9.9', '12', '6e+307']
    >>> [people(x, "percent") for x in (0.4245, 0.9995, 0.0004, 0.0, 1.0)]
    ['42%', '>99%', '<1%', '0%', '100%']
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if not isinstance(value, (float, np.floating)):
        return str(value)
    v = float(value)
    if not math.isfinite(v):
        return "n/a" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if kind == "percent":
        if 0 < v < 0.005:
            return "<1%"
        if 0.995 <= v < 1:
            return ">99%"
        return f"{v:.0%}"
    if abs(v) < 1e-9:  # solver noise, not a quantity
        return "0"
    rounded = float(f"{v:.3g}")
    if abs(rounded) >= 1e15:  # beyond any real quantity: digits would fill the column
        return f"{rounded:.3g}"
    if abs(rounded) >= 1000:
        return f"{rounded:,.0f}"
    text = f"{rounded:.3g}"
    if "e" in text:  # tiny but real: say it plainly
        text = f"{rounded:.2e}"
    return text


def signed(value: float, digits: int = 2) -> str:
    """A change with its sign, as a person writes it: '+0.06', '-1.20', and '0' (never '-0.00'
    or '+0.00') for a change that rounds to nothing.

    >>> [signed(x) for x in (0.0612, -1.2, -0.0004, 0.0, float("nan"))]
    ['+0.06', '-1.20', '0', '0', 'n/a']
    """
    v = float(value)
    if math.isnan(v):
        return "n/a"
    r = round(v, digits) + 0.0
    return "0" if r == 0 else f"{r:+.{digits}f}"


def json_value(value: Any) -> Any:
    """Plain JSON data: numpy scalars to Python, floats to 10 significant digits, NaN to None.

    >>> json_value({"p": np.float64(0.1 + 0.2), "n": float("nan"), "k": np.int64(3)})
    {'p': 0.3, 'n': None, 'k': 3}
    """
    kind = type(value)  # the plain types first: a report holds thousands of them
    if kind is str or kind is int or value is None:
        return value
    if kind is float:
        return float(f"{value:.10g}") + 0.0 if math.isfinite(value) else None
    if kind is dict or isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return float(f"{v:.10g}") + 0.0 if math.isfinite(v) else None  # + 0.0: no -0.0
    if isinstance(value, np.integer):
        return int(value)
    return value
