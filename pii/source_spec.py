"""Validation of sources.yaml entries against reference/sources.schema.json, in two tiers.

* **Register level** — what a raw asset needs: ``source_id`` (its name), ``format`` and ``file_pattern``.
  An error here cannot be isolated to one source (there is no asset to attach it to), so the load fails.
* **Kind level** — ``kind``, ``agency``, ``title`` and the keys of the kind (yearbook tables, survey columns,
  record-list columns …). An error here disables that source only: its raw asset still reads its files,
  conforming quarantines them as ``invalid_source_spec``, and every other source goes on.

Every message names the field as a path into the entry (``tables[2].scale``, ``sheets[0].columns["X"]``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from pii.ingest.microdata_spec import spec_problem as microdata_spec_problem
from pii.paths import REFERENCE_DIR
from pii.schema_errors import describe, field_path, unknown_keys

SCHEMA_PATH = REFERENCE_DIR / "sources.schema.json"


@cache
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator(definition: str) -> jsonschema.Draft202012Validator:
    """A validator for one ``$defs`` entry (or the whole file for ``""``)."""
    schema = _schema()
    if definition == "":
        return jsonschema.Draft202012Validator(schema)
    if definition in ("register_entry", "common"):
        body: dict[str, Any] = {"$ref": f"#/$defs/{definition}"}
    else:  # a kind: common keys plus the kind's own, nothing else
        body = {"allOf": [{"$ref": "#/$defs/common"}, {"$ref": f"#/$defs/{definition}"}],
                "unevaluatedProperties": False}
    return jsonschema.Draft202012Validator({**body, "$defs": schema["$defs"]})


def register_problem(entry: Any) -> str | None:
    """What stops ``entry`` from having a raw asset (load fails), or None."""
    if not isinstance(entry, Mapping):
        return f"expected a mapping of fields, got {type(entry).__name__}"
    error = best_match(_validator("register_entry").iter_errors(entry))
    if error is None:
        return None
    if error.validator == "pattern" and list(error.absolute_path) == ["file_pattern"]:
        return "field 'file_pattern' must contain {year} (the data year of each file)"
    if error.validator == "pattern" and list(error.absolute_path) == ["source_id"]:
        return (f"field 'source_id' is {entry['source_id']!r}: lower-case letters, digits and '_' only, "
                "starting with a letter (it names the table raw.<source_id>)")
    return describe(error)


def document_problem(doc: Any) -> str | None:
    """Top-level shape of sources.yaml (a ``sources`` list), or None."""
    error = best_match(_validator("").iter_errors(doc))
    return None if error is None else describe(error)


def kind_problem(entry: Mapping[str, Any]) -> str | None:
    """The first error in the kind-level part of ``entry`` (schema, then rules the schema cannot say)."""
    kind = entry.get("kind")
    error = best_match(_validator("common").iter_errors(entry))
    if error is not None:
        return describe(error)
    defs = _schema()["$defs"]
    errors = [e for e in _validator(str(kind)).iter_errors(entry) if not _echo(e, defs)]
    # An unknown key first: it usually explains a "missing" one (a misspelt key is both).
    unknown = [e for e in errors if e.validator in ("additionalProperties", "unevaluatedProperties")]
    error = unknown[0] if unknown else best_match(errors)
    if error is not None:
        return describe(error, defs, f"kind {kind}")
    return _rule_problem(entry)


def _echo(error: ValidationError, defs: dict[str, Any]) -> bool:
    """An ``unevaluatedProperties`` error that only repeats another error (a key that failed its schema)."""
    return error.validator == "unevaluatedProperties" and not unknown_keys(error, defs)


def _rule_problem(entry: Mapping[str, Any]) -> str | None:
    kind = entry["kind"]
    fmt = entry.get("number_format")
    if isinstance(fmt, Mapping) and fmt.get("thousands") == fmt["decimal"]:
        return "field 'number_format.thousands' is the decimal mark too; use the other mark, ' ' or ''"
    if kind == "record_list" and ("categories" in entry) == ("measure" in entry):
        return "give either 'categories' (with 'category_column') or 'measure', not both or neither"
    if kind == "microdata":  # column references, aggregation needs and the filter grammar
        return microdata_spec_problem(entry)
    if kind == "yearbook":
        sheets = [t.get("sheet") for t in entry["tables"]]
        for i, sheet in enumerate(sheets):
            if sheet is None and (entry["format"] == "xlsx" or len(sheets) > 1):
                return f"field 'tables[{i}].sheet' is missing (a workbook names the sheet of each table)"
            if sheet is not None and sheets.index(sheet) != i:
                return f"field 'tables[{i}].sheet': sheet '{sheet}' is already mapped by tables[{sheets.index(sheet)}]"
    return None


def named_measures(entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field path, measure code) of every measure the entry names (primary and cross-check)."""
    kind = entry["kind"]
    if kind == "yearbook":
        return [(f"tables[{i}].measure", t["measure"]) for i, t in enumerate(entry["tables"])]
    if kind == "survey_index":
        return [(field_path(["columns", label]), m) for label, m in entry["columns"].items()]
    if kind == "survey_workbook":
        return [(field_path(["sheets", i, "columns", label]), v if isinstance(v, str) else v["measure"])
                for i, s in enumerate(entry["sheets"]) for label, v in s["columns"].items()]
    if kind == "record_list":
        if "categories" in entry:
            return [(field_path(["categories", label]), m) for label, m in entry["categories"].items()]
        return [("measure", entry["measure"])]
    if kind == "microdata":
        return [(field_path(["measures", code]), code) for code in entry["measures"]]
    return []
