"""The two reports as one self-contained HTML page each: text escaped by jinja2, charts and fonts inline."""

from __future__ import annotations

import itertools
import re
from typing import Any

from jinja2 import DictLoader, Environment, StrictUndefined
from markupsafe import Markup

from pii.reports import charts
from pii.reports.fonts import font_face_css
from pii.reports.i18n import Catalogue
from pii.reports.national_data import NationalData
from pii.reports.profile_data import ProfileData
from pii.reports.queries import Row
from pii.reports.templates import BASE, NATIONAL, PROFILE
from pii.units import unit_in

_FONT_SLOT = "/*@font-face*/"
_ENV = Environment(loader=DictLoader({"base": BASE, "profile": PROFILE, "national": NATIONAL}),
                   autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


def _page(template: str, cat: Catalogue, **context: Any) -> str:
    """Render, then embed the fonts cut to the characters the page's text uses (SVG text is already paths)."""
    html = _ENV.get_template(template).render(lang=cat.lang, t=cat, font_css=Markup(_FONT_SLOT), **context)
    text = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    return html.replace(_FONT_SLOT, font_face_css(re.sub(r"<[^>]+>", " ", text)), 1)


def _sentence_name(cat: Catalogue, row: Row) -> str:
    """The indicator's name inside a sentence: lower-case first letter unless it starts an acronym (KHCN)."""
    name = cat.name(row)
    if cat.lang == "vi" and len(name) > 1 and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def _rank_of(cat: Catalogue, rank: Any, n: Any) -> str:
    return cat("rank_of_short", rank=cat.rank(rank), n=n) if rank is not None else cat("none")


def _synthetic(cat: Catalogue, files: int) -> str:
    return cat("synthetic", files=files) if files else ""


def render_profile(p: ProfileData, lang: str = "vi") -> str:
    """The province profile page in ``lang``."""
    cat = Catalogue(lang)
    province = p.province["name_vi"]
    index = p.index or {}
    levels = {r["code"]: r for r in p.levels}

    def level_view(r: Row) -> dict[str, Any]:
        return {"level": r["level"], "code": r["code"], "name": cat.name(r), "score": cat.number(r["score"]),
                "rank_of": _rank_of(cat, r["rank"], r["n"]), "national_avg": cat.number(r["national_avg"]),
                "region_avg": cat.number(r["region_avg"])}

    cards = [level_view(levels[c]) | {"rank_of": cat("rank_of", rank=levels[c]["rank"], n=levels[c]["n"])}
             for c in ("PII", "INPUT", "OUTPUT") if c in levels]
    # Each pillar followed by its sub-pillars, as the published tables list them.
    pillars = sorted((r for r in p.levels if r["level"] in ("pillar", "sub_pillar")),
                     key=lambda r: [int(x) if x.isdigit() else 0 for x in str(r["code"]).split(".")])
    top = [r for r in p.levels if r["level"] == "pillar"]
    pillar_svg = charts.pillar_chart(
        [f"{r['code']}. {cat.name(r)}" for r in top],
        [(province, [r["score"] for r in top]), (cat("national_avg"), [r["national_avg"] for r in top]),
         (cat("region_avg"), [r["region_avg"] for r in top])])

    def sw(rows: list[Row], key: str) -> tuple[str, list[str]]:
        items = "; ".join(cat("sw_item", name=_sentence_name(cat, r), rank=r["rank"], n=r["n"]) for r in rows)
        lines = [f"{r['code']} — " + cat("sw_line", name=cat.name(r), rank=r["rank"], n=r["n"],
                                         score=cat.number(r["score"])) for r in rows]
        return cat(key, items=items), lines

    strength_sentence, strengths = sw(p.strengths, "strength_sentence")
    weakness_sentence, weaknesses = sw(p.weaknesses, "weakness_sentence")
    years = sorted({r["year"] for r in p.trend})
    by_province: dict[str, dict[int, Row]] = {}
    for r in p.trend:
        by_province.setdefault(f"{r['name_vi']} ({r['boundary']})", {})[r["year"]] = r
    lines = [(name, [rows.get(y, {}).get("score") for y in years],
              [_rank_of(cat, rows[y]["rank"], rows[y]["n"]) if y in rows else "" for y in years])
             for name, rows in by_province.items()]
    boundaries = {r["year"]: r["boundary"] for r in p.trend}
    change = next(((a, b) for a, b in itertools.pairwise(years) if boundaries[a] != boundaries[b]), None)
    trend_svg = charts.trend_chart(years, lines, cat("score"), f"{change[0]} → {change[1]}" if change else None,
                                   change)
    u = p.uncertainty
    uncertainty = cat("uncertainty_line", rank=u["nominal_rank"], replications=u["replications"], seed=u["seed"],
                      p05=cat.rank(u["p05_rank"]), p95=cat.rank(u["p95_rank"]),
                      median=cat.rank(u["median_rank"])) if u else cat("none")
    return _page(
        "profile", cat, p=p,
        title=cat("profile_title", year=p.year, province=province),
        boundary=cat.boundary(p.boundary),
        region=p.province["region_vi"] if lang == "vi" else p.province["region_en"],
        synthetic=_synthetic(cat, p.synthetic_files),
        headline=cat("headline", year=p.year, province=province, score=cat.number(index.get("score")),
                     rank=index.get("rank"), n=index.get("n")),
        cards=cards, pillars=[level_view(r) for r in pillars], pillar_chart=Markup(pillar_svg),
        strength_sentence=strength_sentence, strengths=strengths,
        weakness_sentence=weakness_sentence, weaknesses=weaknesses,
        trend=[{"year": r["year"], "name": f"{r['name_vi']} ({r['code']})", "boundary": cat.boundary(r["boundary"]),
                "score": cat.number(r["score"]), "rank_of": _rank_of(cat, r["rank"], r["n"])} for r in p.trend],
        trend_chart=Markup(trend_svg), boundary_note=cat("boundary_note") if change else "",
        uncertainty=uncertainty,
        indicators=[{"code": r["code"], "name": cat.name(r), "unit": unit_in(cat.lang, r["unit"]),
                     "data_year": r["data_year"],
                     "value": cat.smart(r["value"]), "score": cat.number(r["score"]),
                     "rank_of": _rank_of(cat, r["rank"], r["n"]), "nat_min": cat.smart(r["nat_min"]),
                     "nat_median": cat.smart(r["nat_median"]), "nat_max": cat.smart(r["nat_max"])}
                    for r in p.indicators],
        whatif=[{"code": r["code"], "name": cat.name(r), "direction": f"{r['direction']:+d}",
                 "current": cat.smart(r["current_value"]), "points_per_unit": cat.smart(r["points_per_unit"]),
                 "gain_1": cat.smart(r["gain_1_rank"]), "gain_3": cat.smart(r["gain_3_ranks"]),
                 "gain_5": cat.smart(r["gain_5_ranks"])} for r in p.whatif],
        provenance=[_provenance_view(cat, r) for r in p.provenance],
    )


def _provenance_view(cat: Catalogue, r: Row) -> dict[str, Any]:
    where = [x for x in (r["sheet"], f"{cat('row')} {r['row_number']}" if r["row_number"] is not None else None,
                         f"{cat('column')} {r['column_ref']}" if r["column_ref"] else None) if x]
    role = cat(r["role"]) if r["role"] in ("numerator", "denominator") else r["role"]
    source = (f"{r['source_name']} ({r['source_province']}, {r['source_boundary']})" if r["source_province"]
              else cat("none"))
    if r["rebased"]:
        source = f"{source}: {cat('rebased')}"
    return {"code": r["code"], "measure": r["measure_code"], "role": role, "year": r["year"], "source": source,
            "value": cat.smart(r["value"]), "file": r["file_path"] or cat("none"),
            "location": ", ".join(where) or cat("none"), "evidence": r["evidence"] or cat("none")}


def render_national(d: NationalData, lang: str = "vi") -> str:
    """The national ranking page in ``lang``."""
    cat = Catalogue(lang)
    columns = [{"label": c["code"] if c["code"] not in ("INPUT", "OUTPUT") else cat(c["code"].lower()),
                "name": cat.name(c), "alias": c["alias"]} for c in d.columns]
    rows = []
    for r in d.provinces:
        cells = []
        for c in columns:
            score, rank = r.get(f"score_{c['alias']}"), r.get(f"rank_{c['alias']}")
            cells.append({"score": cat.number(score), "rank_of": _rank_of(cat, rank, d.n)})
        interval = (f"{cat.rank(r['p05_rank'])}–{cat.rank(r['p95_rank'])}" if r["p05_rank"] is not None
                    else cat("none"))
        rows.append({"rank_of": _rank_of(cat, r["rank_PII"], d.n), "name": r["name_vi"], "cells": cells,
                     "region": r["region_vi"] if lang == "vi" else r["region_en"], "interval": interval})
    chart = charts.ranking_chart([f"{r['rank_PII']}. {r['name_vi']}" for r in d.provinces],
                                 [r["score_PII"] for r in d.provinces], score_label=cat("score") + " PII")
    return _page("national", cat, title=cat("national_title", year=d.year), boundary=cat.boundary(d.boundary),
                 n=d.n, synthetic=_synthetic(cat, d.synthetic_files), chart=Markup(chart), columns=columns,
                 rows=rows)
