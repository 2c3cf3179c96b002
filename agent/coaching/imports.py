"""``coach import FILE`` behind the CLI and the API: parse (pure), then store in one go.

The file is parsed before any transaction opens (an Apple Health export can take a
while), then everything it held is written in one transaction: a refused or broken file
changes nothing, and a file imported twice adds nothing the second time.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from agent.importers import DEFAULT_MAX_BYTES, parse_file
from agent.importers.records import ImportRefused
from agent.memory import portability, store, wearables
from agent.memory.exercises import ExerciseIndex

LIFTING_KINDS = frozenset({"strong", "hevy", "fitnotes"})


def max_import_bytes() -> int:
    """The XML size limit: ``COACH_IMPORT_MAX_MB`` megabytes, else the default (8 GiB).

    Raises:
        ImportRefused: The variable is not a positive whole number.
    """
    raw = os.environ.get("COACH_IMPORT_MAX_MB")
    if not raw:
        return DEFAULT_MAX_BYTES
    if not raw.isdigit() or int(raw) <= 0:
        raise ImportRefused(f"COACH_IMPORT_MAX_MB must be a positive number of MB, not {raw!r}")
    return int(raw) * 2**20


def import_path(
    db: sqlite_utils.Database,
    user_id: int,
    path: Path,
    now: datetime,
    *,
    kind: str | None = None,
    unit: Literal["kg", "lb"] | None = None,
    display_name: str | None = None,
    index: ExerciseIndex | None = None,
) -> dict[str, Any]:
    """Import the export at ``path`` for ``user_id``; returns the report as plain data.

    Args:
        db: The database.
        user_id: Whose data.
        path: The file.
        now: The import's clock.
        kind: The export's kind, or None to detect it.
        unit: Weight unit for lifting logs that name none (default: the person's units).
        display_name: The file's name as the person knows it (uploads use a temp path).
        index: Exercise catalog index for lifting logs (default: the planning catalog).

    Raises:
        ImportRefused: The file cannot be imported; nothing was stored.
    """
    units = unit or ("lb" if store.get_profile(db, user_id).units == "lb" else "kg")
    origin = "as asked" if unit else "your units"
    parsed = parse_file(path, units, kind, max_import_bytes(), unit_origin=origin)
    name = display_name or path.name
    report: dict[str, Any] = {"file": name, "kind": parsed.kind, "read": parsed.read}
    if parsed.kind in LIFTING_KINDS:
        lifting = portability.store_lifting(db, user_id, parsed, now, index)
        wearables.save(db, user_id, parsed, now, name, {"lifting": lifting.to_json()})
        report.update(lifting.to_json())
        report.update(skipped=dict(parsed.skipped), notes=list(parsed.notes))
        return report
    counts = wearables.save(db, user_id, parsed, now, name)
    report.update(skipped=dict(parsed.skipped), notes=list(parsed.notes), **counts.to_json())
    return report


def summary_line(report: dict[str, Any]) -> str:
    """The report in one line for the terminal."""
    skipped = sum(report.get("skipped", {}).values())
    if "sets" in report:
        return (
            f"imported {report['workouts']} workouts, {report['sets']} sets ({report['kind']}); "
            f"{report['skipped_duplicate_workouts']} already imported, {skipped} rows skipped"
        )
    values = report["daily_values"]
    acts = report["activities"]
    return (
        f"{report['file']} ({report['kind']}): read {report['read']} records; daily values "
        f"{values['added']} added, {values['updated']} updated, {values['unchanged']} "
        f"unchanged; activities {acts['added']} added, {acts['already']} already imported; "
        f"{skipped} skipped"
    )


__all__ = ["LIFTING_KINDS", "import_path", "max_import_bytes", "summary_line"]
