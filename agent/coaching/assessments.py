"""Optional home assessments: catalog, exclusions, ratings against norms, reassessment.

Tests are data (``data/assessments.yaml``: protocol, safety notes, exclusions, live
guide); norms are versioned data with their sources (``data/norms/*.yaml``). One function,
:func:`rate`, turns a result into a category for the person's age band and sex; a test
whose table could not be verified gets no category and the rating says so. A result said
in chat ("did the push-up test, 22") is read by :func:`parse_report` (pure) and stored,
rated and compared exactly like a guided one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from agent.coaching.assessment_reports import LB_PER_KG
from agent.datafiles import parse_yaml
from agent.memory import assessments as rows_
from agent.memory import history, store
from agent.planning.models import AssessmentFact
from safety import flags

if TYPE_CHECKING:
    import sqlite_utils

DATA_DIR = Path(__file__).parent / "data"
MIN_INTERVAL_DAYS = 7
MAX_INTERVAL_DAYS = 365


class GuideStep(BaseModel):
    """One step of the live guide: what to say, for how long, at what beat."""

    say: str
    seconds: int = 0
    metronome_bpm: int | None = None
    count_up: bool = False


class TestSpec(BaseModel):
    """One test as the data file describes it."""

    id: str
    name: str
    unit: str
    better: Literal["higher", "lower"]
    goals: list[str]
    exclusions: list[str]
    protocol: list[str]
    safety: list[str]
    guide: list[GuideStep] = Field(default_factory=list)


class NormBand(BaseModel):
    """One age band of one sex: the lowest score of each category, best first."""

    sex: Literal["female", "male"]
    age: tuple[int, int]
    min: list[float]


class NormTable(BaseModel):
    """A versioned norm table with its source."""

    test: str
    version: int
    verification: str
    source: str
    better: Literal["higher", "lower"]
    categories: list[str]
    bands: list[NormBand]


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    raw: dict[str, Any] = parse_yaml((DATA_DIR / "assessments.yaml").read_text(encoding="utf-8"))
    return raw


@lru_cache(maxsize=1)
def catalog() -> dict[str, TestSpec]:
    """Every test, by id, in the data file's order."""
    return {tid: TestSpec(id=tid, **spec) for tid, spec in _data()["tests"].items()}


def spec(test_id: str) -> TestSpec:
    """One test.

    Raises:
        KeyError: Unknown test id (the message lists the known ones).
    """
    found = catalog().get(test_id)
    if found is None:
        raise KeyError(f"unknown test {test_id!r}; known: {', '.join(catalog())}")
    return found


DEFAULT_INTERVAL_DAYS = 35
"""Five weeks between tests unless the person sets another interval: inside the usual
4-6 week reassessment window (a constant, so importing this module parses no YAML)."""


@lru_cache(maxsize=1)
def norm_tables() -> dict[str, NormTable]:
    """The verified norm tables, by test id."""
    tables = {}
    for path in sorted((DATA_DIR / "norms").glob("*.yaml")):
        if path.stem == "unverified":
            continue
        table = NormTable.model_validate(parse_yaml(path.read_text(encoding="utf-8")))
        tables[table.test] = table
    return tables


@lru_cache(maxsize=1)
def unverified() -> dict[str, str]:
    """Why a test has no category: its table could not be verified, or none exists."""
    raw = parse_yaml((DATA_DIR / "norms" / "unverified.yaml").read_text(encoding="utf-8"))
    return {str(k): " ".join(str(v).split()) for k, v in raw["tests"].items()}


# -- rating ---------------------------------------------------------------------------


class Rating(BaseModel):
    """A result's category for the person's age band and sex, or why there is none."""

    test_id: str
    value: float
    category: str | None = Field(default=None, description="e.g. good; None when not rated.")
    rank: int | None = Field(default=None, description="0 = best category; None when not rated.")
    band: str | None = Field(default=None, description="e.g. 'female 40-49'.")
    source: str | None = Field(default=None, description="The norm table's source.")
    verification: str | None = Field(default=None, description="How the table was checked.")
    note: str = Field(default="", description="What the rating means or why it is missing.")


