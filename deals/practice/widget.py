"""The practice game in a notebook: sliders for the issues, buttons to offer, accept or walk.

The widget is a face of :class:`deals.practice.session.PracticeSession`; the rules, the validation and
the debrief are the session's. At the end it shows the trace, the verdict against the
benchmark and the offers in the utility plane (:func:`games.negotiation.plot_trace`).

>>> import contextlib, io, deals
>>> with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook it prints
...     box = practice_widget(deals.load("gulf-divestment-uae"), against="linear", rounds=4,
...                           grid_points=200)
>>> box.session.round, [b.description for b in box.buttons]
(1, ['Offer these terms', 'Accept their offer', 'Walk away'])
"""

from __future__ import annotations

from typing import Any

from deals.errors import DealError
from deals.deal.model import Deal
from deals.practice.session import PracticeSession, session_trace
from games.markup import text


def practice_widget(deal: Deal, *, side: str = "partner", against: str = "boulware",
                    rounds: int = 12, grid_points: int = 1_000, seed: int = 0) -> Any:
    """An ipywidgets box to play ``side`` of ``deal`` against the agent ``against``.

    The returned box carries the game as ``.session`` and its buttons as ``.buttons``
    (offer, accept, walk), so a notebook or a test can drive it.
    """
    import ipywidgets as w
    from IPython.display import display

    from deals.views.still import StillBox  # start-up time: it loads ipywidgets

    session = PracticeSession(deal, side=side, against=against, rounds=rounds,
                              grid_points=grid_points, seed=seed)
    controls = {}
    for issue in deal.issues:
        lo, hi = issue.range
        label = f"{issue.name} ({issue.unit})" if issue.unit else issue.name
        if issue.levels is not None:
            controls[issue.name] = w.SelectionSlider(options=list(issue.levels),
                                                     description=label)
        else:
            controls[issue.name] = w.FloatSlider(min=lo, max=hi, step=(hi - lo) / 100,
                                                 description=label, readout_format=".3g")
        controls[issue.name].style.description_width = "initial"
    buttons = [w.Button(description=d) for d in
               ("Offer these terms", "Accept their offer", "Walk away")]
    out = w.Output()

    last = [""]  # the message on screen, for the still

    def show(message: str = "") -> None:
        last[0] = message
        table = session.offer_on_table
        for name, value in (table or {}).items():  # start the sliders at their offer
            controls[name].value = value if deal.issue(name).levels is None else \
                min(deal.issue(name).levels, key=lambda v: abs(v - value))
        out.clear_output()
        with out:
            for item in screen(session, message):
                if isinstance(item, str):
                    print(item)
                elif item is FIGURE:
                    import matplotlib.pyplot as plt

                    trace_figure(session)
                    plt.show()
                else:
                    display(item)
        if session.status != "open":
            for b in buttons:
                b.disabled = True

    def act(text: str) -> None:
        try:
            show(session.respond(text))
        except DealError as exc:
            show(f"Not taken: {exc}.")

    buttons[0].on_click(lambda _: act(" ".join(f"{k}={float(c.value)!r}"
                                               for k, c in controls.items())))
    buttons[1].on_click(lambda _: act("accept"))
    buttons[2].on_click(lambda _: act("walk"))
    me = session.problem.sides[session.person]
    head = w.HTML(f"<b>{text(deal.title)}</b><br>You are {text(me)}; the other side plays "
                  f"<i>{text(session.agent.name)}</i>. {rounds} rounds, the supplier opens.")
    box = StillBox([head, *controls.values(), w.HBox(buttons), out],
                   outputs={out: lambda: still_screen(session, last[0])})
    box.session, box.buttons = session, buttons
    show()
    return box


#: Where :func:`screen` puts the debrief's chart.
FIGURE = object()


def screen(session: PracticeSession, message: str = "") -> list[Any]:
    """What the widget's output area shows: lines of text, tables and (at the end) the chart."""
    items: list[Any] = [message] if message else []
    if session.offer_on_table is not None:
        u = session.my_utility(session.offers[-1][1])
        items.append(f"Round {session.round} of {session.rounds}: their offer is worth "
                     f"{u:.3g} $bn a year to you (outside option "
                     f"{session.my_reservation:.3g} $bn a year).")
    if session.status == "open":
        return items + ([session.history()] if session.offers else [])
    for section in session.debrief():
        items += [section.title, section.frame, section.caption]
    return items + [FIGURE]


def trace_figure(session: PracticeSession) -> Any:
    """The game's offers in the utility plane (:func:`games.negotiation.plot_trace`)."""
    from games.negotiation import plot_trace  # start-up time: plots load matplotlib

    ax = plot_trace(session_trace(session))
    ax.set_title(session.deal.title, fontsize=9)
    return ax.figure


def still_screen(session: PracticeSession, message: str) -> str:
    """:func:`screen` as HTML with no script, for the widget's still."""
    import matplotlib.pyplot as plt

    from deals.views.still import figure_html  # start-up time: it loads ipywidgets

    parts = []
    for item in screen(session, message):
        if isinstance(item, str):
            parts.append(f'<pre style="white-space:pre-wrap;margin:2px 0">{text(item)}</pre>')
        elif item is FIGURE:
            fig = trace_figure(session)
            parts.append(figure_html(fig, "the offers in the utility plane"))
            plt.close(fig)
        else:
            parts.append(item.to_html(escape=True))
    return "".join(parts)
