"""Progression: what to do next time for one exercise, decided by the rules in data.

The logs of an exercise become a handful of metrics (exposures, stalled exposures,
sessions below the range, sessions at the top, effort against the target). The rules in
``data/progression.yaml`` are read top to bottom and the first whose conditions hold
decides the operation. Every recommendation carries its reasons in plain words.
Skipped sessions are not exposures, so they never count as failed ones.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from agent.planning.catalog import Catalog, Exercise, load_catalog
from agent.planning.models import ExerciseRecord
from agent.planning.rules import ProgressionRule, progression_rules

LB_PER_KG = 2.2046226218
"""Pounds in a kilogram."""

Action = Literal[
    "start",
    "deload",
    "reduce_load",
    "add_load",
    "add_reps",
    "hold",
    "progress_exercise",
    "regress_exercise",
]

_LOADED = ("barbell", "dumbbells", "kettlebell", "machines", "cables")


class Recommendation(BaseModel):
    """What to do with an exercise next time, and why."""

    exercise_id: str = Field(description="The exercise the logs are for.")
    exercise_name: str = Field(description="Its name.")
    rule: str = Field(description="Id of the progression rule that decided.")
    action: Action = Field(description="What changes.")
    load_kg: float | None = Field(description="Suggested load in kg (None: bodyweight/unknown).")
    load: float | None = Field(description="Suggested load in the person's unit.")
    unit: Literal["kg", "lb"] = Field(description="The person's unit.")
    last_load: float | None = Field(description="Last working load in the person's unit.")
    last_reps: list[int] = Field(description="Reps (or seconds) of the last working sets.")
    step: float | None = Field(description="The equipment's load step in the person's unit.")
    rep_low: int = Field(description="Bottom of the range to work in.")
    rep_high: int = Field(description="Top of the range to work in.")
    target_reps: int | None = Field(description="Reps (or seconds) to aim for per set.")
    set_factor: float = Field(description="Multiplier on sets (0.5 on a deload).")
    rir_add: int = Field(description="Extra reps in reserve.")
    next_exercise_id: str | None = Field(description="Ladder rung to move to, if any.")
    next_exercise_name: str | None = Field(description="Its name.")
    exposures: int = Field(description="Sessions with this exercise logged.")
    stalled_exposures: int = Field(description="Trailing sessions without progress.")
    reasons: list[str] = Field(description="Why, in plain words.")


@dataclass(frozen=True)
class _Exposure:
    day: date
    load: float | None
    values: tuple[int, ...]
    rir: float | None

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)


def _exposures(
    exercise: Exercise, records: Sequence[tuple[date, ExerciseRecord]]
) -> list[_Exposure]:
    out: list[_Exposure] = []
    for day, record in records:
        values: list[int] = []
        loads: list[float] = []
        efforts: list[float] = []
        for s in record.sets:
            value = s.seconds if exercise.unit == "seconds" and s.seconds is not None else s.reps
            if value is None:
                continue
            values.append(round(value))
            if s.load_kg is not None and s.load_kg > 0:
                loads.append(s.load_kg)
            effort = s.effort_rir()
            if effort is not None:
                efforts.append(effort)
        if not values:
            continue
        out.append(
            _Exposure(
                day=day,
                load=max(loads) if loads else None,
                values=tuple(values),
                rir=sum(efforts) / len(efforts) if efforts else None,
            )
        )
    return sorted(out, key=lambda e: e.day)


def _progressed(prev: _Exposure, cur: _Exposure, low: int) -> bool:
    prev_load = prev.load or 0.0
    cur_load = cur.load or 0.0
    if cur_load > prev_load + 1e-6:
        return cur.mean >= low
    if cur_load < prev_load - 1e-6:
        return False
    if cur.mean > prev.mean + 1e-6:
        return True
    # Same load and reps with clearly more left in the tank is progress too.
    return (
        abs(cur.mean - prev.mean) <= 1e-6
        and cur.rir is not None
        and prev.rir is not None
        and cur.rir >= prev.rir + 1
    )


def _trailing(items: Iterable[bool]) -> int:
    count = 0
    for flag in reversed(list(items)):
        if not flag:
            break
        count += 1
    return count


def _metrics(
    exposures: list[_Exposure], low: int, high: int, target_rir: float, extra: int
) -> dict[str, float | None]:
    if not exposures:
        return {"exposures": 0}
    progress = [_progressed(a, b, low) for a, b in itertools.pairwise(exposures)]
    stalled = _trailing(not p for p in progress)

    def at(limit: int, e: _Exposure) -> bool:
        effort_ok = e.rir is None or e.rir >= target_rir - 1
        return min(e.values) >= limit and effort_ok

    last = exposures[-1]
    return {
        "exposures": float(len(exposures)),
        "stalled_exposures": float(stalled),
        "below_range": float(_trailing(e.mean < low for e in exposures)),
        "at_top": float(_trailing(at(high, e) for e in exposures)),
        "at_extended_top": float(_trailing(at(high + extra, e) for e in exposures)),
        "rir_over_target": None if last.rir is None else last.rir - target_rir,
        "last_at_top": 1.0 if at(high, last) else 0.0,
    }


def _holds(rule: ProgressionRule, metrics: dict[str, float | None]) -> bool:
    for name, comparisons in rule.when.items():
        value = metrics.get(name)
        if value is None:
            return False
        for op, threshold in comparisons.items():
            if op == "gte" and not value >= threshold:
                return False
            if op == "lte" and not value <= threshold:
                return False
            if op == "eq" and not math.isclose(value, threshold):
                return False
    return True


def load_family(exercise: Exercise) -> str | None:
    """The equipment that sets the load step (barbell, dumbbells, ...), or None."""
    for item in _LOADED:
        if item in exercise.equipment:
            return item
    return None


def load_step(exercise: Exercise, unit: Literal["kg", "lb"]) -> float | None:
    """The smallest sensible load increase for an exercise, in ``unit``."""
    family = load_family(exercise)
    if family is None:
        return None
    region = "lower" if exercise.pattern in {"squat", "hinge", "lunge"} else "upper"
    step = progression_rules().load_steps[family][region]
    return step.kg if unit == "kg" else step.lb


def round_load(value: float, step: float) -> float:
    """Round to what can be loaded: half a step for big steps (4 kg bells, 5 kg stacks)."""
    grain = step / 2 if step >= 4 else step
    # Half up rather than Python's half-to-even, so equal cases always round the same way.
    return round(math.floor(value / grain + 0.5) * grain, 2)


def to_unit(kg: float, unit: Literal["kg", "lb"]) -> float:
    """Kilograms in the person's unit."""
    return kg if unit == "kg" else kg * LB_PER_KG


