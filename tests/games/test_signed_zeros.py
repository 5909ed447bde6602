"""Output for people never prints a signed zero ("-0"): a payoff or outside option of -0.0
(nothing bought at a negative price) reads as 0 (issue 26)."""

from __future__ import annotations

import re

import numpy as np

from games import NormalFormGame
from games.bargaining import BargainingProblem, zone_of_agreement

SIGNED_ZERO = re.compile(r"(?<![\d.])-0(?:\.0*)?(?![\d.])")


def test_the_pattern_finds_signed_zeros_and_only_them():
    assert SIGNED_ZERO.findall("-0, 0 (outside option -0) -0.00 -0.05 -10 -0.5") == \
        ["-0", "-0", "-0.00"]


def test_a_payoff_table_prints_minus_zero_as_zero():
    game = NormalFormGame([np.array([[-0.0, 1.0]]), np.array([[0.0, -0.0]])],
                          ("A", "B"), (("x",), ("l", "r")))
    text = game.to_frame().to_string()
    assert not SIGNED_ZERO.search(text) and "0, 0" in text


def test_the_zone_message_prints_a_minus_zero_disagreement_as_zero():
    for convex in (True, False):
        zone = zone_of_agreement(BargainingProblem.from_points([(0, 1), (1, 0)], (-0.0, -0.0),
                                                               convex=convex))
        assert not SIGNED_ZERO.search(zone.message), zone.message


def test_a_threat_reads_a_minus_zero_payoff_as_zero():
    from games.trees.credibility import Threat

    t = Threat("US", "deny", ("framework",), -0.0, "accept", 7.453)
    assert not SIGNED_ZERO.search(str(t)) and "deny gives 0," in str(t)
