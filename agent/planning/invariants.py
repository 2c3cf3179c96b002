"""Rules every planned session must satisfy, checked independently of how it was built.

Used by the property tests, the benchmark sweep and anyone who wants to verify a plan
(for instance an eval checking a ``coach plan --json`` output).
"""

from __future__ import annotations

from agent.planning.catalog import load_catalog
from agent.planning.equipment import cap_for
from agent.planning.models import Session, SessionRequest
from agent.planning.populations import plan_for
from agent.planning.rules import prescriptions

LOWER = frozenset({"squat", "hinge", "lunge"})
PUSH = frozenset({"horizontal_push", "vertical_push"})
PULL = frozenset({"horizontal_pull", "vertical_pull"})


def time_window(request: SessionRequest, session: Session) -> tuple[float, float]:
    """The (lowest, highest) acceptable estimate in minutes for this request.

    80-100% of the minutes asked for; a very-low-readiness recovery session is capped
    at the recovery length instead (it is meant to be short).
    """
    cap = float(request.minutes)
    if session.kind == "recovery":
        if session.readiness == "very_low":
            cap = min(cap, prescriptions().readiness.very_low_max_minutes)
        else:
            cap = min(cap, 30.0)
    return round(0.8 * cap, 6), cap


def violations(request: SessionRequest, session: Session) -> list[str]:
    """Every broken rule, in words; empty when the session is sound.

    Rules: the estimate is within :func:`time_window`; every exercise (warm-up and
    cool-down included) needs only available equipment and carries no tag excluded by
    the constraints, ``avoid_tags`` or the population rules; the population's effort,
    rep and balance rules hold; a strength session has a lower-body pattern, a
    push and a pull; the session was built for this request.
    """
    catalog = load_catalog()
    problems: list[str] = []
    low, high = time_window(request, session)
    if not low <= session.est_minutes <= high:
        problems.append(f"est_minutes {session.est_minutes} outside [{low}, {high}]")
    have = set(request.equipment) | {"bodyweight"}
    pop = plan_for(request.facts())
    banned = set(request.avoid_tags) | pop.exclude_tags
    for area in (*request.constraints, *pop.protect):
        banned.update(catalog.vocabulary.constraint_tags[area])
    problems.extend(population_violations(request, session))
    ids = [p.id for p in session.exercises]
    ids += [i.id for i in (*session.warmup.items, *session.cooldown.items) if i.id]
    for exercise_id in ids:
        exercise = catalog.find(exercise_id)
        if exercise is None:
            problems.append(f"unknown exercise {exercise_id}")
            continue
        missing = [e for e in exercise.equipment if e not in have]
        if missing:
            problems.append(f"{exercise_id} needs {missing}")
        bad = sorted(set(exercise.tags) & banned)
        if bad:
            problems.append(f"{exercise_id} carries excluded tags {bad}")
    if session.kind == "strength":
        patterns = {p.pattern for p in session.exercises}
        for name, group in (("lower-body", LOWER), ("push", PUSH), ("pull", PULL)):
            if not patterns & group:
                problems.append(f"strength session without a {name} pattern")
    if session.request != request:
        problems.append("session.request differs from the request")
    return problems


def population_violations(request: SessionRequest, session: Session) -> list[str]:
    """The population rules' limits and load caps (tags are checked in :func:`violations`).

    No set planned closer to failure than the population allows; no rep range starting
    below its minimum; a balance drill in every session when balance is asked for, and a
    power drill in every strength session when power is.
    """
    pop = plan_for(request.facts())
    problems: list[str] = []
    catalog = load_catalog()
    for p in session.exercises:
        cap = cap_for(catalog.get(p.id), request.load_caps, request.units)
        if cap is not None and p.load is not None and p.load.value > cap:
            problems.append(f"{p.id} load {p.load.value} above the cap {cap}")
        if p.target_rir is not None and p.target_rir < pop.min_rir:
            problems.append(f"{p.id} planned at {p.target_rir} RIR, below {pop.min_rir}")
        if p.rep_low is not None and p.rep_low < pop.min_reps:
            problems.append(f"{p.id} starts at {p.rep_low} reps, below {pop.min_reps}")
    steps = [i.id for i in session.warmup.items if i.id] + [p.id for p in session.exercises]
    if "balance" in pop.warmup and not any(
        (found := catalog.find(i)) is not None and found.pattern == "balance" for i in steps
    ):
        problems.append("no balance drill for an older adult")
    if (
        "power" in pop.warmup
        and session.kind == "strength"
        and not any(i.name.startswith("Power:") for i in session.warmup.items)
    ):
        problems.append("no power drill for an older adult")
    return problems
