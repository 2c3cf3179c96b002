"""How the live session gets and changes plans: through agent.planning when it is there.

The planner (agent.planning) owns the catalog, the session builder, swaps and
compression. This module converts its session into ``LiveExercise`` blocks. Until the
planner offers a piece, a deliberately small built-in version stands in (noted in
``SOURCE``): eight common exercises, enough to run and test a session honestly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.live.state import LiveExercise

SOURCE = "live-fallback"
"""Marks plans built by the stand-in rather than agent.planning."""


@dataclass(frozen=True)
class _Entry:
    id: str
    name: str
    pattern: str
    equipment: tuple[str, ...]
    muscles: tuple[str, ...]
    cues: tuple[str, ...]
    joints: tuple[str, ...] = ()
    timed: bool = False
    reps: tuple[int, int] = (8, 12)
    start_load_kg: float | None = None


_CATALOG: tuple[_Entry, ...] = (
    _Entry(
        "goblet_squat",
        "Goblet squat",
        "squat",
        ("dumbbells",),
        ("quads", "glutes"),
        ("Hold the weight at your chest, elbows down", "Sit between your heels"),
        ("knee",),
        start_load_kg=12.0,
    ),
    _Entry(
        "bodyweight_squat",
        "Bodyweight squat",
        "squat",
        (),
        ("quads", "glutes"),
        ("Feet shoulder-width, chest tall", "Push the floor away to stand"),
        ("knee",),
        reps=(12, 15),
    ),
    _Entry(
        "glute_bridge",
        "Glute bridge",
        "hinge",
        (),
        ("glutes", "hamstrings"),
        ("Ribs down, squeeze at the top", "Drive through your heels"),
        reps=(12, 15),
    ),
    _Entry(
        "db_rdl",
        "Dumbbell Romanian deadlift",
        "hinge",
        ("dumbbells",),
        ("hamstrings", "glutes"),
        ("Push your hips back, soft knees", "Keep the weights close to your legs"),
        ("lower_back",),
        start_load_kg=14.0,
    ),
    _Entry(
        "push_up",
        "Push-up",
        "horizontal_push",
        (),
        ("chest", "triceps"),
        ("Body in one straight line", "Elbows about 45 degrees from your sides"),
        ("shoulder", "wrist"),
    ),
    _Entry(
        "db_bench_press",
        "Dumbbell bench press",
        "horizontal_push",
        ("dumbbells", "bench"),
        ("chest", "triceps"),
        ("Shoulder blades back and down", "Lower to mid-chest"),
        ("shoulder",),
        start_load_kg=10.0,
    ),
    _Entry(
        "db_floor_press",
        "Dumbbell floor press",
        "horizontal_push",
        ("dumbbells",),
        ("chest", "triceps"),
        ("Pause with your upper arms on the floor", "Press up and slightly in"),
        start_load_kg=10.0,
    ),
    _Entry(
        "db_row",
        "One-arm dumbbell row",
        "horizontal_pull",
        ("dumbbells",),
        ("back", "biceps"),
        ("Pull your elbow toward your hip", "Keep your back flat"),
        start_load_kg=12.0,
    ),
    _Entry(
        "band_row",
        "Band row",
        "horizontal_pull",
        ("resistance_band",),
        ("back", "biceps"),
        ("Squeeze your shoulder blades together", "Slow on the way back"),
        reps=(12, 15),
    ),
    _Entry(
        "plank",
        "Plank",
        "core",
        (),
        ("core",),
        ("Squeeze glutes and brace", "Breathe steadily"),
        timed=True,
        reps=(30, 30),
    ),
)

_ORDER = ("squat", "horizontal_push", "hinge", "horizontal_pull", "core")

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


def _usable(entry: _Entry, equipment: set[str], avoid: set[str]) -> bool:
    return set(entry.equipment) <= equipment and not (set(entry.joints) & avoid)


def _to_live(entry: _Entry, sets: int, rest_s: int, rir: int) -> LiveExercise:
    return LiveExercise(
        id=entry.id,
        name=entry.name,
        pattern=entry.pattern,
        equipment=list(entry.equipment),
        muscles=list(entry.muscles),
        sets=sets,
        rep_low=entry.reps[0],
        rep_high=entry.reps[1],
        timed=entry.timed,
        rest_s=rest_s,
        target_rir=rir,
        load=entry.start_load_kg,
        unit="kg",
        cues=list(entry.cues[:2]),
        joints=list(entry.joints),
    )


def loads_joint(exercise: LiveExercise, areas: list[str]) -> bool:
    """Whether the exercise stresses any of the joint ``areas``.

    Tags match by substring, so a planner tag like "deep_knee_flexion" counts for "knee".
    """
    tags = exercise.joints or next((list(e.joints) for e in _CATALOG if e.id == exercise.id), [])
    return any(area.lower() in tag.lower() for area in areas for tag in tags)


def build_session(spec: PlanInput) -> list[LiveExercise]:
    """Today's blocks: one exercise per pattern that the equipment and constraints allow.

    The loaded variant is preferred when its equipment is there; three sets each
    (two when the session is under 20 minutes), 90 s rest, 2 reps in reserve.
    """
    equipment = {e.lower() for e in spec.equipment} | {"bodyweight"}
    avoid = {a.lower() for a in spec.avoid}
    sets = 2 if spec.minutes < 20 else 3
    blocks: list[LiveExercise] = []
    for pattern in _ORDER:
        options = [e for e in _CATALOG if e.pattern == pattern and _usable(e, equipment, avoid)]
        if not options:
            continue
        best = max(options, key=lambda e: len(e.equipment))
        blocks.append(_to_live(best, sets, 60 if best.timed else 90, 2))
    return blocks


def swap(
    exercise: LiveExercise, equipment: list[str], unavailable: list[str], avoid: list[str]
) -> LiveExercise | None:
    """Another exercise of the same pattern, without the missing equipment or flagged joints."""
    have = ({e.lower() for e in equipment} | {"bodyweight"}) - {u.lower() for u in unavailable}
    blocked = {a.lower() for a in avoid}
    options = [
        e
        for e in _CATALOG
        if e.pattern == exercise.pattern and e.id != exercise.id and _usable(e, have, blocked)
    ]
    if not options:
        return None
    chosen = max(options, key=lambda e: len(e.equipment))
    new = _to_live(chosen, exercise.sets, exercise.rest_s, exercise.target_rir)
    new.done_sets = 0
    new.sets = max(1, exercise.sets - exercise.done_sets)
    new.swapped_from = exercise.name
    new.status = "active"
    return new


def cues_for(exercise_id: str) -> list[str]:
    """Catalog cues for an exercise id (empty when unknown)."""
    for entry in _CATALOG:
        if entry.id == exercise_id:
            return list(entry.cues[:2])
    return []


def from_plan_dict(plan: dict[str, Any]) -> list[LiveExercise]:
    """Blocks from a planner session in the ``coach plan --json`` shape."""
    blocks: list[LiveExercise] = []
    for item in plan.get("exercises", []):
        low, high, timed = _parse_reps(item.get("reps", 10))
        blocks.append(
            LiveExercise(
                id=str(item["id"]),
                name=str(item.get("name", item["id"])),
                pattern=str(item.get("pattern", "")),
                equipment=list(item.get("equipment") or []),
                muscles=list(item.get("muscles") or []),
                sets=int(item.get("sets", 3)),
                rep_low=low,
                rep_high=high,
                timed=timed,
                rest_s=int(item.get("rest_s", 90)),
                target_rir=int(item.get("target_rir", item.get("rir", 2))),
                load=item.get("load"),
                unit=str(item.get("unit", "kg")),
                cues=list(item.get("cues") or cues_for(str(item["id"])))[:2],
                joints=list(item.get("tags") or []),
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
