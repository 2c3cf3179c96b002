"""``coach readiness``: today's band from imported recovery data, its drivers and a chart.

The terminal shows the band and its drivers in plain words, then the last 30 days of HRV
against the normal range and resting HR. ``--json`` prints the same data the web chart
draws (``GET /api/readiness``).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from agent.cli.common import DbOption, JsonOption, UserOption, fail, open_db, user_name
from agent.clock import utc_now
from agent.coaching.readiness import readiness_payload
from agent.memory import store, wearables
from agent.planning.recovery import ChartDay, DeviceReadiness, band_effect

_BARS = "▁▂▃▄▅▆▇█"
_ROWS = 8


def register(app: typer.Typer) -> None:
    """Add ``readiness`` to the app."""
    app.command("readiness")(readiness)


def readiness(
    user: UserOption = None,
    db: DbOption = None,
    day: Annotated[
        str | None,
        typer.Option("--date", help="The day to judge, YYYY-MM-DD (default: today, UTC)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Readiness from your imported watch data: band, drivers and a 30-day chart."""
    try:
        judged = date.fromisoformat(day) if day else utc_now().date()
    except ValueError as exc:
        raise fail(f"--date must be YYYY-MM-DD, not {day!r}") from exc
    database = open_db(db)
    user_id = store.ensure_user(database, user_name(user), utc_now())
    if as_json:
        payload = readiness_payload(database, user_id, judged)
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    for line in render(wearables.device_readiness(database, user_id, judged)):
        typer.echo(line)


def render(result: DeviceReadiness) -> list[str]:
    """The terminal view: band, drivers, effect, then the HRV and resting-HR chart."""
    if result.band is None:
        head = "Readiness: calibrating" if result.status == "calibrating" else "Readiness: no data"
    else:
        head = f"Readiness: {result.band.replace('_', ' ')}"
    lines = [f"{head} ({result.day:%a %d %b %Y})"]
    lines += [f"  - {driver}" for driver in result.drivers]
    lines.append(f"  {band_effect(result.band)}")
    hrv = next((m for m in result.metrics if m.metric == "hrv"), None)
    chart = hrv_chart(result.chart)
    if chart:
        label = hrv.series if hrv is not None and hrv.series else "HRV"
        lines += ["", f"{label}, last {len(result.chart)} days (ms):", *chart]
        lines.append("  ● 7-day mean   · daily value   ░ normal range")
    rhr = [d.resting_hr for d in result.chart]
    if any(v is not None for v in rhr):
        lines += ["", "Resting HR (bpm):", "  " + sparkline(rhr) + f"  last {_last(rhr)}"]
    lines += ["", f"Method: {result.method}"]
    return lines


def _last(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    return f"{known[-1]:.0f}" if known else "-"


def sparkline(values: list[float | None]) -> str:
    """One character per day, scaled to the shown range; a blank where there is no value."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    return "".join(
        " " if v is None else _BARS[min(7, int((v - low) / span * 7.999))] for v in values
    )


def hrv_chart(days: list[ChartDay]) -> list[str]:
    """Rows of an 8-line plot: the normal range shaded, daily values and the 7-day mean."""
    points = [
        v for d in days for v in (d.hrv, d.hrv_rolling, d.hrv_low, d.hrv_high) if v is not None
    ]
    if not points:
        return []
    low, high = min(points), max(points)
    span = (high - low) or 1.0

    def row_of(value: float) -> int:
        return min(_ROWS - 1, int((value - low) / span * (_ROWS - 0.001)))

    grid = [[" "] * len(days) for _ in range(_ROWS)]
    for col, d in enumerate(days):
        if d.hrv_low is not None and d.hrv_high is not None:
            for row in range(row_of(d.hrv_low), row_of(d.hrv_high) + 1):
                grid[row][col] = "░"
        if d.hrv is not None:
            grid[row_of(d.hrv)][col] = "·"
        if d.hrv_rolling is not None:
            grid[row_of(d.hrv_rolling)][col] = "●"
    out = []
    for row in range(_ROWS - 1, -1, -1):
        value = low + span * (row + 0.5) / _ROWS
        out.append(f"  {value:5.0f} ┤" + "".join(grid[row]))
    return out
