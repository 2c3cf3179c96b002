"""The session under construction: what the builder, the fitter and the writer share.

``Context`` holds today's inputs and derived facts (equipment, excluded tags, recent
muscles, modifiers); ``Item`` is one exercise with its dose; ``Unit`` groups items into
straight sets, a superset, an EMOM, a circuit or a flow; ``Draft`` is the whole session
before it is written out as a :class:`~agent.planning.models.Session`. Also here: the
small choices several steps make (easy or hard conditioning, mobility moves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal

from agent.planning.catalog import Catalog, Exercise, load_catalog
from agent.planning.models import (
    BlockFormat,
    ExerciseRecord,
    History,
    LoadSuggestion,
    SessionRequest,
)
from agent.planning.populations import PopulationPlan
from agent.planning.rules import (
    GoalParams,
    LevelParams,
    Prescriptions,
    Role,
    prescriptions,
)


@dataclass(frozen=True)
class Mods:
    """Today's modifiers from readiness, missed time and a deload."""

    set_factor: float
    """Share of the usual hard sets."""
    load_factor: float
    """Multiplier on suggested loads."""
    rir_add: int
    """Extra reps in reserve."""
    extra_sets: int
    """Sets that may be added on a good day."""
    finisher: bool
    """Whether a hard finisher is allowed."""


@dataclass
class Context:
    """Everything one build reads, worked out once."""

    req: SessionRequest
    cat: Catalog
    rx: Prescriptions
    goal: GoalParams
    params: LevelParams
    history: History
    equipment: frozenset[str]
    excluded: frozenset[str]
    recent: dict[str, int]
    """Muscles trained hard less than 48 hours ago -> days ago."""
    last_done: dict[str, date]
    """Exercise id -> last date done within the history window."""
    mods: Mods
    familiar: list[Exercise] = field(default_factory=list)
    """Preferred or recently done exercises possible today (up to a level above)."""
    level: int = 0
    """The person's level as 0-2."""
    prefer_rank: dict[str, int] = field(default_factory=dict)
    """Preferred exercise id -> its position in the request's list."""
    exposures: dict[str, list[tuple[date, ExerciseRecord]]] = field(default_factory=dict)
    """Exercise id -> its completed sessions, oldest first (indexed once per build)."""
    reasons: list[str] = field(default_factory=list)
    """Session-level reasons collected while building."""
    deload_recommended: bool = False
    """Set when a lift's progression calls for a deload."""
    population: PopulationPlan = field(default_factory=PopulationPlan)
    """Rules for who the person is (pregnancy, age, conditions, sport)."""


@dataclass(eq=False)
class Item:
    """One exercise in the draft with its dose; mutated while fitting."""

    ex: Exercise
    slot: str
    role: Role
    tier: str
    category: str
    sets: int
    max_sets: int
    low: int | None
    high: int | None
    seconds: int | None
    rest: int
    rir: int | None
    hard: bool = True
    load: LoadSuggestion | None = None
    notes: list[str] = field(default_factory=list)
    reps_text: str | None = None
    base_sets: int = 0
    base_rir: int = 2
    """The goal's effort for this role before today's adjustments."""
    factor: float = 1.0
    """Share of the fitted sets actually done (volume cuts), applied after fitting."""

    def work_s(self, sec_default: float) -> float:
        """Work seconds of one set (both sides for unilateral exercises)."""
        sides = 2 if self.ex.unilateral else 1
        if self.seconds is not None:
            return float(self.seconds * sides)
        reps = self.high or self.low or 10
        spr = self.ex.sec_per_rep or sec_default
        return reps * spr * sides


@dataclass(eq=False)
class Unit:
    """Items done together: one (straight sets), two (a superset) or several (stations)."""

    items: list[Item]
    rest: int
    format: BlockFormat = "straight"

    @property
    def rounds(self) -> int:
        """Sets of a straight unit, rounds of the others."""
        return self.items[0].sets


@dataclass
class Extra:
    """A timed conditioning block: a finisher or easy aerobic work."""

    ex: Exercise
    minutes: int
    format: BlockFormat
    note: str


