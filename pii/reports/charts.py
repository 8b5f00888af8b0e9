"""Charts as inline SVG, drawn by matplotlib's SVG backend.

Text is drawn as glyph paths (``svg.fonttype: path``), so the charts need no font and Vietnamese diacritics
render everywhere; ``svg.hashsalt`` and ``Date: None`` make the same data give the same bytes. The XML
prologue, the RDF metadata and the namespace declarations (URLs, though never fetched) are removed: the
HTML parser places inline ``<svg>`` in the SVG namespace by itself.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("svg")  # no display, no GUI toolkit: the reports only write SVG

import matplotlib.pyplot as plt

STYLE = {
    "svg.fonttype": "path",
    "svg.hashsalt": "pii-report",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
COLOURS = ("#1f5f8b", "#9aa5b1", "#e0a526")


def _to_svg(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    return re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)


def pillar_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]) -> str:
    """Grouped horizontal bars: one group per pillar, one bar per series (province, national, regional)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 0.55 * len(labels) + 1.2))
        height = 0.8 / max(len(series), 1)
        for k, (name, values) in enumerate(series):
            positions = [i + (k - (len(series) - 1) / 2) * height for i in range(len(labels))]
            ax.barh(positions, [v if v is not None else 0.0 for v in values], height=height * 0.95,
                    label=name, color=COLOURS[k % len(COLOURS)])
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(series), frameon=False)
        return _to_svg(fig)


def trend_chart(years: Sequence[int], lines: Sequence[tuple[str, Sequence[float | None], Sequence[str]]],
                score_label: str, change_label: str | None, change_between: tuple[int, int] | None) -> str:
    """Score per framework year, one line per province, each point labelled with its rank ("24/63")."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9, 3.4))
        for k, (name, scores, ranks) in enumerate(lines):
            points = [(y, s, r) for y, s, r in zip(years, scores, ranks, strict=True) if s is not None]
            if not points:
                continue
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name,
                    color=COLOURS[k % len(COLOURS)])
            for y, s, r in points:
                # alternate above/below so two provinces with close scores keep readable labels
                ax.annotate(r, (y, s), textcoords="offset points", xytext=(0, 7 if k % 2 == 0 else -13),
                            ha="center", fontsize=8, color=COLOURS[k % len(COLOURS)])
        if change_between is not None and change_label:
            middle = sum(change_between) / 2
            ax.axvline(middle, color="#999999", linestyle="--", linewidth=0.8)
            ax.text(middle, 0.02, change_label, transform=ax.get_xaxis_transform(), ha="center", fontsize=7,
                    color="#555555", backgroundcolor="white")
        ax.set_xticks(list(years), [str(y) for y in years])
        ax.set_ylabel(score_label)
        ax.set_ylim(0, 100)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        if len(lines) > 1:
            ax.legend(frameon=False, fontsize=8)
        return _to_svg(fig)


def ranking_chart(names: Sequence[str], scores: Sequence[float | None], highlight: Sequence[bool] | None = None,
                  score_label: str = "PII") -> str:
    """Horizontal bars of every province's PII, best first."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(8, 0.19 * len(names) + 1.0))
        colours = [COLOURS[2] if highlight and highlight[i] else COLOURS[0] for i in range(len(names))]
        ax.barh(range(len(names)), [s if s is not None else 0.0 for s in scores], color=colours, height=0.75)
        ax.set_yticks(range(len(names)), names, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(score_label)
        ax.grid(axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        return _to_svg(fig)
