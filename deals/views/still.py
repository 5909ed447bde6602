"""A still picture of a notebook widget, for pages read with no kernel and no network.

A live notebook shows the ipywidgets themselves. A page built from the executed notebook (the
docs site, or ``jupyter nbconvert --to html``) has no kernel behind it, and the scripts that
draw embedded widgets come from CDNs, so offline the widgets render blank. :class:`StillBox` is
a ``VBox`` that also offers ``text/html``: its sliders, buttons and outputs as plain HTML with
no script, at the values they had when the cell ran. The docs build prefers that picture
(``nb_mime_priority_overrides`` in ``docs/conf.py``); a notebook front end prefers the widget.

>>> import ipywidgets as w
>>> box = StillBox([w.HTML("<b>Terms</b>"), w.FloatSlider(value=2.0, min=0, max=4,
...                 description="chips <x>")], outputs={})
>>> page = box._repr_mimebundle_()["text/html"]
>>> "chips &lt;x&gt;" in page and 'value="2.0"' in page and "<script" not in page
True
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w

from games.markup import text

__all__ = ["StillBox", "figure_html", "still_html"]

#: Said under every still, so nobody drags a picture and waits.
NOTE = ("A still of the widget as the cell left it: run the notebook to move the sliders "
        "and press the buttons.")


class StillBox(w.VBox):
    """A ``VBox`` whose display also carries a static HTML picture of itself.

    ``outputs`` maps each ``Output`` widget among the children to a function returning that
    output's content as HTML (an ``Output`` widget's captured content lives in the front end,
    not in Python).
    """

    def __init__(self, children: list[Any], *, outputs: Mapping[Any, Callable[[], str]],
                 **kwargs: Any):
        super().__init__(children, **kwargs)
        self.still_outputs = dict(outputs)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = still_html(self, self.still_outputs)
        return bundle


def still_html(widget: Any, outputs: Mapping[Any, Callable[[], str]]) -> str:
    """``widget`` and its children as HTML with no script; every label is escaped (the
    ``HTML`` widgets' values are the package's own markup, escaped when they were made)."""
    body = _still(widget, outputs)
    return (f'<div class="widget-still" style="border:1px solid #ccc;padding:8px;'
            f'max-width:760px">{body}<p style="color:#666;font-size:85%;margin:6px 0 0">'
            f"{text(NOTE)}</p></div>")


def _still(widget: Any, outputs: Mapping[Any, Callable[[], str]]) -> str:
    if isinstance(widget, w.Output):
        return outputs[widget]() if widget in outputs else ""
    if isinstance(widget, w.Box):
        direction = "row" if isinstance(widget, w.HBox) else "column"
        inner = "".join(_still(c, outputs) for c in widget.children)
        return f'<div style="display:flex;flex-direction:{direction};gap:4px">{inner}</div>'
    if isinstance(widget, w.HTML):
        return f"<div>{widget.value}</div>"
    if isinstance(widget, w.Button):
        return f"<button disabled>{text(widget.description)}</button>"
    if isinstance(widget, (w.SelectionSlider, w.FloatSlider, w.IntSlider)):
        return _slider(widget)
    return f"<div>{text(getattr(widget, 'description', '') or '')}</div>"


def _slider(s: Any) -> str:
    """A slider as a disabled range input with its label and readout."""
    if isinstance(s, w.SelectionSlider):
        low, high, step, value, shown = 0, len(s.options) - 1, 1, s.index, s.label
    else:
        low, high, step, value = s.min, s.max, s.step, s.value
        try:
            shown = f"{value:,.0f}" if abs(value) >= 1000 else format(value, s.readout_format
                                                                   or ".3g")
        except ValueError:  # a d3 format Python does not read (",.0f" reads; "~s" does not)
            shown = f"{value:.3g}"
    return (f'<div style="display:flex;align-items:center;gap:8px">'
            f'<span style="min-width:230px">{text(s.description)}</span>'
            f'<input type="range" disabled min="{low}" max="{high}" step="{step}" '
            f'value="{value}" style="width:300px" aria-label="{text(s.description)}">'
            f"<span>{text(shown)}</span></div>")


def figure_html(fig: Any, alt: str) -> str:
    """A matplotlib figure as an inline PNG (a data URL: no file, no network)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{text(alt)}" style="max-width:100%">'
