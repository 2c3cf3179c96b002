"""The output rail on model replies."""

from __future__ import annotations

import pytest

from safety.output import check_reply, labels


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("Just push through the pain, you've got this!", "OUT-PUSH-PAIN"),
        ("No pain, no gain. Keep going.", "OUT-PUSH-PAIN"),
        ("Don't stop, it only hurts a little.", "OUT-PUSH-PAIN"),
        ("Keep lifting even if it hurts.", "OUT-PUSH-PAIN"),
        ("That sounds like tendinitis.", "OUT-DIAGNOSIS"),
        ("You probably have a torn meniscus.", "OUT-DIAGNOSIS"),
        ("You've likely strained your hamstring.", "OUT-DIAGNOSIS"),
        ("It's probably just a muscle thing, nothing serious.", "OUT-DIAGNOSIS"),
        ("Take some ibuprofen before the session.", "OUT-MEDICATION"),
        ("400 mg should help with the swelling.", "OUT-MEDICATION"),
        ("You could increase your insulin dose before training.", "OUT-MEDICATION"),
    ],
)
def test_unsafe_replies_are_replaced(reply: str, reason: str) -> None:
    result = check_reply(reply)
    assert not result.ok and reason in result.reasons
    assert result.replacement and "diagnose" in result.replacement
    assert result.excerpt


@pytest.mark.parametrize(
    "reply",
    [
        "Never push through pain: stop and rest instead.",
        "Don't push through sharp pain; we'll swap the exercise.",
        "I can't tell whether you have a sprain, so please see a physio.",
        "I can't recommend medication; a doctor or pharmacist can help with that.",
        "Great set! 3x8 at 22.5 kg, rest 90 seconds.",
        "Chest day: bench press 3x8, then chest flys.",
        "It's normal to feel sore the day after a new exercise.",
        "",
    ],
)
def test_safe_replies_pass(reply: str) -> None:
    result = check_reply(reply)
    assert result.ok, result.reasons
    assert result.reasons == [] and result.replacement == ""


def test_every_output_rule_has_a_label() -> None:
    assert set(labels()) == {"OUT-PUSH-PAIN", "OUT-DIAGNOSIS", "OUT-MEDICATION"}
