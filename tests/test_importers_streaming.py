"""The Apple Health importer streams: memory stays flat however large the export.

The default run imports a generated 20 MB export in a child process and bounds its peak
RSS; the 500 MB run (about half a minute) is opt-in: ``COACH_IMPORT_500MB=1``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.imports import measure, write_export

PEAK_RSS_LIMIT_MB = 120
"""Interpreter plus importer; a tree-building parser needs gigabytes for 500 MB."""


def test_a_generated_export_imports_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    records = write_export(path, 20 * 2**20)
    data = measure(path)
    assert data["records"] == records
    assert data["peak_rss_mb"] < PEAK_RSS_LIMIT_MB


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("COACH_IMPORT_500MB") != "1", reason="set COACH_IMPORT_500MB=1 to run"
)
def test_a_500_mb_export_imports_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "export.xml"
    records = write_export(path, 500 * 2**20)
    data = measure(path)
    print(f"500 MB: {data}")
    assert data["records"] == records
    assert data["peak_rss_mb"] < PEAK_RSS_LIMIT_MB
