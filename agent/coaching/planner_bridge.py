"""How the live session gets and changes plans: through agent.planning.

The planner owns the exercise catalog (names, muscles, cues, joint-stress tags, equipment)
and the session builder (gap table, progression, readiness). This module asks it for
today's session and turns its prescriptions into ``LiveExercise`` blocks, and finds
same-pattern swaps in its catalog.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agent.live.state import LiveExercise
from agent.planning.adapt import substitutes
from agent.planning.catalog import LEVELS, Exercise, constraint_tags, load_catalog
from agent.planning.catalog import parse_equipment as _parse_equipment
from agent.planning.models import History, Prescription, SessionRequest
from agent.planning.session import build_session as build_planned_session


def phase_steps(phase: Any) -> list[str]:
    """Warm-up or cool-down steps from a stored plan's phase (``{"items": [...]}``)."""
    if not isinstance(phase, dict):
        return []
    steps: list[str] = []
    for item in phase.get("items") or []:
        if isinstance(item, dict) and item.get("name"):
            detail = str(item.get("detail") or "")
            steps.append(f"{item['name']}: {detail}" if detail else str(item["name"]))
    return steps


def equipment_words(items: Iterable[str]) -> frozenset[str]:
    """Catalog equipment words for what the person named (unknown words are dropped)."""
    found: set[str] = {"bodyweight"}
    for item in items:
        try:
            found.update(_parse_equipment([item.replace("_", " ")]))
        except ValueError:
            continue
    return frozenset(found)


def avoided_tags(areas: Iterable[str]) -> frozenset[str]:
    """Joint-stress tags to leave out for constraint areas (unknown areas are ignored)."""
    tags: set[str] = set()
    for area in areas:
        try:
            tags.update(constraint_tags([area]))
        except ValueError:
            continue
    return frozenset(tags)


def _live(exercise: Exercise, sets: int, rest_s: int, rir: int) -> LiveExercise:
    timed = exercise.unit == "seconds"
    low, high = exercise.seconds if timed and exercise.seconds else (8, 12)
    if exercise.is_bodyweight and not timed:
        low, high = 10, 15
    return LiveExercise(
        id=exercise.id,
        name=exercise.name,
        pattern=exercise.pattern,
        equipment=list(exercise.equipment),
        muscles=list(exercise.primary_muscles),
        sets=sets,
        rep_low=low,
        rep_high=high,
        timed=timed,
        rest_s=60 if timed else rest_s,
        target_rir=rir,
        load=None,
        unit="kg",
        cues=list(exercise.cues[:2]),
        joints=list(exercise.tags),
    )


def swap(
    exercise: LiveExercise,
    equipment: list[str],
    unavailable: list[str],
    avoid: list[str],
    *,
    level: str | None = None,
    in_session: Iterable[str] = (),
) -> LiveExercise | None:
    """The planner's closest substitute: same pattern and main muscle, allowed and at hand.

    ``unavailable`` equipment is taken out of what the person has; ``avoid`` are joint
    areas to protect; exercises already in the session are not offered again.
    """
    catalog = load_catalog()
    if exercise.id not in catalog:
        return None
    have = (equipment_words(equipment) - equipment_words(unavailable)) | {"bodyweight"}
    areas = catalog.vocabulary.constraint_tags
    request = SessionRequest(
        level=level if level in LEVELS else "beginner",
        equipment=sorted(have),
        constraints=[a for a in avoid if a in areas],
    )
    options = substitutes(exercise.id, request, avoid=[i for i in in_session if i in catalog])
    if not options:
        return None
    new = _live(options[0], max(1, exercise.sets - exercise.done_sets), exercise.rest_s,
                exercise.target_rir)  # fmt: skip
    if not new.timed and not exercise.timed:
        new.rep_low, new.rep_high = exercise.rep_low, exercise.rep_high
    new.swapped_from = exercise.name
    new.status = "active"
    return new


def needs_any(exercise: LiveExercise, equipment: list[str]) -> bool:
    """Whether the exercise needs any of the named equipment."""
    return bool(set(exercise.equipment) & (equipment_words(equipment) - {"bodyweight"}))


def phase_minutes(phase: Any, default: float) -> float:
    """A stored plan's warm-up or cool-down length in minutes."""
    if isinstance(phase, dict) and isinstance(phase.get("minutes"), int | float):
        return float(phase["minutes"])
    return default


def loads_joint(exercise: LiveExercise, areas: list[str]) -> bool:
    """Whether the exercise carries a joint-stress tag that the ``areas`` rule out."""
    tags = set(exercise.joints)
    found = load_catalog().find(exercise.id)
    if found is not None:
        tags |= set(found.tags)
    return bool(tags & avoided_tags(areas))