def to_kg(value: float, unit: Literal["kg", "lb"]) -> float:
    """A load in the person's unit as kilograms."""
    return value if unit == "kg" else value / LB_PER_KG


def fmt(value: float) -> str:
    """A number without a useless ``.0``."""
    return f"{value:g}"


@dataclass
class _Draft:
    action: Action
    load: float | None
    target: int | None
    low: int
    high: int
    set_factor: float = 1.0
    rir_add: int = 0
    next_id: str | None = None


def next_progression(
    exercise: Exercise,
    records: Sequence[tuple[date, ExerciseRecord]],
    *,
    rep_range: tuple[int, int],
    target_rir: float,
    unit: Literal["kg", "lb"] = "kg",
    equipment: Iterable[str] = ("bodyweight",),
    excluded_tags: Iterable[str] = (),
    max_level: int = 2,
    catalog: Catalog | None = None,
) -> Recommendation:
    """Decide what to do with ``exercise`` next time from its logged sessions.

    Args:
        exercise: The catalog exercise.
        records: (date, record) for each completed session with the exercise; skipped
            sessions must not be passed (they are not failures).
        rep_range: The range to work in (seconds for timed exercises).
        target_rir: The planned reps in reserve.
        unit: The person's load unit.
        equipment: What the person has, for ladder steps to other exercises.
        excluded_tags: Joint-stress tags a ladder step must not carry.
        max_level: Highest exercise level (0-2) a ladder step may reach.
        catalog: The catalog (defaults to the packaged one).

    Returns:
        The recommendation with its rule id and reasons.
    """
    cat = catalog or load_catalog()
    rules = progression_rules()
    low, high = rep_range
    exposures = _exposures(exercise, records)
    metrics = _metrics(exposures, low, high, target_rir, rules.reps_first_extra)
    rule = next(r for r in rules.rules if _holds(r, metrics))
    last = exposures[-1] if exposures else None
    last_load = None if last is None or last.load is None else to_unit(last.load, unit)
    step = load_step(exercise, unit)
    draft = _apply(rule, exercise, last, last_load, step, low, high, metrics, cat, unit)
    if draft.next_id is not None:
        rung = cat.get(draft.next_id)
        if (
            rung.level_rank > max_level + 1
            or not Catalog.available(rung, equipment)
            or not Catalog.allowed(rung, excluded_tags)
        ):
            draft = _no_rung(draft, exercise, last, cat, equipment, excluded_tags, max_level)
    reasons = [_reason(rule, exercise, draft, metrics, target_rir, low, high, last)]
    reasons.extend(_detail(draft, exercise, last_load, step, unit, cat))
    load_kg = None if draft.load is None else round(to_kg(draft.load, unit), 2)
    next_ex = cat.find(draft.next_id) if draft.next_id else None
    return Recommendation(
        exercise_id=exercise.id,
        exercise_name=exercise.name,
        rule=rule.id,
        action=draft.action,
        load_kg=load_kg,
        load=draft.load,
        unit=unit,
        last_load=None if last_load is None else round(last_load, 2),
        last_reps=list(last.values) if last else [],
        step=step if last_load is not None else None,
        rep_low=draft.low,
        rep_high=draft.high,
        target_reps=draft.target,
        set_factor=draft.set_factor,
        rir_add=draft.rir_add,
        next_exercise_id=next_ex.id if next_ex else None,
        next_exercise_name=next_ex.name if next_ex else None,
        exposures=len(exposures),
        stalled_exposures=int(metrics.get("stalled_exposures") or 0),
        reasons=reasons,
    )