def rate(test_id: str, value: float, *, age: int | None, sex: str | None) -> Rating:
    """Rate one result against its norm table.

    The only place a category is computed. No category (with the reason in ``note``)
    when the test has no verified table, or age or sex is unknown or outside the table.
    """
    table = norm_tables().get(test_id)
    if table is None:
        reason = unverified().get(test_id, "No norm table for this test.")
        return Rating(test_id=test_id, value=value, note=f"Not rated: {reason}")
    if age is None or sex not in {"female", "male"}:
        return Rating(
            test_id=test_id,
            value=value,
            source=table.source,
            note="Not rated: the norms are by age and sex, and I don't know both.",
        )
    for band in table.bands:
        if band.sex == sex and band.age[0] <= age <= band.age[1]:
            rank = _rank(band.min, value, table.better)
            return Rating(
                test_id=test_id,
                value=value,
                category=table.categories[rank],
                rank=rank,
                band=f"{sex} {band.age[0]}-{band.age[1]}",
                source=table.source,
                verification=table.verification,
                note=_verification_note(table),
            )
    return Rating(
        test_id=test_id,
        value=value,
        source=table.source,
        note=f"Not rated: the table has no band for a {sex} aged {age}.",
    )


def _rank(minimums: list[float], value: float, better: str) -> int:
    if better == "higher":
        for rank, lowest in enumerate(minimums):
            if value >= lowest:
                return rank
        return len(minimums) - 1
    for rank, highest in enumerate(minimums):
        if value <= highest:
            return rank
    return len(minimums) - 1


def _verification_note(table: NormTable) -> str:
    if table.verification == "checked_secondary":
        return (
            f"Rated with {table.source} (table v{table.version}), checked against published "
            "reproductions, not the original."
        )
    return f"Rated with {table.source} (table v{table.version})."


# -- who may do which test ------------------------------------------------------------


class PersonFacts(BaseModel):
    """What decides which tests are offered and allowed."""

    goal: str | None = None
    level: str | None = None
    age: int | None = None
    sex: str | None = None
    hr_medication: bool | None = None
    standing_flags: int = 0
    plan_locked: bool = False
    logged_e1rm: bool = False


def exclusions(test: TestSpec, facts: PersonFacts) -> list[str]:
    """Why this person may not do this test (empty: allowed). Unknowns exclude, to be safe."""
    found: list[str] = []
    for rule in test.exclusions:
        reason = _exclusion(rule, facts)
        if reason:
            found.append(reason)
    return found


def _exclusion(rule: str, facts: PersonFacts) -> str | None:
    if rule == "plan_locked" and facts.plan_locked:
        return "a safety flag stands, so no testing until it is resolved"
    if rule == "maximal":
        if facts.standing_flags > 0:
            return "a maximal test is not advised while a safety flag stands"
        if facts.level in {None, "beginner"}:
            return "a maximal test is not for beginners (or when I don't know your level yet)"
    if rule == "hr_medication" and facts.hr_medication is not False:
        if facts.hr_medication is None:
            return "I don't know yet whether you take heart-rate-lowering medication"
        return "heart-rate-lowering medication makes this heart-rate test unsafe and invalid"
    if rule == "standing_flag" and facts.standing_flags > 0:
        return "a safety flag stands (PAR-Q+ included): get clearance first"
    if rule == "under_60" and (facts.age is None or facts.age < 60):
        return "this test and its norms are for people 60 and over"
    if rule == "needs_logged_sets" and not facts.logged_e1rm:
        return "needs a logged set of 10 reps or fewer with a load"
    return None


class Offer(BaseModel):
    """A test for this person: allowed or not, and why."""

    test_id: str
    name: str
    allowed: bool
    excluded_because: list[str] = Field(default_factory=list)


def offers(facts: PersonFacts) -> list[Offer]:
    """The tests that suit the person's goal, each allowed or with its exclusions."""
    found = []
    for test in catalog().values():
        if "all" not in test.goals and facts.goal not in test.goals and facts.goal is not None:
            continue
        if "under_60" in test.exclusions and (facts.age is None or facts.age < 60):
            continue  # senior tests are not offered to younger people at all
        reasons = exclusions(test, facts)
        found.append(
            Offer(test_id=test.id, name=test.name, allowed=not reasons, excluded_because=reasons)
        )
    return found


