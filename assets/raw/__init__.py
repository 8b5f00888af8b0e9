import dagster as dg

from assets.raw.sources import raw_assets

defs = dg.Definitions(assets=raw_assets)
