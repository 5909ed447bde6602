"""deals: bilateral AI-chip export deals as parameterized games, and the leverage audit.

>>> import deals
>>> deal = deals.load("gulf-divestment-uae")
>>> deal.partner
'UAE'
"""

from deals.errors import DealError, DealFileError
from deals.files import dump, dumps, library_names, library_path, load, loads
from deals.model import Deal
from deals.terms import Belief, Issue, Stance, Terms

# --- analysis (games, trees, bargaining views of a deal) ---
from deals.analysis import DealSolutions, bargaining_power, default_resolution
from deals.stances import TreeOutcome, offer_tree, stance_game, tree_outcome

# --- assessment and comparison (leverage) ---
from deals.assessment import Assessment, Thresholds, assess
from deals.comparison import Comparison, compare
from deals.explorer import ConcessionExplorer, ExplorerState
from deals.sensitivity import FlagMap, flag_map

__all__ = [
    "Assessment", "Comparison", "Thresholds", "assess", "compare",
    "ConcessionExplorer", "ExplorerState", "FlagMap", "flag_map",
    "Belief", "Deal", "DealError", "DealFileError", "Issue", "Stance", "Terms",
    "dump", "dumps", "library_names", "library_path", "load", "loads",
    "DealSolutions", "bargaining_power", "default_resolution",
    "TreeOutcome", "offer_tree", "stance_game", "tree_outcome",
]

# --- staged deals (tranches, types, detection, snapback) ---
from deals.stage_plan import StagePlan, stage_plan, stage_tree

__all__ += ["StagePlan", "stage_plan", "stage_tree"]

# --- two-level games: actors at home, two-sided beliefs, a doubted threat (issue 16) ---
from deals.beliefs import belief_cost, mutual_optimism_of
from deals.doubt import ThreatUnderDoubt, threat_under_doubt
from deals.two_level import TwoLevel, two_level

__all__ += ["TwoLevel", "two_level", "ThreatUnderDoubt", "threat_under_doubt",
            "belief_cost", "mutual_optimism_of"]
