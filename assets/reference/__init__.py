from assets.reference.tables import reference_assets

import dagster as dg

defs = dg.Definitions(assets=reference_assets)
