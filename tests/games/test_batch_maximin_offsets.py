"""The zone test leaves its offsets of +0.0 out of the gains (g - (+0.0) is g, bit for bit):
on random problems its margins and outcomes are the very bytes of the path that subtracts
them, through the grid scan, the homotopy and the LP steps."""

import numpy as np
import pytest

from games.bargaining.batch import BatchProblem, zone_test
from games.bargaining.batch import maximin as batch_maximin
from games.optimise.box_search import Box


@pytest.mark.parametrize("seed", range(3))
def test_zero_offsets_left_out_give_the_subtracted_answer(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    n = 16
    centres = rng.uniform(0, 1, (n, 4))
    params = {name: centres[:, i] for i, name in enumerate("pqrs")}

    def utilities(x, c):   # two concave bowls: thin zones where the disagreement is high
        return (-(x["x"] - c["p"]) ** 2 - 2 * (x["y"] - c["q"]) ** 2,
                -2 * (x["x"] - c["r"]) ** 2 - (x["y"] - c["s"]) ** 2)

    disagreement = tuple(-rng.uniform(0.0, 0.6, n) for _ in range(2))
    disagreement[0][0] = -0.0
    problem = BatchProblem(utilities, Box({"x": (0.0, 1.0), "y": (0.0, 1.0)}), params,
                           disagreement)
    left_out = zone_test(problem, grid_points=40)
    monkeypatch.setattr(batch_maximin, "_all_positive_zero", lambda v: False)
    subtracted = zone_test(problem, grid_points=40)
    assert left_out.margin.tobytes() == subtracted.margin.tobytes()
    assert all(left_out.points[k].tobytes() == subtracted.points[k].tobytes() for k in "xy")
    assert (left_out.margin > 0).any() and (left_out.margin <= 0).any()
