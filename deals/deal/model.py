"""The deal model: two parties, the issues they trade, sourced parameters, utilities, stances.

A :class:`Deal` is data: everything an analyst needs to state a bilateral chip deal, validated
when it is built (in Python or from a TOML file, see :mod:`deals.deal.schema`). The algorithms that
solve it live in the engine (``games``); :mod:`deals.deal.analysis` connects the two.

Conventions. Each issue runs from the least its giver gives (its status quo, unless a
``default`` says otherwise) to the most. Utilities and outside options are expressions of the
parameters, the issues and the deal's named ``definitions`` (evaluated in order, so one may use
the ones before it). A stance fixes some of the issues its own side gives, or walks away.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from deals.deal.cache import deal_view
from deals.deal.reading import CONTROL_CHARACTERS, control_problem
from deals.errors import DealError
from deals.deal.sections import SECTIONS
from deals.deal.terms import SIDES, Belief, Issue, Stance, Terms, check_side
from deals.deal.writing import deal_to_dict
from games.errors import GameError, ParameterError, listing
from games.expressions import FUNCTIONS, Expression, parse_expression, with_definitions
from games.parameters import ParameterSet

__all__ = ["SIDES", "Belief", "Deal", "Issue", "Stance", "Terms"]

#: Most syntax-tree terms a utility may have with its definitions written out (the form the
#: solvers compile). Library deals have under 100; a chain of definitions that each use the one
#: before twice doubles at every step, and compiling 2**22 terms takes minutes.
MAX_INLINED_TERMS = 50_000
#: Most stances a side may have: the stance game has a cell, the offer tree a node, for each
#: pair (and the equilibrium solvers take about 60 strategies in all).
MAX_STANCES = 100
#: Most issues a deal may have. The audit's arrays hold one axis per issue and one for the
#: draws, and NumPy's functions take at most 32 axes; the grids of the solvers are capped at
#: far fewer continuous issues anyway (``games.bargaining.MAX_OUTCOMES``).
MAX_ISSUES = 31
#: Most parameters, and most definitions, a deal may have. Library deals have at most 40 and
#: 12; every definition is compiled when the file is read (a few milliseconds each), so a
#: megabyte of them kept ``show`` busy for minutes.
MAX_PARAMETERS = 1_000
MAX_DEFINITIONS = 1_000


def _parse(text: Any, names: Iterable[str], where: str) -> Expression:
    if isinstance(text, Expression):
        text = text.text
    if not isinstance(text, str):
        raise DealError(f"{where}: expected an expression as text, got {type(text).__name__}")
    # TOML multi-line strings are convenient for long utilities; the parser wants one line.
    try:
        # parse_expression silences Python's SyntaxWarnings and refuses constants with no
        # finite real value (log(0), 10**299 * 10**299) itself.
        expr = parse_expression(" ".join(text.split()), names=set(names), where=where)
    except GameError:
        raise
    except (TypeError, AttributeError, ValueError, ArithmeticError) as exc:
        # sympy refuses some mixes of conditions and numbers, such as (x < y) + 1 or True * x.
        raise DealError(f"{where}: {text!r} cannot be computed ({exc}); use a condition only "
                        "as the first argument of where(...) or after 'if'") from None
    return expr


def _bound_value(value: Any, where: str) -> Any:
    """A value given to ``bind``: a float, or a read-only float array (a sample)."""
    if isinstance(value, (bool, np.bool_, str, bytes)) or value is None:
        raise ParameterError(f"{where}: {value!r} is not a number; give a number or an array "
                             "of numbers")
    try:
        array = np.array(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"{where}: {value!r} is not a number; give a number or an array "
                             "of numbers") from None
    if array.ndim == 0:
        return float(array)
    if array.dtype != float or array.size == 0:
        raise ParameterError(f"{where}: give a number or a non-empty array of numbers")
    array.setflags(write=False)
    return array


def _evaluate(expr: Expression, scope: Mapping[str, Any]) -> Any:
    """The value of an expression of the deal, with a :class:`DealError` naming its field."""
    values = {n: scope[n] for n in expr.names}
    try:
        return expr(**values)
    except GameError:
        raise
    except (TypeError, ValueError, ArithmeticError) as exc:
        # e.g. where(chips, 1, 0): a number where numpy wants a condition.
        raise DealError(f"{expr.where}: {expr.text!r} cannot be evaluated ({exc}); conditions "
                        "must be comparisons, e.g. where(chips > 0, 1, 0)") from None


def _span(value: Any) -> str:
    """A value for an error line: the number, or the range over draws (never a dumped array)."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0 or a.size == 1 or np.nanmin(a) == np.nanmax(a):
        return f"{float(a.reshape(-1)[0]):g}"
    return f"values from {np.nanmin(a):g} to {np.nanmax(a):g} over the draws"


