"""JSON Schema errors in the words of the YAML file they are about: which field, and what is wrong with it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from jsonschema.exceptions import ValidationError

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def field_path(path: Iterable[Any]) -> str:
    """``['sheets', 0, 'columns', 'CSTP 1: X']`` → ``sheets[0].columns["CSTP 1: X"]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f'["{part}"]'
    return out


def _allowed(error: ValidationError, defs: dict[str, Any]) -> list[str]:
    """Keys the failing schema object accepts, gathered through ``allOf`` and local ``$ref``."""
    keys: set[str] = set()
    stack = [error.schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        keys |= set(node.get("properties", {}))
        stack += node.get("allOf", [])
        if "$ref" in node and node["$ref"].startswith("#/$defs/"):
            stack.append(defs.get(node["$ref"].rsplit("/", 1)[1]))
    return sorted(keys)


def unknown_keys(error: ValidationError, defs: dict[str, Any]) -> list[str]:
    """The keys an ``additionalProperties`` / ``unevaluatedProperties`` error is about, sorted."""
    allowed = _allowed(error, defs)
    return sorted(k for k in error.instance if k not in allowed)


def describe(error: ValidationError, defs: dict[str, Any] | None = None, owner: str = "") -> str:
    """One message: ``field 'tables[2].scale': -1 is less than or equal to the minimum of 0``.

    ``defs`` resolves ``$ref`` when listing the keys allowed; ``owner`` names what an unknown top-level key
    is not a key of (``kind survey_index``).
    """
    here = list(error.absolute_path)
    if error.validator == "required":
        missing = next(k for k in error.validator_value if k not in error.instance)
        return f"field '{field_path([*here, missing])}' is missing"
    if error.validator == "dependentRequired":
        for key, needs in error.validator_value.items():
            lacking = [k for k in needs if key in error.instance and k not in error.instance]
            if lacking:
                return f"field '{field_path([*here, lacking[0]])}' is missing (needed with '{key}')"
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        allowed = _allowed(error, defs or {})
        extra = unknown_keys(error, defs or {}) or sorted(error.instance)
        what = owner if owner and not here else f"'{field_path(here)}'" if here else "this file"
        return f"field '{field_path([*here, extra[0]])}' is not a key of {what} (allowed: {', '.join(allowed)})"
    if error.validator in ("oneOf", "anyOf") and "description" in error.schema:
        return f"field '{field_path(here)}' is {error.instance!r}, expected {error.schema['description']}"
    if error.validator == "enum":
        return f"field '{field_path(here)}' is {error.instance!r}, expected one of {error.validator_value}"
    return f"field '{field_path(here) or '(top level)'}': {error.message}"