def facts_for(
    db: sqlite_utils.Database, user_id: int, now: datetime, *, for_rating: bool = False
) -> PersonFacts:
    """The person's facts from profile, consultation, safety flags and logs.

    ``for_rating`` reads only what a rating needs (age and sex), skipping the flags and
    the logged-sets scan, which the planner's request should not pay for on every plan.
    """
    # Imported here: the consultation's code (its answer parser, the PAR-Q+) is needed only
    # once a person has results to rate, not by every plan that asks for the facts.
    from agent.coaching import consultation

    profile = store.get_profile(db, user_id)
    record = consultation.record_of(db, user_id, now)
    said = record.values() if record else {}
    sex = said.get("sex") or profile.extra.get("norm_sex")
    facts = PersonFacts(
        goal=profile.goal,
        level=profile.level or (record.level if record else None),
        age=profile.age or said.get("age"),
        sex=sex if sex in {"female", "male"} else None,
        hr_medication=said.get("hr_medication"),
    )
    if for_rating:
        return facts
    facts.standing_flags = rows_.standing_flag_count(db, user_id)
    facts.plan_locked = flags.is_plan_locked(db, user_id)
    facts.logged_e1rm = best_logged_e1rm(db, user_id, now) is not None
    return facts


def best_logged_e1rm(
    db: sqlite_utils.Database, user_id: int, now: datetime
) -> tuple[str, float] | None:
    """The highest estimated 1RM (Epley, effort-adjusted) from sets of 10 reps or fewer.

    Looks at the last year of logs; returns the exercise and the estimate in kg.
    """
    since = (now - timedelta(days=365)).date().isoformat()
    best: tuple[str, float] | None = None
    for exercise_id, reps, load_kg, rpe in rows_.loaded_sets(db, user_id, since):
        estimate = history.estimate_1rm(load_kg, reps, rpe)
        if estimate is not None and (best is None or estimate > best[1]):
            best = (exercise_id, estimate)
    return best


# -- computed results -----------------------------------------------------------------


def rockport_vo2max(
    *, minutes: float, heart_rate: float, weight_kg: float, age: int, sex: str
) -> float:
    """VO2max estimate (ml/kg/min) from the Rockport 1-mile walk, Kline et al. (1987)."""
    male = 1.0 if sex == "male" else 0.0
    vo2 = (
        132.853
        - 0.0769 * weight_kg * LB_PER_KG
        - 0.3877 * age
        + 6.315 * male
        - 3.2649 * minutes
        - 0.1565 * heart_rate
    )
    return round(vo2, 1)


# -- results, comparison, reassessment ------------------------------------------------


class Comparison(BaseModel):
    """A result against the one before it."""

    previous: float
    previous_at: str
    change: float
    days: int
    direction: Literal["better", "worse", "same"]


class Result(BaseModel):
    """One stored result, rated and compared with the previous one of the same test."""

    id: int
    test_id: str
    name: str
    value: float
    unit: str
    taken_at: str
    source: str
    rating: Rating
    compared: Comparison | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)


def _compare(
    test: TestSpec, before: rows_.AssessmentRow, now_row: rows_.AssessmentRow
) -> Comparison:
    change = round(now_row.value - before.value, 2)
    if change == 0:
        direction: Literal["better", "worse", "same"] = "same"
    elif (change > 0) == (test.better == "higher"):
        direction = "better"
    else:
        direction = "worse"
    days = (datetime.fromisoformat(now_row.taken_at) - datetime.fromisoformat(before.taken_at)).days
    return Comparison(
        previous=before.value,
        previous_at=before.taken_at,
        change=change,
        days=days,
        direction=direction,
    )


def _results(rows: list[rows_.AssessmentRow], facts: PersonFacts) -> list[Result]:
    out: list[Result] = []
    last: dict[str, rows_.AssessmentRow] = {}
    for row in rows:
        test = spec(row.test_id)
        rating = rate(
            row.test_id,
            row.value,
            age=row.inputs.get("age", facts.age),
            sex=row.inputs.get("sex", facts.sex),
        )
        previous = last.get(row.test_id)
        out.append(
            Result(
                id=row.id,
                test_id=row.test_id,
                name=test.name,
                value=row.value,
                unit=row.unit,
                taken_at=row.taken_at,
                source=row.source,
                rating=rating,
                compared=_compare(test, previous, row) if previous else None,
                inputs=row.inputs,
            )
        )
        last[row.test_id] = row
    return out


