"""The planner's tunable numbers and progression rules, loaded from data files.

``data/prescriptions.yaml`` holds the goal table, time model, warm-up and cool-down,
readiness bands, gap table, deload, volume landmarks, public-health floors, weekly splits
and session templates. ``data/progression.yaml`` holds the progression rules. Both are
parsed once per process into immutable models.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agent.datafiles import parse_yaml

Role = Literal["main", "secondary", "light", "core", "carry", "isolation", "mobility"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LevelParams(_Frozen):
    """Prescription for one goal at one level."""

    reps: tuple[int, int]
    sets: tuple[int, int]
    rest_main: int
    rest_accessory: int
    rir: int


class GoalParams(_Frozen):
    """Prescription for one goal."""

    label: str
    accessory_reps: tuple[int, int]
    superset_rest: int
    prefer_supersets: bool
    finisher: bool
    levels: dict[str, LevelParams]


class TimeModel(_Frozen):
    """Seconds that make up a set, a station and an EMOM minute."""

    setup_s: int
    default_sec_per_rep: float
    station_s: int
    circuit_work_s: int
    emom_reps: tuple[int, int]


class PhaseSize(_Frozen):
    """Warm-up or cool-down length for sessions of at least ``min_session`` minutes."""

    min_session: int
    minutes: int
    ramp_sets: int = 0


class RampSet(_Frozen):
    """One warm-up ramp set: a share of the working load for a few reps."""

    pct: int
    reps: int


class BandEffect(_Frozen):
    """How a readiness band changes the plan."""

    set_factor: float
    extra_sets: int
    rir_add: int
    finisher: bool


class ReadinessRules(_Frozen):
    """Cut-offs that map readiness inputs to bands."""

    energy_bands: dict[int, str]
    recovery_score: dict[str, int]
    resting_hr_rise_low: float
    hrv_drop_low_pct: float
    bands: dict[str, BandEffect]
    very_low_max_minutes: int


class GapRow(_Frozen):
    """One row of the missed-time table."""

    id: str
    max_days: int | None
    set_factor: float
    load_factor: float
    rir_add: int
    rebuild_weeks: int | None


class Deload(_Frozen):
    """A deload week's changes."""

    set_factor: float
    load_factor: float
    rir_add: int


class Landmark(_Frozen):
    """Weekly hard sets for a muscle: maintain, start (MEV) and productive range (MAV)."""

    maintain: int
    mev: int
    mav: tuple[int, int]


class PublicHealth(_Frozen):
    """Weekly floors for the ledger."""

    strength_days: int
    aerobic_moderate_minutes: int
    aerobic_upper_minutes: int
    vigorous_counts_double: bool
    fat_loss_aerobic_minutes: int


class Split(_Frozen):
    """A weekly split: a name and the day templates in order."""

    name: str
    days: tuple[str, ...]


class Slot(_Frozen):
    """One place in a session template."""

    slot: str
    patterns: tuple[str, ...]
    role: Role
    tier: str | None = None
    muscle: str | None = None


class Prescriptions(_Frozen):
    """Everything in ``prescriptions.yaml``."""

    goals: dict[str, GoalParams]
    hard_set_max_rir: int
    light_dose: dict[str, int]
    time_model: TimeModel
    warmup: dict[str, PhaseSize]
    ramp_sets: tuple[RampSet, ...]
    cooldown: dict[str, PhaseSize]
    max_cooldown_minutes: int
    max_fill_aerobic_minutes: int
    min_fill_aerobic_minutes: int
    finisher_minutes: tuple[int, int]
    circuit_below_minutes: int
    readiness: ReadinessRules
    gap_table: tuple[GapRow, ...]
    older_age: int
    deload: Deload
    volume_landmarks: dict[str, Landmark]
    secondary_set_weight: float
    time_poor_min_sets: int
    public_health: PublicHealth
    splits: dict[int, Split]
    recovery_hours: int
    templates: dict[str, tuple[Slot, ...]]
    equipment_preference: tuple[str, ...]


Comparator = Literal["gte", "lte", "eq"]


class RuleAction(_Frozen):
    """What a progression rule does."""

    op: Literal["start", "deload", "load", "step_up", "hold", "add_reps"]
    load_factor: float | None = None
    set_factor: float | None = None
    rir_add: int | None = None
    factor: float | None = None
    reps: int | None = None


class ProgressionRule(_Frozen):
    """One readable rule: conditions on metrics from the logs, an action and a reason."""

    id: str
    when: dict[str, dict[Comparator, float]]
    then: RuleAction
    reason: str


class StepSize(_Frozen):
    """A load step in kilograms and pounds."""

    kg: float
    lb: float


class ProgressionRules(_Frozen):
    """Everything in ``progression.yaml``."""

    max_step_fraction: float
    reps_first_extra: int
    bodyweight_reps_per_week: int
    load_steps: dict[str, dict[str, StepSize]]
    rules: tuple[ProgressionRule, ...]


def _read(name: str) -> Any:
    text = resources.files("agent.planning").joinpath("data", name).read_text(encoding="utf-8")
    return parse_yaml(text)


@cache
def prescriptions() -> Prescriptions:
    """The packaged prescription tables (cached)."""
    return Prescriptions.model_validate(_read("prescriptions.yaml"))


@cache
def progression_rules() -> ProgressionRules:
    """The packaged progression rules (cached)."""
    return ProgressionRules.model_validate(_read("progression.yaml"))
