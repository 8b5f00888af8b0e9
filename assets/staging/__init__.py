import dagster as dg

from assets.staging.conformed import conformed
from assets.staging.measures import measure_observations, measure_values
from assets.staging.microdata import microdata_assets
from assets.staging.reconciliation import cross_checks, reconciliation
from assets.staging.tabular import tabular_assets

defs = dg.Definitions(assets=[conformed, measure_observations, measure_values, reconciliation, cross_checks,
                              *microdata_assets, *tabular_assets])
