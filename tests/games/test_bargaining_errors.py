"""Bad input to bargaining raises our own errors, with messages naming what and how to fix;
results print as tables and plots draw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from scipy import stats

from games import (
    BargainingError,
    BargainingProblem,
    ExpressionError,
    GameError,
    GameTooLargeError,
    Issue,
    concession_curve,
    concession_curves,
    discount_factor,
    kalai_smorodinsky,
    nash_solution,
    pareto_frontier,
    plot_concession_curves,
    plot_frontier,
    rubinstein_solution,
    rubinstein_split,
    ultimatum_offer,
    ultimatum_on_frontier,
    zone_of_agreement,
)

LINE = [(0, 1), (1, 0)]


def _issues(**kwargs):
    return BargainingProblem.from_issues({"x": (0, 1)}, ["x", "1 - x"], (0, 0), **kwargs)


BAD = [
    # (case, call, error type, words the message must contain)
    ("empty points", lambda: BargainingProblem.from_points([], (0, 0)), BargainingError, "empty"),
    ("wrong shape", lambda: BargainingProblem.from_points([1, 2, 3], (0, 0)), BargainingError,
     "shape"),
    ("NaN point", lambda: BargainingProblem.from_points([(0, 1), (np.nan, 0)], (0, 0)),
     BargainingError, "point 1"),
    ("NaN disagreement", lambda: BargainingProblem.from_points(LINE, (np.nan, 0)),
     BargainingError, "not finite"),
    ("disagreement of three", lambda: BargainingProblem.from_points(LINE, (0, 0, 0)),
     BargainingError, "two numbers"),
    ("disagreement beyond the feasible bounds", lambda: BargainingProblem.from_points(LINE, (2, 0)),
     BargainingError, "check_bounds=False"),
    ("power 0", lambda: nash_solution(BargainingProblem.from_points(LINE, (0, 0)), power=0),
     BargainingError, "between 0 and 1"),
    ("power 1.5", lambda: nash_solution(BargainingProblem.from_points(LINE, (0, 0)), power=1.5),
     BargainingError, "between 0 and 1"),
    ("power text", lambda: nash_solution(BargainingProblem.from_points(LINE, (0, 0)), power="a"),
     BargainingError, "number"),
    ("delta 1", lambda: rubinstein_split(1.0, 0.5), BargainingError, "delta_1"),
    ("delta 0", lambda: rubinstein_split(0.5, 0.0), BargainingError, "delta_2"),
    ("delta NaN", lambda: rubinstein_split(np.nan, 0.5), BargainingError, "finite"),
    ("delta on frontier", lambda: rubinstein_solution(
        BargainingProblem.from_points(LINE, (0, 0)), 0.5, 1.2), BargainingError, "delta_2"),
    ("first proposer unknown", lambda: rubinstein_split(0.5, 0.5, first=3), BargainingError,
     "first"),
    ("monthly cost 0", lambda: discount_factor(0.0, 1), BargainingError, "monthly_cost"),
    ("months negative", lambda: discount_factor(0.1, -1), BargainingError, "months"),
    ("issue bounds reversed", lambda: Issue("x", bounds=(1, 0)), BargainingError, "lo < hi"),
    ("issue without levels", lambda: Issue("x", values=()), BargainingError, "no levels"),
    ("issue name", lambda: Issue("my issue", bounds=(0, 1)), BargainingError, "identifier"),
    ("one utility", lambda: BargainingProblem.from_issues({"x": (0, 1)}, ["x"], (0, 0)),
     BargainingError, "one utility per player"),
    ("undefined name", lambda: BargainingProblem.from_issues({"x": (0, 1)}, ["x", "y - x"],
                                                             (0, 0)), ExpressionError, "y"),
    ("unsafe text", lambda: BargainingProblem.from_issues({"x": (0, 1)},
                                                          ["x", "__import__('os')"], (0, 0)),
     ExpressionError, "refused"),
    ("utility NaN", lambda: BargainingProblem.from_issues({"x": (0, 1)}, ["x", "log(x - 0.5)"],
                                                          (0, 0)), BargainingError, "finite"),
    ("callable fails", lambda: BargainingProblem.from_issues({"x": (0, 1)},
                                                             ["x", lambda y: y], (0, 0)),
     BargainingError, "keyword"),
    ("resolution 1", lambda: _issues(resolution=1), BargainingError, "resolution"),
    ("grid too large", lambda: BargainingProblem.from_issues(
        {"a": (0, 1), "b": (0, 1), "c": (0, 1), "d": (0, 1)}, ["a", "b"], (0, 0),
        resolution=1000), GameTooLargeError, "resolution"),
    ("unknown issue", lambda: concession_curve(_issues(), "x", "z", 1), BargainingError,
     "unknown issue"),
    ("concession on points", lambda: concession_curves(
        BargainingProblem.from_points(LINE, (0, 0)), "a", "b"), BargainingError, "from_issues"),
    ("bad player", lambda: concession_curve(BargainingProblem.from_issues(
        {"x": (0, 1), "y": (0, 1)}, ["x", "y"], (0, 0), resolution=3), "x", "y", 0),
     BargainingError, "player"),
    ("bimatrix shapes", lambda: BargainingProblem.from_bimatrix(([[1, 2]], [[1], [2]])),
     BargainingError, "shape"),
    ("empty sample", lambda: ultimatum_offer([]), BargainingError, "empty"),
    ("NaN sample", lambda: ultimatum_offer([0.1, np.nan]), BargainingError, "NaN"),
    ("negative surplus", lambda: ultimatum_offer([0.1], surplus=-1), BargainingError, "surplus"),
    ("same names twice", lambda: ultimatum_offer([0.1], players=("A", "A")), BargainingError,
     "distinct"),
    ("frontier resolution", lambda: ultimatum_on_frontier(
        BargainingProblem.from_points(LINE, (0, 0)), stats.uniform(0, 1), resolution="x"),
     BargainingError, "resolution"),
    ("one outside option", lambda: rubinstein_split(0.5, 0.5, outside_options=0.3),
     BargainingError, "one payoff per player"),
    ("no utilities", lambda: BargainingProblem.from_issues({"x": (0, 1)}, None, (0, 0)),
     BargainingError, "one utility per player"),
    ("levels as text", lambda: BargainingProblem.from_issues({"x": "low"}, ["x", "1 - x"],
                                                             (0, 0)), BargainingError, "levels"),
]


@pytest.mark.parametrize("case,call,error,words", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_our_error(case, call, error, words):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, GameError)
    assert words in str(info.value)


def test_disagreement_beyond_bounds_allowed_on_request_gives_no_agreement():
    problem = BargainingProblem.from_points(LINE, (2, 0), check_bounds=False)
    assert not nash_solution(problem).agreement
    assert zone_of_agreement(problem).empty


def test_results_print_as_tables_with_how_they_were_made():
    problem = _issues(resolution=11)
    text = str(nash_solution(problem))
    assert "player 1" in text and "outcome: x=" in text and "method:" in text
    assert "exact skyline" in str(pareto_frontier(problem))
    assert "gain" in kalai_smorodinsky(problem).to_frame().columns
    assert "proposer" in str(rubinstein_split(0.9, 0.8))
    assert "acceptance probability" in str(ultimatum_offer([0.2, 0.4]))
    assert "<table" in nash_solution(problem)._repr_html_()


def test_plots_mark_the_solutions_and_proposal():
    problem = BargainingProblem.from_issues({"a": (0, 1), "b": (0, 1)}, ["a - b / 2", "b - a / 3"],
                                            (0, 0), resolution=11)
    ax = plot_frontier(problem, rubinstein=(0.9, 0.9), proposal={"a": 0.5, "b": 0.5})
    labels = ax.get_legend_handles_labels()[1]
    for name in ("Pareto frontier", "disagreement", "Nash", "Kalai-Smorodinsky", "egalitarian",
                 "utilitarian", "Rubinstein", "proposal"):
        assert name in labels
    ax2 = plot_concession_curves(concession_curves(problem, "a", "b"))
    assert len(ax2.get_lines()) == 2 and ax2.get_xlabel() == "a"
    import matplotlib.pyplot as plt

    plt.close("all")


def test_a_zone_of_one_point_says_one_point_and_each_gain_once():
    """A zone that is a single frontier point reads '1 frontier point; A gets 1' (it read
    '1 frontier points; A gets 1 to 1')."""
    from games.bargaining.frontier import zone_of_agreement
    from games.bargaining.problem import BargainingProblem

    zone = zone_of_agreement(BargainingProblem.from_points([(1, 2), (0, 3), (3, 0)], (1, 2)))
    assert "1 frontier point;" in zone.message
    assert " to " not in zone.message.split("(")[0]
