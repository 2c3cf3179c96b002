"""Lifting logs: Strong (all its export variants), Hevy and FitNotes CSVs -> sets.

Strong's exports seen in the wild, all handled:

* comma-separated ``Date, Workout Name, Exercise Name, Set Order, Weight, Reps, ...``
  with no unit (the app's setting: the person's units are used and the report says so);
* the same with a ``Weight Unit`` column (``lbs`` / ``kg``), honoured row by row;
* semicolon-separated with ``Workout #`` and ``Weight (kg)`` / ``Weight (lbs)``, often
  with decimal commas;
* ``Rest Timer`` rows (a rest, not a set) skipped and counted;
* dates like ``2024-07-05 07:30:00`` or ``5 Jul 2024, 07:30:00``; a BOM and CRLF.

FitNotes writes one row per set with ``Date, Exercise, Category, Weight (kgs|lbs), Reps``;
a day is one workout.
"""

from __future__ import annotations

from typing import Literal

from agent.importers.records import ImportRefused, LiftSet, ParseResult
from agent.importers.tables import clock_seconds, number, parse_datetime, pick, read_rows

Unit = Literal["kg", "lb"]
LiftFormat = Literal["strong", "hevy", "fitnotes"]

_UNITS: dict[str, Unit] = {
    "kg": "kg",
    "kgs": "kg",
    "kilograms": "kg",
    "lb": "lb",
    "lbs": "lb",
    "pounds": "lb",
}
_STRONG_TYPES = {"w": "warmup", "d": "drop", "f": "failure"}
_HEVY_TYPES = {"warmup": "warmup", "dropset": "drop", "failure": "failure"}


def detect(header: set[str]) -> LiftFormat | None:
    """Which lifting app wrote a CSV with this (normalised) header, if any."""
    if {"title", "start_time", "exercise_title"} <= header:
        return "hevy"
    if {"date", "exercise_name", "set_order", "reps"} <= header:
        return "strong"
    if {"date", "exercise", "category", "reps"} <= header:
        return "fitnotes"
    return None


def parse(
    text: str,
    default_unit: Unit,
    fmt: LiftFormat | None = None,
    unit_origin: str = "your units",
) -> ParseResult:
    """Sets from a lifting app's CSV export.

    Args:
        text: The file's text.
        default_unit: The person's units, used when the file says none.
        fmt: The app, or None to tell from the header.
        unit_origin: Where ``default_unit`` came from, for the report.

    Raises:
        ImportRefused: The header is not a lifting export's.
    """
    rows = read_rows(text)
    chosen = fmt or detect(set(rows[0]))
    if chosen is None:
        raise ImportRefused(
            "not a Strong, Hevy or FitNotes CSV export (expected columns like 'Date, "
            "Exercise Name, Set Order, Weight, Reps')"
        )
    result = ParseResult(kind=chosen)
    parser = {"strong": _strong, "hevy": _hevy, "fitnotes": _fitnotes}[chosen]
    for row in rows:
        result.read += 1
        try:
            parsed = parser(row, default_unit, result)
            if parsed is not None and parsed.unit == default_unit and _unitless(row):
                note = (
                    f"the file gives no weight unit: weights read as {default_unit} ({unit_origin})"
                )
                if note not in result.notes:
                    result.notes.append(note)
        except (KeyError, ValueError, OverflowError):
            result.skip("a row without a readable date, exercise or number")
            continue
        if parsed is not None:
            result.sets.append(parsed)
    return result


_UNIT_COLUMNS: tuple[tuple[str, Unit], ...] = (
    ("weight_kg", "kg"),
    ("weight_kgs", "kg"),
    ("weight_lbs", "lb"),
    ("weight_lb", "lb"),
)


def _column_unit(row: dict[str, str]) -> tuple[str | None, Unit | None]:
    """The weight cell and its unit from ``weight_kg`` / ``weight_lbs`` style columns."""
    for key, unit in _UNIT_COLUMNS:
        if key in row:
            return row[key], unit
    return None, None


def _strong(row: dict[str, str], default_unit: Unit, result: ParseResult) -> LiftSet | None:
    order = row.get("set_order", "").strip()
    if order.lower() == "rest timer":
        result.skip("a rest-timer row (a rest, not a set)")
        return None
    exercise = row["exercise_name"].strip()
    if not exercise:
        result.skip("a row without an exercise")
        return None
    started = parse_datetime(row["date"])
    cell, unit = _column_unit(row)
    if cell is None:
        cell = row.get("weight")
        named = _UNITS.get(row.get("weight_unit", "").strip().lower())
        if named is not None:
            unit = named
        else:
            unit = default_unit
    load = number(cell)
    reps = number(row.get("reps"))
    workout = row.get("workout", "") or row["date"].strip()
    return LiftSet(
        workout_key=(workout, row.get("workout_name", "").strip()),
        started=started,
        title=row.get("workout_name", "").strip() or "Imported workout",
        exercise=exercise,
        set_number=int(order) if order.isdigit() else 0,
        set_type=_STRONG_TYPES.get(order.lower(), "normal"),
        reps=int(reps) if reps else None,
        load=load or None,
        unit=unit if load else None,
        rpe=number(row.get("rpe")),
        duration_s=number(row.get("seconds")) or None,
    )


def _unitless(row: dict[str, str]) -> bool:
    """A row whose weight column names no unit (neither in its header nor beside it)."""
    named = _column_unit(row)[1] is not None or "weight_unit" in row
    return not named and "weight" in row


def _hevy(row: dict[str, str], default_unit: Unit, result: ParseResult) -> LiftSet | None:
    started = parse_datetime(row["start_time"])
    exercise = row["exercise_title"].strip()
    if not exercise:
        result.skip("a row without an exercise")
        return None
    if pick(row, "weight_kg") is not None:
        load, unit = number(row["weight_kg"]), "kg"
    elif pick(row, "weight_lbs") is not None:
        load, unit = number(row["weight_lbs"]), "lb"
    else:
        load, unit = None, default_unit
    reps = number(row.get("reps"))
    index = number(row.get("set_index"))
    kind = row.get("set_type", "normal").strip().lower() or "normal"
    return LiftSet(
        workout_key=(row["start_time"].strip(), row["title"].strip()),
        started=started,
        title=row["title"].strip() or "Imported workout",
        exercise=exercise,
        # Hevy counts sets from 0.
        set_number=int(index) + 1 if index is not None else 0,
        set_type=_HEVY_TYPES.get(kind, "normal"),
        reps=int(reps) if reps else None,
        load=load or None,
        unit=unit if load else None,
        rpe=number(row.get("rpe")),
        duration_s=number(row.get("duration_seconds")) or None,
    )


def _fitnotes(row: dict[str, str], default_unit: Unit, result: ParseResult) -> LiftSet | None:
    exercise = row["exercise"].strip()
    if not exercise:
        result.skip("a row without an exercise")
        return None
    started = parse_datetime(row["date"])
    cell, unit = _column_unit(row)
    if cell is None:
        cell, unit = row.get("weight"), default_unit
    load = number(cell)
    reps = number(row.get("reps"))
    seconds = clock_seconds(row.get("time"))
    return LiftSet(
        workout_key=(row["date"].strip()[:10], "FitNotes"),
        started=started,
        title="FitNotes workout",
        exercise=exercise,
        set_number=0,
        set_type="normal",
        reps=int(reps) if reps else None,
        load=load or None,
        unit=unit if load else None,
        rpe=None,
        duration_s=seconds or None,
    )


__all__ = ["LiftFormat", "Unit", "detect", "parse"]
