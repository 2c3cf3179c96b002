"""Apple Health ``export.zip`` / ``export.xml``: streamed, one pass, flat memory.

What is read and how (Apple's export format, HealthKit Export Version 11-13):

* ``Record`` elements inside a ``Correlation`` (blood pressure, food) are skipped: Apple
  lists each of them again at top level, so counting both would double them.
* Resting heart rate and VO2max are day summaries Apple may rewrite during the day; the
  latest (by ``creationDate``) is kept, once, per day and source.
* HRV: Apple's ``HeartRateVariabilitySDNN`` is SDNN (not RMSSD), sampled through the
  day; it is kept as kind ``sdnn``, window ``day``, the day's mean per source.
* Sleep: ``SleepAnalysis`` segments (core, deep, REM, awake, or the older "asleep") are
  reassembled into nights per source. A night is the sleep between noon and noon, named
  by the day you wake up; asleep time is the union of the segments, so overlapping
  writes are not counted twice. Nights with only "in bed" are skipped (no sleep data).
* Heart rate samples become the day's mean per source; steps the day's sum per source.
* ``Workout`` elements with their ``WorkoutStatistics`` children (iOS 16 moved distance,
  energy and heart rate there) become activities.

Day boundaries are the person's local dates as Apple wrote them (``2024-07-05 07:30:00
+0200`` is 5 July), so no time-zone guess is made.
"""

from __future__ import annotations

import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO

from agent.importers.records import (
    Activity,
    DailyValue,
    ImportRefused,
    Metric,
    ParseResult,
    sport_from,
)
from agent.importers.xmlsafe import read_xml

_SLEEP_ASLEEP: dict[str, Metric | None] = {
    "HKCategoryValueSleepAnalysisAsleep": None,
    "HKCategoryValueSleepAnalysisAsleepUnspecified": None,
    "HKCategoryValueSleepAnalysisAsleepCore": "sleep_light_minutes",
    "HKCategoryValueSleepAnalysisAsleepDeep": "sleep_deep_minutes",
    "HKCategoryValueSleepAnalysisAsleepREM": "sleep_rem_minutes",
}
_SLEEP_AWAKE = "HKCategoryValueSleepAnalysisAwake"
_SLEEP_IN_BED = "HKCategoryValueSleepAnalysisInBed"
_UNUSED = "a record type the coach does not use"
_DISTANCE_TO_M = {"km": 1000.0, "m": 1.0, "mi": 1609.344, "yd": 0.9144, "ft": 0.3048}
_DURATION_TO_S = {"min": 60.0, "s": 1.0, "hr": 3600.0, "h": 3600.0}
_ENERGY_TO_KCAL = {"kcal": 1.0, "Cal": 1.0, "kJ": 1 / 4.184}


