"""The check step: one short safety question when the screen cannot settle a message.

A message screened at tier ``check`` touches a cardinal area (chest, heart, breathing,
head, vision, speech, one-sided weakness, fainting) without saying it is serious or
ruling it out, or only the classifier found it worrying. The coach then asks the one
question of that area from ``safety/data/check.yaml`` (a template, never the model) and
screens the answer on the next turn: yes escalates, no lets the held request go on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from coachcache.regexes import cached_compile
from safety import kept
from safety.rules import DATA_DIR, RuleError, first_look_source, read_yaml
from safety.tiers import Tier

GENERAL = "general"
"""The topic when no cardinal word names one."""


class Answer(StrEnum):
    """How a reply to the safety question reads."""

    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"


@dataclass(frozen=True)
class Topic:
    """One cardinal area and its question."""

    name: str
    question: str
    label: str
    yes_tier: Tier
    words: re.Pattern[str] | None
    first_look: re.Pattern[str] | None = None
    """The strings one of which every match of ``words`` contains (:mod:`safety.literals`):
    where it finds none, ``words`` is not searched. ``words`` opens on a word boundary,
    which gives the engine no character to skip ahead to, so a search that finds nothing
    tried every position (the topics together were a fifth of a long message's
    classifier verdict); the first look skips ahead in C."""


@dataclass(frozen=True)
class CheckData:
    """Everything in ``check.yaml``, compiled."""

    topics: dict[str, Topic]
    yes: re.Pattern[str]
    no: re.Pattern[str]

    def topic_of(self, normalised: str) -> Topic:
        """The first topic whose words occur in ``normalised`` text, else the general one."""
        for topic in self.topics.values():
            if topic.words is None:
                continue
            if topic.first_look is not None and topic.first_look.search(normalised) is None:
                continue
            if topic.words.search(normalised):
                return topic
        return self.topics[GENERAL]


@lru_cache(maxsize=1)
def load_checks() -> CheckData:
    """The compiled check data (cached for the life of the process).

    The file's parse is kept between runs (:mod:`safety.kept`) and its expressions'
    compiled code per machine (:mod:`coachcache.regexes`), like the rules': the first
    message of a process that asked for a topic imported PyYAML, parsed the file and
    compiled its expressions, about 12 ms in the middle of a turn.

    Raises:
        RuleError: ``check.yaml`` is malformed.
    """
    source = (DATA_DIR / "check.yaml").read_bytes()
    wanted = kept.key(source)
    data = kept.read("check", wanted)  # the parse of this text, kept by an earlier run
    if not isinstance(data, dict):
        data = read_yaml("check.yaml")
        kept.keep("check", wanted, data)
    topics: dict[str, Topic] = {}
    for name, raw in data["topics"].items():
        try:
            tier = Tier(str(raw["yes_tier"]))
        except ValueError as exc:
            raise RuleError(f"check.yaml: {name}: unknown tier {raw['yes_tier']!r}") from exc
        words = raw.get("words")
        topics[str(name)] = Topic(
            name=str(name),
            question=str(raw["question"]),
            label=str(raw["label"]),
            yes_tier=tier,
            words=cached_compile(_words_source(words)) if words else None,
            first_look=_first_look(str(name), words),
        )
    if GENERAL not in topics:
        raise RuleError("check.yaml: needs a 'general' topic")
    answers = data["answers"]
    return CheckData(
        topics, cached_compile(str(answers["yes"])), cached_compile(str(answers["no"]))
    )


def _words_source(words: str) -> str:
    return rf"\b(?:{words})\b"


def _first_look(name: str, words: object) -> re.Pattern[str] | None:
    """The first look of a topic's words (the rules' triggers read theirs the same way)."""
    if not words:
        return None
    look = first_look_source(f"check-first-look-{name}", _words_source(str(words)))
    return cached_compile(look) if look else None


def read_answer(normalised: str) -> Answer:
    """Whether a normalised reply to the safety question says yes, no, or neither."""
    checks = load_checks()
    text = normalised.strip(" .!,")
    if checks.no.search(text):
        return Answer.NO
    if checks.yes.search(text):
        return Answer.YES
    return Answer.UNCLEAR


__all__ = ["GENERAL", "Answer", "CheckData", "Topic", "load_checks", "read_answer"]