def _apply(
    rule: ProgressionRule,
    exercise: Exercise,
    last: _Exposure | None,
    last_load: float | None,
    step: float | None,
    low: int,
    high: int,
    metrics: dict[str, float | None],
    cat: Catalog,
    unit: Literal["kg", "lb"],
) -> _Draft:
    op = rule.then
    last_min = min(last.values) if last else None
    if op.op == "start" or last is None:
        return _Draft("start", None, None, low, high)
    if op.op == "deload":
        load = None
        if last_load is not None and step is not None:
            load = _reduced(last_load, op.load_factor or 0.9, step)
        return _Draft(
            "deload", load, low, low, high, set_factor=op.set_factor or 0.5, rir_add=op.rir_add or 0
        )
    if op.op == "load":
        if last_load is not None and step is not None:
            return _Draft(
                "reduce_load", _reduced(last_load, op.factor or 0.9, step), low, low, high
            )
        down = cat.ladder(exercise.id, "down")
        if down:
            return _Draft("regress_exercise", None, high, low, high, next_id=down[0].id)
        return _Draft("hold", None, low, low, high)
    if op.op == "step_up":
        return _step_up(exercise, last_load, step, low, high, last_min, metrics, cat)
    if op.op == "hold":
        return _Draft("hold", last_load, last_min, low, high)
    # add_reps: same load, one more rep per set, never past the top of the range.
    add = op.reps or 1
    if exercise.unit == "seconds":
        add = 5
    target = min(high, (last_min or low) + add)
    return _Draft("add_reps", last_load, max(low, target), low, high)


def _reduced(last_load: float, factor: float, step: float) -> float:
    grain = step / 2 if step >= 4 else step
    value = round_load(last_load * factor, step)
    if value >= last_load:
        value = last_load - grain
    return max(grain, round(value, 2))


