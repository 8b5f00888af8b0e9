import dagster as dg

from assets.pii.index import pii_index
from assets.pii.uncertainty import rank_uncertainty
from assets.pii.whatif import whatif

defs = dg.Definitions(assets=[pii_index, rank_uncertainty, whatif])
