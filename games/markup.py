"""Text from a file, made safe to show in HTML or in Markdown that becomes HTML.

A deal or game file is data written by someone else: its title, names and units are shown on
pages and in notebook widgets, and a title such as ``<img src=x onerror=...>`` must appear as
those characters, never run. Every view that puts text it did not write itself into HTML goes
through :func:`text`; every view that puts it into Markdown (Panel's Markdown panes, the
``markdown`` report format) goes through :func:`markdown`. One place to get it right.

>>> text('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
>>> print(markdown("**bold** [link](javascript:alert(1)) <b>"))
\\*\\*bold\\*\\* \\[link\\]\\(javascript\\:alert\\(1\\)\\) &lt;b&gt;
"""

from __future__ import annotations

import html
import string
from typing import Any

__all__ = ["text", "markdown", "lines", "clipped", "CHART_NAME"]

#: Longest name a chart writes in full (axis labels, titles, legends): a longer one is cut by
#: :func:`clipped`, so the plot keeps its room. Text around the chart names it in full.
CHART_NAME = 32

#: Characters CommonMark lets a backslash make literal (every ASCII punctuation character);
#: the five HTML specials are written as entities instead, which Markdown leaves literal.
_HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_MARKDOWN_TABLE = {ord(c): "\\" + c for c in string.punctuation}
_MARKDOWN_TABLE.update({ord(c): e for c, e in _HTML_SPECIAL.items()})


def text(value: Any) -> str:
    """``value`` as HTML text: ``& < > " '`` become entities, so it is shown, never run.
    Safe both between tags and inside a quoted attribute.

    >>> text("A & B's <deal>")
    'A &amp; B&#x27;s &lt;deal&gt;'
    """
    return html.escape(str(value), quote=True)


def markdown(value: Any) -> str:
    """``value`` as literal Markdown text on one line: the HTML specials become entities, every
    other ASCII punctuation character is backslash-escaped (no emphasis, link, heading, table
    cell or list starts from it) and line breaks become spaces (no new block starts).

    >>> print(markdown("# Title | with *stars*\\n- and a list"))
    \\# Title \\| with \\*stars\\* \\- and a list
    """
    return " ".join(str(value).split()).translate(_MARKDOWN_TABLE)


def lines(values: Any, sep: str = "<br>") -> str:
    """Several lines of text joined into HTML, each escaped with :func:`text`.

    >>> lines(["a < b", "c"])
    'a &lt; b<br>c'
    """
    return sep.join(text(v) for v in values)


def clipped(value: Any, width: int = CHART_NAME) -> str:
    """``value`` on one line of at most ``width`` characters: a longer name (a party written
    out in full in a deal file) loses its middle to an ellipsis, keeping its start and its end
    (where two long names often differ), so a chart's labels and legend keep their room. Plain
    text: escape it as well where it goes into HTML.

    >>> clipped("United States")
    'United States'
    >>> clipped("The Kingdom of Saudi Arabia and its Public Investment Fund", 30)
    'The Kingdom of Sa\u2026estment Fund'
    """
    one = " ".join(str(value).split())
    if len(one) <= width:
        return one
    head = (width - 1) * 3 // 5
    return one[:head] + "\u2026" + one[len(one) - (width - 1 - head):]
