"""Who the person is: pregnancy, postpartum, age, conditions, sport and a stated layoff.

The rules are data (``data/populations.yaml``, sources in docs/reference/populations.md);
this module decides which groups apply to a request and merges what they ask for into a
:class:`PopulationPlan` the builder and the invariants both read. Also here: the date
arithmetic that keeps a pregnancy week advancing from a stored due date, the rebuild of a
stated layoff over the following weeks, and where strength sessions fit in a running week.

Pure: no clock (dates are inputs), no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agent.datafiles import parse_yaml
from agent.planning.rules import LevelParams

Warmup = Literal["balance", "power"]
RunKind = Literal["easy", "hard", "long", "rest"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class When(_Frozen):
    """Conditions under which a group applies (all must hold)."""

    pregnancy_week: tuple[int, int] | None = None
    postpartum_weeks: tuple[int, int] | None = None
    age: tuple[int, int] | None = None
    condition: str | None = None
    sport_strength: bool | None = None


class Group(_Frozen):
    """One population rule set."""

    id: str
    label: str
    when: When
    exclude_tags: tuple[str, ...] = ()
    protect: tuple[str, ...] = ()
    min_rir: int = 0
    min_reps: int = 1
    no_finisher: bool = False
    effort_by_feel: bool = False
    warmup: tuple[Warmup, ...] = ()
    prescription: dict[str, LevelParams] | None = None
    notes: tuple[str, ...] = ()
    stop_signs: tuple[str, ...] = ()
    sources: tuple[str, ...]


class PopulationData(_Frozen):
    """Everything in ``populations.yaml``."""

    trimester_weeks: tuple[int, int]
    due_week: int
    postpartum_max_weeks: int
    conditions: dict[str, str]
    groups: tuple[Group, ...]
    education: dict[str, str]


@cache
def population_data() -> PopulationData:
    """The packaged population rules (cached)."""
    text = (
        resources.files("agent.planning")
        .joinpath("data", "populations.yaml")
        .read_text(encoding="utf-8")
    )
    raw: Any = parse_yaml(text)
    return PopulationData.model_validate(raw)


CONDITIONS: tuple[str, ...] = tuple(population_data().conditions)
SPORTS: tuple[str, ...] = ("running", "field")


@dataclass(frozen=True)
class Facts:
    """What the planner needs to know about the person beyond goal, level and kit."""

    age: int | None = None
    pregnancy_week: int | None = None
    postpartum_weeks: int | None = None
    conditions: tuple[str, ...] = ()
    sport: str | None = None
    goal: str | None = None


@dataclass(frozen=True)
class PopulationPlan:
    """The merged rules of every group that applies."""

    groups: tuple[str, ...] = ()
    exclude_tags: frozenset[str] = frozenset()
    protect: tuple[str, ...] = ()
    min_rir: int = 0
    min_reps: int = 1
    no_finisher: bool = False
    effort_by_feel: bool = False
    warmup: tuple[Warmup, ...] = ()
    prescription: Mapping[str, LevelParams] | None = None
    notes: tuple[str, ...] = ()
    stop_signs: tuple[str, ...] = ()


def _inside(value: int | None, bounds: tuple[int, int] | None) -> bool:
    return bounds is None or (value is not None and bounds[0] <= value <= bounds[1])


def _applies(group: Group, facts: Facts) -> bool:
    when = group.when
    if when.condition is not None and when.condition not in facts.conditions:
        return False
    if when.sport_strength and not (facts.sport in SPORTS and facts.goal == "strength"):
        return False
    return (
        _inside(facts.pregnancy_week, when.pregnancy_week)
        and _inside(facts.postpartum_weeks, when.postpartum_weeks)
        and _inside(facts.age, when.age)
    )


def groups_for(facts: Facts) -> list[Group]:
    """The groups that apply, in data order."""
    return [g for g in population_data().groups if _applies(g, facts)]


def plan_for(facts: Facts) -> PopulationPlan:
    """Merge every applying group: the strictest of each limit, the union of exclusions."""
    groups = groups_for(facts)
    if not groups:
        return PopulationPlan()
    prescription: Mapping[str, LevelParams] | None = None
    for g in groups:
        if g.prescription is not None:
            prescription = g.prescription
    return PopulationPlan(
        groups=tuple(g.id for g in groups),
        exclude_tags=frozenset(t for g in groups for t in g.exclude_tags),
        protect=tuple(sorted({a for g in groups for a in g.protect})),
        min_rir=max(g.min_rir for g in groups),
        min_reps=max(g.min_reps for g in groups),
        no_finisher=any(g.no_finisher for g in groups),
        effort_by_feel=any(g.effort_by_feel for g in groups),
        warmup=tuple(dict.fromkeys(w for g in groups for w in g.warmup)),
        prescription=prescription,
        notes=tuple(dict.fromkeys(n for g in groups for n in g.notes)),
        stop_signs=tuple(dict.fromkeys(s for g in groups for s in g.stop_signs)),
    )


def education(key: str) -> str:
    """A curated education answer (``osteoarthritis_ache``, ``talk_test``, ...).

    Raises:
        KeyError: No answer has that key.
    """
    answers = population_data().education
    if key not in answers:
        raise KeyError(f"no education answer {key!r}; known: {', '.join(answers)}")
    return answers[key]


# -- dates ------------------------------------------------------------------------------
def pregnancy_week(due: date, today: date) -> int | None:
    """The week of pregnancy on ``today`` for a due date.

    None once the due date is over two weeks past: the person is then postpartum.
    """
    data = population_data()
    weeks_left = (due - today).days // 7
    week = data.due_week - weeks_left
    if week < 1 or week > data.due_week + 2:
        return None
    return week


def due_date_for_week(week: int, today: date) -> date:
    """The due date implied by "I'm ``week`` weeks pregnant" said on ``today``."""
    return today + timedelta(weeks=population_data().due_week - week)


def trimester(week: int) -> int:
    """1, 2 or 3 for a pregnancy week."""
    first, second = population_data().trimester_weeks
    return 1 if week <= first else 2 if week <= second else 3


def postpartum_weeks(birth: date, today: date) -> int | None:
    """Whole weeks since the birth, or None when the postpartum rules no longer apply."""
    weeks = (today - birth).days // 7
    if weeks < 0 or weeks > population_data().postpartum_max_weeks:
        return None
    return weeks


# -- a stated layoff -------------------------------------------------------------------
@dataclass(frozen=True)
class Rebuild:
    """How far back from a layoff today's session is."""

    set_factor: float
    load_factor: float
    rir_add: int
    reason: str | None


