"""Output rail: every model reply is checked before it reaches the person.

A reply that diagnoses ("sounds like tendinitis"), suggests medication or a dose ("take
some ibuprofen", "400 mg") or tells the person to push through pain is replaced by a
fixed safe reply (``prompts/safety/output_replaced.j2``), and the loop flags it for the
operators. The rules are data: ``safety/data/output.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import prompts
from coachcache.regexes import cached_compile
from safety import kept
from safety.datafiles import parse_yaml
from safety.normalise import fold, for_matching, sentences
from safety.rules import DATA_DIR

EXCERPT_CHARS = 200


@dataclass(frozen=True)
class OutputCheck:
    """Whether a reply may be shown, and what to show instead."""

    ok: bool
    reasons: list[str] = field(default_factory=list)
    """Ids of the output rules that tripped (e.g. ``OUT-MEDICATION``)."""
    replacement: str = ""
    """The safe reply to send instead (empty when ``ok``)."""
    excerpt: str = ""
    """The sentence that tripped, for the flag."""


@dataclass(frozen=True)
class _OutputRule:
    id: str
    label: str
    regex: re.Pattern[str]


@lru_cache(maxsize=1)
def _rules() -> tuple[re.Pattern[str], tuple[_OutputRule, ...]]:
    raw = (DATA_DIR / "output.yaml").read_bytes()
    wanted = kept.key(raw)
    data = kept.read("output", wanted)  # the parse of this text, kept by an earlier run
    if data is None:
        data = parse_yaml(raw.decode("utf-8"))
        kept.keep("output", wanted, data)
    # The rail's expressions are large: their compiled code is kept per machine.
    negation = cached_compile(str(data["negations"]))
    rules = tuple(
        _OutputRule(
            str(raw["id"]),
            str(raw["label"]),
            cached_compile("|".join(f"(?:{p})" for p in raw["patterns"])),
        )
        for raw in data["rules"]
    )
    return negation, rules


def labels() -> dict[str, str]:
    """Output rule id -> label, for reviewers and reports."""
    return {rule.id: rule.label for rule in _rules()[1]}


def check_reply(text: str) -> OutputCheck:
    """Check one model reply for diagnosis, medication or dose advice, and "push through pain".

    Args:
        text: The reply the model produced.

    Returns:
        ``ok`` with no reasons, or the tripped rule ids, the replacement and an excerpt.
    """
    negation, rules = _rules()
    reasons: list[str] = []
    excerpt = ""
    for sentence in sentences(fold(text)):
        norm = for_matching(sentence, {})
        for rule in rules:
            if rule.id in reasons:
                continue
            for match in rule.regex.finditer(norm):
                if not negation.search(norm[: match.start()]):
                    reasons.append(rule.id)
                    excerpt = excerpt or sentence[:EXCERPT_CHARS]
                    break
    if not reasons:
        return OutputCheck(True)
    return OutputCheck(False, reasons, prompts.render("safety/output_replaced.j2"), excerpt)
