"""Textbook game trees with known answers, for teaching, tutorials and tests.

>>> from games.trees import backward_induction
>>> backward_induction(centipede(6)).path
('Take',)
"""

from __future__ import annotations

from games.trees.tree import GameTree, chance, decision, terminal


def entry_deterrence() -> GameTree:
    """Selten's chain-store stage game: stay out (0, 2), or enter and face fight or accommodation.

    One subgame-perfect equilibrium (In, Accommodate); (Out, Fight) is a Nash equilibrium
    resting on a non-credible threat.

    >>> from games.trees import backward_induction, non_credible_equilibria
    >>> backward_induction(entry_deterrence()).path
    ('In', 'Accommodate')
    >>> [e.strategies for e in non_credible_equilibria(entry_deterrence())]
    [('Out', 'Fight')]
    """
    return GameTree(["Entrant", "Incumbent"], decision("Entrant", {
        "Out": terminal(0, 2),
        "In": decision("Incumbent", {"Fight": terminal(-1, -1), "Accommodate": terminal(1, 1)}),
    }), title="Entry deterrence")


def restrict_or_open() -> GameTree:
    """A seller opens (2, 2) or restricts; then the buyer retaliates (0, 0) or accepts (3, 1).

    Subgame perfect: Restrict, Accept. "Retaliate if you restrict" supports the Nash
    equilibrium (Open, Retaliate), a threat the buyer would not carry out.

    >>> from games.trees import backward_induction
    >>> spe = backward_induction(restrict_or_open())
    >>> spe.path, spe.payoffs
    (('Restrict', 'Accept'), (3.0, 1.0))
    """
    return GameTree(["Seller", "Buyer"], decision("Seller", {
        "Open": terminal(2, 2),
        "Restrict": decision("Buyer", {"Retaliate": terminal(0, 0), "Accept": terminal(3, 1)}),
    }), title="Restrict or open")


def centipede(stages: int) -> GameTree:
    """Rosenthal's centipede, players A and B alternating: taking at stage k gives the mover k+2 and the other k.

    Passing at the last stage gives the mover k+1 and the other k+3. Every Nash equilibrium
    ends with A taking at once, (2, 0).

    >>> from games.trees import backward_induction
    >>> [backward_induction(centipede(n)).payoffs for n in (2, 5)]
    [(2.0, 0.0), (2.0, 0.0)]
    """
    def stage(k: int):
        mover = k % 2
        take = [0, 0]
        take[mover], take[1 - mover] = k + 2, k
        if k == stages - 1:
            last = [0, 0]
            last[mover], last[1 - mover] = k + 1, k + 3
            rest = terminal(*last)
        else:
            rest = stage(k + 1)
        return decision("AB"[mover], {"Take": terminal(*take), "Pass": rest})
    return GameTree(["A", "B"], stage(0), title=f"Centipede, {stages} stages")


def ultimatum(pie: int = 10) -> GameTree:
    """Discrete ultimatum: the proposer offers ``offer x`` of ``pie`` units; the responder accepts or rejects.

    Exactly two subgame-perfect equilibria: offer 0 accepted, (pie, 0), and offer 1 with
    offer 0 rejected, (pie - 1, 1).

    >>> from games.trees import subgame_perfect_equilibria
    >>> [spe.payoffs for spe in subgame_perfect_equilibria(ultimatum(6))]
    [(6.0, 0.0), (5.0, 1.0)]
    """
    return GameTree(["Proposer", "Responder"], decision("Proposer", {
        f"offer {x}": decision("Responder", {"Accept": terminal(pie - x, x), "Reject": terminal(0, 0)})
        for x in range(pie + 1)}), title=f"Ultimatum over {pie} units")


def risky_investment(p: float | str = "p") -> GameTree:
    """A firm keeps 3, or invests for 8 with probability p and -2 otherwise (a rival gets 0 or 1).

    Investing is optimal when 10 p - 2 > 3, that is p > 1/2. ``p`` defaults to a parameter
    (point value 0.6).

    >>> from games.trees import backward_induction
    >>> [backward_induction(risky_investment(p)).path[0] for p in (0.4, 0.6)]
    ['Keep', 'Invest']
    """
    failure = f"1 - ({p})" if isinstance(p, str) else 1 - float(p)
    return GameTree(["Firm", "Rival"], decision("Firm", {
        "Invest": chance({"Success": (p, terminal(8, 0)), "Failure": (failure, terminal(-2, 1))}),
        "Keep": terminal(3, 0)}), parameters={"p": 0.6}, title="Risky investment")
