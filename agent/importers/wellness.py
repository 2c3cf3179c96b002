"""Recovery and activity CSV/JSON exports: Garmin Connect, Oura, WHOOP, Fitbit/Takeout.

Each maps the app's columns onto daily values (resting HR, HRV with its kind and window,
sleep and its stages) and activities. Column names are matched after normalisation
(``agent.importers.tables.header_key``), so both of Oura's header styles and WHOOP's
translated headers meet in one name.
"""

from __future__ import annotations

import json
import re
import zipfile
from datetime import UTC, date, timedelta, timezone
from pathlib import Path
from typing import Any

from agent.importers.records import (
    Activity,
    DailyValue,
    ImportRefused,
    Metric,
    ParseResult,
    sport_from,
)
from agent.importers.tables import clock_seconds, number, parse_datetime, pick, read_rows

# -- Garmin Connect activities CSV ---------------------------------------------------------


def is_garmin(header: set[str]) -> bool:
    """Garmin Connect's "Export CSV" of the activities list."""
    return {"activity_type", "date", "time"} <= header and bool({"avg_hr", "distance"} & header)


def garmin_csv(text: str) -> ParseResult:
    """Activities from Garmin Connect's activities CSV (localised decimals, ``--`` = none).

    Times carry no zone in this export; they are read as UTC wall-clock times, which
    keeps the date as shown in Garmin Connect.
    """
    result = ParseResult(kind="garmin_csv")
    result.notes.append("distances read as km (metres for swims), as Garmin Connect shows them")
    for row in read_rows(text):
        result.read += 1
        try:
            started = parse_datetime(row["date"]).replace(tzinfo=UTC)
        except (KeyError, ValueError):
            result.skip("a row without a readable date")
            continue
        seconds = clock_seconds(pick(row, "time", "moving_time", "elapsed_time"))
        if not seconds:
            result.skip("a row without a duration")
            continue
        sport = sport_from(row.get("activity_type", ""))
        # Swims are in metres, whole numbers: "1.500" and "1,500" are both 1500 m.
        distance = number(row.get("distance"), integer=sport == "swim")
        if distance is not None and sport != "swim":
            distance *= 1000
        result.activities.append(
            Activity(
                source="Garmin Connect",
                started_at=started,
                sport=sport,
                duration_s=seconds,
                name=row.get("title") or row.get("activity_type", ""),
                distance_m=round(distance, 1) if distance else None,
                avg_hr=number(row.get("avg_hr"), integer=True),
                max_hr=number(row.get("max_hr"), integer=True),
                calories=number(row.get("calories"), integer=True),
            )
        )
    return result


# -- Oura ------------------------------------------------------------------------------------

_OURA_STAGES: tuple[tuple[str, Metric], ...] = (
    ("total_sleep_duration", "sleep_minutes"),
    ("rem_sleep_duration", "sleep_rem_minutes"),
    ("deep_sleep_duration", "sleep_deep_minutes"),
    ("light_sleep_duration", "sleep_light_minutes"),
    ("awake_time", "sleep_awake_minutes"),
)


def is_oura(header: set[str]) -> bool:
    """Oura's daily export, either header style (``Total Sleep Duration`` or snake case)."""
    return bool({"date", "day"} & header) and "total_sleep_duration" in header


def oura(text: str) -> ParseResult:
    """Nightly values from Oura's CSV: durations in seconds, HRV is a night's RMSSD."""
    result = ParseResult(kind="oura")
    for row in read_rows(text):
        result.read += 1
        raw_day = pick(row, "date", "day")
        try:
            day = parse_datetime(raw_day or "").date()
        except ValueError:
            result.skip("a row without a readable date")
            continue
        values = 0
        for column, metric in _OURA_STAGES:
            seconds = number(row.get(column))
            if seconds:
                result.daily.append(DailyValue(day, metric, round(seconds / 60, 1), "Oura"))
                values += 1
        resting = number(
            pick(
                row, "lowest_resting_heart_rate", "lowest_heart_rate", "average_resting_heart_rate"
            )
        )
        if resting:
            result.daily.append(DailyValue(day, "resting_hr", resting, "Oura"))
            values += 1
        hrv = number(pick(row, "average_hrv", "average_heart_rate_variability"))
        if hrv:
            result.daily.append(DailyValue(day, "hrv", hrv, "Oura", "rmssd", "night"))
            values += 1
        if not values:
            result.skip("a day with no readings")
    return result


# -- WHOOP -------------------------------------------------------------------------------------