def _step_up(
    exercise: Exercise,
    last_load: float | None,
    step: float | None,
    low: int,
    high: int,
    last_min: int | None,
    metrics: dict[str, float | None],
    cat: Catalog,
) -> _Draft:
    rules = progression_rules()
    if last_load is not None and step is not None:
        if step > rules.max_step_fraction * last_load:
            extended = high + rules.reps_first_extra
            if (metrics.get("at_extended_top") or 0) >= 2:
                return _Draft("add_load", round_load(last_load + step, step), low, low, high)
            target = min(extended, (last_min or high) + 1)
            return _Draft("add_reps", last_load, target, low, extended)
        return _Draft("add_load", round_load(last_load + step, step), low, low, high)
    up = cat.ladder(exercise.id, "up")
    if up:
        return _Draft("progress_exercise", None, low, low, high, next_id=up[0].id)
    return _more_reps(exercise, low, high, last_min)


def _more_reps(exercise: Exercise, low: int, high: int, last_min: int | None) -> _Draft:
    extra = progression_rules().bodyweight_reps_per_week
    if exercise.unit == "seconds":
        extra = 10
    target = (last_min or high) + (5 if exercise.unit == "seconds" else 1)
    return _Draft("add_reps", None, target, low + extra, high + extra)


def _no_rung(
    draft: _Draft,
    exercise: Exercise,
    last: _Exposure | None,
    cat: Catalog,
    equipment: Iterable[str],
    excluded_tags: Iterable[str],
    max_level: int,
) -> _Draft:
    direction: Literal["up", "down"] = "up" if draft.action == "progress_exercise" else "down"
    for rung in cat.ladder(exercise.id, direction):
        if (
            rung.level_rank <= max_level + 1
            and Catalog.available(rung, equipment)
            and Catalog.allowed(rung, excluded_tags)
        ):
            draft.next_id = rung.id
            return draft
    last_min = min(last.values) if last else None
    if direction == "up":
        return _more_reps(exercise, draft.low, draft.high, last_min)
    return _Draft("hold", None, draft.low, draft.low, draft.high)


def _reason(
    rule: ProgressionRule,
    exercise: Exercise,
    draft: _Draft,
    metrics: dict[str, float | None],
    target_rir: float,
    low: int,
    high: int,
    last: _Exposure | None,
) -> str:
    rir_done = "?" if last is None or last.rir is None else fmt(round(last.rir, 1))
    return rule.reason.format(
        exercise=exercise.name,
        rir=fmt(target_rir),
        rir_done=rir_done,
        low=low,
        high=high,
        stalled_exposures=int(metrics.get("stalled_exposures") or 0),
        rir_add=draft.rir_add,
    )


def _detail(
    draft: _Draft,
    exercise: Exercise,
    last_load: float | None,
    step: float | None,
    unit: str,
    cat: Catalog,
) -> list[str]:
    unit_label = "s" if exercise.unit == "seconds" else " reps"
    if draft.action == "add_load" and draft.load is not None and last_load is not None:
        return [f"Load {fmt(last_load)} -> {fmt(draft.load)} {unit} (+{fmt(step or 0)} {unit})."]
    if draft.action == "add_reps" and last_load is not None and step is not None:
        if draft.high > (draft.target or 0) and step > progression_rules().max_step_fraction * (
            last_load
        ):
            pct = round(100 * step / last_load)
            return [
                f"Reps first: the next step ({fmt(step)} {unit}) is {pct}% of "
                f"{fmt(last_load)} {unit}, so build to {draft.high} reps before moving up."
            ]
    if draft.action in {"progress_exercise", "regress_exercise"} and draft.next_id:
        word = "up" if draft.action == "progress_exercise" else "down"
        return [f"One rung {word} the ladder: {cat.get(draft.next_id).name}."]
    if draft.action == "add_reps" and last_load is None and draft.target is not None:
        return [f"Aim for {draft.target}{unit_label} per set."]
    return []
