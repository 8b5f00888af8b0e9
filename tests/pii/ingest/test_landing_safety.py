"""landing.py: files leaving the landing folder or too large are recorded as unreadable, not read."""

from __future__ import annotations

from pathlib import Path

import pytest

from pii.catalog import load_sources
from pii.ingest import landing as landing_module
from pii.ingest.conform import conform_raw, read_raw
from pii.ingest.inventory import take_inventory
from pii.ingest.landing import LandingError, find_files, safe_resolve
from pii.provinces import default_registry

PAPI = load_sources()["papi"]
CSV = "PAPI 2024\nSTT,Tỉnh/Thành phố,Quản trị môi trường\n1,Hà Nội,6.1\n"


def _landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    (root / "2023" / "papi").mkdir(parents=True)
    (root / "2024" / "papi").mkdir(parents=True)
    return root


def test_link_outside_is_listed_with_an_error_and_the_other_files_still_load(tmp_path: Path) -> None:
    root = _landing(tmp_path)
    (root / "2023" / "papi" / "papi_2023.csv").write_text(CSV.replace("2024", "2023"), encoding="utf-8")
    outside = tmp_path / "secret.csv"
    outside.write_text(CSV, encoding="utf-8")
    (root / "2024" / "papi" / "papi_2024.csv").symlink_to(outside)
    files = find_files(root, PAPI)
    assert [(f.rel_path, f.error is None) for f in files] == [("2023/papi/papi_2023.csv", True),
                                                             ("2024/papi/papi_2024.csv", False)]
    refused = files[1]
    assert refused.sha256 == "" and "outside the landing folder" in (refused.error or "")
    raw = read_raw(PAPI, refused)
    assert raw.height == 1 and raw["read_error"][0].startswith("2024/papi/papi_2024.csv: ")
    result = conform_raw(PAPI, raw, default_registry())
    assert [q["reason_code"] for q in result.quarantine] == ["unreadable_file"]
    assert len(conform_raw(PAPI, read_raw(PAPI, files[0]), default_registry()).observations) == 1


def test_link_inside_the_landing_folder_is_read(tmp_path: Path) -> None:
    root = _landing(tmp_path)
    (root / "shared.csv").write_text(CSV, encoding="utf-8")
    (root / "2024" / "papi" / "papi_2024.csv").symlink_to(root / "shared.csv")
    [found] = find_files(root, PAPI)
    assert found.error is None and found.sha256


def test_directory_link_leaving_the_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "landing"
    (root / "2024").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "papi_2024.csv").write_text(CSV, encoding="utf-8")
    (root / "2024" / "papi").symlink_to(elsewhere, target_is_directory=True)
    assert find_files(root, PAPI) == []  # the folder behind the link is never walked ...
    inventory = take_inventory(root, [PAPI])
    [link] = inventory.unmatched  # ... and the link itself is listed, with why nothing under it is read
    assert link.rel_path == "2024/papi" and link.status == "unrecognised_file"
    assert "path resolves outside the landing folder" in link.reason


def test_too_large_file_is_refused_without_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _landing(tmp_path)
    (root / "2024" / "papi" / "papi_2024.csv").write_text(CSV, encoding="utf-8")
    monkeypatch.setattr(landing_module, "MAX_FILE_BYTES", 10)
    [found] = find_files(root, PAPI)
    assert found.error and "exceeds the 10-byte limit" in found.error


@pytest.mark.parametrize("rel", ["..", "a/../../b.csv", "/etc/passwd"])
def test_safe_resolve_refuses_escaping_names(tmp_path: Path, rel: str) -> None:
    with pytest.raises(LandingError, match="leaves the landing folder"):
        safe_resolve(tmp_path, rel)