# Canonical column -> stems that name it in the languages WHOOP exports in (English,
# German, French, Spanish). A header matches when it contains every stem of one entry.
_WHOOP_COLUMNS: dict[str, tuple[tuple[str, ...], ...]] = {
    "timezone": (("timezone",), ("zeitzone",), ("fuseau",), ("zona_horaria",)),
    "wake": (("wake_onset",), ("aufwach",), ("reveil",), ("despertar",)),
    "cycle_start": (("cycle_start",), ("zyklus", "start"), ("debut", "cycle"), ("inicio", "ciclo")),
    "resting_hr": (
        ("resting_heart_rate",),
        ("ruhepuls",),
        ("ruheherzfrequenz",),
        ("repos", "cardiaque"),
        ("reposo", "cardiaca"),
    ),
    "hrv": (("variability",), ("variabilitat",), ("variabilite",), ("variabilidad",)),
    "asleep": (
        ("asleep_duration",),
        ("schlafdauer",),
        ("duree", "sommeil"),
        ("duracion", "sueno"),
    ),
    "light": (("light_sleep",), ("leichtschlaf",), ("sommeil_leger",), ("sueno_ligero",)),
    "deep": (("deep",), ("tiefschlaf",), ("sommeil_profond",), ("sueno_profundo",)),
    "rem": (("rem_duration",), ("rem_dauer",), ("duree_rem",), ("duracion_rem",)),
    "awake": (("awake_duration",), ("wachdauer",), ("duree_eveil",), ("duracion_despierto",)),
    "workout_start": (
        ("workout_start",),
        ("trainingsstart",),
        ("debut", "entrainement"),
        ("inicio", "entrenamiento"),
    ),
    "duration": (("duration_min",), ("dauer_min",), ("duree_min",), ("duracion_min",)),
    "activity": (("activity_name",), ("aktivitat",), ("activite",), ("actividad",)),
    "avg_hr": (("average_hr",), ("durchschnittliche_hf",), ("fc_moyenne",), ("fc_media",)),
    "max_hr": (("max_hr",), ("maximale_hf",), ("fc_max",), ("fc_maxima",)),
    "distance": (("distance_meters",), ("distanz",), ("distance_metres",), ("distancia",)),
    "energy": (
        ("energy_burned",),
        ("energieverbrauch",),
        ("energie_depensee",),
        ("energia_quemada",),
    ),
}
_OFFSET = re.compile(r"([+-])(\d{1,2}):?(\d{2})?")


def _whoop_columns(header: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for canonical, spellings in _WHOOP_COLUMNS.items():
        for key in header:
            if key in found.values():
                continue
            if any(all(stem in key for stem in stems) for stems in spellings):
                found[canonical] = key
                break
    return found


def is_whoop(header: set[str]) -> bool:
    """WHOOP's physiological cycles or workouts CSV, in any of its languages."""
    columns = _whoop_columns(sorted(header))
    return "cycle_start" in columns and ("hrv" in columns or "workout_start" in columns)


def _zone(text: str | None) -> timezone:
    match = _OFFSET.search(text or "")
    if not match:
        return UTC
    sign = -1 if match.group(1) == "-" else 1
    delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
    return timezone(sign * delta)


def whoop(text: str) -> ParseResult:
    """WHOOP's cycles (recovery, sleep) or workouts CSV.

    A cycle's values belong to the day you woke up (local time, as the export writes
    it); HRV is RMSSD from the night's sleep.
    """
    rows = read_rows(text)
    columns = _whoop_columns(list(rows[0]))
    result = ParseResult(kind="whoop")
    for row in rows:
        result.read += 1
        cell = {name: row.get(key, "") for name, key in columns.items()}
        if "workout_start" in columns:
            _whoop_workout(cell, result)
        else:
            _whoop_cycle(cell, result)
    return result


def _whoop_cycle(cell: dict[str, str], result: ParseResult) -> None:
    try:
        day = parse_datetime(cell.get("wake") or cell.get("cycle_start", "")).date()
    except ValueError:
        result.skip("a cycle without a wake time or start")
        return
    values = 0
    resting = number(cell.get("resting_hr"))
    if resting:
        result.daily.append(DailyValue(day, "resting_hr", resting, "WHOOP"))
        values += 1
    hrv = number(cell.get("hrv"))
    if hrv:
        result.daily.append(DailyValue(day, "hrv", hrv, "WHOOP", "rmssd", "night"))
        values += 1
    stages: tuple[tuple[str, Metric], ...] = (
        ("asleep", "sleep_minutes"),
        ("light", "sleep_light_minutes"),
        ("deep", "sleep_deep_minutes"),
        ("rem", "sleep_rem_minutes"),
        ("awake", "sleep_awake_minutes"),
    )
    for name, metric in stages:
        minutes = number(cell.get(name))
        if minutes:
            result.daily.append(DailyValue(day, metric, minutes, "WHOOP"))
            values += 1
    if not values:
        result.skip("a cycle with no readings (not yet scored)")


def _whoop_workout(cell: dict[str, str], result: ParseResult) -> None:
    try:
        started = parse_datetime(cell["workout_start"]).replace(tzinfo=_zone(cell.get("timezone")))
    except (KeyError, ValueError):
        result.skip("a workout without a readable start")
        return
    minutes = number(cell.get("duration"))
    if not minutes:
        result.skip("a workout without a duration")
        return
    result.activities.append(
        Activity(
            source="WHOOP",
            started_at=started,
            sport=sport_from(cell.get("activity", "")),
            duration_s=minutes * 60,
            name=cell.get("activity", ""),
            distance_m=number(cell.get("distance")),
            avg_hr=number(cell.get("avg_hr"), integer=True),
            max_hr=number(cell.get("max_hr"), integer=True),
            calories=number(cell.get("energy"), integer=True),
        )
    )


# -- Fitbit / Google Takeout ---------------------------------------------------------------------


def is_fitbit_hrv(header: set[str]) -> bool:
    """Takeout's "Daily Heart Rate Variability Summary" CSV."""
    return {"timestamp", "rmssd"} <= header


def fitbit_hrv(text: str) -> ParseResult:
    """Fitbit's daily HRV (RMSSD during the night's deep sleep)."""
    result = ParseResult(kind="fitbit")
    for row in read_rows(text):
        result.read += 1
        try:
            day = parse_datetime(row["timestamp"]).date()
        except (KeyError, ValueError):
            result.skip("a row without a readable date")
            continue
        value = number(row.get("rmssd"))
        if not value:
            result.skip("a day with no HRV reading")
            continue
        result.daily.append(DailyValue(day, "hrv", value, "Fitbit", "rmssd", "night"))
    return result


def is_fitbit_resting(data: Any) -> bool:
    """Takeout's ``resting_heart_rate-*.json``: a list of ``{dateTime, value: {value}}``."""
    return (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], dict)
        and "dateTime" in data[0]
        and isinstance(data[0].get("value"), dict)
    )


