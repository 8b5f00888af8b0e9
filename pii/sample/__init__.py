"""Synthetic landing files for testing the pipeline end to end (``pii sample``).

``generate_sample`` writes every file of reference/sources.yaml for some data years, deterministically
from a seed; ``expected_values`` returns the values those files encode, in catalog units.
"""

from pii.sample.generator import SampleFile, SampleSummary, generate_sample
from pii.sample.values import expected_values

__all__ = ["SampleFile", "SampleSummary", "expected_values", "generate_sample"]
