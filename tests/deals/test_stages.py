"""Staged deals: closed forms by hand, the one-shot limits, value of information by brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import deals
from deals.errors import DealError, DealFileError
from deals.deal.schema import deal_from_dict
from deals.deal.writing import deal_to_dict
from deals.stages.planning import breach_reach, stage_plan, stage_tree, stage_values
from deals.stages.values import information_value, snapback_value, stage_summary, verification_value
from games.trees import screening_offer, screening_offer_batch


def toy(q=0.6, p=0.5, sigma=0.5, h=5.0, g=2.5, reliable=False, extra=None):
    """Two stages, tranches [a, 10]; u_S = chips + g keep - h chips (1 - keep); outside options 0.

    Against a breach u_S = -(h - 1) chips. The opportunist keeps the terms through stage 1 with
    probability q and surely through stage 2; a breach is detected at each milestone w.p. p.
    """
    params = {"q": {"value": q}, "p": {"value": p}, "sigma": {"value": sigma},
              "h": {"value": h}, "g": {"value": g}, "dummy": {"value": 0.5, "range": [0.0, 1.0]}}
    params.update(extra or {})
    types = {"opportunist": {"prior": "1 - r" if reliable else 1.0, "comply": ["q", 1.0]}}
    if reliable:
        params["r"] = {"value": 0.5}
        types = {"reliable": {"prior": "r", "comply": [1.0, 1.0]}, **types}
    return deal_from_dict({
        "deal": {"name": "toy", "title": "Toy", "supplier": "S", "partner": "P"},
        "parameters": params,
        "issues": {"chips": {"range": [0, 10], "giver": "supplier"},
                   "keep": {"range": [0, 1], "giver": "partner"}},
        "utility": {"supplier": "chips + g * keep - h * chips * (1 - keep)",
                    "partner": "2 * chips - keep"},
        "outside_option": {"supplier": "0", "partner": "0"},
        "proposal": {"terms": {"chips": 10, "keep": 1}},
        "stages": {"issue": "chips", "tranches": [0, 10], "first_tranche": [0, 10], "points": 11,
                   "detection": "p", "snapback": "sigma", "breach": {"keep": 0},
                   "types": types}})


def by_hand_value(a, q, p, sigma, k=4.0, top=10.0, keep=12.5):
    """V(a) = q u(T,C) + (1-q)[p snap(a) + (1-p)(p snap(T) + (1-p) u(T,B))], snap(x) = (1-s) u(x,B)."""
    snap = lambda x: (1 - sigma) * (-k * x)  # noqa: E731
    return q * keep + (1 - q) * (p * snap(a) + (1 - p) * (p * snap(top) + (1 - p) * (-k * top)))


def test_largest_safe_first_tranche_by_hand():
    # V(a) = 1.5 - 0.4 a >= 0  <=>  a <= 3.75: the largest safe grid point is 3
    plan = stage_plan(toy(), draws=3)
    assert plan.largest_safe.tolist() == [3.0, 3.0, 3.0]
    for k, a in enumerate(plan.first_tranches):
        assert plan.worse[k + 1, 0] == pytest.approx(by_hand_value(a, 0.6, 0.5, 0.5))
    assert plan.worse[0, 0] == pytest.approx(0.6 * 12.5 - 0.4 * 40)  # one shot


def test_value_of_verification_by_hand():
    # best first tranche is 0; V*(p) = 7.5 - 16 (1 - p)(1 - p/2); under the file's p = 0.5: 1.5
    curve = verification_value(toy(), [0.0, 0.25, 0.5, 1.0], draws=2)
    assert curve.value == pytest.approx([7.5 - 16 * (1 - p) * (1 - p / 2) for p in (0, .25, .5, 1)])
    assert curve.current == pytest.approx(1.5)
    assert curve.worth(1.0) == pytest.approx(6.0) and curve.worth(0.0) == 0.0
    assert curve.one_shot == pytest.approx(-8.5)
    snap = snapback_value(toy(), [0.0, 1.0], draws=2)  # a = 0: V = 7.5 - 1.6 (5 (1 - s/... ))
    assert snap.value == pytest.approx([by_hand_value(0, 0.6, 0.5, s) for s in (0.0, 1.0)])


def test_certain_detection_and_full_snapback_reach_the_one_shot_level():
    d = toy(p=1.0, sigma=1.0, reliable=True)
    plan = stage_plan(d, draws=2)
    # every breach is caught and undone, so even the whole release at once is safe
    assert plan.largest_safe.tolist() == [10.0, 10.0] and plan.plan == plan.one_shot
    # against the reliable type every staged plan gives exactly the one-shot terms
    solved = screening_offer_batch(stage_tree(d), **stage_values(d, {"dummy": np.array([0.5])}))
    reliable = solved.types.index("reliable")
    assert np.allclose(solved.by_type[:, reliable, 0, 0], solved.by_type[0, reliable, 0, 0])
    assert solved.by_type[0, reliable, 0, 0] == pytest.approx(12.5)


@settings(max_examples=25, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(1.0, 8.0), st.floats(0, 5))
def test_without_detection_staging_is_never_better_against_the_worse_type(q, sigma, h, g):
    plan = stage_plan(toy(q=q, p=0.0, sigma=sigma, h=h, g=g), draws=2)
    assert np.all(plan.worse[1:, 0] <= plan.worse[0, 0] + 1e-9)


def test_breach_reach_matches_the_tree():
    d = toy(q=0.6, p=0.5, reliable=True)
    v = stage_values(d, {"dummy": np.array([0.5])})
    # breach in stage 1: r' (1-q) = 0.5 * 0.4; still undetected in stage 2: half of it
    assert breach_reach(d, v)[:, 0].tolist() == pytest.approx([0.2, 0.1])


def test_evpi_equals_brute_force_and_is_zero_for_an_unused_parameter():
    grid = np.array(list(itertools.product([0.2, 0.5, 0.9], [0.5, 6.0], [0.0, 1.0])))
    sample = {"q": grid[:, 0], "h": grid[:, 1], "dummy": grid[:, 2]}
    d = toy()
    v = information_value(d, sample=sample)
    # brute force: one scalar screening solution per draw, then loops over each value
    tree = stage_tree(d)
    table = []
    for row in grid:
        named = stage_values(d, {"q": np.array([row[0]]), "h": np.array([row[1]]),
                                 "dummy": np.array([row[2]])})
        bound = tree.bind(**{k: float(x[0]) for k, x in named.items()})
        # the choice: no deal (the outside option), one shot, or a first tranche
        table.append([float(named["S_none"][0])] + [r["expected S"] for r in screening_offer(bound).table])
    table = np.array(table).T  # actions x draws
    for j, name in enumerate(["q", "h", "dummy"]):
        informed = sum(max(table[a, grid[:, j] == x].sum() for a in range(len(table)))
                       for x in np.unique(grid[:, j])) / len(grid)
        assert v.by_parameter[name] == pytest.approx(informed - table.mean(axis=1).max(), abs=1e-12)
    assert v.by_parameter["dummy"] == 0.0 and v.by_parameter["h"] > 0
    assert all(x >= 0 for x in v.by_parameter.values())


def test_library_staged_deals_solve_and_summarise():
    for name in ("gulf-divestment-uae", "gulf-divestment-saudi", "india-energy-trade"):
        d = deals.load(name)
        assert d.stages is not None
        plan = stage_plan(d, draws=200)
        assert plan.regret <= 1e-6
        assert deals.loads(deals.dumps(d)) == d
        assert "one shot" in str(stage_summary(d, draws=100)) or "staged" in str(stage_summary(d, draws=100))
    assert stage_summary(deals.load("chips-for-farm-purchases")) is None


def test_bad_stage_tables_get_one_line_naming_the_field():
    doc = deal_to_dict(toy())
    doc["stages"]["tranches"] = [10, 5]
    with pytest.raises(DealError, match="stages.tranches"):
        deal_from_dict(doc, "t.toml")
    doc = deal_to_dict(toy())
    doc["stages"]["issue"] = "keep"
    with pytest.raises(DealError, match="stages.issue"):
        deal_from_dict(doc, "t.toml")
    doc = deal_to_dict(toy())
    doc["stages"]["types"]["opportunist"]["comply"] = ["q"]
    with pytest.raises(DealError, match="comply"):
        deal_from_dict(doc, "t.toml")
    doc = deal_to_dict(toy())
    doc["stages"]["detection"] = "__import__('os')"
    with pytest.raises(DealError):
        deal_from_dict(doc, "t.toml")
    doc = deal_to_dict(toy())
    doc["stages"]["colour"] = 1
    with pytest.raises(DealFileError, match="stages.colour"):
        deal_from_dict(doc, "t.toml")
    with pytest.raises(DealError, match="probability"):
        stage_plan(toy(p=1.5), draws=2)
    with pytest.raises(DealError, match="no \\[stages\\]"):
        stage_plan(deals.load("chips-for-farm-purchases"), draws=2)


@pytest.mark.parametrize("key, value, field", [
    ("first_tranche", 5, "stages.first_tranche"), ("first_tranche", [1, "a"], "stages.first_tranche"),
    ("first_tranche", [8, 2], "stages.first_tranche"), ("types", [1], "stages.types"),
    ("tranches", "abc", "stages.tranches"), ("points", 0, "stages.points"),
    ("points", 2.5, "stages.points"), ("milestones", ["one"], "stages.milestones"),
    ("breach", {"chips": 0}, "stages.breach.chips"), ("issue", 3, "stages.issue"),
    ("terms", "outcome", "stages.terms"), ("snapback", True, "stages.snapback")])
def test_hostile_stage_fields_are_refused_with_the_field(key, value, field):
    doc = deal_to_dict(toy())
    doc["stages"][key] = value
    with pytest.raises(DealError, match=field.replace(".", r"\.")):
        deal_from_dict(doc, "t.toml")
