import dagster as dg

from assets.reference.tables import reference_assets

defs = dg.Definitions(assets=reference_assets)
