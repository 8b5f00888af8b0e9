import dagster as dg

from assets.core.indicators import framework_measure_values, indicator_values, pii_input
from assets.core.quality import indicator_coverage, plausibility_flags

defs = dg.Definitions(
    assets=[framework_measure_values, indicator_values, indicator_coverage, plausibility_flags, pii_input],
)
