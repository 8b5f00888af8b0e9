import dagster as dg

from assets.staging.conformed import conformed
from assets.staging.measures import measure_observations, measure_values, measure_values_checks

defs = dg.Definitions(assets=[conformed, measure_observations, measure_values], asset_checks=[measure_values_checks])
