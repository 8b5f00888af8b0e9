"""Composite-indicator engine on the GII/COINr method (no dagster here).

Start with :func:`score_coinr_tables` (COINr-shaped iData/iMeta tables) or
:class:`Build` for step-by-step control; see each module's docstring.
"""

from pii.scoring.build import Build
from pii.scoring.coinr_io import read_idata, read_imeta, score_coinr_files, score_coinr_tables
from pii.scoring.methods import METHODS, Method, get_method
from pii.scoring.results import ScoreResult, pii_imeta
from pii.scoring.structure import Structure, StructureError
from pii.scoring.uncertainty import rank_uncertainty
from pii.scoring.whatif import what_if

__all__ = [
    "METHODS",
    "Build",
    "Method",
    "ScoreResult",
    "Structure",
    "StructureError",
    "get_method",
    "pii_imeta",
    "rank_uncertainty",
    "read_idata",
    "read_imeta",
    "score_coinr_files",
    "score_coinr_tables",
    "what_if",
]
