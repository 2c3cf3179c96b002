"""Typed inputs and outputs of the planner.

Inputs: :class:`SessionRequest` (who, what, how long, how they feel), :class:`History`
(what was logged; the tools read it from the database and pass it in) and
:class:`Readiness`. Output: :class:`Session`, whose JSON is the ``coach plan --json``
contract. Lists are kept in a defined order so the same input always gives byte-identical
JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.planning.catalog import LEVELS, Level, load_catalog
from agent.planning.minutes import Minutes

Goal = Literal[
    "strength",
    "hypertrophy",
    "fat_loss",
    "general_fitness",
    "endurance",
    "mobility",
    "return_to_routine",
]
GOALS: tuple[Goal, ...] = (
    "strength",
    "hypertrophy",
    "fat_loss",
    "general_fitness",
    "endurance",
    "mobility",
    "return_to_routine",
)
Focus = Literal[
    "full", "full_a", "full_b", "full_c", "upper", "lower", "push", "pull", "legs", "recovery"
]
FOCUSES: tuple[Focus, ...] = (
    "full",
    "full_a",
    "full_b",
    "full_c",
    "upper",
    "lower",
    "push",
    "pull",
    "legs",
    "recovery",
)
Band = Literal["high", "normal", "low", "very_low"]
BlockFormat = Literal["straight", "superset", "circuit", "emom", "intervals", "steady", "flow"]
SessionKind = Literal["strength", "recovery", "mobility"]
ClientStatus = Literal["active", "injured", "sick", "holiday"]


class Readiness(BaseModel):
    """How ready the person is today. Only ``energy`` is required; readings are optional."""

    model_config = ConfigDict(extra="forbid")

    energy: int = Field(default=3, ge=1, le=5, description="Self-rated energy, 1 (empty) to 5.")
    poor_sleep: bool = Field(default=False, description="Slept badly last night.")
    ill: bool = Field(default=False, description="Feeling ill or feverish.")
    resting_hr: float | None = Field(default=None, ge=20, le=220, description="Resting HR, bpm.")
    resting_hr_baseline: float | None = Field(
        default=None, ge=20, le=220, description="Usual resting HR, bpm."
    )
    hrv_ms: float | None = Field(default=None, ge=1, le=400, description="HRV today, ms.")
    hrv_baseline_ms: float | None = Field(default=None, ge=1, le=400, description="Usual HRV, ms.")
    device_band: Band | None = Field(
        default=None,
        description="Band from imported recovery data (HRV, resting HR, sleep); None when "
        "calibrating or absent.",
    )
    device_reasons: list[str] = Field(
        default_factory=list, description="The recovery data's drivers, in plain words."
    )
    recovery_score: float | None = Field(
        default=None, ge=0, le=100, description="A wearable's recovery/readiness score, 0-100."
    )


class SetRecord(BaseModel):
    """One logged working set."""

    reps: int | None = Field(default=None, ge=0, description="Repetitions done.")
    load_kg: float | None = Field(default=None, ge=0, description="Load in kg; None = bodyweight.")
    rir: float | None = Field(default=None, ge=0, le=10, description="Reps in reserve.")
    rpe: float | None = Field(default=None, ge=1, le=10, description="RPE (10 = 0 RIR).")
    seconds: float | None = Field(default=None, ge=0, description="Duration of a timed set.")

    def effort_rir(self) -> float | None:
        """Reps in reserve, from RIR or RPE (RPE 10 = 0 RIR, 9 = 1, ...)."""
        if self.rir is not None:
            return self.rir
        if self.rpe is not None:
            return max(0.0, 10.0 - self.rpe)
        return None


class ExerciseRecord(BaseModel):
    """What was done of one exercise in one session."""

    exercise_id: str = Field(description="Catalog id.")
    sets: list[SetRecord] = Field(default_factory=list, description="Working sets in order.")
    rep_low: int | None = Field(default=None, description="Bottom of the planned range.")
    rep_high: int | None = Field(default=None, description="Top of the planned range.")
    target_rir: float | None = Field(default=None, description="Planned reps in reserve.")


class SessionRecord(BaseModel):
    """One past session. Skipped sessions are kept so they are never read as failures."""

    day: date = Field(description="The date it happened (or was skipped).")
    status: Literal["done", "skipped"] = Field(default="done", description="done | skipped.")
    exercises: list[ExerciseRecord] = Field(default_factory=list, description="What was done.")
    aerobic_minutes: float = Field(default=0, ge=0, description="Moderate aerobic minutes.")
    vigorous_minutes: float = Field(default=0, ge=0, description="Vigorous aerobic minutes.")


class ActivityRecord(BaseModel):
    """A run, ride, swim or other session recorded by a watch or app and imported."""

    day: date = Field(description="The date it started.")
    sport: str = Field(description="run | ride | swim | walk | hike | row | strength | other.")
    minutes: float = Field(ge=0, description="Duration, minutes.")
    vigorous: bool = Field(default=False, description="Hard: heart rate at vigorous intensity.")

    def moderate_equivalent(self) -> float:
        """Minutes as moderate-equivalent: a vigorous minute counts twice [S11, S12]."""
        return self.minutes * (2 if self.vigorous else 1)


class History(BaseModel):
    """Recent training history, as the tools read it from the database."""

    sessions: list[SessionRecord] = Field(default_factory=list, description="Past sessions.")
    activities: list[ActivityRecord] = Field(
        default_factory=list, description="Imported endurance sessions (runs, rides, swims)."
    )

    def done(self) -> list[SessionRecord]:
        """Completed sessions, oldest first (stable for equal dates)."""
        return sorted((s for s in self.sessions if s.status == "done"), key=lambda s: s.day)

    def last_done(self, before: date | None = None) -> date | None:
        """The date of the most recent completed session (before ``before`` if given)."""
        days = [s.day for s in self.sessions if s.status == "done"]
        if before is not None:
            days = [d for d in days if d < before]
        return max(days) if days else None

    def exposures(self, exercise_id: str) -> list[tuple[date, ExerciseRecord]]:
        """Every completed session's record of one exercise, oldest first."""
        out: list[tuple[date, ExerciseRecord]] = []
        for session in self.done():
            for record in session.exercises:
                if record.exercise_id == exercise_id and record.sets:
                    out.append((session.day, record))
        return out


