"""Easier is always easier, harder always harder.

The catalog's ``regression`` / ``progression`` links form ladders per movement pattern
(reference section 6, "Ladders"). This module is the one place that turns "easier" or
"harder" into a change:

1. a rung of the ladder in that direction, when one fits today's equipment, joint
   constraints and level; else
2. an effort change on the same exercise: easier = more reps in reserve and fewer sets,
   harder = fewer reps in reserve and one more set.

The repetition range is never shortened at the same effort: with an unknown load, fewer
reps at the same reps-in-reserve means a heavier weight, the opposite of easier.

Pure: catalog data in, a :class:`DifficultyStep` out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from agent.planning.catalog import Catalog, Exercise

Direction = Literal["easier", "harder"]

EASIER_SET_FACTOR = 0.8
"""Each step easier keeps this share of the sets (besides one more rep in reserve)."""
MAX_RIR = 5
"""Reps in reserve never go above this: further away from failure is not training."""


@dataclass(frozen=True)
class DifficultyStep:
    """What one or more steps easier or harder do to one exercise."""

    exercise: Exercise
    """The exercise to do (the original when no rung fits)."""
    rungs: int
    """Ladder steps taken (0 = effort only)."""
    rir: int | None
    """Reps in reserve to finish with (None = not an effort-dosed exercise)."""
    set_factor: float
    """Share of the planned sets to keep (below 1 when easier)."""
    extra_sets: int
    """Sets to add (harder only)."""
    notes: tuple[str, ...]
    """What changed and why, in plain words."""


def _fits(
    rung: Exercise,
    *,
    equipment: Iterable[str],
    excluded: Iterable[str],
    max_level: int,
    blocked: Iterable[str],
) -> bool:
    return (
        rung.id not in set(blocked)
        and rung.level_rank <= max_level
        and Catalog.available(rung, equipment)
        and Catalog.allowed(rung, excluded)
    )


def rir_words(rir: int) -> str:
    """Reps in reserve in words, e.g. 2 reps in reserve."""
    return f"{rir} rep{'' if rir == 1 else 's'} in reserve"


def step(
    cat: Catalog,
    exercise_id: str,
    direction: Direction,
    *,
    count: int = 1,
    rir: int | None,
    equipment: Iterable[str],
    excluded: Iterable[str] = (),
    max_level: int = 2,
    blocked: Iterable[str] = (),
    rir_floor: int = 1,
    use_ladder: bool = True,
) -> DifficultyStep:
    """``count`` steps ``direction`` for one exercise: ladder rungs first, then effort.

    Args:
        cat: The catalog.
        exercise_id: The exercise to change.
        direction: easier | harder.
        count: How many steps.
        rir: Its current reps in reserve (None when it is not dosed by effort).
        equipment: Equipment at hand today.
        excluded: Joint-stress tags to avoid.
        max_level: Highest level rank (0-2) a rung may have.
        blocked: Exercise ids that may not be used (already in the session, excluded).
        rir_floor: Lowest reps in reserve a harder step may set.
        use_ladder: False to change effort only (accessory work keeps its exercise).
    """
    current = cat.get(exercise_id)
    moved = 0
    notes: list[str] = []
    word = "Harder" if direction == "harder" else "Easier"
    if use_ladder:
        way: Literal["up", "down"] = "up" if direction == "harder" else "down"
        for rung in cat.ladder(exercise_id, way):
            if moved == count:
                break
            if not _fits(
                rung, equipment=equipment, excluded=excluded, max_level=max_level, blocked=blocked
            ):
                continue
            notes.append(f"{word}: {current.name} -> {rung.name} (one ladder step).")
            current = rung
            moved += 1
    left = count - moved
    new_rir = rir
    set_factor = 1.0
    extra = 0
    if left > 0:
        if rir is not None:
            if direction == "harder":
                new_rir = max(rir_floor, rir - left)
            else:
                new_rir = min(MAX_RIR, rir + left)
            if new_rir != rir:
                notes.append(f"{word}: finish with {rir_words(new_rir)} instead of {rir}.")
        if direction == "harder":
            extra = 1
        else:
            set_factor = EASIER_SET_FACTOR**left
            notes.append(f"{word}: fewer sets.")
    return DifficultyStep(
        exercise=current,
        rungs=moved,
        rir=new_rir,
        set_factor=set_factor,
        extra_sets=extra,
        notes=tuple(notes),
    )
