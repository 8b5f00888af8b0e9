import dagster as dg

from assets.publish.warehouse import published_warehouse

defs = dg.Definitions(assets=[published_warehouse])
