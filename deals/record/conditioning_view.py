"""The record's conditioning for people: which events, how many worlds survive, what moved.

>>> from deals.record.condition import condition
>>> section = conditioning_section(condition(["tier-upgrade-poland"], pool=2_000))
>>> section.name, list(section.frame.columns)[:2]
('given_record', ['prior_median', 'given_median'])
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from deals.views.output import Section, people
from deals.record.condition import Conditioned

if TYPE_CHECKING:  # pandas loads only when a frame is asked for (start-up time)
    import pandas as pd

#: Parameters listed (those the record moved most, in shares of their prior range of ranks).
SHOWN = 10


def moved(given: Conditioned) -> pd.DataFrame:
    """Every parameter's prior and conditional median and p10-p90, and its shift: where the
    conditional median sits among the prior draws, minus 1/2 (0: unmoved; +-0.5: at an end)."""
    import pandas as pd  # start-up time: only a frame asked for needs pandas

    c = given.conditioning
    rows = []
    for name, values in c.sample.items():
        prior = np.ones(values.size)
        row = {"parameter": name,
               "prior_median": c.quantile(name, 0.5, prior=True),
               "given_median": c.quantile(name, 0.5) if c.ess > 0 else np.nan,
               "given_p10": c.quantile(name, 0.1) if c.ess > 0 else np.nan,
               "given_p90": c.quantile(name, 0.9) if c.ess > 0 else np.nan}
        row["shift"] = (float(np.average(values <= row["given_median"], weights=prior)) - 0.5
                        if c.ess > 0 else np.nan)
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("parameter")
    return frame.reindex(frame["shift"].abs().sort_values(ascending=False).index)


def conditioning_section(given: Conditioned) -> Section:
    """One table: the parameters the record moved most, with the events and the effective
    sample as notes (or the conflict, when the record cannot be rationalised)."""
    import pandas as pd  # start-up time: only a frame asked for needs pandas

    frame = moved(given)
    shown = frame.head(SHOWN)
    display = pd.DataFrame({
        "parameter": shown.index,
        "prior median": [people(v) for v in shown["prior_median"]],
        "given median": [people(v) for v in shown["given_median"]],
        "given p10 to p90": [f"{people(a)} to {people(b)}" for a, b in
                             zip(shown["given_p10"], shown["given_p90"])],
        "shift": [f"{v:+.2f}" if np.isfinite(v) else "n/a" for v in shown["shift"]]})
    notes = [f"{label}: holds in {people(share, 'percent')} of the worlds on its own."
             for label, share in given.holds.items()]
    if not given.rationalised:
        notes.append(given.refusal())
    c = given.conditioning
    n = len(given.record)
    caption = (f"given {given.record.source} ({n} event{'s' * (n != 1)}, possible together "
               f"in {c.joint:.2%} of {given.pool:,} worlds): effective sample "
               f"{c.ess:,.0f} (floor {c.floor:g})")
    return Section("what the record says about the parameters", frame,
                   f"{caption}; shift: where the median given the record sits among "
                   "the prior draws, minus 0.5 (0 unmoved, +-0.5 at an end of the range); "
                   f"the {SHOWN} that moved most", name="given_record", display=display,
                   notes=tuple(notes))
