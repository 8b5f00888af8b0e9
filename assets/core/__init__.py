import dagster as dg

from assets.core.indicators import (
    framework_measure_values,
    indicator_values,
    indicator_values_checks,
    pii_input,
    pii_input_checks,
)

defs = dg.Definitions(
    assets=[framework_measure_values, indicator_values, pii_input],
    asset_checks=[indicator_values_checks, pii_input_checks],
)
