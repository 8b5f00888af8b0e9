"""``safe_load`` with libyaml's parser when PyYAML was built with it (about ten times faster), else PyYAML's own.

Both build the same Python values through PyYAML's safe constructor; only the scanning and parsing differ, and a
malformed file raises a ``yaml.YAMLError`` either way.
"""

from __future__ import annotations

from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # PyYAML without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


def safe_load(text: str) -> Any:
    """``yaml.safe_load(text)``, parsed by libyaml when available."""
    return yaml.load(text, Loader=_Loader)  # a safe loader: plain data only
