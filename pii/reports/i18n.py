"""Labels of the reports in Vietnamese (the default) and English, and numbers written each language's way."""

from __future__ import annotations

import math

LANGUAGES = ("vi", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "vi": {
        "profile_title": "Hồ sơ Chỉ số Đổi mới sáng tạo cấp địa phương (PII) {year} — {province}",
        "national_title": "Bảng xếp hạng Chỉ số Đổi mới sáng tạo cấp địa phương (PII) {year}",
        "synthetic": "DỮ LIỆU MÔ PHỎNG — không phải số liệu chính thức: {files} tệp nguồn của kho dữ liệu "
                     "ghi rõ là dữ liệu tổng hợp (synthetic).",
        "boundary_p63": "địa giới 63 tỉnh, thành phố",
        "boundary_p34": "địa giới 34 tỉnh, thành phố (từ 01/7/2025)",
        "region": "Vùng",
        "headline": "Năm {year}, {province} đạt {score} điểm PII, xếp thứ {rank}/{n} tỉnh, thành phố.",
        "rank_of": "xếp thứ {rank}/{n}",
        "rank_of_short": "{rank}/{n}",
        "sub_indices": "Chỉ số phụ đầu vào và đầu ra",
        "pillars": "Trụ cột và trụ cột con",
        "pillar_chart": "Điểm các trụ cột so với trung bình cả nước và trung bình vùng",
        "code": "Mã",
        "name": "Tên",
        "score": "Điểm",
        "rank": "Xếp hạng",
        "national_avg": "TB cả nước",
        "region_avg": "TB vùng",
        "province_series": "{province}",
        "strengths": "Năm điểm mạnh",
        "weaknesses": "Năm điểm yếu",
        "sw_line": "{name}, xếp thứ {rank}/{n} tỉnh thành (điểm {score})",
        "strength_sentence": "Các chỉ số thành phần là điểm mạnh cần duy trì của tỉnh: {items}.",
        "weakness_sentence": "Các chỉ số thành phần còn hạn chế cần cải thiện của tỉnh: {items}.",
        "sw_item": "{name}, xếp thứ {rank}/{n}",
        "indicators": "Các chỉ số thành phần",
        "unit": "Đơn vị",
        "value": "Giá trị",
        "data_year": "Năm số liệu",
        "nat_min": "Thấp nhất",
        "nat_median": "Trung vị",
        "nat_max": "Cao nhất",
        "trend": "Diễn biến qua các năm",
        "trend_chart": "Điểm và thứ hạng PII qua các năm khung chỉ số",
        "year": "Năm",
        "province": "Tỉnh, thành phố",
        "boundary": "Địa giới",
        "boundary_note": "Từ năm 2025 chỉ số tính trên 34 tỉnh, thành phố sau sắp xếp (01/7/2025); thứ hạng "
                         "năm 2025 (trên 34) không so sánh trực tiếp được với các năm trước (trên 63).",
        "uncertainty": "Khoảng thứ hạng",
        "uncertainty_line": "Thứ hạng công bố {rank}; với {replications} lần mô phỏng Monte Carlo (hạt giống "
                            "{seed}), 90% số lần xếp thứ {p05} đến {p95} (trung vị {median}).",
        "whatif": "Cải thiện chỉ số nào để tăng hạng",
        "whatif_note": "Điểm/đơn vị = số điểm PII tăng thêm khi chỉ số gốc tăng một đơn vị; +k hạng = mức "
                       "tăng chỉ số gốc cần để tăng k bậc (— = không đạt được trong phạm vi quan sát).",
        "direction": "Chiều",
        "current": "Hiện tại",
        "points_per_unit": "Điểm/đơn vị",
        "gain_1": "+1 hạng",
        "gain_3": "+3 hạng",
        "gain_5": "+5 hạng",
        "provenance": "Nguồn gốc số liệu",
        "provenance_note": "Mỗi chỉ số tính từ các số đo dưới đây (core.indicator_values ← staging.measure_values): "
                           "tệp nguồn, trang tính, dòng, cột và văn bản minh chứng.",
        "indicator": "Chỉ số",
        "measure": "Số đo",
        "role": "Vai trò",
        "source_file": "Tệp nguồn",
        "location": "Vị trí",
        "evidence": "Minh chứng",
        "national_table": "Bảng xếp hạng",
        "national_chart": "Điểm PII của các tỉnh, thành phố",
        "input": "Đầu vào",
        "output": "Đầu ra",
        "interval": "Khoảng hạng 90%",
        "footer": "Tạo bởi `pii report` từ kho dữ liệu đã công bố; mọi số liệu lấy từ các bảng pii.*, core.*, "
                  "staging.* và meta.*.",
        "numerator": "tử số",
        "denominator": "mẫu số",
        "rebased": "quy đổi từ địa giới 63 tỉnh",
        "row": "dòng",
        "column": "cột",
        "provinces_count": "{n} tỉnh, thành phố",
        "none": "—",
    },
    "en": {
        "profile_title": "Provincial Innovation Index (PII) {year} profile — {province}",
        "national_title": "Provincial Innovation Index (PII) {year} ranking",
        "synthetic": "SYNTHETIC DATA — not official statistics: {files} source files of this warehouse say "
                     "they are synthetic.",
        "boundary_p63": "63-province boundary",
        "boundary_p34": "34-province boundary (from 1 July 2025)",
        "region": "Region",
        "headline": "In {year}, {province} scores {score} on the PII and ranks {rank} of {n} provinces.",
        "rank_of": "ranked {rank} of {n}",
        "rank_of_short": "{rank}/{n}",
        "sub_indices": "Input and output sub-indices",
        "pillars": "Pillars and sub-pillars",
        "pillar_chart": "Pillar scores against the national and regional averages",
        "code": "Code",
        "name": "Name",
        "score": "Score",
        "rank": "Rank",
        "national_avg": "National avg",
        "region_avg": "Regional avg",
        "province_series": "{province}",
        "strengths": "Five strengths",
        "weaknesses": "Five weaknesses",
        "sw_line": "{name}: ranked {rank} of {n} (score {score})",
        "strength_sentence": "Indicators that are the province's strengths, to keep: {items}.",
        "weakness_sentence": "Indicators that hold the province back, to improve: {items}.",
        "sw_item": "{name}, ranked {rank}/{n}",
        "indicators": "Indicators",
        "unit": "Unit",
        "value": "Value",
        "data_year": "Data year",
        "nat_min": "Min",
        "nat_median": "Median",
        "nat_max": "Max",
        "trend": "Trend over the framework years",
        "trend_chart": "PII score and rank by framework year",
        "year": "Year",
        "province": "Province",
        "boundary": "Boundary",
        "boundary_note": "From 2025 the index covers the 34 provinces formed on 1 July 2025; a 2025 rank (of 34) "
                         "does not compare directly with earlier ranks (of 63).",
        "uncertainty": "Rank interval",
        "uncertainty_line": "Published rank {rank}; over {replications} Monte Carlo replications (seed {seed}), "
                            "90% of ranks fall between {p05} and {p95} (median {median}).",
        "whatif": "What would raise the rank",
        "whatif_note": "Points/unit = PII points gained per unit of raw improvement; +k ranks = raw improvement "
                       "needed to climb k ranks (— = not reachable within the observed range).",
        "direction": "Direction",
        "current": "Current",
        "points_per_unit": "Points/unit",
        "gain_1": "+1 rank",
        "gain_3": "+3 ranks",
        "gain_5": "+5 ranks",
        "provenance": "Where the numbers come from",
        "provenance_note": "Each indicator is computed from the measures below (core.indicator_values ← "
                           "staging.measure_values): source file, sheet, row, column and evidence document.",
        "indicator": "Indicator",
        "measure": "Measure",
        "role": "Role",
        "source_file": "Source file",
        "location": "Location",
        "evidence": "Evidence",
        "national_table": "Ranking",
        "national_chart": "PII score by province",
        "input": "Input",
        "output": "Output",
        "interval": "90% rank interval",
        "footer": "Made by `pii report` from the published warehouse; every number comes from the pii.*, core.*, "
                  "staging.* and meta.* tables.",
        "numerator": "numerator",
        "denominator": "denominator",
        "rebased": "rebased from the 63-province boundary",
        "row": "row",
        "column": "column",
        "provinces_count": "{n} provinces",
        "none": "—",
    },
}


