"""Readiness from recovery readings (HRV, resting HR, sleep), as pure code.

The method, with its sources, is in ``docs/reference/readiness.md``. In short:

* **One series per metric.** Readings are grouped by metric, kind (RMSSD vs SDNN),
  measurement window (night, morning, day) and source. Only the person's current series
  (the one with the latest reading) is judged, against its own history: kinds and
  sources are never mixed, and switching device or window starts a new baseline
  ("re-anchors"), calibrating again until it has enough days.
* **HRV**: the 7-day rolling mean of ln HRV (at least 3 valid days in the week) against
  the normal range of the 60 days before that week: mean +/- 0.5 SD of the daily ln
  values, the smallest worthwhile change.
* **Resting HR**: the 7-day mean against the mean of the 60 days before; flagged from
  3 bpm above.
* **Sleep**: last night against the median of the 28 nights before; short from an hour
  under.
* **Calibrating** (no band: the planner goes by the self-report alone) until HRV or
  resting HR has 14 valid baseline days and 3 in the current week.

The result is a band with its drivers in plain words, never a bare score; the planner's
``readiness_band`` combines it with the self-report (the more cautious wins, and both are
named). Same readings in, same result out: no clock is read.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.planning.models import ActivityRecord, Band, History
from agent.planning.rules import prescriptions

WINDOW_DAYS = 7
MIN_WINDOW_DAYS = 3
BASELINE_DAYS = 60
MIN_BASELINE_DAYS = 14
SWC_SD = 0.5
RHR_RAISED_BPM = 3.0
SLEEP_USUAL_NIGHTS = 28
MIN_SLEEP_NIGHTS = 7
SLEEP_SHORT_MINUTES = 60.0
CHART_DAYS = 30
STALE_DAYS = 2
"""A series whose latest reading is older than this says nothing about today."""

_VALID: dict[str, tuple[float, float]] = {
    "hrv": (5.0, 300.0),
    "resting_hr": (25.0, 120.0),
    "sleep_minutes": (60.0, 960.0),
}
"""Plausible ranges; readings outside are device glitches and are not valid days."""
_KIND_ORDER = {"rmssd": 0, "sdnn": 1, "": 2}
_WINDOW_ORDER = {"night": 0, "morning": 1, "day": 2, "": 3}

MetricName = Literal["hrv", "resting_hr", "sleep_minutes"]
Status = Literal["ready", "calibrating", "no_data"]


class Reading(BaseModel):
    """One daily value of one series."""

    model_config = ConfigDict(frozen=True)

    day: date
    metric: str
    value: float
    source: str
    kind: str = ""
    window: str = ""


class SeriesKey(BaseModel):
    """What makes a series: metric, kind, window and source."""

    model_config = ConfigDict(frozen=True)

    metric: str
    kind: str = ""
    window: str = ""
    source: str

    def label(self) -> str:
        """``HRV (RMSSD, night) from Oura``."""
        name = {"hrv": "HRV", "resting_hr": "resting HR", "sleep_minutes": "sleep"}.get(
            self.metric, self.metric
        )
        detail = ", ".join(p for p in (self.kind.upper(), self.window) if p)
        return f"{name} ({detail}) from {self.source}" if detail else f"{name} from {self.source}"


class MetricReport(BaseModel):
    """Where one metric stands today."""

    metric: MetricName
    status: Status
    series: str | None = Field(default=None, description="The series judged, in words.")
    since: date | None = Field(default=None, description="First reading of that series.")
    window_days: int = Field(default=0, description="Valid days in the current week.")
    baseline_days: int = Field(default=0, description="Valid days in the baseline.")
    current: float | None = Field(default=None, description="7-day mean (sleep: last night).")
    normal_low: float | None = Field(default=None, description="Bottom of the normal range.")
    normal_high: float | None = Field(default=None, description="Top of the normal range.")
    usual: float | None = Field(default=None, description="Baseline mean (sleep: median).")
    flag: Literal["below", "above", "raised", "short"] | None = None
    days_flagged: int = Field(default=0, description="Consecutive days with this flag.")
    note: str = Field(description="Plain words for the person.")


class ChartDay(BaseModel):
    """One day of the 30-day chart."""

    day: date
    hrv: float | None = Field(default=None, description="That day's HRV, ms.")
    hrv_rolling: float | None = Field(default=None, description="7-day rolling mean, ms.")
    hrv_low: float | None = Field(default=None, description="Normal range bottom, ms.")
    hrv_high: float | None = Field(default=None, description="Normal range top, ms.")
    resting_hr: float | None = Field(default=None, description="That day's resting HR.")
    resting_hr_usual: float | None = Field(default=None, description="Baseline resting HR.")
    sleep_minutes: float | None = Field(default=None, description="Sleep that night.")


class DeviceReadiness(BaseModel):
    """Readiness from recovery readings: a band and its drivers, or calibrating."""

    day: date
    status: Status
    band: Band | None = Field(description="normal | low | very_low; None unless ready.")
    drivers: list[str] = Field(description="What drove the band, in plain words.")
    metrics: list[MetricReport]
    chart: list[ChartDay]
    method: str = Field(
        default=(
            "HRV: 7-day mean of ln HRV vs the 60 days before (mean +/- 0.5 SD); resting HR: "
            "7-day mean vs the 60 days before, +3 bpm flagged; sleep: last night vs your "
            "usual. See docs/reference/readiness.md."
        )
    )


def _valid(reading: Reading) -> bool:
    low, high = _VALID.get(reading.metric, (-math.inf, math.inf))
    return low <= reading.value <= high


def _series_of(readings: list[Reading], metric: str) -> dict[SeriesKey, dict[date, float]]:
    out: dict[SeriesKey, dict[date, float]] = defaultdict(dict)
    for r in readings:
        if r.metric == metric and _valid(r):
            key = SeriesKey(metric=metric, kind=r.kind, window=r.window, source=r.source)
            out[key][r.day] = r.value
    return out


def current_series(
    readings: list[Reading], metric: str, today: date
) -> tuple[SeriesKey | None, dict[date, float], list[SeriesKey]]:
    """The series judged today: the one with the latest reading up to ``today``.

    Ties go to RMSSD before SDNN, then night before morning before day, then source
    name, so the choice is stable. Returns the key, its readings and the other series
    (whose days never enter this one's baseline).
    """
    series = {
        key: {d: v for d, v in values.items() if d <= today}
        for key, values in _series_of(readings, metric).items()
    }
    series = {k: v for k, v in series.items() if v}
    if not series:
        return None, {}, []
    chosen = min(
        series,
        key=lambda k: (
            -max(series[k]).toordinal(),
            _KIND_ORDER.get(k.kind, 9),
            _WINDOW_ORDER.get(k.window, 9),
            k.source,
        ),
    )
    return chosen, series[chosen], [k for k in series if k != chosen]


def _span(values: dict[date, float], first: date, last: date) -> list[float]:
    return [v for d, v in sorted(values.items()) if first <= d <= last]


def _windows(day: date) -> tuple[date, date, date]:
    """Start of the week ending ``day``, and the baseline's first and last day."""
    week_start = day - timedelta(days=WINDOW_DAYS - 1)
    base_last = week_start - timedelta(days=1)
    return week_start, base_last - timedelta(days=BASELINE_DAYS - 1), base_last


def hrv_range(values: dict[date, float], day: date) -> tuple[float | None, float, float] | None:
    """(7-day mean of ln HRV or None, range low, range high) in ln units for ``day``.

    None when the baseline has too few valid days.
    """
    week_start, base_first, base_last = _windows(day)
    baseline = [math.log(v) for v in _span(values, base_first, base_last)]
    if len(baseline) < MIN_BASELINE_DAYS:
        return None
    mean = statistics.fmean(baseline)
    sd = statistics.stdev(baseline)
    week = [math.log(v) for v in _span(values, week_start, day)]
    rolling = statistics.fmean(week) if len(week) >= MIN_WINDOW_DAYS else None
    return rolling, mean - SWC_SD * sd, mean + SWC_SD * sd


def _calibrating(metric: MetricName, key: SeriesKey, values: dict[date, float], day: date,
                 others: list[SeriesKey]) -> MetricReport:  # fmt: skip
    week_start, base_first, base_last = _windows(day)
    base_n = len(_span(values, base_first, base_last))
    week_n = len(_span(values, week_start, day))
    needs = []
    if base_n < MIN_BASELINE_DAYS:
        needs.append(f"{base_n} of {MIN_BASELINE_DAYS} baseline days")
    if week_n < MIN_WINDOW_DAYS:
        needs.append(f"{week_n} of {MIN_WINDOW_DAYS} days this week")
    switched = f" (new baseline since {min(values):%d %b}: series changed)" if others else ""
    return MetricReport(
        metric=metric,
        status="calibrating",
        series=key.label(),
        since=min(values),
        window_days=week_n,
        baseline_days=base_n,
        note=_sentence(f"{key.label()}: calibrating, {', '.join(needs)}{switched}."),
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _stale(
    metric: MetricName, key: SeriesKey, values: dict[date, float], day: date
) -> MetricReport:
    last = max(values)
    return MetricReport(
        metric=metric,
        status="no_data",
        series=key.label(),
        since=min(values),
        note=_sentence(f"{key.label()}: no reading since {last:%d %b}."),
    )


def _hrv_flag(rolling: float, low: float, high: float) -> Literal["below", "above"] | None:
    if rolling < low:
        return "below"
    if rolling > high:
        return "above"
    return None


def _hrv_report(readings: list[Reading], day: date) -> MetricReport:
    key, values, others = current_series(readings, "hrv", day)
    if key is None:
        return MetricReport(metric="hrv", status="no_data", note="No HRV readings.")
    if (day - max(values)).days > STALE_DAYS:
        return _stale("hrv", key, values, day)
    found = hrv_range(values, day)
    rolling = found[0] if found is not None else None
    if found is None or rolling is None:
        return _calibrating("hrv", key, values, day, others)
    _rolling, low, high = found
    week_start, base_first, base_last = _windows(day)
    flag = _hrv_flag(rolling, low, high)
    run = 0
    probe = day
    while flag is not None:
        earlier = hrv_range(values, probe)
        then = earlier[0] if earlier is not None else None
        if earlier is None or then is None or _hrv_flag(then, earlier[1], earlier[2]) != flag:
            break
        run += 1
        probe -= timedelta(days=1)
    current_ms, low_ms, high_ms = math.exp(rolling), math.exp(low), math.exp(high)
    if flag == "below":
        days = f" for {run} day{'s' if run != 1 else ''}" if run > 1 else " today"
        note = (
            f"HRV below your normal range{days} ({current_ms:.0f} ms vs "
            f"{low_ms:.0f}-{high_ms:.0f})."
        )
    elif flag == "above":
        note = f"HRV above your normal range ({current_ms:.0f} ms vs {low_ms:.0f}-{high_ms:.0f})."
    else:
        note = (
            f"HRV within your normal range ({current_ms:.0f} ms, range {low_ms:.0f}-{high_ms:.0f})."
        )
    return MetricReport(
        metric="hrv",
        status="ready",
        series=key.label(),
        since=min(values),
        window_days=len(_span(values, week_start, day)),
        baseline_days=len(_span(values, base_first, base_last)),
        current=round(current_ms, 1),
        normal_low=round(low_ms, 1),
        normal_high=round(high_ms, 1),
        usual=round(math.exp((low + high) / 2), 1),
        flag=flag,
        days_flagged=run,
        note=note,
    )


def _rhr_report(readings: list[Reading], day: date) -> MetricReport:
    key, values, others = current_series(readings, "resting_hr", day)
    if key is None:
        return MetricReport(metric="resting_hr", status="no_data", note="No resting HR readings.")
    if (day - max(values)).days > STALE_DAYS:
        return _stale("resting_hr", key, values, day)
    week_start, base_first, base_last = _windows(day)
    week = _span(values, week_start, day)
    baseline = _span(values, base_first, base_last)
    if len(baseline) < MIN_BASELINE_DAYS or len(week) < MIN_WINDOW_DAYS:
        return _calibrating("resting_hr", key, values, day, others)
    current, usual = statistics.fmean(week), statistics.fmean(baseline)
    rise = current - usual
    raised = rise >= RHR_RAISED_BPM
    note = (
        f"resting HR +{rise:.0f} bpm over your usual ({current:.0f} vs {usual:.0f})."
        if raised
        else f"resting HR at your usual ({current:.0f} bpm vs {usual:.0f})."
    )
    return MetricReport(
        metric="resting_hr",
        status="ready",
        series=key.label(),
        since=min(values),
        window_days=len(week),
        baseline_days=len(baseline),
        current=round(current, 1),
        usual=round(usual, 1),
        flag="raised" if raised else None,
        note=_sentence(note),
    )


def _sleep_report(readings: list[Reading], day: date) -> MetricReport:
    key, values, _others = current_series(readings, "sleep_minutes", day)
    if key is None:
        return MetricReport(metric="sleep_minutes", status="no_data", note="No sleep readings.")
    before = _span(values, day - timedelta(days=SLEEP_USUAL_NIGHTS), day - timedelta(days=1))
    last = values.get(day)
    if last is None:
        return MetricReport(
            metric="sleep_minutes", status="no_data", series=key.label(),
            note="No sleep recorded last night.",
        )  # fmt: skip
    if len(before) < MIN_SLEEP_NIGHTS:
        return MetricReport(
            metric="sleep_minutes",
            status="calibrating",
            series=key.label(),
            since=min(values),
            baseline_days=len(before),
            current=last,
            note=f"Sleep: calibrating, {len(before)} of {MIN_SLEEP_NIGHTS} nights.",
        )
    usual = statistics.median(before)
    short = last <= usual - SLEEP_SHORT_MINUTES
    note = (
        f"Slept {_hours(last)}, {_hours(usual - last)} less than your usual {_hours(usual)}."
        if short
        else f"Slept {_hours(last)} (usual {_hours(usual)})."
    )
    return MetricReport(
        metric="sleep_minutes",
        status="ready",
        series=key.label(),
        since=min(values),
        baseline_days=len(before),
        current=last,
        usual=usual,
        flag="short" if short else None,
        note=note,
    )


def _hours(minutes: float) -> str:
    whole = round(minutes)
    return f"{whole // 60} h {whole % 60:02d} min"


def chart(readings: list[Reading], day: date, days: int = CHART_DAYS) -> list[ChartDay]:
    """The last ``days`` days of HRV, resting HR and sleep, for the chart.

    HRV comes with its rolling mean and normal range; each metric from the series
    judged today.
    """
    _key, hrv, _o = current_series(readings, "hrv", day)
    _rkey, rhr, _ro = current_series(readings, "resting_hr", day)
    _skey, sleep, _so = current_series(readings, "sleep_minutes", day)
    out: list[ChartDay] = []
    for offset in range(days - 1, -1, -1):
        d = day - timedelta(days=offset)
        found = hrv_range(hrv, d) if hrv else None
        _ws, base_first, base_last = _windows(d)
        base = _span(rhr, base_first, base_last)
        out.append(
            ChartDay(
                day=d,
                hrv=hrv.get(d),
                hrv_rolling=round(math.exp(found[0]), 1)
                if found and found[0] is not None
                else None,
                hrv_low=round(math.exp(found[1]), 1) if found else None,
                hrv_high=round(math.exp(found[2]), 1) if found else None,
                resting_hr=rhr.get(d),
                resting_hr_usual=round(statistics.fmean(base), 1)
                if len(base) >= MIN_BASELINE_DAYS
                else None,
                sleep_minutes=sleep.get(d),
            )
        )
    return out


def device_readiness(readings: list[Reading], day: date) -> DeviceReadiness:
    """Today's band and drivers from recovery readings, or "calibrating".

    Band: normal with no adverse driver; low with one or two (HRV below range, resting
    HR raised, short sleep); very low with all three, or HRV below range for 3+ days
    with resting HR raised. Device data never raises the band above normal: feeling
    great is the person's to say.
    """
    hrv, rhr, sleep = (
        _hrv_report(readings, day),
        _rhr_report(readings, day),
        _sleep_report(readings, day),
    )
    metrics = [hrv, rhr, sleep]
    series = chart(readings, day)
    autonomic = [m for m in (hrv, rhr) if m.status == "ready"]
    if not autonomic:
        status: Status = (
            "calibrating" if any(m.status == "calibrating" for m in (hrv, rhr)) else "no_data"
        )
        drivers = [m.note for m in metrics if m.status != "no_data" or m.series]
        return DeviceReadiness(
            day=day, status=status, band=None, drivers=drivers or ["No recovery data yet."],
            metrics=metrics, chart=series,
        )  # fmt: skip
    adverse = [m for m in metrics if m.status == "ready" and m.flag in ("below", "raised", "short")]
    band: Band = "normal"
    if len(adverse) >= 3 or (
        hrv.flag == "below" and hrv.days_flagged >= 3 and rhr.flag == "raised"
    ):
        band = "very_low"
    elif adverse:
        band = "low"
    drivers = [m.note for m in adverse] or [m.note for m in metrics if m.status == "ready"]
    drivers += [m.note for m in metrics if m.status in ("calibrating", "no_data") and m.series]
    return DeviceReadiness(
        day=day, status="ready", band=band, drivers=drivers, metrics=metrics, chart=series
    )


# -- imported activities -------------------------------------------------------------------

VIGOROUS_HRMAX_FRACTION = 0.77
"""ACSM: vigorous intensity from 77% of maximal heart rate (docs/reference/readiness.md)."""
LONG_ENDURANCE_MINUTES = 75.0
"""A run, ride or hike this long loads the legs like a hard one, whatever the heart rate."""
LEG_MUSCLES: dict[str, tuple[str, ...]] = {
    "run": ("quads", "hamstrings", "glutes", "calves"),
    "hike": ("quads", "glutes", "calves"),
    "ride": ("quads", "glutes"),
    "row": ("quads", "glutes", "back"),
}
"""Muscles a hard session of each sport loads, spaced from heavy work like a leg day."""


def estimated_hr_max(age: int | None, peak_seen: float | None) -> float | None:
    """Maximal HR: the higher of Tanaka's 208 - 0.7 x age and the peak any activity saw."""
    estimates = [v for v in (208 - 0.7 * age if age else None, peak_seen) if v]
    return max(estimates) if estimates else None


def is_vigorous(avg_hr: float | None, hr_max: float | None) -> bool:
    """Whether a session's mean heart rate was at vigorous intensity (77% HRmax and up)."""
    return bool(avg_hr and hr_max and avg_hr >= VIGOROUS_HRMAX_FRACTION * hr_max)


def _hard_for_legs(activity: ActivityRecord) -> bool:
    return activity.sport in LEG_MUSCLES and (
        activity.vigorous or activity.minutes >= LONG_ENDURANCE_MINUTES
    )


def endurance_leg_load(history: History, today: date, hours: int) -> dict[str, int]:
    """Muscles loaded by hard runs, rides, hikes or rows in the last ``hours``: days since."""
    out: dict[str, int] = {}
    for activity in history.activities:
        days = (today - activity.day).days
        if days < 0 or days * 24 >= hours or not _hard_for_legs(activity):
            continue
        for muscle in LEG_MUSCLES[activity.sport]:
            out[muscle] = min(days, out.get(muscle, days))
    return out


def endurance_reasons(history: History, today: date, hours: int) -> list[str]:
    """Plain words for each hard endurance session that spaces today's leg work."""
    out = []
    for activity in history.activities:
        days = (today - activity.day).days
        if days < 0 or days * 24 >= hours or not _hard_for_legs(activity):
            continue
        when = "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"
        how = "hard" if activity.vigorous else "long"
        out.append(
            f"A {how} {activity.sport} {when} ({activity.minutes:.0f} min): heavy leg work "
            "waits until your legs have had 48 hours."
        )
    return out


def band_effect(band: Band | None) -> str:
    """What a device band does to today's session, in plain words (from the band table)."""
    if band is None:
        return "No change: the plan goes by how you say you feel."
    effect = prescriptions().readiness.bands[band]
    if band == "very_low":
        minutes = prescriptions().readiness.very_low_max_minutes
        return f"A short recovery day: up to {minutes} minutes of easy movement and mobility."
    if band == "low":
        fewer = round(100 * (1 - effect.set_factor))
        return (
            f"A lighter session: about {fewer}% fewer hard sets, {effect.rir_add} more rep in "
            "reserve, no hard finisher."
        )
    return "No change from your data: train as planned."


__all__ = [
    "BASELINE_DAYS",
    "CHART_DAYS",
    "MIN_BASELINE_DAYS",
    "MIN_WINDOW_DAYS",
    "WINDOW_DAYS",
    "ChartDay",
    "DeviceReadiness",
    "MetricReport",
    "Reading",
    "SeriesKey",
    "band_effect",
    "chart",
    "current_series",
    "device_readiness",
    "endurance_leg_load",
    "endurance_reasons",
    "estimated_hr_max",
    "hrv_range",
    "is_vigorous",
]
