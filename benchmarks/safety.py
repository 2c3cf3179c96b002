"""Safety screen benchmark: voice-held-out recall and false positives, and screen latency.

Run: ``.venv/bin/python benchmarks/safety.py`` (prints one JSON object).

Compared: the whole screen (rules + trained classifier, one verdict) against the labels
of ``safety/data/corpus``. For each voice (terse, chatty, slang, non-native, formal,
story) the classifier is trained WITHOUT that voice and the voice's messages are
screened with it; figures are given per voice and overall:

- emergency recall: emergency messages screened as emergency;
- emergency-or-check recall: emergency messages screened as emergency or check (the
  coach asks the safety question first);
- stop-or-worse recall: messages whose every acceptable tier is stop or emergency,
  screened at stop or above;
- benign false positives at stop-or-worse and at check-or-worse: messages labelled none
  screened at such a tier that their row does not accept.

The classifier's thresholds are chosen inside each fold on the training voices alone
(every training row scored by a model trained without its voice; see
``safety/screen_select.py``), so neither weights nor thresholds have seen the held-out
voice.

Latency: time of one ``screen()`` call (rules + the committed classifier) per corpus
message, repeated ``--repeat`` times after a warm-up, garbage collector paused. Both wall
time and the thread's CPU time are given, with the load average beside them: on a shared
machine the CPU time is the figure that other processes do not inflate.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from safety import screen  # noqa: E402
from safety.classifier import default_classifier  # noqa: E402
from safety.labelled import corpus_files, read  # noqa: E402
from safety.rules import load  # noqa: E402
from safety.screen_build import TARGETS, folds_report, voice_folds  # noqa: E402

LATENCY_TARGET_US = 1000


def _latencies(texts: list[str], repeat: int) -> tuple[list[float], list[float]]:
    """Sorted wall and CPU microseconds per ``screen()`` call."""
    wall: list[float] = []
    cpu: list[float] = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            for text in texts:
                start_cpu = time.thread_time_ns()
                start = time.perf_counter_ns()
                screen(text)
                wall.append((time.perf_counter_ns() - start) / 1000)
                cpu.append((time.thread_time_ns() - start_cpu) / 1000)
    finally:
        gc.enable()
    return sorted(wall), sorted(cpu)


def _p99(samples: list[float]) -> float:
    return round(samples[int(len(samples) * 0.99) - 1], 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="Passes over the corpus.")
    parser.add_argument("--misses", action="store_true", help="List every missed message.")
    parser.add_argument(
        "--latency-only", action="store_true", help="Skip the folds; time the screen only."
    )
    args = parser.parse_args()

    started = time.perf_counter()
    load()
    default_classifier()
    load_seconds = time.perf_counter() - started
    rows = read(corpus_files())
    started = time.perf_counter()
    report: dict[str, object] = {}
    if not args.latency_only:
        results = voice_folds(rows)
        report = folds_report(results)
        if args.misses:
            report["misses"] = results["overall"].misses
    folds_seconds = time.perf_counter() - started
    texts = [row.text for row in rows]
    for text in texts:  # warm-up pass
        screen(text)
    load_before = os.getloadavg()[0]
    samples, cpu = _latencies(texts, args.repeat)
    report.update(
        {
            "folds_seconds": round(folds_seconds, 1),
            "load_seconds": round(load_seconds, 3),
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "latency_samples": len(samples),
            "latency_p50_us": round(statistics.median(samples), 1),
            "latency_p99_us": _p99(samples),
            "latency_max_us": round(samples[-1], 1),
            "latency_cpu_p50_us": round(statistics.median(cpu), 1),
            "latency_cpu_p99_us": _p99(cpu),
            "latency_target_p99_us": LATENCY_TARGET_US,
            "targets": TARGETS,
        }
    )
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
