"""Garmin FIT activity files, read with ``fitdecode`` (MIT).

Not Garmin's official SDK: its licence forbids use in safety-critical products and
copyleft redistribution. ``fitdecode`` reads chained FIT files (several FIT files back
to back, as some devices and Garmin Connect write them) as one stream of frames; every
``session`` message becomes one activity, and a file without sessions falls back to its
``record`` messages (first and last timestamp, mean and peak heart rate).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fitdecode

from agent.importers.records import Activity, ImportRefused, ParseResult, sport_from


@dataclass
class _Records:
    first: datetime | None = None
    last: datetime | None = None
    heart_rates: list[float] = field(default_factory=list)
    distance_m: float | None = None


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _number(frame: fitdecode.FitDataMessage, name: str) -> float | None:
    if not frame.has_field(name):
        return None
    value = frame.get_value(name)
    return float(value) if isinstance(value, int | float) else None


def _session(frame: fitdecode.FitDataMessage, result: ParseResult) -> None:
    result.read += 1
    started = _aware(frame.get_value("start_time") if frame.has_field("start_time") else None)
    seconds = _number(frame, "total_timer_time") or _number(frame, "total_elapsed_time")
    if started is None or not seconds:
        result.skip("a session without start time or duration")
        return
    sport = frame.get_value("sport") if frame.has_field("sport") else "generic"
    sub = frame.get_value("sub_sport") if frame.has_field("sub_sport") else None
    label = str(sport)
    result.activities.append(
        Activity(
            source="Garmin FIT",
            started_at=started,
            sport=sport_from(label),
            duration_s=round(seconds, 1),
            name=f"{label} ({sub})" if sub and sub != "generic" else label,
            distance_m=_number(frame, "total_distance"),
            avg_hr=_number(frame, "avg_heart_rate"),
            max_hr=_number(frame, "max_heart_rate"),
            calories=_number(frame, "total_calories"),
        )
    )


def parse(path: Path) -> ParseResult:
    """Every activity session in the (possibly chained) FIT file at ``path``.

    Raises:
        ImportRefused: Not a FIT file, or its data is corrupt (bad CRC, truncated).
    """
    result = ParseResult(kind="garmin_fit")
    records = _Records()
    sports: list[str] = []
    sessions_before = 0
    try:
        with fitdecode.FitReader(
            str(path),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.RAISE,
        ) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                if frame.name == "session":
                    _session(frame, result)
                elif frame.name == "sport" and frame.has_field("sport"):
                    sports.append(str(frame.get_value("sport")))
                elif frame.name == "record":
                    _record(frame, records)
    except fitdecode.FitError as exc:
        raise ImportRefused(f"not a readable FIT file: {exc}") from exc
    except (AssertionError, TypeError, ValueError, KeyError, IndexError, struct.error) as exc:
        # Bytes damaged mid-file reach fitdecode's decoders before its CRC check can
        # speak, and surface as these; they all mean the same thing to the person.
        raise ImportRefused("not a readable FIT file: its data is damaged") from exc
    if len(result.activities) == sessions_before and records.first and records.last:
        result.read += 1
        hr = records.heart_rates
        result.activities.append(
            Activity(
                source="Garmin FIT",
                started_at=records.first,
                sport=sport_from(sports[0] if sports else "other"),
                duration_s=(records.last - records.first).total_seconds(),
                name=sports[0] if sports else "activity",
                distance_m=records.distance_m,
                avg_hr=round(sum(hr) / len(hr), 1) if hr else None,
                max_hr=max(hr) if hr else None,
            )
        )
        result.notes.append("no session summary in the file: built from its track records")
    return result


def _record(frame: fitdecode.FitDataMessage, records: _Records) -> None:
    stamp = _aware(frame.get_value("timestamp") if frame.has_field("timestamp") else None)
    if stamp is not None:
        records.first = records.first or stamp
        records.last = stamp
    heart = _number(frame, "heart_rate")
    if heart:
        records.heart_rates.append(heart)
    distance = _number(frame, "distance")
    if distance is not None:
        records.distance_m = distance


__all__ = ["parse"]