def fitbit_resting(text: str) -> ParseResult:
    """Fitbit's daily resting HR; its US two-digit-year dates (``07/05/24``) are read as such.

    Raises:
        ImportRefused: Not the resting-heart-rate JSON.
    """
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except ValueError as exc:
        raise ImportRefused(f"not valid JSON: {exc}") from exc
    if not is_fitbit_resting(data):
        raise ImportRefused("not Fitbit's resting_heart_rate JSON")
    result = ParseResult(kind="fitbit")
    for item in data:
        result.read += 1
        value = item.get("value") if isinstance(item, dict) else None
        raw = value.get("date") or item.get("dateTime") if isinstance(value, dict) else None
        try:
            day: date = parse_datetime(str(raw)).date()
        except ValueError:
            result.skip("an entry without a readable date")
            continue
        bpm = value.get("value") if isinstance(value, dict) else None
        if not isinstance(bpm, int | float) or bpm <= 0:
            result.skip("a day with no resting heart rate")
            continue
        result.daily.append(DailyValue(day, "resting_hr", round(float(bpm), 1), "Fitbit"))
    return result


_TAKEOUT_MEMBER_LIMIT = 200 * 2**20
"""One Takeout member is read whole; real ones are a few hundred kB."""


def fitbit_takeout(path: Path) -> ParseResult:
    """Every resting-HR JSON and daily-HRV CSV in a Google Takeout (Fitbit) zip, merged.

    Raises:
        ImportRefused: The zip holds none of them, or a member is oversized.
    """
    merged = ParseResult(kind="fitbit")
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename.rsplit("/", 1)[-1]
            wanted = name.startswith("resting_heart_rate-") and name.endswith(".json")
            hrv = name.startswith("Daily Heart Rate Variability Summary") and name.endswith(".csv")
            if not (wanted or hrv):
                continue
            if info.file_size > _TAKEOUT_MEMBER_LIMIT:
                raise ImportRefused(f"{name} in the zip is larger than any Takeout file")
            text = archive.read(info).decode("utf-8-sig", errors="replace")
            part = fitbit_resting(text) if wanted else fitbit_hrv(text)
            merged.read += part.read
            merged.daily.extend(part.daily)
            merged.skipped.update(part.skipped)
    if not merged.read:
        raise ImportRefused(
            "the zip holds neither Apple Health's export.xml nor Fitbit's resting heart rate "
            "or HRV files"
        )
    return merged


__all__ = [
    "fitbit_hrv",
    "fitbit_resting",
    "fitbit_takeout",
    "garmin_csv",
    "is_fitbit_hrv",
    "is_fitbit_resting",
    "is_garmin",
    "is_oura",
    "is_whoop",
    "oura",
    "whoop",
]
