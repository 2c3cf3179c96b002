"""The weekly program: a split by days per week, volume against landmarks, a health ledger.

"What should I do today" looks at what was already done this week and how recently:
the next day of the split whose main muscles were not trained hard in the last 48 hours.
Missed sessions are never crammed: the remaining sessions are spread over the days left,
at most one a day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

from pydantic import BaseModel, Field

from agent.planning.catalog import load_catalog
from agent.planning.models import History, SessionRecord, SessionRequest
from agent.planning.recovery import endurance_leg_load
from agent.planning.rules import prescriptions
from agent.planning.session import build_session

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EMPHASIS: dict[str, tuple[str, ...]] = {
    "lower": ("quads", "glutes", "hamstrings"),
    "push": ("chest", "front_delts", "triceps"),
    "pull": ("back", "biceps", "rear_delts"),
}
_TEMPLATE_EMPHASIS: dict[str, tuple[str, ...]] = {
    "full_a": ("lower", "push", "pull"),
    "full_b": ("lower", "push", "pull"),
    "full_c": ("lower", "push", "pull"),
    "upper": ("push", "pull"),
    "lower": ("lower",),
    "legs": ("lower",),
    "push": ("push",),
    "pull": ("pull",),
    "recovery": (),
}
_LABELS = {
    "full_a": "Full body A",
    "full_b": "Full body B",
    "full_c": "Full body C",
    "upper": "Upper emphasis",
    "lower": "Lower emphasis",
    "push": "Push emphasis",
    "pull": "Pull emphasis",
    "legs": "Legs emphasis",
    "recovery": "Recovery",
}


class PlannedDay(BaseModel):
    """One training day of the week."""

    day: date | None = Field(description="Date (None when no date was given).")
    weekday: str = Field(description="Mon..Sun, or Day N without dates.")
    focus: str = Field(description="Day template.")
    label: str = Field(description="Readable name of the template.")
    status: str = Field(description="done | today | planned.")
    est_minutes: float = Field(description="Estimated minutes (0 for done days).")
    exercises: list[str] = Field(description="Exercise names.")


class MuscleVolume(BaseModel):
    """Weekly hard sets of one muscle against its landmarks."""

    muscle: str = Field(description="Muscle.")
    done: float = Field(description="Hard sets logged this week.")
    planned: float = Field(description="Hard sets in the sessions still planned.")
    total: float = Field(description="done + planned.")
    maintain: int = Field(description="Sets that maintain.")
    mev: int = Field(description="Sets to start growing (MEV).")
    mav_low: int = Field(description="Productive range, low end.")
    mav_high: int = Field(description="Productive range, high end.")
    status: str = Field(description="below_maintenance | maintenance | productive | above_range.")


class Ledger(BaseModel):
    """The week against the public-health floors."""

    strength_days_done: int = Field(description="Muscle-strengthening days logged.")
    strength_days_planned: int = Field(description="Strength days still planned.")
    strength_days_target: int = Field(description="Floor: at least this many days.")
    aerobic_minutes_done: float = Field(description="Moderate-equivalent minutes logged.")
    aerobic_minutes_planned: float = Field(description="In the sessions still planned.")
    aerobic_minutes_target: int = Field(description="Moderate-equivalent minutes to reach.")
    meets_strength_floor: bool = Field(description="Done + planned reaches the strength floor.")
    meets_aerobic_floor: bool = Field(description="Done + planned reaches the aerobic target.")
    advice: list[str] = Field(description="How to close any gap.")


class TodayAdvice(BaseModel):
    """What to do today."""

    focus: str | None = Field(description="Template to train today, None for a rest day.")
    label: str = Field(description="Readable name.")
    reasons: list[str] = Field(description="Why.")


class WeeklyProgram(BaseModel):
    """The week: split, days, volume per muscle, the health ledger and today's advice."""

    split: str = Field(description="Name of the split.")
    days_per_week: int = Field(description="Training days per week.")
    week_start: date | None = Field(description="Monday of the week.")
    days: list[PlannedDay] = Field(description="Done and planned days in order.")
    today: TodayAdvice = Field(description="Today's advice.")
    volume: list[MuscleVolume] = Field(description="Weekly hard sets per landmark muscle.")
    ledger: Ledger = Field(description="Public-health floors.")
    reasons: list[str] = Field(description="Notes on the week.")


def _this_week(history: History, start: date, today: date) -> list[SessionRecord]:
    return [s for s in history.done() if start <= s.day <= today]


def _is_strength(session: SessionRecord) -> bool:
    catalog = load_catalog()
    strength = set(catalog.vocabulary.strength_patterns)
    for record in session.exercises:
        exercise = catalog.find(record.exercise_id)
        if exercise is not None and exercise.pattern in strength and record.sets:
            return True
    return False


