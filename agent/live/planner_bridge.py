"""How the live session gets and changes plans: through agent.planning.

The planner owns the exercise catalog (names, muscles, cues, joint-stress tags, equipment),
the gap table and, as it lands, the session builder. This module turns catalog exercises
and planner sessions into ``LiveExercise`` blocks. Until ``agent.planning`` offers a
session builder, ``build_session`` is a deliberately small stand-in (one catalog exercise
per main pattern, marked ``SOURCE``) so a session can run end to end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from agent.live.state import LiveExercise
from agent.planning.catalog import Catalog, Exercise, constraint_tags, load_catalog
from agent.planning.catalog import parse_equipment as _parse_equipment
from agent.planning.rules import GapRow, prescriptions

SOURCE = "live-fallback"
"""Marks plans built by the stand-in rather than the planner's session builder."""

_PREFERRED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("squat", ("goblet_squat", "bodyweight_squat")),
    ("horizontal_push", ("db_bench_press", "db_floor_press", "push_up")),
    ("hinge", ("db_rdl", "glute_bridge")),
    ("horizontal_pull", ("db_row", "band_row")),
    ("core", ("plank",)),
)
"""The stand-in's picks per pattern, loaded variants first."""

_START_LOAD_KG = {"goblet_squat": 12.0, "db_rdl": 14.0, "db_bench_press": 10.0,
                  "db_floor_press": 10.0, "db_row": 12.0}  # fmt: skip
"""Conservative first loads (per dumbbell) when the person has no history yet."""

_LEVEL_RANK = {"beginner": 0, "intermediate": 1, "advanced": 2}

WARMUP = [
    "2 minutes easy marching or jumping jacks to warm up",
    "10 slow bodyweight squats and 10 arm circles each way",
    "one light set of your first exercise",
]
COOLDOWN = ["2-3 minutes easy walking", "slow breathing, gentle stretches if you like"]


@dataclass
class PlanInput:
    """What a plan is built from."""

    equipment: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    minutes: float = 30
    level: str | None = None
    goal: str | None = None


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
        load=_START_LOAD_KG.get(exercise.id),
        unit="kg",
        cues=list(exercise.cues[:2]),
        joints=list(exercise.tags),
    )


def _fits(exercise: Exercise, equipment: frozenset[str], avoid: frozenset[str]) -> bool:
    return Catalog.available(exercise, equipment) and Catalog.allowed(exercise, avoid)


def build_session(spec: PlanInput) -> list[LiveExercise]:
    """Stand-in builder: one exercise per main pattern that equipment and joints allow.

    Three sets each (two under 20 minutes), 90 s rest, 2 reps in reserve.
    """
    catalog = load_catalog()
    equipment = equipment_words(spec.equipment)
    avoid = avoided_tags(spec.avoid)
    sets = 2 if spec.minutes < 20 else 3
    blocks: list[LiveExercise] = []
    for pattern, preferred in _PREFERRED:
        picks = [catalog.find(i) for i in preferred]
        usable = [e for e in picks if e is not None and _fits(e, equipment, avoid)]
        if not usable:
            level = _LEVEL_RANK.get(spec.level or "", 0)
            usable = list(catalog.candidates(pattern, equipment, avoid, level))
        if usable:
            blocks.append(_live(usable[0], sets, 90, 2))
    return blocks


def swap(
    exercise: LiveExercise, equipment: list[str], unavailable: list[str], avoid: list[str]
) -> LiveExercise | None:
    """Another catalog exercise of the same pattern that the equipment and joints allow.

    The same main muscle comes first, then a loaded lift for a loaded one, easier
    levels, and the planner's preference.
    """
    catalog = load_catalog()
    have = equipment_words(equipment) - equipment_words(unavailable) | {"bodyweight"}
    options = [
        e
        for e in catalog.candidates(exercise.pattern, frozenset(have), avoided_tags(avoid), 2)
        if e.id != exercise.id and e.mechanic == "compound"
    ]
    if not options:
        return None
    main = exercise.muscles[0] if exercise.muscles else None
    loaded = bool(set(exercise.equipment) - {"bodyweight"})
    chosen = min(
        options,
        key=lambda e: (
            e.main_muscle != main,
            e.is_bodyweight == loaded,  # a loaded lift is replaced by a loaded one
            e.level_rank,
            -e.prefer,
            e.id,
        ),
    )
    new = _live(chosen, max(1, exercise.sets - exercise.done_sets), exercise.rest_s,
                exercise.target_rir)  # fmt: skip
    if not new.timed and not exercise.timed:
        new.rep_low, new.rep_high = exercise.rep_low, exercise.rep_high
    new.swapped_from = exercise.name
    new.status = "active"
    return new


def loads_joint(exercise: LiveExercise, areas: list[str]) -> bool:
    """Whether the exercise carries a joint-stress tag that the ``areas`` rule out."""
    tags = set(exercise.joints)
    found = load_catalog().find(exercise.id)
    if found is not None:
        tags |= set(found.tags)
    return bool(tags & avoided_tags(areas))


def gap_row(gap_days: int, age: int | None = None) -> GapRow:
    """The planner's missed-time row for a gap (older people move to the "break" row sooner)."""
    rules = prescriptions()
    rows = list(rules.gap_table)
    if age is not None and age >= rules.older_age and gap_days > 7:
        # From the older age the "break" row applies after a week instead of two.
        rows = [row for row in rows if row.id != "short_break"]
    for row in rows:
        if row.max_days is None or gap_days <= row.max_days:
            return row
    return rows[-1]


def cues_for(exercise_id: str) -> list[str]:
    """Catalog cues for an exercise id (empty when unknown)."""
    found = load_catalog().find(exercise_id)
    return list(found.cues[:2]) if found is not None else []


def from_plan_dict(plan: dict[str, Any]) -> list[LiveExercise]:
    """Blocks from a planner session in the ``coach plan --json`` shape."""
    catalog = load_catalog()
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
                rest_s=int(item.get("rest_s", 90)),
                target_rir=int(item.get("target_rir", item.get("rir", 2))),
                load=item.get("load"),
                unit=str(item.get("unit", "kg")),
                cues=list(item.get("cues") or cues_for(str(item["id"])))[:2],
                joints=list(item.get("tags") or (known.tags if known else [])),
            )
        )
    return blocks


def _parse_reps(value: Any) -> tuple[int, int, bool]:
    text = str(value).strip().lower()
    timed = text.endswith("s") or "sec" in text
    digits = text.replace("sec", "").replace("s", "").strip()
    if "-" in digits:
        low, high = (int(float(p)) for p in digits.split("-", 1))
        return low, high, timed
    number = int(float(digits or 10))
    return number, number, timed