def parse_time(text: str) -> datetime:
    """Apple's ``2024-07-05 07:30:00 +0200`` as an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")


def _float(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        return None


@dataclass
class _Workout:
    attrs: dict[str, str]
    avg_hr: float | None = None
    max_hr: float | None = None
    distance_m: float | None = None
    kcal: float | None = None


def _is_day(text: str) -> bool:
    """Whether ``text`` is a calendar day as ISO writes it (a damaged one is skipped)."""
    if len(text) != 10:
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


@dataclass
class _Handler:
    """Expat events -> per-day accumulators and activities."""

    result: ParseResult
    correlation_depth: int = 0
    workout: _Workout | None = None
    latest: dict[tuple[Metric, str, str], tuple[str, float]] = field(default_factory=dict)
    """(metric, source, day) -> (creationDate, value): day summaries, the latest wins."""
    sums: dict[tuple[Metric, str, str], list[float]] = field(
        default_factory=lambda: defaultdict(lambda: [0.0, 0.0])
    )
    """(metric, source, day) -> [sum, count] for means and totals."""
    sleep: list[tuple[str, datetime, datetime, str]] = field(default_factory=list)
    exercise: dict[str, tuple[str, float]] = field(default_factory=dict)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "Record":
            self._record(attrs)
        elif name == "Correlation":
            self.correlation_depth += 1
        elif name == "Workout":
            self.workout = _Workout(attrs)
        elif name == "WorkoutStatistics" and self.workout is not None:
            self._statistics(self.workout, attrs)
        elif name == "ActivitySummary":
            self._summary(attrs)

    def end(self, name: str) -> None:
        if name == "Correlation":
            self.correlation_depth -= 1
        elif name == "Workout" and self.workout is not None:
            self._finish_workout(self.workout)
            self.workout = None

    def text(self, data: str) -> None:
        """Apple's export carries everything in attributes."""

    def _record(self, attrs: dict[str, str]) -> None:
        result = self.result
        result.read += 1
        if self.correlation_depth:
            result.skip("inside a Correlation (Apple lists it again at top level)")
            return
        kind = attrs.get("type", "")
        source = attrs.get("sourceName", "Apple Health")
        start = attrs.get("startDate", "")
        day = start[:10]
        if kind == "HKCategoryTypeIdentifierSleepAnalysis":
            self._sleep(attrs, source)
            return
        metric = _QUANTITY.get(kind)
        if metric is None:
            result.skip(_UNUSED)
            return
        value = _float(attrs.get("value"))
        if value is None or not _is_day(day):
            result.skip("no value or date")
            return
        if metric in ("resting_hr", "vo2max"):
            key = (metric, source, day)
            created = attrs.get("creationDate", start)
            held = self.latest.get(key)
            if held is not None:
                result.skip("a day summary rewritten later that day (kept the latest)")
                if _later(held[0], created):
                    return
            self.latest[key] = (created, value)
            return
        bucket = self.sums[(metric, source, day)]
        bucket[0] += value
        bucket[1] += 1

    def _sleep(self, attrs: dict[str, str], source: str) -> None:
        try:
            start, end = parse_time(attrs["startDate"]), parse_time(attrs["endDate"])
        except (KeyError, ValueError):
            self.result.skip("no value or date")
            return
        value = attrs.get("value", "")
        if end <= start or end - start > timedelta(hours=24):
            self.result.skip("a sleep segment with an impossible length")
            return
        self.sleep.append((source, start, end, value))

    def _statistics(self, workout: _Workout, attrs: dict[str, str]) -> None:
        kind = attrs.get("type", "")
        unit = attrs.get("unit", "")
        if kind == "HKQuantityTypeIdentifierHeartRate":
            workout.avg_hr = _float(attrs.get("average"))
            workout.max_hr = _float(attrs.get("maximum"))
        elif kind.startswith("HKQuantityTypeIdentifierDistance"):
            total = _float(attrs.get("sum"))
            if total is not None and unit in _DISTANCE_TO_M:
                workout.distance_m = total * _DISTANCE_TO_M[unit]
        elif kind == "HKQuantityTypeIdentifierActiveEnergyBurned":
            total = _float(attrs.get("sum"))
            if total is not None and unit in _ENERGY_TO_KCAL:
                workout.kcal = total * _ENERGY_TO_KCAL[unit]

    def _finish_workout(self, workout: _Workout) -> None:
        attrs = workout.attrs
        self.result.read += 1
        try:
            started = parse_time(attrs["startDate"])
            ended = parse_time(attrs["endDate"])
        except (KeyError, ValueError):
            self.result.skip("a workout without start or end")
            return
        duration = _float(attrs.get("duration"))
        unit = _DURATION_TO_S.get(attrs.get("durationUnit", "min"), 60.0)
        seconds = duration * unit if duration is not None else (ended - started).total_seconds()
        distance = workout.distance_m
        if distance is None:
            total = _float(attrs.get("totalDistance"))
            scale = _DISTANCE_TO_M.get(attrs.get("totalDistanceUnit", "km"))
            distance = total * scale if total is not None and scale is not None else None
        kcal = workout.kcal
        if kcal is None:
            energy = _float(attrs.get("totalEnergyBurned"))
            scale = _ENERGY_TO_KCAL.get(attrs.get("totalEnergyBurnedUnit", "kcal"))
            kcal = energy * scale if energy is not None and scale is not None else None
        activity_type = attrs.get("workoutActivityType", "")
        self.result.activities.append(
            Activity(
                source=attrs.get("sourceName", "Apple Health"),
                started_at=started,
                sport=sport_from(activity_type.removeprefix("HKWorkoutActivityType")),
                duration_s=round(seconds, 1),
                name=activity_type.removeprefix("HKWorkoutActivityType"),
                distance_m=round(distance, 1) if distance else None,
                avg_hr=workout.avg_hr,
                max_hr=workout.max_hr,
                calories=round(kcal, 1) if kcal else None,
            )
        )

    def _summary(self, attrs: dict[str, str]) -> None:
        self.result.read += 1
        day = attrs.get("dateComponents", "")
        minutes = _float(attrs.get("appleExerciseTime"))
        if not _is_day(day) or minutes is None:
            self.result.skip("an activity summary without a date or exercise time")
            return
        if day in self.exercise:
            self.result.skip("a day summary rewritten later that day (kept the latest)")
        # The file lists summaries oldest first; the last one for a day is the latest.
        self.exercise[day] = (day, minutes)

    def finish(self) -> None:
        """Turn the accumulators into daily values."""
        out = self.result.daily
        for (metric, source, day), (_created, value) in sorted(self.latest.items()):
            out.append(DailyValue(date.fromisoformat(day), metric, value, source))
        for (metric, source, day), (total, count) in sorted(self.sums.items()):
            value = total if metric == "steps" else total / count
            hrv = metric == "hrv"
            out.append(
                DailyValue(
                    date.fromisoformat(day),
                    metric,
                    round(value, 2),
                    source,
                    kind="sdnn" if hrv else "",
                    window="day" if hrv else "",
                )
            )
        for day, (_day, minutes) in sorted(self.exercise.items()):
            out.append(
                DailyValue(date.fromisoformat(day), "exercise_minutes", minutes, "Apple Health")
            )
        out.extend(nights(self.sleep, self.result))


