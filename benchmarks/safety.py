"""Safety screen benchmark: recall, false positives and latency on the labelled corpus.

Run: ``.venv/bin/python benchmarks/safety.py`` (prints one JSON object). Latency is the
wall time of one ``screen()`` call per message, over every corpus message repeated
``--repeat`` times, with the garbage collector paused so its pauses are not charged to
the screen (the rule set is loaded and warmed first).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evals import corpus  # noqa: E402
from safety import screen  # noqa: E402
from safety.rules import load  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "safety"


def _latencies(texts: list[str], repeat: int) -> list[float]:
    samples: list[float] = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            for text in texts:
                start = time.perf_counter_ns()
                screen(text)
                samples.append((time.perf_counter_ns() - start) / 1000)
    finally:
        gc.enable()
    return sorted(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="Passes over the corpus.")
    parser.add_argument("--misses", action="store_true", help="List every misclassified message.")
    args = parser.parse_args()

    started = time.perf_counter()
    load()
    load_seconds = time.perf_counter() - started
    cases = corpus.load(sorted(CORPUS.glob("*.jsonl")))
    metrics = corpus.measure(cases)
    texts = [c.text for c in cases]
    for text in texts:  # warm-up pass
        screen(text)
    samples = _latencies(texts, args.repeat)
    report = metrics.to_json()
    if not args.misses:
        report["misses"] = len(metrics.misses)
    report.update(
        {
            "rules_load_seconds": round(load_seconds, 3),
            "latency_samples": len(samples),
            "latency_p50_us": round(statistics.median(samples), 1),
            "latency_p99_us": round(samples[int(len(samples) * 0.99) - 1], 1),
            "latency_max_us": round(samples[-1], 1),
            "targets": {
                "emergency_recall": 1.0,
                "stop_or_worse_recall": 0.98,
                "false_positive_stop_or_worse_on_benign": 0.01,
                "false_positive_caution_or_worse_on_benign": 0.05,
                "latency_p99_us": 200,
            },
        }
    )
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
