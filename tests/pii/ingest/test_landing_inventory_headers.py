"""A header label the spec reads must head one column (header_labels.py), in every adapter."""

from __future__ import annotations

import unicodedata

from pii.catalog import load_sources
from pii.ingest.grid import GridRow
from pii.ingest.header_labels import repeated_labels
from pii.ingest.record_list import conform_records
from tests.pii.ingest.helpers import codes, conserved, context, grid, registry


def _header(*labels: str) -> GridRow:
    return GridRow("", 2, labels, tuple("s" for _ in labels))


def test_repeats_match_like_labels_do_and_unread_labels_do_not_count() -> None:
    nfd = unicodedata.normalize("NFD", "HẠ TẦNG SỐ")
    header = _header("STT", "Tỉnh/Thành phố", "Hạ tầng số", "Ghi chú", nfd, "Ghi chú", "")
    assert repeated_labels(header, ["Tỉnh/Thành phố", "Hạ tầng số", "Chính quyền số"]) == {"Hạ tầng số": [2, 4]}
    assert repeated_labels(_header("Hạ tầng số", "Hạ tầng số 2"), ["Hạ tầng số"]) == {}


def test_a_record_list_with_a_repeated_id_column_is_refused() -> None:
    source = load_sources()["ipvn_applications"]
    rows = grid([["Danh sách đơn 2024"], ["Số đơn", "Loại đơn", "Ngày nộp đơn", "Tỉnh/Thành phố", "Số đơn"],
                 ["1-2024-00001", "Sáng chế", "02/01/2024", "Hà Nội", "1-2024-00009"]])
    result = conform_records(source, context(), rows, registry())
    assert codes(result) == ["duplicate_header"] and result.records == []
    entry = result.quarantine[0]
    assert (entry["row_number"], entry["column_ref"]) == (2, "E")
    assert "'Số đơn' appears in columns A, E" in entry["reason"] and entry["reason"].startswith("2024/test/file.csv")
    assert [d["disposition"] for d in result.dispositions] == ["structural", "structural", "quarantined"]
    assert conserved(result, rows)
