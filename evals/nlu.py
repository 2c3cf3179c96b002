"""Language-understanding figures: canned replies over scenario turns, voice-held-out accuracy.

- :func:`canned_replies` reads a run's transcripts. A reply is *canned* when it is the
  generic fallback (it says it did not catch the message and lists examples) or when the
  very same reply (digits ignored) went to three or more different user messages in one
  conversation. (Across scenarios the same situation rightly gets the same plan: the
  planner is deterministic, so a repeat there says nothing about understanding.) Turns
  answered by the safety screen's fixed conservative replies (stop, emergency, check) are
  left out: those are fixed on purpose.
- :func:`held_out_accuracy` trains the offline model's intent classifier on every voice
  of its corpus but one and tests on the one left out, for each voice in turn (the build
  step's :func:`agent.models.offline.intent_build.voice_held_out`; needs scikit-learn,
  the ``dev`` extra).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from agent.errors import UserInputError
from evals.records import TrialRecord

FALLBACK_PHRASES = (
    "didn't catch",
    "did not catch",
    "i understand messages like",
    "not sure what you mean",
    "didn't understand",
    "did not understand",
    "could you rephrase",
    "try rephrasing",
)
"""Phrases of the generic "I did not understand" reply (compared lower-case)."""

REPEAT_MIN = 3
"""The same reply to this many different messages is canned."""

FIXED_TIERS = frozenset({"stop", "emergency", "check"})
"""Safety tiers answered by fixed replies on purpose; not counted either way."""


def _folded(reply: str) -> str:
    text = reply.lower().replace("\u2019", "'")
    return " ".join(re.sub(r"\d+(?:\.\d+)?", "#", text).split())


def canned_replies(trials: Iterable[TrialRecord], examples: int = 10) -> dict[str, Any]:
    """The canned-reply rate over every counted user turn of ``trials``."""
    turns = [
        (index, turn)
        for index, trial in enumerate(trials)
        for turn in trial.turns
        if turn.tier not in FIXED_TIERS
    ]
    senders: dict[tuple[int, str], set[str]] = defaultdict(set)
    for index, turn in turns:
        senders[(index, _folded(turn.reply))].add(" ".join(turn.user.lower().split()))
    canned = [
        turn
        for index, turn in turns
        if any(p in _folded(turn.reply) for p in FALLBACK_PHRASES)
        or len(senders[(index, _folded(turn.reply))]) >= REPEAT_MIN
    ]
    return {
        "turns": len(turns),
        "canned": len(canned),
        "rate": len(canned) / len(turns) if turns else 0.0,
        "examples": [{"user": t.user, "reply": t.reply[:200]} for t in canned[:examples]],
    }


def held_out_accuracy(top: int = 10, misses: int = 50) -> dict[str, Any]:
    """Intent accuracy with one voice held out at a time, and the most confused pairs.

    Raises:
        UserInputError: scikit-learn (the ``dev`` extra) is not installed.
    """
    try:
        from agent.models.offline.intent_build import voice_held_out
    except ImportError as exc:  # scikit-learn is a build-time dependency
        raise UserInputError(
            "the NLU study trains the classifier: install the dev extra (pip install -e '.[dev]')"
        ) from exc
    from agent.models.offline.intent_corpus import load_corpus

    rows = load_corpus()
    report = voice_held_out(rows)
    return {
        "utterances": len(rows),
        "per_voice": {voice: round(acc, 4) for voice, acc in report.per_voice.items()},
        "mean_accuracy": round(report.mean_accuracy, 4),
        "most_confused": [
            {"expected": a, "predicted": b, "count": n} for a, b, n in report.most_confused(top)
        ],
        "misses": [vars(m) for m in report.misses[:misses]],
    }


def nlu_lines(summary: dict[str, Any]) -> Sequence[str]:
    """Readable lines for the NLU figures in a run summary."""
    lines: list[str] = []
    canned = summary.get("canned")
    if canned:
        lines.append(
            f"canned replies {canned['rate']:.3f} ({canned['canned']} of {canned['turns']} "
            "scenario user turns)"
        )
    nlu = summary.get("nlu")
    if nlu:
        voices = ", ".join(f"{v} {a:.4f}" for v, a in nlu["per_voice"].items())
        # Four places: a mean of 0.94990 must not read as the 0.950 it falls short of.
        lines.append(f"intent accuracy, voice held out: {nlu['mean_accuracy']:.4f} ({voices})")
        for pair in nlu["most_confused"][:5]:
            lines.append(f"  confused: {pair['expected']} -> {pair['predicted']} ({pair['count']})")
    return lines
