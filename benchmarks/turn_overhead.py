"""Turn overhead: the offline backend end to end, and the loop over a bare openai call.

Run from the repository root: ``.venv/bin/python benchmarks/turn_overhead.py [--turns N]``.
Prints one JSON object:

- ``offline``: wall time per turn with the offline model on a SQLite file (WAL), writes
  and language understanding included: the intent classifier's and the parser's caches
  are cleared before every turn, so each message is classified afresh (targets: p50 <=
  10 ms, p99 <= 20 ms). ``offline_cpu`` is the same turns in the thread's CPU time: on a
  shared, loaded machine the wall figures add waiting for a processor, the CPU figures
  show the work (``offline_targets_met`` is judged on wall time).
- ``openai_stub``: against a local OpenAI-compatible stub server on 127.0.0.1, the time
  of a full ``Coach.turn`` (screen, context, the model call, tools, persistence) versus
  the exact call the backend makes for it, ``client.post("/chat/completions", body=...,
  cast_to=ChatCompletion)`` with the very same request body, on the same client. (It is
  not compared with ``chat.completions.create``, which costs ~2 ms more for our tool
  schemas and would hide that much of the loop's overhead.) The two alternate, one each
  per round. ``overhead_pct`` and ``overhead_ms`` compare their medians and p99s (target
  <= 10% at p50). With ``--stub-latency-ms 0`` the model is infinitely fast, so the
  percentage is the worst case; a real model's hundreds of ms dwarf the overhead.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the stub server lives in tests/

import openai  # noqa: E402
from openai.types.chat import ChatCompletion  # noqa: E402

from agent.loop import Coach  # noqa: E402
from agent.memory import store  # noqa: E402
from agent.memory.db import connect  # noqa: E402
from agent.models.offline import OfflineModel, classifier  # noqa: E402
from agent.models.offline.policy import clear_understanding_cache  # noqa: E402
from agent.models.openai_backend import OpenAIModel, RetryPolicy  # noqa: E402
from tests.openai_stub import ok, serve  # noqa: E402

MESSAGES = [
    "I want to get stronger, I have dumbbells and a bench, 3 days a week, 45 minutes",
    "what should I do today?",
    "I only have 15 minutes actually",
    "3x8 goblet squats at 20 kg, RPE 7",
    "that felt too easy",
    "what did I do last week?",
    "can you diagnose my knee?",
    "hello",
    "how do I do a goblet squat?",
    "is creatine worth taking?",
    "did 10 with the 15s on lateral raises, felt easy",
    "are you a bot?",
]


def _percentiles(samples_s: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples_s)
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 3),
        "p90_ms": round(cuts[89], 3),
        "p99_ms": round(cuts[98], 3),
        "max_ms": round(ms[-1], 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


def clear_understanding_caches() -> None:
    """Make the next turn read its message from scratch (classifier and parser)."""
    classifier.clear_caches()
    clear_understanding_cache()


def bench_offline(turns: int, folder: Path) -> dict[str, Any]:
    """Turns of the offline model through the real loop on a database file."""
    db = connect(str(folder / "offline.db"))
    now = datetime.now(UTC)
    user_id = store.ensure_user(db, "bench", now)
    coach = Coach(db, OfflineModel())
    samples: list[float] = []
    cpu: list[float] = []
    conversation_id = store.start_conversation(db, user_id, now)
    for i in range(turns):
        if i % 40 == 0:
            # Fresh conversations now and then, like real sessions; history stays bounded.
            conversation_id = store.start_conversation(db, user_id, now)
        text = MESSAGES[i % len(MESSAGES)]
        clear_understanding_caches()
        started, cpu_started = time.perf_counter(), time.thread_time()
        coach.turn(user_id, conversation_id, text)
        samples.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - cpu_started)
    tools_offered = len(coach.registry.names())
    db.close()
    return {
        **_percentiles(samples[5:]),
        "tools_offered": tools_offered,
        "cpu": _percentiles(cpu[5:]),
    }


def bench_openai(turns: int, folder: Path, latency_ms: float = 0.0) -> dict[str, Any]:
    """The loop's overhead over the backend's own client call with the identical request."""
    answer = replace(ok("Here is a short answer."), delay_s=latency_ms / 1000)
    with serve(default=answer) as stub:
        client = openai.OpenAI(api_key="sk-bench", base_url=stub.base_url, max_retries=0)
        model = OpenAIModel(client=client, model="stub-model", policy=RetryPolicy(attempts=1))
        db = connect(str(folder / "openai.db"))
        now = datetime.now(UTC)
        user_id = store.ensure_user(db, "bench", now)
        coach = Coach(db, model)
        loop_s: list[float] = []
        bare_s: list[float] = []
        for i in range(turns + 5):
            conversation_id = store.start_conversation(db, user_id, now)
            started = time.perf_counter()
            coach.turn(user_id, conversation_id, MESSAGES[i % len(MESSAGES)])
            loop_elapsed = time.perf_counter() - started
            body = stub.requests[-1]
            started = time.perf_counter()
            client.post("/chat/completions", body=body, cast_to=ChatCompletion)
            bare_elapsed = time.perf_counter() - started
            if i >= 5:  # warm-up: connection pool, template cache, SQLite pages
                loop_s.append(loop_elapsed)
                bare_s.append(bare_elapsed)
        db.close()
    loop = _percentiles(loop_s)
    bare = _percentiles(bare_s)
    overhead = (loop["p50_ms"] - bare["p50_ms"]) / bare["p50_ms"] * 100
    return {
        "stub_latency_ms": latency_ms,
        "loop_turn": loop,
        "bare_client_call": bare,
        "overhead_ms_p50": round(loop["p50_ms"] - bare["p50_ms"], 3),
        "overhead_ms_p99": round(loop["p99_ms"] - bare["p99_ms"], 3),
        "overhead_pct": round(overhead, 1),
    }


def main() -> None:
    """Run both measurements and print them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=400, help="Turns per measurement.")
    parser.add_argument(
        "--stub-latency-ms",
        type=float,
        default=0.0,
        help="Simulated model latency of the stub server (default 0: worst case for overhead).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        offline = bench_offline(args.turns, folder)
        stubbed = bench_openai(args.turns, folder, args.stub_latency_ms)
    report = {
        "offline": {k: v for k, v in offline.items() if k != "cpu"},
        "offline_cpu": offline["cpu"],
        "offline_targets_met": offline["p50_ms"] <= 10 and offline["p99_ms"] <= 20,
        "openai_stub": stubbed,
        "openai_overhead_target_met": stubbed["overhead_pct"] <= 10,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