AssessmentFactKind = Literal["push_capacity_low", "leg_strength_low", "aerobic_recovery_poor"]


class AssessmentFact(BaseModel):
    """Something a home assessment showed, passed to the planner as data (issue 19).

    The coaching layer derives facts from rated results (``agent.coaching.assessments``);
    the planner only reads them and states ``reason`` in the plan.
    """

    model_config = ConfigDict(extra="forbid")

    kind: AssessmentFactKind = Field(description="What the result means for planning.")
    reason: str = Field(description="The result behind it, e.g. 'push-up test 8 (fair...)'.")


def _valid_equipment(values: list[str]) -> list[str]:
    vocab = load_catalog().vocabulary.equipment
    unknown = [v for v in values if v not in vocab]
    if unknown:
        raise ValueError(f"unknown equipment {unknown}; use: {', '.join(vocab)}")
    return sorted({*values, "bodyweight"})


class SessionRequest(BaseModel):
    """Everything the builder needs besides history. Dates are inputs: no clock is read."""

    model_config = ConfigDict(extra="forbid")

    goal: Goal = Field(default="general_fitness", description="Training goal.")
    level: Level = Field(default="beginner", description="Training experience.")
    equipment: list[str] = Field(
        default_factory=lambda: ["bodyweight"], description="Equipment vocabulary words."
    )
    minutes: Minutes = Field(default=30, description="Time available, minutes.")
    readiness: Readiness = Field(default_factory=Readiness, description="Readiness today.")
    constraints: list[str] = Field(
        default_factory=list, description="Joint areas to protect (knee, shoulder, ...)."
    )
    avoid_tags: list[str] = Field(default_factory=list, description="Extra tags to avoid.")
    dislikes: list[str] = Field(
        default_factory=list, description="Exercise ids the person dislikes (avoided if possible)."
    )
    exclude: list[str] = Field(default_factory=list, description="Exercise ids never to use.")
    prefer: list[str] = Field(default_factory=list, description="Exercise ids to use if they fit.")
    focus: Focus = Field(default="full", description="Day emphasis; full rotates A/B/C.")
    variation: int = Field(default=0, ge=0, description="Which full-body variant (A/B/C).")
    assessments: list[AssessmentFact] = Field(
        default_factory=list, description="What home assessments showed (issue 19)."
    )
    today: date | None = Field(default=None, description="The session date (for gaps, 48 h).")
    age: int | None = Field(default=None, ge=10, le=110, description="Age in years.")
    units: Literal["kg", "lb"] = Field(default="kg", description="Unit for load suggestions.")
    difficulty: int = Field(default=0, ge=-3, le=3, description="Easier (<0) or harder (>0).")
    deload: bool = Field(default=False, description="Make this a deload session.")
    client_status: ClientStatus = Field(
        default="active",
        description="What the trainer says about the person's situation; the caller eases "
        "(injured, sick) or pauses (sick, holiday) the plan and records it here.",
    )

    @field_validator("equipment")
    @classmethod
    def _equipment(cls, value: list[str]) -> list[str]:
        return _valid_equipment(value)

    @field_validator("constraints")
    @classmethod
    def _constraints(cls, value: list[str]) -> list[str]:
        table = load_catalog().vocabulary.constraint_tags
        unknown = [v for v in value if v not in table]
        if unknown:
            raise ValueError(f"unknown constraint area {unknown}; use: {', '.join(table)}")
        return sorted(set(value))

    @field_validator("avoid_tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        tags = load_catalog().vocabulary.tags
        unknown = [v for v in value if v not in tags]
        if unknown:
            raise ValueError(f"unknown tag {unknown}; use: {', '.join(tags)}")
        return sorted(set(value))

    @field_validator("dislikes", "exclude")
    @classmethod
    def _id_set(cls, value: list[str]) -> list[str]:
        return sorted(set(_known_ids(value)))

    @field_validator("prefer")
    @classmethod
    def _id_list(cls, value: list[str]) -> list[str]:
        # Order matters here (the latest preference wins), so only duplicates are dropped.
        return list(dict.fromkeys(_known_ids(value)))

    def level_rank(self) -> int:
        """0 beginner, 1 intermediate, 2 advanced."""
        return LEVELS.index(self.level)


def _known_ids(values: list[str]) -> list[str]:
    catalog = load_catalog()
    unknown = [v for v in values if v not in catalog]
    if unknown:
        raise ValueError(f"unknown exercise id {unknown}")
    return values


class LoadSuggestion(BaseModel):
    """A load to use, with how it was worked out."""

    value: float = Field(description="Load in ``unit``.")
    unit: Literal["kg", "lb"] = Field(description="kg or lb.")
    text: str = Field(description="Readable, e.g. '22 kg (last time 20 kg x 12, 12, 12)'.")


class Prescription(BaseModel):
    """One exercise in the session with its dose."""

    id: str = Field(description="Catalog id.")
    name: str = Field(description="Display name.")
    pattern: str = Field(description="Movement pattern.")
    equipment: list[str] = Field(description="Equipment it needs.")
    sets: int = Field(description="Working sets (rounds in a superset, circuit or EMOM).")
    reps: str = Field(description="Reps or time per set, e.g. '8-12', '10', '30s'.")
    rest_s: int = Field(description="Rest after each set, seconds (0 inside supersets).")
    tags: list[str] = Field(description="Joint-stress tags, so callers can verify constraints.")
    rep_low: int | None = Field(description="Bottom of the rep range (None for timed work).")
    rep_high: int | None = Field(description="Top of the rep range.")
    seconds: int | None = Field(description="Work seconds per set for timed work.")
    per_side: bool = Field(description="Reps or seconds are per side.")
    target_rir: int | None = Field(description="Reps in reserve to finish each set with.")
    load: LoadSuggestion | None = Field(description="Suggested load when history exists.")
    cues: list[str] = Field(description="Short coaching cues.")
    muscles: list[str] = Field(description="Primary muscles.")
    secondary_muscles: list[str] = Field(description="Secondary muscles.")
    block: str = Field(description="Label of the block it belongs to.")
    role: str = Field(description="main | secondary | light | core | carry | isolation | ...")
    hard: bool = Field(description="Counts as hard sets in weekly volume.")
    notes: list[str] = Field(description="Why this exercise or dose, in plain words.")


class Block(BaseModel):
    """How exercises are grouped and paced."""

    label: str = Field(description="A, B, C ...")
    format: BlockFormat = Field(description="straight | superset | circuit | emom | ...")
    exercise_ids: list[str] = Field(description="Exercises in the block, in order.")
    rounds: int = Field(description="Rounds (sets for straight blocks).")
    rest_s: int = Field(description="Rest after each round, seconds.")
    work_s: int | None = Field(description="Work seconds per station for circuits and intervals.")
    minutes: float = Field(description="Estimated minutes for the block.")
    note: str = Field(description="How to run the block.")


class PhaseItem(BaseModel):
    """One step of a warm-up or cool-down."""

    id: str | None = Field(description="Catalog id, if the step is a catalog exercise.")
    name: str = Field(description="What to do.")
    detail: str = Field(description="How much or how.")
    minutes: float = Field(description="Minutes for the step.")
    tags: list[str] = Field(description="Joint-stress tags.")


class Phase(BaseModel):
    """A warm-up or a cool-down."""

    minutes: float = Field(description="Total minutes.")
    items: list[PhaseItem] = Field(description="Steps in order.")


class Session(BaseModel):
    """A planned session. Its JSON is the ``coach plan --json`` contract."""

    est_minutes: float = Field(description="Estimated minutes from the time model.")
    minutes: int = Field(description="Minutes the person asked for.")
    kind: SessionKind = Field(description="strength | recovery | mobility.")
    goal: Goal = Field(description="Goal it was built for.")
    level: Level = Field(description="Level it was built for.")
    focus: str = Field(description="The day template used.")
    readiness: Band = Field(description="Readiness band applied.")
    exercises: list[Prescription] = Field(description="Main work, in order.")
    blocks: list[Block] = Field(description="How the exercises are grouped.")
    warmup: Phase = Field(description="Warm-up.")
    cooldown: Phase = Field(description="Cool-down.")
    hard_sets: dict[str, float] = Field(description="Hard sets per muscle (secondary = 0.5).")
    aerobic_minutes: float = Field(description="Moderate aerobic minutes in the session.")
    vigorous_minutes: float = Field(description="Vigorous aerobic minutes in the session.")
    deload_recommended: bool = Field(description="A lift has stalled: a deload week is due.")
    reasons: list[str] = Field(description="Why the session looks the way it does.")
    changes: list[str] = Field(description="What an adaptation changed, in plain words.")
    request: SessionRequest = Field(description="The request it was built from.")

    def exercise(self, exercise_id: str) -> Prescription | None:
        """The prescription for an exercise id, if it is in the session."""
        for item in self.exercises:
            if item.id == exercise_id:
                return item
        return None