@dataclass
class Draft:
    """The whole session before it is written out."""

    mode: Literal["standard", "emom", "circuit"]
    warm: int
    cool: int
    units: list[Unit]
    finisher: Extra | None = None
    aerobic: Extra | None = None
    notes: list[str] = field(default_factory=list)


def is_free_load(ex: Exercise) -> bool:
    """True for bodyweight, band and bar work, which has no load to suggest."""
    return all(e in {"bodyweight", "bands", "pullup_bar"} for e in ex.equipment)


def equipment_score(ex: Exercise, rx: Prescriptions) -> int:
    """Higher for equipment earlier in the preference order (barbell first)."""
    return static_score(ex.id, rx.equipment_preference)[0]


@lru_cache(maxsize=1024)
def static_score(exercise_id: str, order: tuple[str, ...]) -> tuple[int, int]:
    """(equipment preference score, score from the exercise alone), computed once."""
    ex = load_catalog().get(exercise_id)
    best = min((order.index(e) for e in ex.equipment if e in order), default=len(order))
    equipment = (len(order) - best) * 2
    return equipment, equipment + 3 * ex.prefer - 2 * len(ex.stress_tags)


def conditioning(ctx: Context, *, vigorous: bool) -> Exercise | None:
    """An interval exercise (``vigorous``) or an easy steady one, allowed and available."""
    level = ctx.req.level_rank()
    pool = ctx.cat.candidates("conditioning", ctx.equipment, ctx.excluded, level)
    if vigorous:
        options = [e for e in pool if e.intensity != "low" and e.seconds and e.seconds[1] <= 90]
        if level == 0:
            options = [e for e in options if e.intensity == "moderate"] or options
    else:
        options = [e for e in pool if e.intensity in {"low", "moderate"} and e.seconds]
        options = [e for e in options if e.seconds is not None and e.seconds[1] >= 300]
    if not options:
        return None
    return max(options, key=lambda e: (equipment_score(e, ctx.rx) + 3 * e.prefer, e.id))


POWER_DRILL = "chair_box_squat"
"""Sit-to-stands done fast up and slow down: power for getting out of a chair."""


def balance_drill(ctx: Context) -> Exercise | None:
    """The balance drill for today: the hardest the person's level allows."""
    pool = ctx.cat.candidates("balance", ctx.equipment, ctx.excluded, ctx.req.level_rank())
    if not pool:
        return None
    return max(pool, key=lambda e: (e.level_rank, e.prefer, e.id))


def mobility_moves(ctx: Context, dynamic: bool, muscles: Sequence[str]) -> list[Exercise]:
    """Mobility moves (dynamic drills or static holds), those for ``muscles`` first."""
    return list(_ranked_moves(ctx.cat, ctx.equipment, ctx.excluded, dynamic, frozenset(muscles)))


@lru_cache(maxsize=4096)
def _ranked_moves(
    cat: Catalog,
    equipment: frozenset[str],
    excluded: frozenset[str],
    dynamic: bool,
    muscles: frozenset[str],
) -> tuple[Exercise, ...]:
    base = _mobility_pool(cat, equipment, excluded, dynamic)
    # A stable sort keeps the base order (fewest joint tags, then equipment, then id).
    ranked = sorted(base, key=lambda e: -sum(1 for m in e.primary_muscles if m in muscles))
    out: list[Exercise] = []
    seen: set[str] = set()
    for ex in ranked:
        if ex.main_muscle in seen:
            continue
        seen.add(ex.main_muscle)
        out.append(ex)
    return tuple(out)


@lru_cache(maxsize=2048)
def _mobility_pool(
    cat: Catalog, equipment: frozenset[str], excluded: frozenset[str], dynamic: bool
) -> tuple[Exercise, ...]:
    order = prescriptions().equipment_preference
    pool = [
        e
        for e in cat.candidates("mobility", equipment, excluded, 2)
        if (e.unit == "reps") == dynamic
    ]
    return tuple(
        sorted(pool, key=lambda e: (len(e.stress_tags), -static_score(e.id, order)[0], e.id))
    )