def results_of(db: sqlite_utils.Database, user_id: int, now: datetime) -> list[Result]:
    """Every result of the person, oldest first, rated and compared (for any face)."""
    rows = rows_.assessment_rows(db, user_id)
    if not rows:
        return []
    return _results(rows, facts_for(db, user_id, now, for_rating=True))


def latest_results(db: sqlite_utils.Database, user_id: int, now: datetime) -> dict[str, Result]:
    """The newest result of each test the person has done."""
    return {r.test_id: r for r in results_of(db, user_id, now)}


class Recorded(BaseModel):
    """What recording a result did."""

    result: Result
    excluded_because: list[str] = Field(
        default_factory=list, description="Kept, but this test is not advised for the person."
    )
    next_due: str = Field(description="When to retest (ISO date).")


def record(
    db: sqlite_utils.Database,
    user_id: int,
    test_id: str,
    value: float,
    now: datetime,
    *,
    source: str = "reported",
    inputs: dict[str, Any] | None = None,
) -> Recorded:
    """Store a result (guided or reported), rated and compared with the last one.

    A result for a test the person is excluded from is still kept (nothing they tell us is
    lost), and the answer says the test is not advised.

    Raises:
        KeyError: Unknown test.
        ValueError: An impossible value.
    """
    test = spec(test_id)
    if value < 0 or value > 1000:
        raise ValueError(f"{value} is not a plausible {test.name} result ({test.unit})")
    facts = facts_for(db, user_id, now)
    stored_inputs = {"age": facts.age, "sex": facts.sex, **(inputs or {})}
    rows_.add_assessment(
        db,
        user_id,
        test_id=test_id,
        value=value,
        unit=test.unit,
        source=source,
        now=now,
        inputs=stored_inputs,
    )
    results = _results(rows_.assessment_rows(db, user_id, test_id), facts)
    interval = rows_.intervals(db, user_id).get(test_id, DEFAULT_INTERVAL_DAYS)
    return Recorded(
        result=results[-1],
        excluded_because=exclusions(test, facts),
        next_due=(now.date() + timedelta(days=interval)).isoformat(),
    )


def record_rockport(
    db: sqlite_utils.Database,
    user_id: int,
    now: datetime,
    *,
    minutes: float,
    heart_rate: float,
    weight_kg: float,
    source: str = "reported",
) -> Recorded:
    """Store a Rockport walk as its VO2max estimate (inputs kept with it).

    Raises:
        ValueError: Age or sex unknown (the equation needs both), or implausible inputs.
    """
    facts = facts_for(db, user_id, now)
    if facts.age is None or facts.sex is None:
        raise ValueError("the Rockport estimate needs your age and which norm table (female/male)")
    if not (8 <= minutes <= 40 and 60 <= heart_rate <= 220 and 30 <= weight_kg <= 250):
        raise ValueError(
            "those walk numbers look off: time 8-40 min, heart rate 60-220, weight 30-250 kg"
        )
    vo2 = rockport_vo2max(
        minutes=minutes, heart_rate=heart_rate, weight_kg=weight_kg, age=facts.age, sex=facts.sex
    )
    inputs = {"minutes": minutes, "heart_rate": heart_rate, "weight_kg": weight_kg}
    return record(db, user_id, "rockport_walk", vo2, now, source=source, inputs=inputs)


def record_e1rm(db: sqlite_utils.Database, user_id: int, now: datetime) -> Recorded:
    """Store today's best estimated 1RM from logged sets (10 reps or fewer).

    Raises:
        ValueError: No logged set qualifies.
    """
    best = best_logged_e1rm(db, user_id, now)
    if best is None:
        raise ValueError("no logged set of 10 reps or fewer with a load to estimate from")
    return record(
        db, user_id, "e1rm", best[1], now, source="logged_sets", inputs={"exercise_id": best[0]}
    )