@dataclass(frozen=True, eq=False)
class Deal:
    """A bilateral chip deal: parties, issues, sourced parameters, utilities and outside options.

    Build one in Python or load one with :func:`deals.load`. ``bind`` returns the same deal
    at other parameter values; :mod:`deals.deal.analysis` adds the games and bargaining views.

    >>> from games.parameters import Parameter
    >>> deal = Deal(name="toy", title="Toy", supplier="US", partner="P",
    ...     issues=[Issue("chips", (0, 1), giver="supplier"),
    ...             Issue("pay", (0, 1), giver="partner")],
    ...     parameters=[Parameter("v", 2.0, range=(1.0, 3.0))],
    ...     utility={"supplier": "pay - 0.5 * chips", "partner": "v * chips - pay"},
    ...     outside_option={"supplier": "0", "partner": "0"})
    >>> deal.utilities({"chips": 1.0, "pay": 0.5})
    (0.0, 1.5)
    >>> deal.bind(v=3.0).utilities({"chips": 1.0, "pay": 0.5})[1]
    2.5
    """

    name: str
    title: str
    supplier: str
    partner: str
    issues: tuple[Issue, ...]
    parameters: ParameterSet
    utility: Mapping[str, Expression]
    outside_option: Mapping[str, Expression]
    definitions: Mapping[str, Expression] = field(default_factory=dict)
    discount: Mapping[str, Expression] | None = None
    stances: tuple[Stance, ...] = ()
    proposal: Terms | None = None
    belief: Belief | None = None
    outcome: Terms | None = None
    description: str = ""
    months_between_offers: float = 1.0
    bound: Mapping[str, float] = field(default_factory=dict)
    stages: Any = None  # deals.deal.sections.stages.Stages: tranches on milestones (optional)
    actors: Any = None  # deals.deal.sections.actors.HomeActors: who must ratify on each side (optional)
    beliefs: Any = None  # deals.deal.sections.beliefs.Beliefs: what each side believes (optional)
    # Evaluated problems of this deal at these values; a new one for every bind (init=False).
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 (frozen dataclass)
        if not isinstance(self.name, str) or not self.name.strip():
            raise DealError("deal.name: give the deal a non-empty name")
        set_("issues", tuple(self.issues))
        set_("parameters", ParameterSet.coerce(self.parameters))
        set_("stances", tuple(self.stances))
        self._check_texts()
        if not self.issues:
            raise DealError("issues: a deal needs at least one issue")
        self._check_counts()
        self._check_names()
        known = set(self.parameters) | {i.name for i in self.issues}
        definitions: dict[str, Expression] = {}
        for name, text in dict(self.definitions).items():
            definitions[name] = _parse(text, known, f"definitions.{name}")
            known.add(name)
        set_("definitions", definitions)
        for table in ("utility", "outside_option"):
            exprs = dict(getattr(self, table))
            missing = [s for s in SIDES if s not in exprs]
            extra = [s for s in exprs if s not in SIDES]
            if missing or extra:
                raise DealError(f"{table}: give exactly one expression for each of 'supplier' "
                                f"and 'partner' (missing {missing}, unknown {extra})")
            set_(table, {s: _parse(exprs[s], known, f"{table}.{s}") for s in SIDES})
        self._check_inlined_size()
        # Which definitions depend, directly or through earlier ones, on an issue.
        on_issues = set(self._issue_map)
        for name, expr in definitions.items():
            if on_issues.intersection(expr.names):
                on_issues.add(name)
        for side in SIDES:
            for name in self.outside_option[side].names:
                if name in on_issues:
                    kind = "issue" if name in self._issue_map else "definition (of issues)"
                    raise DealError(f"outside_option.{side}: uses {kind} {name!r}, but the "
                                    "outside option is what a side gets with no deal; use "
                                    "parameters, or definitions of parameters only")
        if self.discount is not None:
            exprs = dict(self.discount)
            if set(exprs) != set(SIDES):
                raise DealError("discount: give a monthly discount factor for both 'supplier' "
                                "and 'partner'")
            set_("discount", {s: _parse(exprs[s], set(self.parameters), f"discount.{s}")
                              for s in SIDES})
        if not (self.months_between_offers > 0):
            raise DealError("deal.months_between_offers: must be positive")
        self._check_stances()
        for label, terms in (("proposal", self.proposal), ("outcome", self.outcome)):
            if terms is not None:
                self._check_terms(terms.values, f"{label}.terms")
                self._check_terms(terms.disputed, f"{label}.disputed")
                self._check_values(terms.setting, f"{label}.setting")
                for name in terms.rests_on:
                    if name not in set(self.parameters):
                        raise DealError(f"{label}.rests_on: {name!r} is not a parameter of the "
                                        "deal; name the parameters the verdict rests on")
                self._check_record_fields(terms, label)
        if self.belief is not None:
            self._check_values(self.belief.values, "belief.values")
        for section in SECTIONS:  # the optional tables, each checked by its own class
            if getattr(self, section.key) is not None:
                set_(section.key, getattr(self, section.key).checked(self, _parse))
        set_("bound", {k: _bound_value(v, f"bind.{k}") for k, v in dict(self.bound).items()})
        self._check_values(self.bound, "bind")

    # ---- validation -------------------------------------------------------------------------

    @property
    def _issue_map(self) -> dict[str, Issue]:
        return {i.name: i for i in self.issues}

    def _check_texts(self) -> None:
        """What a deal file must hold, asked of a deal built in Python too (else
        :func:`deals.dumps` would write a file that :func:`deals.loads` refuses): texts without
        control characters, and two sides of different names."""
        texts = [(f"deal.{k}", getattr(self, k))
                 for k in ("name", "title", "supplier", "partner", "description")]
        texts += [(f"issues.{i.name}.{k}", getattr(i, k, ""))
                  for i in self.issues for k in ("unit", "description")]
        texts += [(f"parameters.{n}.{k}", getattr(p, k, ""))
                  for n, p in self.parameters.items() for k in ("unit", "source")]
        texts += [(f"stances.{s.side}.{s.name}.description", s.description)
                  for s in self.stances]
        texts += [(f"{t}.{k}", getattr(getattr(self, t), k, ""))
                  for t in ("proposal", "belief", "outcome") if getattr(self, t) is not None
                  for k in ("description", "source")]
        strings = [(f, v) for f, v in texts if isinstance(v, str)]
        if CONTROL_CHARACTERS.search("\n".join(v for _, v in strings)):  # one pass, then which
            field_name, problem = next((f, p) for f, v in strings if (p := control_problem(v)))
            raise DealError(f"{field_name}: {problem}")
        if str(self.supplier).strip() == str(self.partner).strip():
            raise DealError(f"deal.partner: the same name as the supplier ({self.partner!r}); "
                            "give the two sides different names")

    def _check_counts(self) -> None:
        """Refuse more issues, parameters or definitions than the solvers can take in time."""
        counts = (("issues", len(self.issues), MAX_ISSUES,
                   "keep the terms that are negotiated and write the rest as parameters"),
                  ("parameters", len(self.parameters), MAX_PARAMETERS,
                   "keep the ones the utilities use"),
                  ("definitions", len(dict(self.definitions)), MAX_DEFINITIONS,
                   "keep the ones the utilities use"))
        for table, count, most, advice in counts:
            if count > most:
                raise DealError(f"{table}: {count:,} {table}, more than {most:,}; {advice}")

    def _check_names(self) -> None:
        seen: dict[str, str] = {}
        groups = (("issues", [i.name for i in self.issues]),
                  ("parameters", list(self.parameters)),
                  ("definitions", list(dict(self.definitions))))
        for group, names in groups:
            for name in names:
                if name in seen:
                    raise DealError(f"{group}.{name}: the name is already used in {seen[name]}; "
                                    "rename one of them")
                if keyword.iskeyword(name) or name in FUNCTIONS:
                    raise DealError(f"{group}.{name}: {name!r} is a reserved word of "
                                    "expressions and cannot be used as a name; rename it")
                seen[name] = group

    def _check_inlined_size(self) -> None:
        """Refuse utilities too large to compile once their definitions are written out."""
        terms: dict[str, int] = {}

        def written_out(expr: Expression) -> int:
            others, tally = expr.node_counts()
            return others + sum(count * terms.get(name, 1) for name, count in tally.items())

        for name, expr in self.definitions.items():
            terms[name] = written_out(expr)
        for side in SIDES:
            size = written_out(self.utility[side])
            if size > MAX_INLINED_TERMS:
                raise DealError(f"utility.{side}: with its definitions written out it has "
                                f"{size:,} terms, more than {MAX_INLINED_TERMS:,} (definitions "
                                "that use the one before more than once double at each step); "
                                "simplify the definitions")

    def _check_stances(self) -> None:
        issues = self._issue_map
        seen: set[tuple[str, str]] = set()
        for stance in self.stances:
            where = f"stances.{stance.side}.{stance.name}"
            if (stance.side, stance.name) in seen:
                raise DealError(f"{where}: two stances share this name; rename one")
            seen.add((stance.side, stance.name))
            for key, value in stance.fixes.items():
                if key not in issues:
                    raise DealError(f"{where}.{key}: no such issue; the issues are "
                                    f"{listing(sorted(issues))}")
                if issues[key].giver != stance.side:
                    raise DealError(f"{where}.{key}: issue {key!r} is given by the "
                                    f"{issues[key].giver}, so a {stance.side} stance cannot fix "
                                    f"it; move it to a {issues[key].giver} stance")
                issues[key].check(value, f"{where}.{key}")
        for side in SIDES:
            own = [s for s in self.stances if s.side == side]
            if len(own) > MAX_STANCES:
                raise DealError(f"stances.{side}: {len(own)} stances, more than {MAX_STANCES}; "
                                "keep the few that matter to the negotiation")
            if self.stances and not own:
                raise DealError(f"stances.{side}: give at least one stance for each side "
                                "(or none at all)")

    def _check_record_fields(self, terms: Terms, label: str) -> None:
        """``unsettled`` and ``explained`` name issues; ``first_tranche`` needs ``[stages]``."""
        issues = [i.name for i in self.issues]
        for part in ("unsettled", "explained"):
            for name in getattr(terms, part):
                if name not in issues:
                    raise DealError(f"{label}.{part}: {name!r} is not an issue of the deal; "
                                    f"use one of {issues}")
        for name, reason in terms.explained.items():
            if not reason.strip():
                raise DealError(f"{label}.explained.{name}: give the sourced reason, citing "
                                "the record (e.g. \"record f22: ...\")")
        if terms.first_tranche and self.stages is None:
            raise DealError(f"{label}.first_tranche: the deal has no [stages] table whose first "
                            "tranche the struck terms could be")

    def _check_terms(self, values: Mapping[str, float], where: str) -> None:
        issues = self._issue_map
        for key, value in values.items():
            if key not in issues:
                raise DealError(f"{where}.{key}: no such issue; the issues are {listing(sorted(issues))}")
            issues[key].check(value, f"{where}.{key}")

    def _check_values(self, values: Mapping[str, float], where: str) -> None:
        known = set(self.parameters)  # (a ParameterSet's `in` raises on unknown names)
        for key, value in values.items():
            if key not in known:
                raise ParameterError(f"{where}.{key}: no such parameter; the parameters are "
                                     f"{listing(sorted(self.parameters))}")
            if not np.isfinite(value).all():
                raise ParameterError(f"{where}.{key}: {value!r} is not a finite number"
                                     if np.ndim(value) == 0 else
                                     f"{where}.{key}: the array has values that are not finite")

    # ---- access -----------------------------------------------------------------------------

    def issue(self, name: str) -> Issue:
        """The issue called ``name`` (a :class:`DealError` lists the issues if there is none)."""
        try:
            return self._issue_map[name]
        except KeyError:
            raise DealError(f"no issue {name!r} in deal {self.name!r}; the issues are "
                            f"{[i.name for i in self.issues]}") from None

    def party(self, side: str) -> str:
        """The name of the party on ``side`` ('supplier' or 'partner')."""
        check_side(side, "side")
        return self.supplier if side == "supplier" else self.partner

    def side_stances(self, side: str) -> tuple[Stance, ...]:
        """The stances of one side, in file order."""
        check_side(side, "side")
        return tuple(s for s in self.stances if s.side == side)

    def values(self) -> dict[str, float]:
        """Parameter values in force: the point values, overridden by ``bind``."""
        point = {name: float(p.value) for name, p in self.parameters.items()}
        point.update(self.bound)
        return point

    def bind(self, **values: Any) -> Deal:
        """The same deal with some parameters set to other values (names are checked).

        A value is a number, or an array of numbers (a sample) that :meth:`utilities` and
        :meth:`gains` evaluate elementwise; views that need one value per parameter (the
        frontier, the stance game) refuse arrays.

        >>> import numpy as np, deals
        >>> deal = deals.load("chips-for-farm-purchases")
        >>> name = next(iter(deal.parameters))
        >>> deal.bind(**{name: np.array([1.0, 2.0])}).gains(deal.proposal.values)[0].shape
        (2,)
        """
        return replace(self, bound={**self.bound, **values})

    def require_point(self, what: str) -> None:
        """Refuse a deal bound to arrays where ``what`` needs one value per parameter."""
        arrays = sorted(k for k, v in self.bound.items() if np.ndim(v))
        if arrays:
            raise DealError(f"bind: {', '.join(arrays)} {'is' if len(arrays) == 1 else 'are'} "
                            f"bound to an array; {what} needs one value per parameter. Bind "
                            "numbers, or evaluate the sample with deal.utilities / deal.gains")

    def at_belief(self) -> Deal:
        """The deal at the parameter values the proposal's drafter assumed."""
        if self.belief is None:
            raise DealError(f"deal {self.name!r} has no [belief]; add one or use the deal as is")
        return self.bind(**self.belief.values)

    def at_terms(self, which: str = "outcome", *, disputed: bool = False
                 ) -> tuple[Deal, dict[str, float]]:
        """The deal in the setting of its ``[proposal]`` or ``[outcome]``, and every issue's value.

        The deal is bound at the terms' ``setting`` (their own status quo); the values are the
        terms as stated (or, with ``disputed=True``, at the disputed reading), the issues they
        leave out at their status quo: a complete, auditable package.

        >>> import deals
        >>> deal, terms = deals.load("india-energy-trade").at_terms("outcome", disputed=True)
        >>> terms["oil_shift"], deal.values()["penalty"]
        (0.3, 1.0)
        """
        if which not in ("proposal", "outcome"):
            raise DealError(f"terms {which!r}: use 'proposal' or 'outcome'")
        terms = getattr(self, which)
        if terms is None:
            raise DealError(f"deal {self.name!r} has no [{which}]; add one to audit it")
        if disputed and not terms.disputed:
            raise DealError(f"the [{which}] of deal {self.name!r} has no disputed reading")
        deal = self.bind(**{k: v for k, v in terms.setting.items() if k not in self.bound})
        return deal, self.outcome_values(terms.reading(disputed=disputed))

    # ---- evaluation -------------------------------------------------------------------------

    def outcome_values(self, terms: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every issue's value: those given in ``terms``, the others at their status quo."""
        terms = dict(terms or {})
        unknown = set(terms) - set(self._issue_map)
        if unknown:
            raise DealError(f"unknown issues {sorted(unknown)}; the issues are "
                            f"{[i.name for i in self.issues]}")
        return {i.name: terms.get(i.name, i.status_quo) for i in self.issues}

    def _scope(self, terms: Mapping[str, Any] | None, values: Mapping[str, Any] | None
               ) -> dict[str, Any]:
        scope: dict[str, Any] = self.values()
        if values:
            scope.update(values)
        scope.update(self.outcome_values(terms))
        for name, expr in self.definitions.items():
            scope[name] = _evaluate(expr, scope)
        return scope

    @staticmethod
    def _eval(expr: Expression, scope: Mapping[str, Any]) -> Any:
        out = _evaluate(expr, scope)
        return float(out) if np.ndim(out) == 0 else np.asarray(out, dtype=float)

    def utilities(self, terms: Mapping[str, Any] | None = None,
                  values: Mapping[str, Any] | None = None) -> tuple[Any, Any]:
        """(supplier, partner) utility of an outcome; arrays broadcast (vectorised).

        ``terms`` gives some issues (the rest at their status quo); ``values`` overrides
        parameters for this call only (scalars or arrays, e.g. a Monte Carlo sample).
        """
        scope = self._scope(terms, values)
        return tuple(self._eval(self.utility[s], scope) for s in SIDES)  # type: ignore

    def inlined(self, side: str) -> Expression:
        """The side's utility as one expression of parameters and issues (definitions inlined)."""
        check_side(side, "side")

        return self._inlined(side)

    @deal_view
    def _inlined(self, side: str) -> Expression:
        return self.inline(self.utility[side])

    def inline(self, expression: Expression) -> Expression:
        """An expression of this deal with its definitions written out (parameters and issues).

        >>> import deals
        >>> deal = deals.load("chips-for-farm-purchases")
        >>> set(deal.inline(deal.utility["partner"]).names) <= set(deal.parameters) | {
        ...     i.name for i in deal.issues}
        True
        """
        return with_definitions(expression, self.definitions.items())

    def utility_functions(self) -> tuple[Expression, Expression]:
        """(supplier, partner) utilities as expressions of the issues alone, parameters bound.

        Compiled once per deal and binding, so the engine's solvers evaluate them fast.
        """
        return self._bound_utilities()

    @deal_view
    def _bound_utilities(self) -> tuple[Expression, Expression]:
        return tuple(self.inlined(s).substitute(**self.values()) for s in SIDES)

    def disagreement(self, values: Mapping[str, Any] | None = None) -> tuple[Any, Any]:
        """(supplier, partner) outside options: what each side gets if there is no deal."""
        scope = self._scope(None, values)
        return tuple(self._eval(self.outside_option[s], scope) for s in SIDES)  # type: ignore

    def gains(self, terms: Mapping[str, Any] | None = None,
              values: Mapping[str, Any] | None = None) -> tuple[Any, Any]:
        """(supplier, partner) gain of an outcome over each side's outside option."""
        u = self.utilities(terms, values)
        d = self.disagreement(values)
        return (u[0] - d[0], u[1] - d[1])

    def finite_gains(self, terms: Mapping[str, Any] | None = None, label: str = "terms"
                     ) -> tuple[float, float]:
        """:meth:`gains` of ``terms`` at point values, refused (:class:`DealError` naming the
        side's utility) where either is not a finite number: the file's fault, as in the
        audit, never a gain to print as n/a. ``label`` names the terms in the message.

        >>> import deals
        >>> deal = deals.load("chips-for-farm-purchases")
        >>> [round(g, 3) for g in deal.finite_gains(deal.proposal.values)] == [
        ...     round(float(g), 3) for g in deal.gains(deal.proposal.values)]
        True
        """
        gains = tuple(float(g) for g in self.gains(terms))
        for side, party, gain in zip(SIDES, (self.supplier, self.partner), gains):
            if not np.isfinite(gain):
                raise DealError(f"utility.{side}: {party}'s gain at the {label} is {gain} at "
                                "point values; utilities must be finite over the whole outcome "
                                "space")
        return gains  # type: ignore[return-value]

    def discount_factors(self, values: Mapping[str, Any] | None = None
                         ) -> tuple[float, float] | None:
        """(supplier, partner) discount factor per round of offers, or None if not stated."""
        if self.discount is None:
            return None
        scope = self.values()
        scope.update(values or {})
        monthly = [self._eval(self.discount[s], scope) for s in SIDES]
        for side, d in zip(SIDES, monthly):
            if not np.all((np.asarray(d) > 0) & (np.asarray(d) < 1)):
                raise DealError(f"discount.{side}: the monthly discount factor must lie in "
                                f"(0, 1), got {_span(d)}")
        factors = tuple(d ** self.months_between_offers for d in monthly)
        for side, f in zip(SIDES, factors):
            if not np.all((np.asarray(f) > 0) & (np.asarray(f) < 1)):
                raise DealError(f"deal.months_between_offers: with {self.months_between_offers:g} "
                                f"months between offers the {side}'s discount factor per round "
                                f"is {_span(f)}, not strictly between 0 and 1; use fewer months")
        return factors  # type: ignore[return-value]

    # ---- views through the engine (deals.deal.analysis, deals.deal.stances) ----------------------------

    def bargaining_problem(self, *, resolution: int | None = None) -> Any:
        """The engine's bargaining problem of this deal (see :mod:`deals.deal.analysis`)."""
        from deals.deal import analysis  # start-up time: analysis loads pandas and scipy

        return analysis.bargaining_problem(self, resolution=resolution)

    def frontier(self, *, resolution: int | None = None) -> Any:
        """The Pareto frontier, with the issue values behind each point."""
        from deals.deal import analysis  # start-up time: analysis loads pandas and scipy

        return analysis.frontier(self, resolution=resolution)

    def zone_of_agreement(self, *, resolution: int | None = None) -> Any:
        """The frontier outcomes both sides prefer to their outside options."""
        from deals.deal import analysis  # start-up time: analysis loads pandas and scipy

        return analysis.zone_of_agreement(self, resolution=resolution)

    def solutions(self, *, resolution: int | None = None) -> Any:
        """Nash, asymmetric Nash (power from delay costs), Kalai-Smorodinsky, Rubinstein."""
        from deals.deal import analysis  # start-up time: analysis loads pandas and scipy

        return analysis.solutions(self, resolution=resolution)

    def bargaining_power(self) -> float:
        """The supplier's bargaining power, from the costs of delay (0.5 if none stated)."""
        from deals.deal import analysis  # start-up time: analysis loads pandas and scipy

        return analysis.bargaining_power(self)

    def concession_curve(self, give: str, get: str, *, resolution: int | None = None) -> Any:
        """For each level of issue ``give``, the most of issue ``get`` its giver accepts."""
        from deals.deal import analysis  # start-up time: analysis loads pandas and scipy

        return analysis.concession_curve(self, give, get, resolution=resolution)

    def game(self) -> Any:
        """The normal-form game of the stances (see :mod:`deals.deal.stances`)."""
        from deals.deal import stances  # start-up time: the stance game loads pandas

        return stances.stance_game(self)

    def tree(self) -> Any:
        """The offer tree: supplier offers, partner accepts, counters or walks away."""
        from deals.deal import stances  # start-up time: the stance game loads pandas

        return stances.offer_tree(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Deal):
            return NotImplemented
        return (deal_to_dict(self) == deal_to_dict(other) and self.bound.keys() == other.bound.keys()
                and all(np.array_equal(v, other.bound[k]) for k, v in self.bound.items()))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"Deal({self.name!r}: {self.supplier} and {self.partner}, issues "
                f"{[i.name for i in self.issues]}, {len(self.parameters)} parameters)")

