"""A person's data in and out: export everything, delete everything, import lifting logs.

* :func:`export_user` gathers every row that belongs to one person, table by table;
  :func:`write_export` writes it as ``<dir>/export.json`` plus ``set_logs.csv``.
* :func:`delete_user` removes the person from every table in one transaction and leaves
  one audit entry naming only the pseudonym and row counts.
* :func:`import_history` reads a Strong, Hevy or FitNotes CSV export, matches exercise names to the
  catalog fuzzily (unmatched names are kept as ``custom:`` exercises and reported), and
  skips workouts already imported, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from agent.clock import iso
from agent.importers import lifting
from agent.importers.records import LiftSet, ParseResult
from agent.memory import aggregates, store
from agent.memory.db import checkpoint_and_truncate, transaction
from agent.memory.dialect import engine_of
from agent.memory.exercises import ExerciseIndex, default_index, slug
from agent.memory.history import LB_TO_KG, to_kg

USER_TABLES: tuple[str, ...] = (
    "safety_flags",
    "messages",
    "turns",
    "conversations",
    "feedback",
    "set_logs",
    "workout_sessions",
    "notes",
    "profiles",
)
"""Known tables with a ``user_id`` column, children before parents (delete order).

Tables other modules add later with a ``user_id`` column are found by
:func:`user_tables` and handled too, so a new feature cannot leak past a deletion."""


def user_tables(db: sqlite_utils.Database) -> list[str]:
    """Every table holding a ``user_id`` column: the known ones first, then any others."""
    found = [
        name
        for name in db.table_names()
        if not name.startswith(("_", "sqlite_"))
        and any(col.name == "user_id" for col in db[name].columns)
    ]
    known = [t for t in USER_TABLES if t in found]
    # Unknown tables first: they may reference the known ones (not the other way round).
    return [t for t in found if t not in known] + known


SET_LOG_CSV_COLUMNS: tuple[str, ...] = (
    "logged_at",
    "session_id",
    "exercise_id",
    "exercise_name",
    "set_number",
    "set_type",
    "reps",
    "load",
    "unit",
    "load_kg",
    "rpe",
    "rir",
    "duration_s",
    "source",
)


def _rows(db: sqlite_utils.Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _row_order(db: sqlite_utils.Database, table: str) -> str:
    # Rows in the order they were written: ``id`` where the table numbers its rows (on
    # SQLite that is the rowid itself); otherwise SQLite's rowid, and on PostgreSQL, which
    # has none, every column in turn so the order is at least the same on every export.
    columns = [col.name for col in db[table].columns]
    if "id" in columns:
        return "id"
    if engine_of(db) == "sqlite":
        return "rowid"
    return ", ".join(str(n) for n in range(1, len(columns) + 1))


def export_user(db: sqlite_utils.Database, user_id: int) -> dict[str, Any]:
    """Every row of one person, keyed by table (``users`` first, ``flag_events`` last)."""
    data: dict[str, Any] = {
        "format": "coachloop-export",
        "version": 1,
        "users": _rows(db, "SELECT * FROM users WHERE id = ?", [user_id]),
    }
    for table in reversed(user_tables(db)):
        data[table] = _rows(
            db,
            f"SELECT * FROM {table} WHERE user_id = ? ORDER BY {_row_order(db, table)}",
            [user_id],
        )
    data["flag_events"] = _rows(
        db,
        "SELECT * FROM flag_events WHERE flag_id IN (SELECT id FROM safety_flags "
        "WHERE user_id = ?) ORDER BY id",
        [user_id],
    )
    return data


def write_export(data: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write ``export.json`` and ``set_logs.csv`` into ``out_dir``; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "export.json"
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    csv_path = out_dir / "set_logs.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=SET_LOG_CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(data.get("set_logs", []))
    return [json_path, csv_path]


def delete_user(
    db: sqlite_utils.Database, user_id: int, now: datetime, actor: str = "user"
) -> dict[str, int]:
    """Remove the person from every table; audit the deletion without personal content.

    Operators' flag events about the person's flags stay (the review trail outlives the
    account) but lose their free-text notes, which may quote the person.

    Returns:
        Rows deleted per table.
    """
    with transaction(db):
        pseudonym = store.user_pseudonym(db, user_id)
        counts: dict[str, int] = {}
        scrubbed = db.execute(
            "UPDATE flag_events SET note = NULL, from_value = NULL, to_value = NULL "
            "WHERE flag_id IN (SELECT id FROM safety_flags WHERE user_id = ?)",
            [user_id],
        ).rowcount
        for table in user_tables(db):
            counts[table] = db.execute(f"DELETE FROM {table} WHERE user_id = ?", [user_id]).rowcount
        counts["users"] = db.execute("DELETE FROM users WHERE id = ?", [user_id]).rowcount
        store.audit(
            db,
            actor=actor,
            action="user.delete",
            now=now,
            subject=pseudonym,
            detail={"rows": counts, "flag_events_scrubbed": scrubbed},
        )
    # secure_delete zeroed the rows in the pages written; the WAL still holds the old
    # pages until it is checkpointed and truncated (done by whoever commits, if the
    # deletion ran inside a caller's transaction).
    if not db.conn.in_transaction:
        checkpoint_and_truncate(db)
    return counts


# -- import ------------------------------------------------------------------------------

ImportFormat = Literal["strong", "hevy", "fitnotes", "auto"]


@dataclass
class ImportReport:
    """What an import of a lifting log did."""

    format: str
    workouts: int = 0
    sets: int = 0
    skipped_duplicate_workouts: int = 0
    skipped_rows: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    """Why rows were skipped -> how many."""
    notes: list[str] = field(default_factory=list)
    """Remarks such as the unit assumed for a file that names none."""
    matched: dict[str, str] = field(default_factory=dict)
    """File exercise name -> catalog id."""
    unmatched: dict[str, int] = field(default_factory=dict)
    """File exercise names not in the catalog -> sets (kept as custom exercises)."""

    def to_json(self) -> dict[str, Any]:
        """The report as plain data."""
        return {
            "format": self.format,
            "workouts": self.workouts,
            "sets": self.sets,
            "skipped_duplicate_workouts": self.skipped_duplicate_workouts,
            "skipped_rows": self.skipped_rows,
            "skipped": self.skipped,
            "notes": self.notes,
            "matched": self.matched,
            "unmatched": self.unmatched,
        }


def import_history(
    db: sqlite_utils.Database,
    user_id: int,
    text: str,
    now: datetime,
    *,
    fmt: ImportFormat = "auto",
    unit: Literal["kg", "lb"] = "kg",
    index: ExerciseIndex | None = None,
) -> ImportReport:
    """Import a Strong, Hevy or FitNotes CSV export as done workouts with their sets.

    Args:
        db: The database.
        user_id: Whose history.
        text: The CSV file's content.
        now: The import's clock (for ``created_at``).
        fmt: ``strong``, ``hevy``, ``fitnotes`` or ``auto`` (from the header).
        unit: The unit of a weight column that names none (the person's units).
        index: Catalog index (default: the planning catalog).

    Raises:
        ValueError: The file is empty or not a lifting log (an ``ImportRefused``).
    """
    parsed = lifting.parse(text, unit, None if fmt == "auto" else fmt)
    return store_lifting(db, user_id, parsed, now, index)


def store_lifting(
    db: sqlite_utils.Database,
    user_id: int,
    parsed: ParseResult,
    now: datetime,
    index: ExerciseIndex | None = None,
) -> ImportReport:
    """Store a parsed lifting log; workouts already imported are skipped."""
    catalog = index if index is not None else default_index()
    report = ImportReport(
        format=parsed.kind,
        skipped_rows=sum(parsed.skipped.values()),
        skipped=dict(parsed.skipped),
        notes=list(parsed.notes),
    )
    workouts: dict[tuple[str, str], list[LiftSet]] = {}
    for row in parsed.sets:
        workouts.setdefault(row.workout_key, []).append(row)
    unmatched: Counter[str] = Counter()
    with transaction(db):
        for rows in workouts.values():
            if _import_workout(db, user_id, rows, now, catalog, report, unmatched):
                report.workouts += 1
        aggregates.refresh(db, user_id)
    report.unmatched = dict(sorted(unmatched.items()))
    return report


def _import_workout(
    db: sqlite_utils.Database,
    user_id: int,
    rows: list[LiftSet],
    now: datetime,
    catalog: ExerciseIndex,
    report: ImportReport,
    unmatched: Counter[str],
) -> bool:
    first = rows[0]
    started = iso(first.started)
    plan = json.dumps({"title": first.title, "imported_from": report.format})
    exists = db.execute(
        "SELECT 1 FROM workout_sessions WHERE user_id = ? AND source = 'import' "
        "AND started_at = ? AND plan = ?",
        [user_id, started, plan],
    ).fetchone()
    if exists:
        report.skipped_duplicate_workouts += 1
        return False
    session_id = db.execute(
        "INSERT INTO workout_sessions (user_id, status, planned_for, plan, source, created_at, "
        "started_at, finished_at) VALUES (?, 'done', ?, ?, 'import', ?, ?, ?)",
        [user_id, first.started.date().isoformat(), plan, iso(now), started, started],
    ).lastrowid
    numbers: Counter[str] = Counter()
    for row in rows:
        ref = catalog.resolve(row.exercise)
        if ref is not None:
            exercise_id, name = ref.id, ref.name
            report.matched[row.exercise] = ref.id
        else:
            exercise_id, name = slug(row.exercise), row.exercise
            unmatched[row.exercise] += 1
        numbers[exercise_id] += 1
        load_kg = to_kg(row.load, row.unit)
        db.execute(
            "INSERT INTO set_logs (user_id, session_id, exercise_id, exercise_name, set_number, "
            "reps, load, unit, load_kg, rpe, rir, duration_s, logged_at, source, set_type) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                user_id,
                session_id,
                exercise_id,
                name,
                row.set_number or numbers[exercise_id],
                row.reps,
                row.load,
                row.unit,
                load_kg,
                row.rpe,
                10 - row.rpe if row.rpe is not None else None,
                row.duration_s,
                started,
                "import",
                row.set_type,
            ],
        )
        report.sets += 1
    return True


__all__ = [
    "LB_TO_KG",
    "SET_LOG_CSV_COLUMNS",
    "USER_TABLES",
    "ImportReport",
    "delete_user",
    "export_user",
    "import_history",
    "store_lifting",
    "write_export",
]