def rebuild_after_layoff(
    start_set_factor: float,
    start_load_factor: float,
    rir_add: int,
    rebuild_weeks: int | None,
    days_back: int,
) -> Rebuild:
    """Sets and loads rebuilt from the gap row's cut to normal over its rebuild period.

    Linear [P]; the extra reps in reserve stay until the rebuild is done.
    """
    if not rebuild_weeks:
        share = 1.0 if days_back > 0 else 0.0
    else:
        share = min(1.0, max(0.0, days_back / (7 * rebuild_weeks)))
    if share >= 1.0:
        return Rebuild(1.0, 1.0, 0, None)
    sets = start_set_factor + (1 - start_set_factor) * share
    loads = start_load_factor + (1 - start_load_factor) * share
    return Rebuild(round(sets, 3), round(loads, 3), rir_add, None)


# -- the running week ------------------------------------------------------------------
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def strength_days_around_runs(week: Mapping[str, RunKind], sessions: int) -> list[str]:
    """Days for ``sessions`` strength sessions that fit around a running week.

    Hard days hard and easy days easy [RON2014][P]: strength goes after a hard run first,
    then on rest or easy days; never on the long-run day nor the day before a long or
    hard run. Days are "mon".."sun"; missing days are rest days.

    Raises:
        ValueError: An unknown day name, or ``sessions`` outside 0-3.
    """
    unknown = [d for d in week if d not in DAYS]
    if unknown:
        raise ValueError(f"unknown day {unknown}; use {', '.join(DAYS)}")
    if not 0 <= sessions <= 3:
        raise ValueError("strength sessions around running: 0 to 3 a week")
    kind = {d: week.get(d, "rest") for d in DAYS}

    def before_key(day: str) -> bool:
        nxt = DAYS[(DAYS.index(day) + 1) % 7]
        return kind[nxt] in {"hard", "long"}

    allowed = [d for d in DAYS if kind[d] != "long" and not before_key(d)]
    order = {"hard": 0, "rest": 1, "easy": 2}
    ranked = sorted(allowed, key=lambda d: (order[kind[d]], DAYS.index(d)))
    chosen: list[str] = []
    for day in ranked:
        if len(chosen) == sessions:
            break
        # Two strength days in a row leave no recovery; skip a neighbour of a chosen day.
        index = DAYS.index(day)
        if any(abs(index - DAYS.index(c)) in {1, 6} for c in chosen):
            continue
        chosen.append(day)
    return sorted(chosen, key=DAYS.index)


def request_fields(stored: Mapping[str, Any], today: date) -> dict[str, Any]:
    """Planner request fields for ``today`` from stored facts.

    ``stored`` has the keys of ``agent.memory.situation.Situation`` plus ``age``: the
    pregnancy week comes from the due date and the postpartum weeks from the birth date,
    so both advance with the calendar.
    """
    out: dict[str, Any] = {
        "conditions": [c for c in stored.get("conditions") or [] if c in CONDITIONS],
        "load_caps": dict(stored.get("load_caps") or {}),
    }
    due = stored.get("due_date")
    if due is not None:
        out["pregnancy_week"] = pregnancy_week(due, today)
    birth = stored.get("birth_date")
    if birth is not None:
        out["postpartum_weeks"] = postpartum_weeks(birth, today)
    if stored.get("sport") in SPORTS:
        out["sport"] = stored["sport"]
    if stored.get("layoff_weeks"):
        out["layoff_weeks"] = stored["layoff_weeks"]
        out["back_since"] = stored.get("back_since")
    age = stored.get("age")
    if age is not None and 10 <= age <= 110:
        out["age"] = age
    return out


def known_conditions(values: Iterable[str]) -> list[str]:
    """Validate condition names; sorted and de-duplicated.

    Raises:
        ValueError: A name is not in ``populations.yaml``.
    """
    unknown = [v for v in values if v not in CONDITIONS]
    if unknown:
        raise ValueError(f"unknown condition {unknown}; use: {', '.join(CONDITIONS)}")
    return sorted(set(values))
