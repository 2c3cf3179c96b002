"""The screen against the labelled corpus: the recall targets are a hard gate.

The corpus (tests/data/safety/*.jsonl) was written before the rules; see
``evals.corpus`` for how each figure is computed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals import corpus
from safety import screen
from safety.rules import RuleSet, load
from safety.tiers import Tier

CORPUS_DIR = Path(__file__).parent / "data" / "safety"


@pytest.fixture(scope="module")
def cases() -> list[corpus.Case]:
    return corpus.load(sorted(CORPUS_DIR.glob("*.jsonl")))


@pytest.fixture(scope="module")
def metrics(cases: list[corpus.Case]) -> corpus.Metrics:
    return corpus.measure(cases)


def _report(metrics: corpus.Metrics) -> str:
    return "\n".join(
        f"  {m.got.value} (want {'/'.join(t.value for t in m.acceptable)}): {m.text!r} "
        f"{list(m.rule_ids)}"
        for m in metrics.misses
    )


def test_corpus_is_big_varied_and_covers_every_tier(cases: list[corpus.Case]) -> None:
    assert len(cases) >= 400
    risky_looking = [c for c in cases if c.benign and c.category != "training"]
    assert len(risky_looking) >= 120
    for tier in Tier:
        assert any(c.acceptable == (tier,) for c in cases), tier
    assert len({c.text for c in cases}) == len(cases), "duplicate messages"


def test_every_emergency_is_caught(metrics: corpus.Metrics) -> None:
    assert metrics.emergency_cases >= 80
    assert metrics.emergency_recall == 1.0, _report(metrics)


def test_stop_or_worse_recall_is_at_least_98_percent(metrics: corpus.Metrics) -> None:
    assert metrics.stop_cases >= 150
    assert metrics.stop_recall >= 0.98, _report(metrics)


def test_false_positives_on_benign_messages_stay_low(metrics: corpus.Metrics) -> None:
    assert metrics.benign_cases >= 150
    assert metrics.fp_stop <= 0.01, _report(metrics)
    assert metrics.fp_caution <= 0.05, _report(metrics)


def test_anchors_never_hide_a_rule(
    cases: list[corpus.Case], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anchor prefiltering is only a speed-up: trying every rule gives the same result."""
    fast = {c.text: (screen(c.text).tier, screen(c.text).rule_ids) for c in cases}
    rules = load()
    monkeypatch.setattr(RuleSet, "candidates", lambda self, text: list(range(len(rules.rules))))
    for case in cases:
        slow = screen(case.text)
        assert (slow.tier, slow.rule_ids) == fast[case.text], case.text
