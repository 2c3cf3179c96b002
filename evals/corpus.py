"""Measuring the screen against a labelled corpus (``tests/data/safety/*.jsonl``).

Each corpus line is ``{"text": ..., "acceptable": ["stop", "emergency"], "category": ...}``:
the tiers a careful human would accept for that message. The figures:

- ``emergency_recall``: of the messages whose only acceptable tier is emergency, the
  share screened as emergency (target 100%).
- ``stop_recall``: of the messages whose every acceptable tier is stop or emergency,
  the share screened at stop or above (target >= 98%).
- ``benign``: messages for which "none" is acceptable. ``fp_stop`` and ``fp_caution``
  are the shares of them screened at stop-or-worse / caution-or-worse at a tier their
  label does not accept (targets <= 1% and <= 5%).
- ``accuracy``: share of all messages screened at an acceptable tier.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from safety.screen import Assessment, screen
from safety.tiers import Tier


@dataclass(frozen=True)
class Case:
    """One labelled message."""

    text: str
    acceptable: tuple[Tier, ...]
    category: str
    source: str = ""

    @property
    def benign(self) -> bool:
        """Screening it at ``none`` would be right."""
        return Tier.NONE in self.acceptable


@dataclass(frozen=True)
class Miss:
    """A message screened at a tier its label does not accept."""

    text: str
    got: Tier
    acceptable: tuple[Tier, ...]
    category: str
    rule_ids: tuple[str, ...]


@dataclass(frozen=True)
class Metrics:
    """Recall, false positives and accuracy of the screen on a corpus."""

    total: int
    emergency_cases: int
    emergency_recall: float
    stop_cases: int
    stop_recall: float
    benign_cases: int
    fp_stop: float
    fp_caution: float
    accuracy: float
    misses: list[Miss] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """Figures as JSON (misses as short objects)."""
        return {
            "messages": self.total,
            "emergency_messages": self.emergency_cases,
            "emergency_recall": round(self.emergency_recall, 4),
            "stop_or_worse_messages": self.stop_cases,
            "stop_or_worse_recall": round(self.stop_recall, 4),
            "benign_messages": self.benign_cases,
            "false_positive_stop_or_worse_on_benign": round(self.fp_stop, 4),
            "false_positive_caution_or_worse_on_benign": round(self.fp_caution, 4),
            "accuracy": round(self.accuracy, 4),
            "misses": [
                {
                    "text": m.text,
                    "got": m.got.value,
                    "acceptable": [t.value for t in m.acceptable],
                    "category": m.category,
                    "signals": list(m.rule_ids),
                }
                for m in self.misses
            ],
        }


def load(paths: Iterable[Path]) -> list[Case]:
    """Read corpus files (JSON lines).

    Raises:
        ValueError: A line is not a labelled message.
    """
    cases: list[Case] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            raw = json.loads(line)
            try:
                acceptable = tuple(Tier(t) for t in raw["acceptable"])
                cases.append(Case(str(raw["text"]), acceptable, str(raw["category"]), path.name))
            except (KeyError, ValueError) as exc:
                raise ValueError(f"{path}:{number}: not a labelled message ({exc})") from exc
    return cases


def measure(cases: list[Case], screener: Callable[[str], Assessment] = screen) -> Metrics:
    """Screen every case and compute the figures described in the module docstring."""
    emergency = stop = benign = 0
    emergency_hits = stop_hits = fp_stop = fp_caution = correct = 0
    misses: list[Miss] = []
    for case in cases:
        assessment = screener(case.text)
        got = assessment.tier
        ok = got in case.acceptable
        correct += ok
        if not ok:
            misses.append(
                Miss(case.text, got, case.acceptable, case.category, tuple(assessment.rule_ids))
            )
        if case.acceptable == (Tier.EMERGENCY,):
            emergency += 1
            emergency_hits += got is Tier.EMERGENCY
        if min(case.acceptable) >= Tier.STOP:
            stop += 1
            stop_hits += got >= Tier.STOP
        if case.benign:
            benign += 1
            fp_stop += got >= Tier.STOP and not ok
            fp_caution += got >= Tier.CAUTION and not ok
    return Metrics(
        total=len(cases),
        emergency_cases=emergency,
        emergency_recall=emergency_hits / emergency if emergency else 1.0,
        stop_cases=stop,
        stop_recall=stop_hits / stop if stop else 1.0,
        benign_cases=benign,
        fp_stop=fp_stop / benign if benign else 0.0,
        fp_caution=fp_caution / benign if benign else 0.0,
        accuracy=correct / len(cases) if cases else 1.0,
        misses=misses,
    )
