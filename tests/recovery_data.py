"""Scripted recovery histories for readiness tests: steady baselines and what breaks them."""

from __future__ import annotations

import math
from datetime import date, timedelta

from agent.importers.records import DailyValue, ParseResult
from agent.planning.recovery import Reading


def steady(
    metric: str,
    today: date,
    days: int,
    centre: float,
    wobble: float,
    *,
    source: str = "Oura",
    kind: str = "",
    window: str = "",
    last_day: date | None = None,
) -> list[Reading]:
    """``days`` daily readings ending ``last_day`` (default ``today``) around ``centre``.

    The wobble is a fixed zig-zag (no randomness), so the baseline has a known spread.
    """
    end = last_day or today
    return [
        Reading(
            day=end - timedelta(days=offset),
            metric=metric,
            value=round(centre + wobble * math.sin(offset * 1.7), 2),
            source=source,
            kind=kind,
            window=window,
        )
        for offset in range(days)
    ]


def hrv(today: date, days: int, centre: float = 60.0, **kwargs: object) -> list[Reading]:
    """Nightly RMSSD from Oura by default."""
    options = {"kind": "rmssd", "window": "night", **kwargs}
    return steady("hrv", today, days, centre, 4.0, **options)  # type: ignore[arg-type]


def replace_last(
    readings: list[Reading], today: date, days: int, values: list[float]
) -> list[Reading]:
    """The same series with the last ``days`` days set to ``values`` (oldest first)."""
    start = today - timedelta(days=days - 1)
    kept = [r for r in readings if r.day < start]
    template = readings[0]
    return kept + [
        template.model_copy(update={"day": start + timedelta(days=i), "value": value})
        for i, value in enumerate(values)
    ]


def as_import(readings: list[Reading], kind: str = "oura") -> ParseResult:
    """Readings as an importer would hand them to storage."""
    return ParseResult(
        kind=kind,
        daily=[
            DailyValue(r.day, r.metric, r.value, r.source, r.kind, r.window)  # type: ignore[arg-type]
            for r in readings
        ],
    )