_QUANTITY: dict[str, Metric] = {
    "HKQuantityTypeIdentifierRestingHeartRate": "resting_hr",
    "HKQuantityTypeIdentifierHeartRateVariabilitySDNN": "hrv",
    "HKQuantityTypeIdentifierHeartRate": "heart_rate_mean",
    "HKQuantityTypeIdentifierVO2Max": "vo2max",
    "HKQuantityTypeIdentifierStepCount": "steps",
}


def _later(held: str, candidate: str) -> bool:
    """Whether the held creation date is later than the candidate's (keep the held one)."""
    try:
        return parse_time(held) > parse_time(candidate)
    except ValueError:
        return held > candidate


def _union_minutes(spans: list[tuple[datetime, datetime]]) -> float:
    total = 0.0
    current_start: datetime | None = None
    current_end: datetime | None = None
    for start, end in sorted(spans):
        if current_end is None or start > current_end:
            if current_start is not None and current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    if current_start is not None and current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total / 60


def nights(
    segments: list[tuple[str, datetime, datetime, str]], result: ParseResult
) -> list[DailyValue]:
    """Sleep segments -> per-night totals and stages, per source."""
    grouped: dict[tuple[str, date], dict[str, list[tuple[datetime, datetime]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for source, start, end, value in segments:
        # Noon to noon, named by the morning: 23:00 on the 4th and 01:00 on the 5th are
        # both the night of the 5th.
        night = (start + timedelta(hours=12)).date()
        grouped[(source, night)][value].append((start, end))
    out: list[DailyValue] = []
    for (source, night), by_value in sorted(grouped.items()):
        asleep = [span for v in _SLEEP_ASLEEP for span in by_value.get(v, [])]
        if not asleep:
            result.skip("a night with only 'in bed' (no sleep stages)", 1)
            continue
        out.append(DailyValue(night, "sleep_minutes", round(_union_minutes(asleep), 1), source))
        stages: dict[Metric, float] = defaultdict(float)
        for value, metric in _SLEEP_ASLEEP.items():
            if metric and by_value.get(value):
                stages[metric] += _union_minutes(by_value[value])
        if by_value.get(_SLEEP_AWAKE):
            stages["sleep_awake_minutes"] = _union_minutes(by_value[_SLEEP_AWAKE])
        for metric, minutes in sorted(stages.items()):
            out.append(DailyValue(night, metric, round(minutes, 1), source))
    return out


def _member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    for info in archive.infolist():
        if info.filename.endswith("export.xml") and "cda" not in info.filename.lower():
            return info
    raise ImportRefused("the zip holds no export.xml; is it Apple Health's export.zip?")


def parse_stream(stream: IO[bytes]) -> ParseResult:
    """Parse an ``export.xml`` byte stream."""
    result = ParseResult(kind="apple_health")
    handler = _Handler(result)
    read_xml(stream, handler, with_text=False)
    handler.finish()
    return result


def parse(path: Path, max_bytes: int) -> ParseResult:
    """Parse ``export.zip`` or ``export.xml`` at ``path``, refusing more than ``max_bytes``.

    Raises:
        ImportRefused: Too large, not an export, or not well-formed.
    """
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            info = _member(archive)
            if info.file_size > max_bytes:
                raise ImportRefused(
                    f"export.xml would unpack to {info.file_size // 2**20} MB, over the "
                    f"{max_bytes // 2**20} MB limit (set COACH_IMPORT_MAX_MB to raise it)"
                )
            with archive.open(info) as stream:
                return parse_stream(stream)
    with path.open("rb") as stream:
        return parse_stream(stream)


__all__ = ["nights", "parse", "parse_stream", "parse_time"]