class Catalogue:
    """The labels and number formats of one language."""

    def __init__(self, lang: str) -> None:
        if lang not in MESSAGES:
            raise ValueError(f"unknown report language {lang!r}; known: {', '.join(LANGUAGES)}")
        self.lang = lang
        self._messages = MESSAGES[lang]

    def __call__(self, key: str, **values: object) -> str:
        return self._messages[key].format(**values)

    def number(self, value: float | None, digits: int = 1) -> str:
        """``value`` rounded to ``digits`` decimals, thousands grouped; Vietnamese writes 1.234,5."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return self._messages["none"]
        text = f"{value:,.{digits}f}"
        if self.lang == "vi":
            text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        return text

    def smart(self, value: float | None) -> str:
        """A raw value with as many decimals as its size needs (counts whole, shares to 2 decimals)."""
        if value is None:
            return self._messages["none"]
        magnitude = abs(value)
        digits = 0 if magnitude >= 1000 or float(value).is_integer() else 2 if magnitude >= 1 else 3
        return self.number(value, digits)

    def rank(self, rank: float | None) -> str:
        """A rank as a whole number (Monte Carlo percentiles may be fractional: one decimal then)."""
        if rank is None:
            return self._messages["none"]
        return str(int(rank)) if float(rank).is_integer() else self.number(rank, 1)

    def name(self, row: dict[str, object]) -> str:
        """The row's ``name_vi`` or ``name_en``, falling back to the other language."""
        first, second = ("name_vi", "name_en") if self.lang == "vi" else ("name_en", "name_vi")
        return str(row.get(first) or row.get(second) or "")

    def boundary(self, boundary: str) -> str:
        return self._messages.get(f"boundary_{boundary}", boundary)
