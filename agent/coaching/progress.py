"""The progress report: goal and its measure, assessments over time, consistency, strength.

One :class:`ProgressReport` feeds every face: ``coach progress`` (text), ``--json``,
``--html FILE`` and the web page, which both use the same self-contained HTML (inline CSS
and SVG charts, no scripts, no external files) so a person can keep it or show a human
trainer.
"""

from __future__ import annotations

from datetime import datetime

import sqlite_utils
from pydantic import BaseModel, Field

import prompts
from agent.coaching import assessments, consultation
from agent.memory import history, store

CHART_WIDTH = 320
CHART_HEIGHT = 110
_PAD = 14


class Point(BaseModel):
    """One point of a series."""

    day: str
    value: float
    label: str = ""


class Chart(BaseModel):
    """A small line chart, drawn as SVG by the template from these coordinates."""

    title: str
    unit: str
    points: list[Point]
    svg_points: str = Field(description="'x,y x,y ...' for an SVG polyline.")
    dots: list[tuple[float, float, str]] = Field(description="(x, y, label) per point.")
    low: float
    high: float
    better: str = Field(description="higher | lower: which way is an improvement.")


def chart(title: str, unit: str, points: list[Point], better: str = "higher") -> Chart:
    """Coordinates for a line chart of ``points`` in a fixed-size box (pure)."""
    values = [p.value for p in points] or [0.0]
    low, high = min(values), max(values)
    span = (high - low) or max(1.0, abs(high) * 0.1)
    width, height = CHART_WIDTH - 2 * _PAD, CHART_HEIGHT - 2 * _PAD
    step = width / max(1, len(points) - 1)
    coords = []
    for index, point in enumerate(points):
        x = _PAD + (index * step if len(points) > 1 else width / 2)
        y = _PAD + height - (point.value - low) / span * height
        coords.append((round(x, 1), round(y, 1), point.label or f"{point.value:g}"))
    return Chart(
        title=title,
        unit=unit,
        points=points,
        svg_points=" ".join(f"{x},{y}" for x, y, _ in coords),
        dots=coords,
        low=low,
        high=high,
        better=better,
    )


class GoalProgress(BaseModel):
    """The agreed goal and how its measure stands."""

    text: str
    agreed: bool
    by: str
    days_left: int
    target_value: float | None = None
    target_unit: str | None = None
    measure: str | None = None
    latest: float | None = Field(default=None, description="Latest result of its test.")
    latest_at: str | None = None
    share_done: float | None = Field(default=None, description="latest / target, capped at 1.")


class TestSeries(BaseModel):
    """One test over time."""

    test_id: str
    name: str
    unit: str
    results: list[assessments.Result]
    first: float
    latest: float
    change: float
    direction: str
    chart: Chart


class StrengthTrend(BaseModel):
    """One exercise's weekly best (estimated 1RM, or reps for bodyweight moves)."""

    exercise_id: str
    name: str
    metric: str
    trend: str
    best_e1rm_kg: float | None
    chart: Chart


class ProgressReport(BaseModel):
    """Everything the report shows, as data (the ``--json`` output)."""

    generated_at: str
    goal: GoalProgress | None
    tests: list[TestSeries]
    due: list[assessments.Due]
    consistency: history.Adherence
    consistency_chart: Chart
    strength: list[StrengthTrend]


def _goal(db: sqlite_utils.Database, user_id: int, now: datetime) -> GoalProgress | None:
    record = consultation.record_of(db, user_id, now)
    if record is None or record.goal is None:
        return None
    goal = record.goal
    view = GoalProgress(
        text=goal.text,
        agreed=record.goal_agreed,
        by=goal.by.isoformat(),
        days_left=(goal.by - now.date()).days,
        target_value=goal.target.value,
        target_unit=goal.target.unit,
        measure=goal.target.measure,
    )
    if goal.target.test_id:
        rows = [
            r for r in assessments.results_of(db, user_id, now) if r.test_id == goal.target.test_id
        ]
        if rows:
            view.latest, view.latest_at = rows[-1].value, rows[-1].taken_at[:10]
            if goal.target.value:
                view.share_done = round(min(1.0, rows[-1].value / goal.target.value), 2)
    return view


def _series(results: list[assessments.Result]) -> list[TestSeries]:
    by_test: dict[str, list[assessments.Result]] = {}
    for result in results:
        by_test.setdefault(result.test_id, []).append(result)
    out = []
    for test_id, rows in by_test.items():
        test = assessments.spec(test_id)
        change = round(rows[-1].value - rows[0].value, 2)
        improved = change > 0 if test.better == "higher" else change < 0
        points = [Point(day=r.taken_at[:10], value=r.value, label=f"{r.value:g}") for r in rows]
        out.append(
            TestSeries(
                test_id=test_id,
                name=test.name,
                unit=test.unit,
                results=rows,
                first=rows[0].value,
                latest=rows[-1].value,
                change=change,
                direction="same" if change == 0 else ("better" if improved else "worse"),
                chart=chart(test.name, test.unit, points, test.better),
            )
        )
    return out


def build(
    db: sqlite_utils.Database, user_id: int, now: datetime, weeks: int = 12
) -> ProgressReport:
    """The person's progress report as of ``now``."""
    consistency = history.adherence(db, user_id, now, weeks=weeks)
    days_chart = chart(
        "Training days per week",
        "days",
        [Point(day=w, value=float(n), label=str(n)) for w, n in consistency.weeks],
    )
    strength = []
    for item in history.top_exercises(db, user_id, now, limit=4, weeks=weeks):
        if len(item.weekly_best) < 1:
            continue
        unit = "kg e1RM" if item.trend_metric == "e1rm_kg" else "reps"
        points = [Point(day=w, value=v, label=f"{v:g}") for w, v in item.weekly_best]
        strength.append(
            StrengthTrend(
                exercise_id=item.exercise_id,
                name=item.name,
                metric=item.trend_metric,
                trend=item.trend,
                best_e1rm_kg=item.best_e1rm_kg,
                chart=chart(item.name, unit, points),
            )
        )
    return ProgressReport(
        generated_at=store.iso(now),
        goal=_goal(db, user_id, now),
        tests=_series(assessments.results_of(db, user_id, now)),
        due=assessments.due_reassessments(db, user_id, now),
        consistency=consistency,
        consistency_chart=days_chart,
        strength=strength,
    )


def to_html(report: ProgressReport, title: str = "Your progress") -> str:
    """The report as one self-contained HTML page (no scripts, no external files)."""
    return prompts.render("progress/report.html", report=report, title=title)


def to_text(report: ProgressReport) -> str:
    """The report for a terminal."""
    return prompts.render("progress/report.j2", report=report)