class Due(BaseModel):
    """A test due for reassessment."""

    test_id: str
    name: str
    last_taken: str
    due_on: str
    overdue_days: int


def due_reassessments(db: sqlite_utils.Database, user_id: int, now: datetime) -> list[Due]:
    """Tests whose retest date has come (each test's own interval, default 5 weeks)."""
    latest: dict[str, rows_.AssessmentRow] = {}
    for row in rows_.assessment_rows(db, user_id):
        latest[row.test_id] = row
    chosen = rows_.intervals(db, user_id)
    found = []
    for test_id, row in latest.items():
        if test_id == "e1rm":
            continue  # recomputed from logs, nothing to retest
        taken = datetime.fromisoformat(row.taken_at).date()
        due_on = taken + timedelta(days=chosen.get(test_id, DEFAULT_INTERVAL_DAYS))
        if due_on <= now.date():
            found.append(
                Due(
                    test_id=test_id,
                    name=spec(test_id).name,
                    last_taken=taken.isoformat(),
                    due_on=due_on.isoformat(),
                    overdue_days=(now.date() - due_on).days,
                )
            )
    return sorted(found, key=lambda d: (d.due_on, d.test_id))


def set_interval(
    db: sqlite_utils.Database, user_id: int, test_id: str, days: int, now: datetime
) -> None:
    """Change how often one test comes due.

    Raises:
        KeyError: Unknown test.
        ValueError: Outside 7-365 days.
    """
    spec(test_id)
    if not MIN_INTERVAL_DAYS <= days <= MAX_INTERVAL_DAYS:
        raise ValueError(f"a reassessment interval is {MIN_INTERVAL_DAYS}-{MAX_INTERVAL_DAYS} days")
    rows_.set_interval(db, user_id, test_id, days, now)


def session_opening(db: sqlite_utils.Database, user_id: int, now: datetime) -> str | None:
    """A line for the start of a session when retests are due; never during a safety lock."""
    if flags.is_plan_locked(db, user_id):
        return None
    due = due_reassessments(db, user_id, now)
    if not due:
        return None
    names = ", ".join(d.name for d in due)
    return (
        f"Retest due: {names} (last done {due[0].last_taken}). When you're ready, do it and "
        "tell me the result, and I'll compare it with last time. It's optional."
    )


# -- what the planner learns ----------------------------------------------------------

FACT_MAX_AGE_DAYS = 120
"""Results older than this no longer shape the plan (a retest is long overdue by then)."""


def _described(result: Result) -> str:
    rating = result.rating
    said = f"{result.name} {result.value:g} {result.unit} on {result.taken_at[:10]}"
    if rating.category:
        return f"{said} ({rating.category.replace('_', ' ')} for {rating.band})"
    return said


def _worse(result: Result) -> float | None:
    """The previous value when this result is worse than it, else None."""
    compared = result.compared
    return compared.previous if compared is not None and compared.direction == "worse" else None


def planner_facts(db: sqlite_utils.Database, user_id: int, now: datetime) -> list[AssessmentFact]:
    """What the latest results mean for planning, each with the result as its reason.

    A push-up test in the lowest two categories, a chair stand below the normal range,
    and a step test whose recovery heart rate got worse since last time.
    """
    found: list[AssessmentFact] = []
    for result in latest_results(db, user_id, now).values():
        taken = datetime.fromisoformat(result.taken_at)
        if (now - taken).days > FACT_MAX_AGE_DAYS:
            continue
        rank, table = result.rating.rank, norm_tables().get(result.test_id)
        low = rank is not None and table is not None and rank >= len(table.categories) - 2
        if result.test_id == "pushup" and low:
            found.append(AssessmentFact(kind="push_capacity_low", reason=_described(result)))
        elif result.test_id == "chair_stand" and result.rating.category == "below_range":
            found.append(AssessmentFact(kind="leg_strength_low", reason=_described(result)))
        elif (
            result.test_id == "step_test"
            and result.compared
            and result.compared.direction == "worse"
        ):
            reason = f"{_described(result)}, up from {result.compared.previous:g}"
            found.append(AssessmentFact(kind="aerobic_recovery_poor", reason=reason))
    return sorted(found, key=lambda f: f.kind)
