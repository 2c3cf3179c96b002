"""Planner benchmark: session generation latency and a property sweep over random profiles.

Run: ``.venv/bin/python benchmarks/plan.py`` (prints one JSON object; the default
100,000-profile sweep takes a few minutes). Latency is measured on ``--samples`` random
requests after a warm-up, as wall time (garbage collector on, as in production) and as
the thread's CPU time (unaffected by other processes competing for the cores). The sweep
builds every profile twice and checks each session with ``agent.planning.invariants``:
time window (80-100% of the minutes), equipment, excluded joint-stress tags, lower + push
+ pull in strength sessions, and byte-identical JSON for the same input.
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
    args = parser.parse_args()
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
    }
    print(json.dumps(report, indent=1))
    return 0 if report["sweep"]["violations_total"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
