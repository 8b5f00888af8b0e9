import dagster as dg

from assets.analyst.comments import comments
from assets.analyst.views import analyst_views

defs = dg.Definitions(assets=[analyst_views, comments])
