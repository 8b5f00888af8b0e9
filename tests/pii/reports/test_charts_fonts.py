"""Charts are matplotlib SVG without URLs or text to render; fonts are subset, embeddable and stable."""

from __future__ import annotations

import base64
import io
import re

from fontTools.ttLib import TTFont

from pii.reports import charts
from pii.reports.fonts import FACES, font_dir, font_face_css, subset_font

LABELS = ["1. Thể chế", "2. Vốn con người và nghiên cứu và phát triển"]


def test_a_chart_is_the_same_inline_svg_every_time_with_no_url() -> None:
    series = [("Long An", [63.6, 25.3]), ("TB cả nước", [49.4, None]), ("TB vùng", [47.3, 22.5])]
    first, second = charts.pillar_chart(LABELS, series), charts.pillar_chart(LABELS, series)
    assert first == second
    assert first.startswith("<svg") and first.rstrip().endswith("</svg>")
    assert "http" not in first and "<metadata" not in first
    assert "<text" not in first  # text is glyph paths: renders without any font, diacritics included
    assert len(re.findall(r"<path", first)) > 20
    other = charts.pillar_chart(LABELS, [("Long An", [10.0, 90.0])])
    assert other != first  # the data, not a constant picture, makes the SVG


def test_trend_and_ranking_charts_draw_every_point() -> None:
    trend = charts.trend_chart([2023, 2024, 2025], [("Long An (p63)", [38.7, 35.9, None], ["19/63", "24/63", ""]),
                                                     ("Tây Ninh (p34)", [None, None, 38.9], ["", "", "11/34"])],
                               "Điểm", "2024 → 2025", (2024, 2025))
    assert trend.startswith("<svg") and "http" not in trend
    ranking = charts.ranking_chart(["1. Hà Nội", "2. Thành phố Hồ Chí Minh", "3. Bắc Ninh"], [71.9, 60.8, 55.5])
    assert ranking.count('id="patch_') >= 5  # figure, axes and one bar per province


def test_the_font_subset_keeps_vietnamese_letters_and_drops_the_rest() -> None:
    text = "Hồ sơ Chỉ số Đổi mới sáng tạo — xếp thứ 53/63"
    data = subset_font(font_dir() / FACES[0][0], text)
    assert data[:4] == b"wOFF"
    font = TTFont(io.BytesIO(data))
    cmap = font.getBestCmap()
    for ch in "ồơỉĐổớạếứ":
        assert ord(ch) in cmap, ch
    assert ord("Q") not in cmap
    full = TTFont(font_dir() / FACES[0][0])
    assert len(font.getGlyphOrder()) < len(full.getGlyphOrder()) / 10


def test_font_css_embeds_both_faces_as_data_and_is_stable() -> None:
    css = font_face_css("Long An xếp thứ 24/63")
    assert css == font_face_css("Long An xếp thứ 24/63")
    blobs = re.findall(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", css)
    assert len(blobs) == 2 and all(base64.b64decode(b)[:4] == b"wOFF" for b in blobs)
    assert "font-weight: bold" in css and "http" not in css
