"""Load and validate framework files (reference/framework/pii_<year>.yaml).

Validation has two layers: the JSON schema (shape and types) and semantic rules the schema cannot say
(codes nest under their parents, codes are unique, every measure exists in the catalog). Either failure
raises FrameworkError naming the file and the field.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from pii import yaml_io
from pii.catalog import load_measures
from pii.framework.model import Formula, Framework, Indicator, Node
from pii.paths import REFERENCE_DIR

FRAMEWORK_DIR = REFERENCE_DIR / "framework"
SCHEMA_PATH = FRAMEWORK_DIR / "framework.schema.json"


class FrameworkError(ValueError):
    """A framework file is invalid; the message names the file and the field."""


def framework_years(directory: Path = FRAMEWORK_DIR) -> list[int]:
    return sorted(int(p.stem.split("_")[1]) for p in directory.glob("pii_*.yaml"))


@cache
def load_framework(year: int, directory: Path = FRAMEWORK_DIR) -> Framework:
    return load_framework_file(directory / f"pii_{year}.yaml")


def load_framework_file(path: Path) -> Framework:
    raw = path.read_bytes()
    try:
        doc = yaml_io.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise FrameworkError(f"{path.name}: not valid UTF-8 YAML: {exc}") from exc
    _validate_schema(doc, path)
    fw = _build(doc, path, hashlib.sha256(raw).hexdigest())
    _validate_semantics(fw, path)
    return fw


def _validate_schema(doc: Any, path: Path) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        code = _code_at(doc, list(err.absolute_path))
        hint = f" (indicator {code})" if code else ""
        raise FrameworkError(f"{path.name}: field '{where}'{hint}: {err.message}")


def _code_at(doc: Any, path: list[Any]) -> str | None:
    """The code of the innermost object on the error path, to make the message findable in the file."""
    node, code = doc, None
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "code" in node:
            code = str(node["code"])
    return code


def _formula(spec: dict[str, Any]) -> Formula:
    kind = spec["type"]
    if kind == "ratio":
        num = spec["numerator"]
        return Formula(kind, tuple(num) if isinstance(num, list) else (num,), spec["denominator"], float(spec["scale"]))
    if kind == "change":
        return Formula(kind, (spec["measure"],), mode=spec["mode"])
    if kind == "share":
        return Formula(kind, (spec["measure"],), scale=float(spec["scale"]))
    return Formula(kind, (spec["measure"],))


def _range(declared: list[float | None] | None) -> tuple[float | None, float | None]:
    low, high = declared or (None, None)
    return (None if low is None else float(low), None if high is None else float(high))


def _build(doc: dict[str, Any], path: Path, sha: str) -> Framework:
    nodes = [Node(s["code"], "sub_index", s["name_vi"], s["name_en"], doc["index"]["code"], float(s["weight"]))
             for s in doc["sub_indices"]]
    indicators: list[Indicator] = []
    for p in doc["pillars"]:
        nodes.append(Node(p["code"], "pillar", p["name_vi"], p["name_en"], p["sub_index"], float(p["weight"])))
        for sp in p["sub_pillars"]:
            nodes.append(Node(sp["code"], "sub_pillar", sp["name_vi"], sp["name_en"], p["code"], float(sp["weight"])))
            for i in sp["indicators"]:
                prov = i["provenance"]
                indicators.append(Indicator(
                    code=i["code"], name_vi=i["name_vi"], name_en=i["name_en"], unit=i["unit"],
                    formula=_formula(i["formula"]), direction=int(i["direction"]), weight=float(i["weight"]),
                    data_year_offset=int(i["data_year_offset"]), source=i["source"], agency=i["agency"],
                    evidence=prov["evidence"], formula_evidence=prov["formula"], provenance_source=prov["source"],
                    provenance_note=prov.get("note", ""), sub_pillar=sp["code"], pillar=p["code"],
                    sub_index=p["sub_index"], value_range=_range(i.get("range")),
                ))
    return Framework(
        year=int(doc["framework_year"]), title=doc["title"], decision=doc["decision"], boundary=doc["boundary"],
        source_file=path.name, sha256=sha, indicators=tuple(indicators), nodes=tuple(nodes),
    )


def _validate_semantics(fw: Framework, path: Path) -> None:
    name = path.name
    if path.stem != f"pii_{fw.year}":
        raise FrameworkError(f"{name}: field 'framework_year' is {fw.year} but the file name says {path.stem}")
    sub_indices = {n.code for n in fw.nodes if n.level == "sub_index"}
    seen: set[str] = set()
    for n in fw.nodes:
        if n.code in seen:
            raise FrameworkError(f"{name}: code '{n.code}' appears twice")
        seen.add(n.code)
        if n.level == "pillar" and n.parent not in sub_indices:
            raise FrameworkError(f"{name}: pillar {n.code}: field 'sub_index' is '{n.parent}', not a sub-index")
        if n.level == "sub_pillar" and not n.code.startswith(n.parent + "."):
            raise FrameworkError(
                f"{name}: sub-pillar {n.code}: field 'code' does not start with its pillar '{n.parent}.'"
            )
    measures = load_measures()
    for ind in fw.indicators:
        if ind.code in seen:
            raise FrameworkError(f"{name}: indicator {ind.code}: field 'code' appears twice")
        seen.add(ind.code)
        if not ind.code.startswith(ind.sub_pillar + "."):
            raise FrameworkError(f"{name}: indicator {ind.code}: field 'code' does not start with '{ind.sub_pillar}.'")
        low, high = ind.value_range
        if low is not None and high is not None and low >= high:
            raise FrameworkError(f"{name}: indicator {ind.code}: field 'range' [{low}, {high}] is empty")
        for m in ind.formula.measures:
            if m not in measures:
                raise FrameworkError(f"{name}: indicator {ind.code}: field 'formula' names unknown measure '{m}'")
