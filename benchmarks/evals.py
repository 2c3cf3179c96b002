"""Eval harness speed: every shipped scenario offline, and against a slow local stub.

1. Offline, whole process: ``coach eval run --model offline`` at the default
   concurrency against the same at concurrency 1, alternated, three pairs (cold: a new
   process each time, as a user runs it); median, min and max of each, and their ratio
   (target: default no slower than 1).
2. Offline, in one process: all shipped scenarios, one trial each, at concurrency 8 and
   at 1: the first run (caches cold) apart, then the median, min and max of three warm
   repeats (target: under 10 s).
3. A local OpenAI-compatible stub on 127.0.0.1 (tests/openai_stub.py) that answers every
   request after 200 ms, driven through the real ``openai`` backend at concurrency 16,
   cache off. The ideal wall time is calls x 200 ms / 16; target <= 1.5x that. Two runs:
   the first pays the SDK's cold start, the second is the steady state.

Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agent.models import get_model  # noqa: E402
from evals.runner import RunOptions, run  # noqa: E402
from evals.scenario import load_scenarios  # noqa: E402
from tests.openai_stub import Reply, completion, serve  # noqa: E402

LATENCY_S = 0.2
STUB_CONCURRENCY = 16


def _spread(walls: list[float]) -> dict[str, Any]:
    return {
        "median_s": round(statistics.median(walls), 3),
        "min_s": round(min(walls), 3),
        "max_s": round(max(walls), 3),
        "runs": len(walls),
    }


def offline(concurrency: int, repeats: int = 3) -> dict[str, Any]:
    """In one process: the first run (caches cold) apart from the warm repeats."""
    scenarios = load_scenarios()
    walls = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        results = run(
            scenarios,
            lambda s, t: get_model("offline"),
            RunOptions(concurrency=concurrency),
        )
        walls.append(time.perf_counter() - started)
    return {
        "scenarios": len(scenarios),
        "concurrency": concurrency,
        "first_run_s": round(walls[0], 3),
        "warm": _spread(walls[1:]),
        "target_s": 10.0,
        "model_calls": results["model_calls"],
        "score": round(results["summary"]["score"], 4),
        "safety_ok": results["summary"]["safety_ok"],
    }


def cold_processes(pairs: int = 3) -> dict[str, Any]:
    """``coach eval run --model offline`` as a whole process, default vs concurrency 1.

    The two settings alternate (A B A B ...), so drift in the machine's load hits both.
    """
    coach = str(Path(sys.executable).with_name("coach"))
    walls: dict[str, list[float]] = {"default": [], "concurrency_1": []}
    for _ in range(pairs):
        for label, extra in (("default", []), ("concurrency_1", ["--concurrency", "1"])):
            started = time.perf_counter()
            subprocess.run(
                [coach, "eval", "run", "--model", "offline", *extra],
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            walls[label].append(time.perf_counter() - started)
    default, single = _spread(walls["default"]), _spread(walls["concurrency_1"])
    return {
        "default": default,
        "concurrency_1": single,
        "ratio_median": round(default["median_s"] / single["median_s"], 3),
    }


def stub() -> dict[str, Any]:
    scenarios = load_scenarios()
    reply = Reply(body=completion("Noted. Tell me how much time you have today."))
    reply.delay_s = LATENCY_S
    options = RunOptions(backend="openai", model_name="stub-model", concurrency=STUB_CONCURRENCY)
    walls: list[float] = []
    calls: list[int] = []
    abnormal = 0
    with serve(default=reply) as server:
        os.environ["OPENAI_BASE_URL"] = server.base_url
        os.environ["OPENAI_API_KEY"] = "stub"
        os.environ["COACH_MODEL"] = "stub-model"
        model = get_model("openai")
        # Run 1 is cold: the SDK's first requests (lazy imports, new connections) all
        # happen at once in 16 threads. Run 2 is the steady state a long eval sees.
        for _ in range(2):
            before = len(server.requests)
            started = time.perf_counter()
            results = run(scenarios, lambda s, t: model, options)
            walls.append(time.perf_counter() - started)
            calls.append(len(server.requests) - before)
            abnormal += sum(1 for t in results["trials"] if t["abnormal"])
    ideal = calls[1] * LATENCY_S / STUB_CONCURRENCY
    return {
        "scenarios": len(scenarios),
        "concurrency": STUB_CONCURRENCY,
        "latency_ms": int(LATENCY_S * 1000),
        "model_calls": calls[1],
        "ideal_s": round(ideal, 3),
        "wall_s": round(walls[1], 3),
        "ratio_to_ideal": round(walls[1] / ideal, 3) if ideal else None,
        "cold_wall_s": round(walls[0], 3),
        "cold_ratio_to_ideal": round(walls[0] / ideal, 3) if ideal else None,
        "target_ratio": 1.5,
        "abnormal_trials": abnormal,
    }


def main() -> None:
    report = {
        "load_average_1m": round(os.getloadavg()[0], 2),
        "offline_cold_processes": cold_processes(),
        "offline": offline(concurrency=8),
        "offline_sequential": offline(concurrency=1),
        "openai_stub": stub(),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
