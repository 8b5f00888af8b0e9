"""Composite-indicator engine on the GII/COINr method (no dagster here).

Start with :func:`score_coinr_tables` (COINr-shaped iData/iMeta tables) or
:class:`Build` for step-by-step control; see each module's docstring. The warehouse's
method is reference/method.yaml (:func:`load_method_config`); :func:`score_year` shapes
one PII framework year into the ``pii`` schema's tables.
"""

from pii.scoring.build import Build
from pii.scoring.coinr_io import read_idata, read_imeta, score_coinr_files, score_coinr_tables
from pii.scoring.config import MethodConfig, MethodConfigError, load_method_config
from pii.scoring.index import score_year
from pii.scoring.methods import METHODS, Method, get_method
from pii.scoring.results import ScoreResult, pii_imeta
from pii.scoring.structure import Structure, StructureError
from pii.scoring.uncertainty import rank_uncertainty
from pii.scoring.whatif import what_if, what_if_all

__all__ = [
    "METHODS",
    "Build",
    "Method",
    "MethodConfig",
    "MethodConfigError",
    "ScoreResult",
    "Structure",
    "StructureError",
    "get_method",
    "load_method_config",
    "pii_imeta",
    "rank_uncertainty",
    "read_idata",
    "read_imeta",
    "score_coinr_files",
    "score_coinr_tables",
    "score_year",
    "what_if",
    "what_if_all",
]
