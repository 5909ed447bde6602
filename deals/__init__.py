"""deals: bilateral AI-chip export deals as parameterized games, and the leverage audit.

Importing ``deals`` is cheap: each name below loads its module on first use (PEP 562
``__getattr__``), so sympy, pandas and scipy load only when a deal is read or solved.

>>> import deals
>>> deal = deals.load("gulf-divestment-uae")
>>> deal.partner
'UAE'
"""

from __future__ import annotations

from deals.errors import DealError, DealFileError
from games.exports import lazy_exports

#: Where each public name lives: module -> names (loaded on first access).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "deals.deal.files": ("dump", "dumps", "load", "loads"),
    "deals.deal.reading": ("library_names", "library_path"),
    "deals.deal.model": ("Deal",),
    "deals.deal.terms": ("Belief", "Issue", "Stance", "Terms"),
    # --- analysis (games, trees, bargaining views of a deal) ---
    "deals.deal.analysis": ("DealSolutions", "bargaining_power", "bargaining_problem",
                       "default_resolution", "solutions"),
    "deals.deal.stances": ("TreeOutcome", "offer_tree", "stance_game", "tree_outcome"),
    # --- assessment and comparison (leverage) ---
    "deals.audit.assessment": ("Assessment", "Thresholds", "assess"),
    "deals.audit.comparison": ("Comparison", "compare"),
    "deals.views.explorer": ("ConcessionExplorer", "ExplorerState"),
    "deals.audit.sensitivity": ("FlagMap", "flag_map"),
    # --- staged deals (tranches, types, detection, snapback) ---
    "deals.stages.planning": ("StagePlan", "stage_plan", "stage_tree"),
    "deals.stages.values": ("LeverCurve", "StageSummary", "information_value", "lever_curve",
                           "snapback_value", "stage_summary", "verification_value"),
    # --- the deal at the negotiating table (agents from games.negotiation) ---
    "deals.practice.negotiation": ("deal_tournament", "negotiation_problem"),
    # --- linked deals: a portfolio under one chip budget ---
    "deals.portfolio.result": ("PortfolioResult", "solve_portfolio"),
    "deals.portfolio.file": ("Portfolio", "load_portfolio", "portfolio_names"),
    # --- two-level games: actors at home, two-sided beliefs, a doubted threat (issue 16) ---
    "deals.two_level.ratification": ("TwoLevel", "two_level"),
    "deals.two_level.doubt": ("ThreatUnderDoubt", "threat_under_doubt"),
    "deals.two_level.beliefs": ("belief_cost", "mutual_optimism_of"),
    # --- what would have to be true (calibration of struck deals) ---
    "deals.audit.calibration": ("Calibration", "calibrate"),
}

__all__ = [
    "Assessment", "Comparison", "Thresholds", "assess", "compare",
    "ConcessionExplorer", "ExplorerState", "FlagMap", "flag_map", "Calibration", "calibrate",
    "Belief", "Deal", "DealError", "DealFileError", "Issue", "Stance", "Terms",
    "dump", "dumps", "library_names", "library_path", "load", "loads",
    "DealSolutions", "bargaining_power", "bargaining_problem", "default_resolution", "solutions",
    "TreeOutcome", "offer_tree", "stance_game", "tree_outcome",
    "StagePlan", "stage_plan", "stage_tree",
    "LeverCurve", "StageSummary", "information_value", "lever_curve", "snapback_value",
    "stage_summary", "verification_value",
    "deal_tournament", "negotiation_problem",
    "Portfolio", "PortfolioResult", "load_portfolio", "portfolio_names", "solve_portfolio",
    "TwoLevel", "two_level", "ThreatUnderDoubt", "threat_under_doubt",
    "belief_cost", "mutual_optimism_of",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
