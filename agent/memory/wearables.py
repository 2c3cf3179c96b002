"""Imported recovery readings and activities: store, read, summarise.

Daily values are kept one per (day, metric, kind, window, source): a re-import of the
same export leaves them as they are, a later export with a corrected value updates it.
Activities are keyed by source and start time, so importing a file twice adds nothing.
The whole file is written in one transaction, or nothing is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from agent.clock import iso
from agent.importers.records import ENDURANCE_SPORTS, Activity, ParseResult
from agent.memory.db import transaction
from agent.memory.store import get_profile
from agent.planning import recovery
from agent.planning.models import ActivityRecord
from agent.planning.recovery import (
    BASELINE_DAYS,
    CHART_DAYS,
    WINDOW_DAYS,
    DeviceReadiness,
    Reading,
)

if TYPE_CHECKING:
    import sqlite_utils


@dataclass
class StoredCounts:
    """What writing one file's records did."""

    values_added: int = 0
    values_updated: int = 0
    values_unchanged: int = 0
    activities_added: int = 0
    activities_already: int = 0
    by_metric: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The counts as plain data."""
        return {
            "daily_values": {
                "added": self.values_added,
                "updated": self.values_updated,
                "unchanged": self.values_unchanged,
                "by_metric": dict(sorted(self.by_metric.items())),
            },
            "activities": {"added": self.activities_added, "already": self.activities_already},
        }


def _store_values(db: sqlite_utils.Database, user_id: int, result: ParseResult,
                  stamp: str, counts: StoredCounts) -> None:  # fmt: skip
    for item in result.daily:
        counts.by_metric[item.metric] = counts.by_metric.get(item.metric, 0) + 1
        key = [user_id, item.metric, item.kind, item.window, item.source, item.day.isoformat()]
        held = db.execute(
            "SELECT id, value FROM daily_metrics WHERE user_id = ? AND metric = ? AND kind = ? "
            "AND time_window = ? AND source = ? AND day = ?",
            key,
        ).fetchone()
        if held is None:
            db.execute(
                "INSERT INTO daily_metrics (user_id, metric, kind, time_window, source, day, "
                "value, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [*key, item.value, stamp],
            )
            counts.values_added += 1
        elif abs(float(held[1]) - item.value) > 1e-9:
            db.execute(
                "UPDATE daily_metrics SET value = ?, imported_at = ? WHERE id = ?",
                [item.value, stamp, held[0]],
            )
            counts.values_updated += 1
        else:
            counts.values_unchanged += 1


def _store_activity(db: sqlite_utils.Database, user_id: int, item: Activity, stamp: str) -> bool:
    cursor = db.execute(
        "INSERT INTO activities (user_id, external_key, source, sport, name, "
        "started_at, day, duration_s, distance_m, avg_hr, max_hr, calories, imported_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (user_id, external_key) DO NOTHING",
        [
            user_id,
            item.key,
            item.source,
            item.sport,
            item.name,
            item.started_at.isoformat(timespec="seconds"),
            item.started_at.date().isoformat(),
            item.duration_s,
            item.distance_m,
            item.avg_hr,
            item.max_hr,
            item.calories,
            stamp,
        ],
    )
    return cursor.rowcount > 0


def save(
    db: sqlite_utils.Database,
    user_id: int,
    result: ParseResult,
    now: datetime,
    file_name: str,
    extra_report: dict[str, Any] | None = None,
) -> StoredCounts:
    """Write one parsed file's daily values and activities, and log the import.

    ``extra_report`` (e.g. the lifting sets stored) is kept in the import log with the
    counts, so ``imports`` records what each file did.
    """
    counts = StoredCounts()
    stamp = iso(now)
    with transaction(db):
        _store_values(db, user_id, result, stamp, counts)
        for item in result.activities:
            if _store_activity(db, user_id, item, stamp):
                counts.activities_added += 1
            else:
                counts.activities_already += 1
        report = {
            "read": result.read,
            "skipped": dict(result.skipped),
            "notes": result.notes,
            **counts.to_json(),
            **(extra_report or {}),
        }
        db.execute(
            "INSERT INTO imports (user_id, kind, file_name, report, imported_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [user_id, result.kind, file_name, json.dumps(report, default=str), stamp],
        )
    return counts


def readings(db: sqlite_utils.Database, user_id: int, since: date, until: date) -> list[Reading]:
    """Recovery readings (HRV, resting HR, sleep) between two dates, inclusive."""
    rows = db.execute(
        "SELECT day, metric, value, source, kind, time_window FROM daily_metrics "
        "WHERE user_id = ? AND metric IN ('hrv', 'resting_hr', 'sleep_minutes') "
        "AND day BETWEEN ? AND ? ORDER BY day, id",
        [user_id, since.isoformat(), until.isoformat()],
    ).fetchall()
    return [
        Reading(
            day=date.fromisoformat(day),
            metric=metric,
            value=float(value),
            source=source,
            kind=kind,
            window=window,
        )
        for day, metric, value, source, kind, window in rows
    ]


@dataclass(frozen=True)
class StoredActivity:
    """An imported activity as the planner and the week read it."""

    day: date
    sport: str
    minutes: float
    avg_hr: float | None
    max_hr: float | None
    name: str
    source: str
    distance_m: float | None


def activities(
    db: sqlite_utils.Database, user_id: int, since: date, until: date
) -> list[StoredActivity]:
    """Imported activities that started between two dates (inclusive), oldest first."""
    rows = db.execute(
        "SELECT day, sport, duration_s, avg_hr, max_hr, name, source, distance_m "
        "FROM activities WHERE user_id = ? AND day BETWEEN ? AND ? ORDER BY started_at, id",
        [user_id, since.isoformat(), until.isoformat()],
    ).fetchall()
    return [
        StoredActivity(
            day=date.fromisoformat(day),
            sport=sport,
            minutes=round(float(seconds) / 60, 1),
            avg_hr=avg_hr,
            max_hr=max_hr,
            name=name or sport,
            source=source,
            distance_m=distance,
        )
        for day, sport, seconds, avg_hr, max_hr, name, source, distance in rows
    ]


def peak_heart_rate(db: sqlite_utils.Database, user_id: int) -> float | None:
    """The highest heart rate any imported activity recorded (a floor for HRmax)."""
    row = db.execute(
        "SELECT MAX(max_hr) FROM activities WHERE user_id = ? AND max_hr BETWEEN 100 AND 230",
        [user_id],
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else None


__all__ = [
    "StoredActivity",
    "StoredCounts",
    "activities",
    "device_readiness",
    "peak_heart_rate",
    "planner_activities",
    "readings",
    "recorded_readiness",
    "save",
]


def device_readiness(db: sqlite_utils.Database, user_id: int, day: date) -> DeviceReadiness:
    """Readiness from the person's stored recovery readings, as judged on ``day``."""
    since = day - timedelta(days=BASELINE_DAYS + WINDOW_DAYS + CHART_DAYS)
    return recovery.device_readiness(readings(db, user_id, since, day), day)