def _logged_hard_sets(sessions: Sequence[SessionRecord]) -> dict[str, float]:
    catalog = load_catalog()
    rx = prescriptions()
    totals: dict[str, float] = {}
    for session in sessions:
        for record in session.exercises:
            exercise = catalog.find(record.exercise_id)
            if exercise is None or exercise.pattern in {"conditioning", "mobility"}:
                continue
            hard = 0
            for s in record.sets:
                effort = s.effort_rir()
                if effort is None or effort <= rx.hard_set_max_rir:
                    hard += 1
            for muscle in exercise.primary_muscles:
                totals[muscle] = totals.get(muscle, 0.0) + hard
            for muscle in exercise.secondary_muscles:
                totals[muscle] = totals.get(muscle, 0.0) + rx.secondary_set_weight * hard
    return totals


def _recent_muscles(history: History, today: date) -> set[str]:
    catalog = load_catalog()
    hours = prescriptions().recovery_hours
    out: set[str] = set()
    for session in history.done():
        age = (today - session.day).days
        if 0 <= age and age * 24 < hours:
            for record in session.exercises:
                exercise = catalog.find(record.exercise_id)
                if exercise is not None and exercise.pattern not in {"conditioning", "mobility"}:
                    out.update(exercise.primary_muscles)
    out.update(endurance_leg_load(history, today, hours))
    return out


def choose_today(
    days_per_week: int, history: History, today: date | None
) -> tuple[str | None, int, list[str]]:
    """Today's template, the number of sessions done this week, and why.

    Returns ``(None, done, reasons)`` for a rest day (already trained today, or the
    week's sessions are done).
    """
    split = prescriptions().splits[max(1, min(7, days_per_week))]
    if today is None:
        return split.days[0], 0, [f"{split.name}: starting with {_LABELS[split.days[0]]}."]
    start = today - timedelta(days=today.weekday())
    done = _this_week(history, start, today)
    if any(s.day == today for s in done):
        return None, len(done), ["Already trained today: rest, or an easy walk if you like."]
    count = len(done)
    if count >= len(split.days):
        return (
            None,
            count,
            [f"All {len(split.days)} sessions of this week are done: rest, walk or stretch."],
        )
    remaining = list(split.days[count:])
    recent = _recent_muscles(history, today)
    reasons = [f"{split.name}: session {count + 1} of {len(split.days)} this week."]

    def overlap(template: str) -> int:
        muscles = {m for e in _TEMPLATE_EMPHASIS[template] for m in _EMPHASIS[e]}
        return len(muscles & recent)

    chosen = min(remaining, key=lambda t: (overlap(t), remaining.index(t)))
    if chosen != remaining[0]:
        reasons.append(
            f"{_LABELS[remaining[0]]} would load muscles trained in the last 48 hours, "
            f"so today is {_LABELS[chosen]}."
        )
    elif recent and overlap(chosen):
        reasons.append(
            "Some muscles were trained in the last 48 hours; they get easy sets only today."
        )
    return chosen, count, reasons


