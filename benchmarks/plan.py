"""Planner benchmark: session generation latency and a property sweep over random profiles.

Run: ``.venv/bin/python benchmarks/plan.py`` (prints one JSON object; the default
100,000-profile sweep takes a few minutes). Latency is measured on ``--samples`` random
requests after a warm-up, as wall time (garbage collector on, as in production) and as
the thread's CPU time (unaffected by other processes competing for the cores). The sweep
builds every profile twice and checks each session with ``agent.planning.invariants``:
time window (80-100% of the minutes), equipment, excluded joint-stress tags, lower + push
+ pull in strength sessions, and byte-identical JSON for the same input.

The population sweep (``--population-profiles`` per population, default 10,000) does the
same for generated people of each population in ``data/populations.yaml`` (pregnancy by
trimester, postpartum, older adults, youth, blood pressure, heart-rate medication,
osteoarthritis, strength for runners) plus a stated layoff and a dumbbell load cap, with
everything else random. Beyond the invariants (which include the population's excluded
tags, reps-in-reserve floor, minimum reps and balance/power drills) it compares a layoff
session with the same request without the layoff (never more sets) and checks that no
suggested load exceeds a cap. ``--only-populations`` runs just that sweep.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.planning.catalog import load_catalog  # noqa: E402
from agent.planning.invariants import violations  # noqa: E402
from agent.planning.models import (  # noqa: E402
    FOCUSES,
    GOALS,
    ExerciseRecord,
    History,
    Readiness,
    Session,
    SessionRecord,
    SessionRequest,
    SetRecord,
)
from agent.planning.session import build_session  # noqa: E402

TODAY = date(2026, 11, 16)
TARGET_P99_MS = 2.0


class Profiles:
    """Random requests (and sometimes a history) from a seeded generator."""

    def __init__(self, seed: int) -> None:
        catalog = load_catalog()
        vocab = catalog.vocabulary
        self.rng = random.Random(seed)
        self.equipment = sorted(vocab.equipment)
        self.profiles = [list(vocab.profiles[p]) for p in sorted(vocab.profiles)]
        self.areas = sorted(vocab.constraint_tags)
        self.tags = sorted(vocab.tags)
        self.ids = [e.id for e in catalog.exercises]
        self.strength_ids = [
            e.id for e in catalog.exercises if e.pattern not in {"conditioning", "mobility"}
        ]

    def request(self) -> SessionRequest:
        """One random request with 10-90 minutes."""
        rng = self.rng
        equipment = (
            rng.choice(self.profiles)
            if rng.random() < 0.5
            else rng.sample(self.equipment, rng.randint(0, 6))
        )
        return SessionRequest(
            goal=rng.choice(GOALS),
            level=rng.choice(["beginner", "intermediate", "advanced"]),
            equipment=equipment,
            minutes=rng.randint(10, 90),
            readiness=Readiness(energy=rng.randint(1, 5), poor_sleep=rng.random() < 0.2),
            constraints=rng.sample(self.areas, rng.choice([0, 0, 1, 1, 2, 3])),
            avoid_tags=rng.sample(self.tags, rng.choice([0, 0, 0, 1, 2])),
            dislikes=rng.sample(self.ids, rng.choice([0, 0, 2, 8])),
            focus=rng.choice(FOCUSES),
            variation=rng.randint(0, 5),
            difficulty=rng.choice([0, 0, 0, -1, 1, -2, 2]),
            deload=rng.random() < 0.1,
            today=TODAY,
            age=rng.choice([None, None, 25, 45, 67]),
            units=rng.choice(["kg", "lb"]),
        )

    def history(self) -> History | None:
        """No history half the time; else a few logged sessions over the last 6 weeks."""
        rng = self.rng
        if rng.random() < 0.5:
            return None
        sessions = []
        for _ in range(rng.randint(1, 8)):
            exercises = [
                ExerciseRecord(
                    exercise_id=rng.choice(self.strength_ids),
                    sets=[
                        SetRecord(
                            reps=rng.randint(3, 20),
                            load_kg=rng.choice([None, 8.0, 16.0, 40.0, 80.0]),
                            rir=rng.choice([None, 0.0, 1.0, 2.0, 3.0, 5.0]),
                        )
                        for _ in range(rng.randint(1, 4))
                    ],
                )
                for _ in range(rng.randint(1, 5))
            ]
            sessions.append(
                SessionRecord(
                    day=TODAY - timedelta(days=rng.randint(1, 42)),
                    status="done" if rng.random() < 0.85 else "skipped",
                    exercises=exercises,
                )
            )
        return History(sessions=sessions)


POPULATIONS = (
    "pregnancy_first_trimester",
    "pregnancy_second_trimester",
    "pregnancy_third_trimester",
    "postpartum_early",
    "older_adult",
    "youth",
    "hypertension",
    "heart_rate_medication",
    "knee_osteoarthritis",
    "hip_osteoarthritis",
    "sport_strength",
    "layoff",
    "load_cap",
)


def population_request(profiles: Profiles, name: str) -> SessionRequest:
    """A random request of one population (everything else as in the main sweep)."""
    rng = profiles.rng
    base = profiles.request().model_dump()
    base["age"] = rng.choice([None, 22, 31, 38, 44])
    table: dict[str, dict[str, Any]] = {
        "pregnancy_first_trimester": {"pregnancy_week": rng.randint(1, 13)},
        "pregnancy_second_trimester": {"pregnancy_week": rng.randint(14, 27)},
        "pregnancy_third_trimester": {"pregnancy_week": rng.randint(28, 42)},
        "postpartum_early": {"postpartum_weeks": rng.randint(0, 12)},
        "older_adult": {
            "age": rng.randint(65, 95),
            "conditions": rng.sample(
                ["knee_osteoarthritis", "hip_osteoarthritis"], rng.randint(0, 2)
            ),
        },
        "youth": {"age": rng.randint(12, 17)},
        "hypertension": {
            "conditions": [
                "hypertension",
                *rng.sample(["heart_rate_medication"], rng.randint(0, 1)),
            ]
        },
        "heart_rate_medication": {"conditions": ["heart_rate_medication"]},
        "knee_osteoarthritis": {"conditions": ["knee_osteoarthritis"]},
        "hip_osteoarthritis": {"conditions": ["hip_osteoarthritis"]},
        "sport_strength": {"sport": rng.choice(["running", "field"]), "goal": "strength"},
        "layoff": {
            "layoff_weeks": rng.randint(1, 30),
            "back_since": TODAY - timedelta(days=rng.randint(0, 60)),
        },
        "load_cap": {
            "equipment": sorted({*base["equipment"], "dumbbells"}),
            "load_caps": {"dumbbells": float(rng.choice([5, 8, 10, 12.5, 20]))},
        },
    }
    base.update(table[name])
    return SessionRequest.model_validate(base)


def _total_sets(session: Session) -> int:
    return sum(p.sets for p in session.exercises if p.hard)


def population_sweep(seed: int, count: int) -> dict[str, Any]:
    """``count`` generated people per population; violations per population and kind."""
    out: dict[str, Any] = {}
    started = time.perf_counter()
    total = 0
    for index, name in enumerate(POPULATIONS):
        profiles = Profiles(seed + index)
        counts: Counter[str] = Counter()
        examples: list[dict[str, Any]] = []
        for _ in range(count):
            request = population_request(profiles, name)
            history = profiles.history()
            try:
                session = build_session(request, history)
                again = build_session(request.model_copy(deep=True), history)
            except Exception as exc:  # a crash is a violation too; keep sweeping
                counts["errors"] += 1
                if len(examples) < 3:
                    examples.append(
                        {"error": repr(exc), "request": request.model_dump(mode="json")}
                    )
                continue
            problems = violations(request, session)
            if session.model_dump_json() != again.model_dump_json():
                problems.append("nondeterministic JSON")
            if name == "layoff":
                plain = build_session(
                    request.model_copy(update={"layoff_weeks": None, "back_since": None}), history
                )
                if _total_sets(session) > _total_sets(plain) and session.kind == plain.kind:
                    problems.append("layoff session has more sets than without the layoff")
            for problem in problems:
                counts[_category(problem)] += 1
            if problems and len(examples) < 3:
                examples.append({"problems": problems, "request": request.model_dump(mode="json")})
        total += sum(counts.values())
        out[name] = {
            "profiles": count,
            "violations": dict(sorted(counts.items())),
            "violations_total": sum(counts.values()),
            "examples": examples,
        }
    return {
        "profiles_per_population": count,
        "seconds": round(time.perf_counter() - started, 1),
        "violations_total": total,
        "populations": out,
    }


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    n = len(ordered)
    return {
        "p50": round(statistics.median(ordered), 3),
        "p90": round(ordered[int(0.90 * (n - 1))], 3),
        "p99": round(ordered[int(0.99 * (n - 1))], 3),
        "max": round(ordered[-1], 3),
        "mean": round(statistics.fmean(ordered), 3),
    }


def latency(profiles: Profiles, samples: int, rounds: int) -> dict[str, Any]:
    """Generation time per session over random requests (with history half the time).

    The samples are split into ``rounds`` rounds; on a shared machine a busy neighbour
    can inflate one round, so the per-round p99s are reported and the median of them is
    the figure compared with the target, alongside the pooled percentiles.
    """
    for _ in range(500):  # warm the catalog caches
        build_session(profiles.request(), profiles.history())
    wall: list[float] = []
    cpu: list[float] = []
    round_p99: list[float] = []
    per_round = max(1, samples // rounds)
    for _ in range(rounds):
        this_round: list[float] = []
        for _ in range(per_round):
            # Made one at a time, so the measurement does not carry thousands of live
            # requests through every garbage collection.
            request, history = profiles.request(), profiles.history()
            start_wall = time.perf_counter_ns()
            start_cpu = time.thread_time_ns()
            build_session(request, history)
            cpu.append((time.thread_time_ns() - start_cpu) / 1e6)
            elapsed = (time.perf_counter_ns() - start_wall) / 1e6
            wall.append(elapsed)
            this_round.append(elapsed)
        round_p99.append(_percentiles(this_round)["p99"])
    return {
        "samples": len(wall),
        "rounds": rounds,
        "wall_ms": _percentiles(wall),
        "cpu_ms": _percentiles(cpu),
        "wall_p99_per_round_ms": round_p99,
        "wall_p99_median_of_rounds_ms": round(statistics.median(round_p99), 3),
    }


def _category(problem: str) -> str:
    if problem.startswith("est_minutes"):
        return "time_window"
    if " needs " in problem:
        return "equipment"
    if "excluded tags" in problem:
        return "excluded_tag"
    if "strength session without" in problem:
        return "missing_lower_push_pull"
    if "RIR, below" in problem or "reps, below" in problem:
        return "population_effort"
    if "drill for an older adult" in problem:
        return "population_drills"
    if "above the cap" in problem:
        return "load_cap"
    if "layoff" in problem:
        return "layoff"
    if "nondeterministic" in problem:
        return "nondeterministic"
    return "other"


def sweep(profiles: Profiles, count: int) -> dict[str, Any]:
    """Build ``count`` random sessions twice each and count rule violations."""
    counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    started = time.perf_counter()
    for _ in range(count):
        request = profiles.request()
        history = profiles.history()
        try:
            session = build_session(request, history)
            again = build_session(request.model_copy(deep=True), history)
        except Exception as exc:  # a crash is a violation too; keep sweeping
            counts["errors"] += 1
            if len(examples) < 5:
                examples.append(
                    {
                        "error": repr(exc),
                        "request": request.model_dump(mode="json"),
                        "history": None if history is None else history.model_dump(mode="json"),
                    }
                )
            continue
        kinds[session.kind] += 1
        problems = violations(request, session)
        if session.model_dump_json() != again.model_dump_json():
            problems.append("nondeterministic JSON")
            counts["nondeterministic"] += 1
        for problem in problems:
            if problem != "nondeterministic JSON":
                counts[_category(problem)] += 1
        if problems and len(examples) < 5:
            examples.append(
                {
                    "problems": problems,
                    "request": request.model_dump(mode="json"),
                    "history": None if history is None else history.model_dump(mode="json"),
                }
            )
    categories = [
        "time_window",
        "equipment",
        "excluded_tag",
        "missing_lower_push_pull",
        "nondeterministic",
        "errors",
        "other",
    ]
    return {
        "profiles": count,
        "seconds": round(time.perf_counter() - started, 1),
        "violations": {c: counts.get(c, 0) for c in categories},
        "violations_total": sum(counts.values()),
        "kinds": dict(sorted(kinds.items())),
        "examples": examples,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=100_000, help="Profiles in the sweep.")
    parser.add_argument("--samples", type=int, default=10_000, help="Latency samples.")
    parser.add_argument("--rounds", type=int, default=5, help="Latency rounds.")
    parser.add_argument("--seed", type=int, default=20261116, help="Random seed.")
    parser.add_argument(
        "--population-profiles", type=int, default=10_000, help="Profiles per population."
    )
    parser.add_argument(
        "--only-populations", action="store_true", help="Run only the population sweep."
    )
    args = parser.parse_args()
    if args.only_populations:
        pops = population_sweep(args.seed + 2, args.population_profiles)
        print(json.dumps({"benchmark": "plan", "population_sweep": pops}, indent=1))
        return 0 if pops["violations_total"] == 0 else 1
    started = time.perf_counter()
    load_catalog()
    load_ms = round((time.perf_counter() - started) * 1000, 1)
    lat = latency(Profiles(args.seed), args.samples, args.rounds)
    report = {
        "benchmark": "plan",
        "catalog_load_ms": load_ms,
        "generation": lat,
        "target_p99_ms": TARGET_P99_MS,
        "p99_within_target": lat["wall_p99_median_of_rounds_ms"] <= TARGET_P99_MS,
        "sweep": sweep(Profiles(args.seed + 1), args.profiles),
        "population_sweep": population_sweep(args.seed + 2, args.population_profiles),
    }
    print(json.dumps(report, indent=1))
    clean = report["sweep"]["violations_total"] + report["population_sweep"]["violations_total"]
    return 0 if clean == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