def recorded_readiness(
    db: sqlite_utils.Database, user_id: int, day: date
) -> DeviceReadiness | None:
    """:func:`device_readiness`, or None when there is no reading to judge (no data).

    For readers that want the band and drivers only (the context, the planner): most
    people import no recovery data, and judging none built a month of empty chart days
    on every turn.
    """
    since = day - timedelta(days=BASELINE_DAYS + WINDOW_DAYS + CHART_DAYS)
    found = readings(db, user_id, since, day)
    return recovery.device_readiness(found, day) if found else None


def planner_activities(
    db: sqlite_utils.Database, user_id: int, today: date, days: int
) -> list[ActivityRecord]:
    """Imported activities of the last ``days`` days as the planner reads them.

    Intensity comes from the mean heart rate against the person's maximal heart rate
    (the higher of the age estimate and the peak any activity recorded).
    """
    age = get_profile(db, user_id).age
    hr_max = recovery.estimated_hr_max(age, peak_heart_rate(db, user_id))
    return [
        ActivityRecord(
            day=item.day,
            sport=item.sport,
            minutes=item.minutes,
            vigorous=recovery.is_vigorous(item.avg_hr, hr_max),
        )
        for item in activities(db, user_id, today - timedelta(days=days), today)
        if item.sport in ENDURANCE_SPORTS
    ]
