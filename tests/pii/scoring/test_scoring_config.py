"""reference/method.yaml: the shipped file loads to the published PII arithmetic; bad files name the field."""

import copy
import re
from pathlib import Path

import pytest
import yaml

from pii.scoring.config import METHOD_PATH, MethodConfigError, load_method_config, parse_method_config

DOC = yaml.safe_load(METHOD_PATH.read_text(encoding="utf-8"))


def test_shipped_method_is_plain_min_max_and_means():
    cfg = load_method_config()
    m = cfg.method()
    assert m.name == "none" and m.treat is None and m.impute is None
    assert m.normalise.method == "minmax" and m.normalise.bounds == (0.0, 100.0)
    assert m.aggregate.method == "arithmetic"
    assert (cfg.sw_rule, cfg.sw_count) == ("rank", 5)
    u = cfg.uncertainty
    assert (u.replications, u.weight_jitter, u.vary_treatment, u.vary_aggregation) == (200, 0.2, True, True)
    assert isinstance(u.seed, int)


def test_overrides_reach_the_engine_method():
    doc = copy.deepcopy(DOC) | {"method": "coinr", "imputation": "group_mean:Group_region", "aggregation": "geometric"}
    doc["normalisation"] = {"method": "minmax", "range": [1, 100]}
    m = parse_method_config(doc).method()
    assert m.treat is not None and m.impute == "group_mean:Group_region"
    assert m.aggregate.method == "geometric" and m.normalise.bounds == (1.0, 100.0)


def _broken(path: str, value: object) -> dict:
    doc = copy.deepcopy(DOC)
    *parents, key = path.split("/")
    node = doc
    for p in parents:
        node = node[p]
    if value is KeyError:
        del node[key]
    else:
        node[key] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("method", "best", "field 'method' = 'best' must be one of"),
        ("imputation", "mode", "field 'imputation'"),
        ("normalisation/range", [100, 0], "field 'normalisation/range' must have low < high"),
        ("normalisation/range", [0], "field 'normalisation/range' must be a list of two numbers"),
        ("aggregation", "geometric", "geometric needs a normalisation range above 0"),
        ("strengths_weaknesses/count", 0, "field 'strengths_weaknesses/count' must be an integer >= 1"),
        ("strengths_weaknesses/rule", "top", "field 'strengths_weaknesses/rule'"),
        ("uncertainty/replications", 2.5, "field 'uncertainty/replications' must be an integer"),
        ("uncertainty/weight_jitter", 1.5, "field 'uncertainty/weight_jitter' must be a number in [0, 1)"),
        ("uncertainty/vary_treatment", "yes", "field 'uncertainty/vary_treatment' must be true or false"),
        ("uncertainty/seed", KeyError, "field 'uncertainty/seed' is required"),
        ("uncertainty/sead", 1, "field 'uncertainty/sead' is not allowed"),
        ("weights", "equal", "field 'weights' is not allowed"),
    ],
)
def test_invalid_fields_are_named(path, value, message):
    with pytest.raises(MethodConfigError, match=re.escape(message)):
        parse_method_config(_broken(path, value))


def test_unreadable_file_and_non_mapping(tmp_path: Path):
    with pytest.raises(MethodConfigError, match="cannot read"):
        load_method_config(tmp_path / "missing.yaml")
    bad = tmp_path / "method.yaml"
    bad.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(MethodConfigError, match="the document must be a mapping"):
        load_method_config(bad)
