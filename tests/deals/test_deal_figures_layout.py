"""Figures of deals read at a glance: labels apart, inside the axes, ticks as numbers.

Checked on the laid-out figure via matplotlib's renderer extents.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest

from deals.audit.assessment import Thresholds
from deals.views.plots import comparison_plot
from deals.audit.verdicts import VOCABULARY, verdict, verdict_colour


class FakeComparison(list):
    thresholds = Thresholds()


def crowd(n: int, seed: int) -> FakeComparison:
    """n deals, most of them bunched where the library's sit: acceptance 0.7-1, rho near 1."""
    rng = np.random.default_rng(seed)
    out = FakeComparison()
    for k in range(n):
        x = float(rng.uniform(0.7, 1.0)) if k % 3 else float(rng.uniform(0, 1))
        m = float(rng.choice([rng.uniform(0.6, 1.4), rng.uniform(-12, 3)]))
        out.append(SimpleNamespace(
            deal=f"deal-number-{k}-{'long-name' if k % 2 else 'x'}", flag="sound",
            verdicts={"supplier": "sound"},
            acceptance={"partner": x}, rho={"supplier": {"median": m, "p10": m - 0.5,
                                                         "p90": m + 0.3}}))
    return out


@pytest.mark.parametrize("n, seed", [(7, 0), (10, 1), (12, 2)])
def test_comparison_labels_never_overprint_and_stay_inside(n, seed, layout):
    ax = comparison_plot(crowd(n, seed))
    lay = layout(ax)
    labels = [t for t in ax.texts if t.get_text().startswith("deal-number")]
    assert len(labels) == n
    assert lay.overlapping(labels) == []
    assert all(lay.inside_axes(t) for t in labels)
    plt.close(ax.figure)


def test_leverage_axis_reads_as_plain_numbers(layout):
    ax = comparison_plot(crowd(7, 0))
    layout(ax)
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert {"-10", "-1", "0", "1"} <= set(ticks)
    assert not any("^" in t or "$" in t for t in ticks)
    # Every line in the chart is explained in the legend; only the verdicts that occur are listed.
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sum("acceptance" in t for t in legend) == 2 and any("rho <=" in t for t in legend)
    words = {v.supplier_words for v in VOCABULARY}
    assert [t for t in legend if t in words] == ["sound"]
    plt.close(ax.figure)


def test_the_comparison_chart_shows_the_verdict_the_table_prints():
    """A deal whose headline flag differs from its verdict (a risk band that is also
    inefficient: flag 'inefficient', verdict 'risk_band') is drawn and named in the legend
    by the verdict, as the compare table prints it; every verdict has a colour of its own."""
    deals_ = crowd(3, 0)
    deals_[0].flag, deals_[0].verdicts = "inefficient", {"supplier": "risk_band"}
    ax = comparison_plot(deals_)
    legend = dict(zip([t.get_text() for t in ax.get_legend().get_texts()],
                      ax.get_legend().legend_handles))
    assert "risk band" in legend and "inefficient" not in legend and "sound" in legend
    colour = matplotlib.colors.to_hex(legend["risk band"].get_color())
    assert colour == verdict_colour("risk_band") == verdict_colour("generous_at_risk")
    assert len({verdict_colour(v.code) for v in VOCABULARY}) == len(VOCABULARY)
    drawn = {matplotlib.colors.to_hex(line.get_color()) for line in ax.lines
             if line.get_marker() == "o" and len(line.get_xdata())}
    assert verdict_colour("risk_band") in drawn and verdict("risk_band").flag == "sound"
    plt.close(ax.figure)


def test_tornado_ranks_the_drivers_as_explain_does(layout):
    import deals

    a = deals.assess(deals.load("chips-for-farm-purchases"), draws=300, progress=False)
    ax = a.plot_drivers()
    layout(ax)
    shown = [t.get_text().split(" [")[0] for t in ax.get_yticklabels()][::-1]  # top first
    named = a.explain().split("Drivers (swing of the gains at these terms): ")[1].split("\n")[0].rstrip(".").split(", ")
    assert shown[:len(named)] == named
    assert shown == [n for n in a.drivers.index if n in a.tornado.index][:10]
    plt.close(ax.figure)


def test_cli_frontier_plot_shows_the_audits_benchmark_with_units(tmp_path, monkeypatch):
    import deals
    from deals.cli.commands import main
    from matplotlib.figure import Figure

    drawn = []
    monkeypatch.setattr(Figure, "savefig", lambda fig, *a, **k: drawn.append(fig))
    assert main(["frontier", "gulf-divestment-uae", "--plot", str(tmp_path / "f.png")]) == 0
    ax = drawn[0].axes[0]
    power = deals.load("gulf-divestment-uae").bargaining_power()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"asymmetric Nash (power {power:.3g} to US)" in labels and "Nash" in labels
    assert ax.get_xlabel() == "US utility, $bn per year"