def cues_for(exercise_id: str) -> list[str]:
    """Catalog cues for an exercise id (empty when unknown)."""
    found = load_catalog().find(exercise_id)
    return list(found.cues[:2]) if found is not None else []


def from_plan_dict(plan: dict[str, Any]) -> list[LiveExercise]:
    """Blocks from a planner session in the ``coach plan --json`` shape."""
    catalog = load_catalog()
    rest_by_block = {
        str(b.get("label")): int(b.get("rest_s") or 0)
        for b in plan.get("blocks") or []
        if isinstance(b, dict)
    }
    blocks: list[LiveExercise] = []
    for item in plan.get("exercises", []):
        low, high, timed = _parse_reps(item.get("reps", 10))
        known = catalog.find(str(item["id"]))
        blocks.append(
            LiveExercise(
                id=str(item["id"]),
                name=str(item.get("name", item["id"])),
                pattern=str(item.get("pattern", known.pattern if known else "")),
                equipment=list(item.get("equipment") or (known.equipment if known else [])),
                muscles=list(item.get("muscles") or (known.primary_muscles if known else [])),
                sets=int(item.get("sets", 3)),
                rep_low=low,
                rep_high=high,
                timed=timed,
                rest_s=int(item.get("rest_s") or rest_by_block.get(str(item.get("block"))) or 60),
                target_rir=_target_rir(item),
                load=_load_value(item.get("load")),
                unit=str(
                    (item.get("load") or {}).get("unit")
                    if isinstance(item.get("load"), dict)
                    else item.get("unit", "kg")
                ),
                cues=list(item.get("cues") or cues_for(str(item["id"])))[:2],
                joints=list(item.get("tags") or (known.tags if known else [])),
            )
        )
    return blocks


def _load_value(load: Any) -> float | None:
    """A plan's load: a number, or the planner's ``{"value", "unit", "text"}`` suggestion."""
    if isinstance(load, dict):
        load = load.get("value")
    return float(load) if isinstance(load, int | float) else None


def _parse_reps(value: Any) -> tuple[int, int, bool]:
    text = str(value).strip().lower()
    timed = text.endswith("s") or "sec" in text
    digits = text.replace("sec", "").replace("s", "").strip()
    if "-" in digits:
        low, high = (int(float(p)) for p in digits.split("-", 1))
        return low, high, timed
    number = int(float(digits or 10))
    return number, number, timed


@dataclass
class PlannedDay:
    """A planner session converted for the live state machine."""

    exercises: list[LiveExercise]
    warmup: list[str]
    warmup_minutes: float
    cooldown: list[str]
    cooldown_minutes: float
    reasons: list[str]
    plan: dict[str, Any]


def plan_today(request: SessionRequest, history: History) -> PlannedDay:
    """Today's session from the planner's builder (gap table, progression, readiness)."""
    session = build_planned_session(request, history)
    rest_by_block = {block.label: block.rest_s for block in session.blocks}
    return PlannedDay(
        exercises=[_from_prescription(p, rest_by_block) for p in session.exercises],
        warmup=[f"{i.name}: {i.detail}" if i.detail else i.name for i in session.warmup.items],
        warmup_minutes=session.warmup.minutes,
        cooldown=[f"{i.name}: {i.detail}" if i.detail else i.name for i in session.cooldown.items],
        cooldown_minutes=session.cooldown.minutes,
        reasons=list(session.reasons),
        plan=session.model_dump(mode="json"),
    )


def _from_prescription(item: Prescription, rest_by_block: dict[str, int]) -> LiveExercise:
    timed = item.seconds is not None and item.rep_low is None
    low = item.rep_low if item.rep_low is not None else (item.seconds or 30)
    high = item.rep_high if item.rep_high is not None else low
    # Inside a superset the rest comes after the round; the live session runs blocks one
    # exercise at a time, so it rests the round's rest after each set.
    rest = item.rest_s or rest_by_block.get(item.block, 60)
    return LiveExercise(
        id=item.id,
        name=item.name + (" (each side)" if item.per_side else ""),
        pattern=item.pattern,
        equipment=list(item.equipment),
        muscles=list(item.muscles),
        sets=item.sets,
        rep_low=low,
        rep_high=high,
        timed=timed,
        rest_s=rest,
        target_rir=item.target_rir if item.target_rir is not None else 2,
        load=item.load.value if item.load is not None else None,
        unit=item.load.unit if item.load is not None else "kg",
        cues=list(item.cues[:2]),
        joints=list(item.tags),
    )


def _target_rir(item: dict[str, Any]) -> int:
    """Reps in reserve of a plan item; ``None`` (a timed or balance drill) reads as 2."""
    for key in ("target_rir", "rir"):
        value = item.get(key)
        if value is not None:
            return int(value)
    return 2