def _spread(remaining: int, first: date, last: date) -> list[date]:
    """``remaining`` dates between ``first`` and ``last``, evenly spread, one per day at most."""
    span = (last - first).days + 1
    count = min(remaining, span)
    if count <= 0:
        return []
    return [first + timedelta(days=(i * span) // count) for i in range(count)]


def weekly_program(
    request: SessionRequest, days_per_week: int, history: History | None = None
) -> WeeklyProgram:
    """Plan the rest of the week and report volume and the health ledger.

    Args:
        request: The person's usual session request; ``today`` anchors the week.
        days_per_week: Training days per week (1-7).
        history: Logged sessions (this week's count toward the ledger and volume).

    Returns:
        The weekly program.

    Raises:
        ValueError: ``days_per_week`` is outside 1-7.
    """
    if not 1 <= days_per_week <= 7:
        raise ValueError("days_per_week must be between 1 and 7")
    hist = history or History()
    rx = prescriptions()
    split = rx.splits[days_per_week]
    today = request.today
    focus_today, count, today_reasons = choose_today(days_per_week, hist, today)
    start = None if today is None else today - timedelta(days=today.weekday())
    done = [] if today is None or start is None else _this_week(hist, start, today)
    reasons: list[str] = []
    days: list[PlannedDay] = [
        PlannedDay(
            day=s.day,
            weekday=_DAY_NAMES[s.day.weekday()],
            focus="done",
            label="Done",
            status="done",
            est_minutes=0.0,
            exercises=_names(s),
        )
        for s in done
    ]
    remaining = list(split.days[count:])
    if focus_today is not None and focus_today in remaining:
        remaining.remove(focus_today)
        remaining.insert(0, focus_today)
    elif focus_today is None:
        remaining = remaining if today is None else []
    dates = _plan_dates(
        today, start, len(remaining), trained_today=bool(done and done[-1].day == today)
    )
    if today is not None and len(dates) < len(remaining):
        reasons.append(
            f"{len(remaining) - len(dates)} session(s) missed this week are not crammed in: "
            f"{len(dates)} fit in the days left, one a day."
        )
        remaining = remaining[: len(dates)]
    planned_sets: dict[str, float] = {}
    aerobic_planned = 0.0
    strength_planned = 0
    for index, template in enumerate(remaining):
        when = dates[index] if dates else None
        session = build_session(request.model_copy(update={"focus": template, "today": when}), hist)
        for muscle, sets in session.hard_sets.items():
            planned_sets[muscle] = planned_sets.get(muscle, 0.0) + sets
        aerobic_planned += session.aerobic_minutes + 2 * session.vigorous_minutes
        strength_planned += 1 if session.kind == "strength" else 0
        days.append(
            PlannedDay(
                day=when,
                weekday=_DAY_NAMES[when.weekday()] if when else f"Day {count + index + 1}",
                focus=template,
                label=_LABELS[template],
                status="today" if when is not None and when == today else "planned",
                est_minutes=session.est_minutes,
                exercises=[p.name for p in session.exercises],
            )
        )
    # Runs, rides and swims from a watch count toward the week's aerobic minutes.
    imported = (
        []
        if start is None or today is None
        else [a for a in hist.activities if start <= a.day <= today]
    )
    imported_minutes = sum(a.moderate_equivalent() for a in imported)
    ledger = _ledger(request, done, strength_planned, aerobic_planned, imported_minutes)
    return WeeklyProgram(
        split=split.name,
        days_per_week=days_per_week,
        week_start=start,
        days=days,
        today=TodayAdvice(
            focus=focus_today,
            label=_LABELS[focus_today] if focus_today else "Rest day",
            reasons=today_reasons,
        ),
        volume=_volume(_logged_hard_sets(done), planned_sets),
        ledger=ledger,
        reasons=reasons,
    )


def _plan_dates(
    today: date | None, start: date | None, remaining: int, trained_today: bool
) -> list[date]:
    if today is None or start is None:
        return []
    first = today + timedelta(days=1) if trained_today else today
    return _spread(remaining, first, start + timedelta(days=6))


def _names(session: SessionRecord) -> list[str]:
    catalog = load_catalog()
    out: list[str] = []
    for record in session.exercises:
        exercise = catalog.find(record.exercise_id)
        out.append(exercise.name if exercise else record.exercise_id)
    return out


def _volume(done: dict[str, float], planned: dict[str, float]) -> list[MuscleVolume]:
    out: list[MuscleVolume] = []
    for muscle, mark in sorted(prescriptions().volume_landmarks.items()):
        d = round(done.get(muscle, 0.0), 1)
        p = round(planned.get(muscle, 0.0), 1)
        total = round(d + p, 1)
        if total < mark.maintain:
            status = "below_maintenance"
        elif total < max(mark.mev, mark.mav[0]):
            status = "maintenance"
        elif total <= mark.mav[1]:
            status = "productive"
        else:
            status = "above_range"
        out.append(
            MuscleVolume(
                muscle=muscle,
                done=d,
                planned=p,
                total=total,
                maintain=mark.maintain,
                mev=mark.mev,
                mav_low=mark.mav[0],
                mav_high=mark.mav[1],
                status=status,
            )
        )
    return out


def _ledger(
    request: SessionRequest,
    done: Sequence[SessionRecord],
    strength_planned: int,
    aerobic_planned: float,
    imported_minutes: float = 0.0,
) -> Ledger:
    floors = prescriptions().public_health
    strength_done = sum(1 for s in done if _is_strength(s))
    aerobic_done = imported_minutes + sum(s.aerobic_minutes + 2 * s.vigorous_minutes for s in done)
    target = (
        floors.fat_loss_aerobic_minutes
        if request.goal == "fat_loss"
        else floors.aerobic_moderate_minutes
    )
    advice: list[str] = []
    strength_total = strength_done + strength_planned
    if strength_total < floors.strength_days:
        advice.append(
            f"Strength on {floors.strength_days} days a week is the health floor: "
            f"{floors.strength_days - strength_total} more day(s) would reach it."
        )
    aerobic_total = aerobic_done + aerobic_planned
    if aerobic_total < target:
        short = target - aerobic_total
        walks = math.ceil(short / 30)
        advice.append(
            f"Aerobic: {round(aerobic_total)} of {target} moderate minutes; about {walks} brisk "
            "30-minute walk(s) on other days would close the gap (vigorous minutes count double)."
        )
    return Ledger(
        strength_days_done=strength_done,
        strength_days_planned=strength_planned,
        strength_days_target=floors.strength_days,
        aerobic_minutes_done=round(aerobic_done, 1),
        aerobic_minutes_planned=round(aerobic_planned, 1),
        aerobic_minutes_target=target,
        meets_strength_floor=strength_total >= floors.strength_days,
        meets_aerobic_floor=aerobic_total >= target,
        advice=advice,
    )
