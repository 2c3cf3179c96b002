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

The classifier's thresholds and its regularisation C (1, 3 or 10) are chosen inside
each fold on the training voices alone (every training row scored by a model trained
without its voice; see ``safety/screen_select.py`` and ``screen_build.choose``), so
neither weights, C nor thresholds have seen the held-out voice.

Latency: time of one ``screen()`` call (rules + the committed classifier) per message,
garbage collector paused, wall time and the thread's CPU time, with the load average
beside them (on a shared machine the CPU time is the figure other processes do not
inflate). The classifier reads what a word of its vocabulary adds to a message from the
export's word table, works out any other word from its character n-grams, and keeps both
in a bounded cache, so four states are timed over the corpus messages:

- ``steady``: after a warm-up pass, ``--repeat`` passes (every rule compiled, every word
  seen before): a long-running coach that has read such messages. This is the figure the
  issue's p99 <= 1 ms target is read against;
- ``stream``: one pass in corpus order starting from empty caches, so each message pays
  for the words no earlier message had and for the rule expressions it is the first to
  use (compiled afresh: the benchmark names no cache folder, as on a machine's first run;
  ``coach chat`` and ``coach safety check`` build them from the kept codes after that):
  a new process reading its first few thousand messages;
- ``unseen_words``: the classifier's word and feature caches emptied before every
  message (the emptying is not timed): every word new to the process, as for the only
  message of ``coach safety check``. The word table is part of the export, not a cache:
  it stays (the rules' anchor index keeps nothing per word);
- ``unseen_words_no_table``: the same with the word table left out (the classifier
  works out every word as it does a word outside its vocabulary): the worst case, a
  message none of whose words the model knows. About 2% of the words of the corpus, and
  of the intent corpus's coaching messages the screen never trained on, are outside the
  vocabulary.

``steady`` is also broken down by message length in characters, and given for the
ordinary coaching messages (``safety/data/ordinary.jsonl``) on their own.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from safety import screen  # noqa: E402
from safety.classifier import ScreenClassifier, default_classifier  # noqa: E402
from safety.labelled import corpus_files, read  # noqa: E402
from safety.rules import load  # noqa: E402
from safety.screen_build import (  # noqa: E402
    ORDINARY_PATH,
    TARGETS,
    folds_report,
    voice_folds,
)

LATENCY_TARGET_US = 1000


def _time(
    texts: list[str],
    before_each: Callable[[], object] | None = None,
    classifier: ScreenClassifier | None = None,
) -> _Samples:
    """Wall and CPU microseconds of one ``screen()`` call per text, in text order."""
    wall: list[float] = []
    cpu: list[float] = []
    gc.collect()
    gc.disable()
    try:
        for text in texts:
            if before_each is not None:
                before_each()
            start_cpu = time.thread_time_ns()
            start = time.perf_counter_ns()
            screen(text, classifier=classifier)
            wall.append((time.perf_counter_ns() - start) / 1000)
            cpu.append((time.thread_time_ns() - start_cpu) / 1000)
    finally:
        gc.enable()
    return wall, cpu


_Samples = tuple[list[float], list[float]]


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return round(ordered[max(0, math.ceil(len(ordered) * share) - 1)], 1)


def _summary(samples: _Samples) -> dict[str, float]:
    wall, cpu = samples
    return {
        "samples": len(wall),
        "wall_p50_us": _percentile(wall, 0.5),
        "wall_p99_us": _percentile(wall, 0.99),
        "wall_max_us": round(max(wall), 1),
        "cpu_p50_us": _percentile(cpu, 0.5),
        "cpu_p99_us": _percentile(cpu, 0.99),
        "cpu_max_us": round(max(cpu), 1),
    }


LENGTH_BUCKETS = (80, 160, 320)
"""Upper bounds (characters) of the message-length buckets; the last bucket is open."""


def _by_length(texts: list[str], samples: _Samples) -> dict[str, dict[str, float]]:
    buckets: dict[str, _Samples] = {}
    for text, wall, cpu in zip(texts, *samples, strict=True):
        bound = next((b for b in LENGTH_BUCKETS if len(text) <= b), None)
        name = f"<={bound}" if bound is not None else f">{LENGTH_BUCKETS[-1]}"
        bucket = buckets.setdefault(name, ([], []))
        bucket[0].append(wall)
        bucket[1].append(cpu)
    return {name: _summary(buckets[name]) for name in sorted(buckets, key=_bucket_order)}


def _bucket_order(name: str) -> int:
    return int(name.lstrip("<=>")) + (1 if name.startswith(">") else 0)


def latency(texts: list[str], ordinary: list[str], repeat: int) -> dict[str, object]:
    """The three timed states (see the module doc) and the load average around them."""
    model = default_classifier()
    untabled = (
        ScreenClassifier(model.model.without_word_table(), model.thresholds)
        if model is not None
        else None
    )

    def clear() -> None:
        if model is not None:
            model.model.clear_caches()

    def clear_untabled() -> None:
        if untabled is not None:
            untabled.model.clear_caches()

    load_before = os.getloadavg()[0]
    clear()
    stream = _time(texts)
    unseen = _time(texts, clear)
    unseen_untabled = _time(texts, clear_untabled, untabled)
    for text in texts + ordinary:  # warm-up pass
        screen(text)
    steady: _Samples = ([], [])
    for _ in range(repeat):
        wall, cpu = _time(texts)
        steady[0].extend(wall)
        steady[1].extend(cpu)
    return {
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "steady": _summary(steady),
        "steady_by_length": _by_length(texts * repeat, steady),
        "steady_ordinary": _summary(_time(ordinary)),
        "stream": _summary(stream),
        "unseen_words": _summary(unseen),
        "unseen_words_no_table": _summary(unseen_untabled),
        "target_p99_us": LATENCY_TARGET_US,
    }


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
    ordinary = [row.text for row in read([ORDINARY_PATH])]
    report.update(
        {
            "folds_seconds": round(folds_seconds, 1),
            "load_seconds": round(load_seconds, 3),
            "latency": latency(texts, ordinary, args.repeat),
            "targets": TARGETS,
        }
    )
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
