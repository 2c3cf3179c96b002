"""The optional second opinion: a configured LLM triages the message before coaching.

When the coach talks to an LLM (never offline), the loop sends the message with the fixed
triage prompt (``prompts/safety/triage.j2``) and one tool, ``triage``, whose arguments
are the structured answer: ``{"tier": "none|caution|check|stop|emergency", "about":
"self|someone_else", "reason": "..."}``. This module builds that request and reads the
answer; it calls no model itself (``safety`` imports no model backend).

The opinion can only raise the screen's tier or add a check, never lower one. Anything
that is not a well-formed answer (prose, broken JSON, an unknown tier) is no opinion.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import prompts
from safety.check import GENERAL
from safety.screen import Assessment, Signal
from safety.tiers import Tier

TOOL_NAME = "triage"
SECOND_OPINION_ID = "LLM"

TRIAGE_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": TOOL_NAME,
        "description": "Report how urgent the person's message is, for a safety screen.",
        "parameters": {
            "type": "object",
            "properties": {
                "tier": {"type": "string", "enum": [t.value for t in Tier]},
                "about": {"type": "string", "enum": ["self", "someone_else"]},
                "reason": {"type": "string", "maxLength": 200},
            },
            "required": ["tier", "about", "reason"],
            "additionalProperties": False,
        },
    },
}
"""The one tool offered with the triage prompt: its arguments are the answer."""

_LABELS = {
    Tier.EMERGENCY: "possible warning signs of an emergency (second opinion)",
    Tier.STOP: "a symptom that needs rest and a check (second opinion)",
    Tier.CHECK: "something that needs a closer look (second opinion)",
    Tier.CAUTION: "something to take carefully (second opinion)",
}


@dataclass(frozen=True)
class Opinion:
    """A well-formed triage answer."""

    tier: Tier
    about_other: bool
    reason: str


def triage_messages(text: str) -> list[dict[str, Any]]:
    """The chat messages of the triage request for one user message."""
    return [
        {"role": "system", "content": prompts.render("safety/triage.j2")},
        {"role": "user", "content": text},
    ]


def read_opinion(content: str | None, calls: Sequence[tuple[str, str]]) -> Opinion | None:
    """The opinion in a model answer (a ``triage`` call, or the same JSON as text).

    Args:
        content: The answer's text, if any.
        calls: The answer's tool calls as ``(name, arguments_json)``.

    Returns:
        The opinion, or ``None`` when the answer is not a well-formed one.
    """
    candidates = [args for name, args in calls if name == TOOL_NAME]
    if content:
        candidates.append(content.strip().removeprefix("```json").strip("`\n "))
    for raw in candidates:
        opinion = _parse(raw)
        if opinion is not None:
            return opinion
    return None


def _parse(raw: str) -> Opinion | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        tier = Tier(str(data.get("tier", "")).strip().lower())
    except ValueError:
        return None
    about = str(data.get("about", "self"))
    return Opinion(tier, about == "someone_else", str(data.get("reason", ""))[:200])


def raise_with(assessment: Assessment, opinion: Opinion | None) -> Assessment:
    """``assessment`` raised to the opinion's tier when that is higher; never lowered."""
    if opinion is None or opinion.tier <= assessment.tier:
        return assessment
    signal = Signal(
        f"{SECOND_OPINION_ID}-{opinion.tier.value.upper()}",
        _LABELS[opinion.tier],
        opinion.tier,
        opinion.reason,
        kind="second_opinion",
        modifiers=("other",) if opinion.about_other else (),
        rule_tier=opinion.tier,
        topic=GENERAL if opinion.tier is Tier.CHECK else None,
    )
    excerpt = assessment.excerpt or opinion.reason
    return Assessment(opinion.tier, [*assessment.signals, signal], excerpt)
