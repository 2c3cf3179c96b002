"""The intent registry (``data/intents.yaml``) and the precise rules it holds.

The registry is the one list of intents: what serves each (a tool or a written answer),
whether it changes the plan, whether the trained classifier knows it, and how the coach
names it. Code derives its tables from it (:func:`plan_changing`, :func:`tool_served`).

The rules: an intent fires when one of its regex patterns matches the normalised message
(number words as digits, text-speak as words: :func:`_normal`),
when a slot it lists was extracted (``log_sets`` fires on set notation), or, failing both,
when the whole message is close to one of its example phrasings (rapidfuzz). They fire
alongside the classifier (``policy.understand`` combines both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from agent.datafiles import parse_yaml
from agent.models.offline.intent_text import respelled
from agent.models.offline.slots import DATA_DIR, Slots, normalize
from agent.regexes import cached_compile

FUZZY_THRESHOLD = 86.0
"""Minimum similarity (0-100) between a message and an example phrasing."""


@dataclass(frozen=True)
class Intent:
    """One thing a message can ask for."""

    name: str
    patterns: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]
    slots: tuple[str, ...]
    tool: str | None = None
    """The tool that serves it, when one does."""
    answer: str | None = None
    """The written answer that serves it (a template, the FAQ or the catalog)."""
    plan_changing: bool = False
    learned: bool = False
    """A label of the trained intent classifier."""
    describe: str = ""
    guarded: bool = False
    """Its slots alone do not keep it: the classifier must not rule it out."""
    exclusive: bool = False
    """When its rule fires, the classifier's guess is not added (a bare "ok")."""
    ask: str = ""
    """The one question to ask when its tool is offered but the message lacked what it
    needs ("did my squats" without sets or reps)."""
    explicit: tuple[re.Pattern[str], ...] = ()
    """Patterns that say it outright ("can we do 3 days a week?"): kept whatever the
    classifier thinks, unlike ``patterns``, which it may overrule."""
    answers: tuple[str, ...] = ()
    """Learned question intents it answers from the person's own data: when its rule
    fires, their general answer is not added ("when should I go heavier on squats?" is a
    training question about progression, answered by the next progression in their log)."""


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    with (DATA_DIR / "intents.yaml").open(encoding="utf-8") as handle:
        data: dict[str, Any] = parse_yaml(handle)
    return data


@lru_cache(maxsize=1)
def intents() -> tuple[Intent, ...]:
    """Every intent, in file order."""
    return tuple(
        Intent(
            name=str(item["name"]),
            patterns=tuple(cached_compile(p) for p in item.get("patterns", [])),
            examples=tuple(str(e).lower() for e in item.get("examples", [])),
            slots=tuple(item.get("slots", [])),
            tool=(item.get("serves") or {}).get("tool"),
            answer=(item.get("serves") or {}).get("answer"),
            plan_changing=bool(item.get("plan_changing", False)),
            learned=bool(item.get("learned", False)),
            describe=str(item.get("describe", "")),
            guarded=bool(item.get("guarded", False)),
            exclusive=bool(item.get("exclusive", False)),
            explicit=tuple(cached_compile(p) for p in item.get("explicit", [])),
            ask=str(item.get("ask", "")),
            answers=tuple(str(a) for a in item.get("answers", [])),
        )
        for item in _data()["intents"]
    )


@lru_cache(maxsize=1)
def registry() -> dict[str, Intent]:
    """Every intent by name."""
    return {intent.name: intent for intent in intents()}


def plan_changing() -> tuple[str, ...]:
    """Intents whose serving changes today's session (refused while a flag locks the plan)."""
    return tuple(i.name for i in intents() if i.plan_changing)


def tool_served() -> tuple[str, ...]:
    """Intents served by a tool: with no tool run, the reply says so instead of improvising."""
    return tuple(i.name for i in intents() if i.tool)


def learned() -> tuple[str, ...]:
    """The labels the trained classifier predicts."""
    return tuple(i.name for i in intents() if i.learned)


def describe(name: str) -> str:
    """How the coach names an intent ("today's session")."""
    found = registry().get(name)
    return found.describe if found and found.describe else name.replace("_", " ")


@lru_cache(maxsize=1)
def _examples() -> tuple[list[str], list[str]]:
    texts: list[str] = []
    owners: list[str] = []
    for intent in intents():
        for example in intent.examples:
            texts.append(_normal(example))
            owners.append(intent.name)
    return texts, owners


def _slot_present(slots: Slots, name: str) -> bool:
    value: Any = getattr(slots, name, None)
    mentioned = getattr(value, "mentioned", None)
    return bool(mentioned) if mentioned is not None else bool(value)


def slot_intents(slots: Slots) -> list[str]:
    """Intents signalled by an extracted slot (set notation, an energy score)."""
    return [
        i.name for i in intents() if not i.guarded and any(_slot_present(slots, s) for s in i.slots)
    ]


def _normal(text: str) -> str:
    """What the rules read: number words as digits, then text-speak as words."""
    return respelled(normalize(text))


def explicit_intents(text: str) -> list[str]:
    """Intents said outright (their ``explicit`` patterns), which the classifier cannot drop."""
    return list(_explicit(text))


@lru_cache(maxsize=256)
def _explicit(text: str) -> tuple[str, ...]:
    # Understanding one message asks this several times (what is sure, what is ruled
    # out, whether kit was added); the patterns run once per text.
    normal = _normal(text)
    return tuple(i.name for i in intents() if any(p.search(normal) for p in i.explicit))


def classify(text: str, slots: Slots) -> list[str]:
    """Names of every intent the precise rules find in the message, in registry order."""
    normal = _normal(text)
    found = [
        intent.name
        for intent in intents()
        if any(p.search(normal) for p in (*intent.patterns, *intent.explicit))
        or any(_slot_present(slots, s) for s in intent.slots)
    ]
    if found:
        return found
    from rapidfuzz import fuzz, process  # only here: most messages match a rule above

    texts, owners = _examples()
    best = process.extractOne(normal, texts, scorer=fuzz.ratio)
    if best is not None and best[1] >= FUZZY_THRESHOLD:
        return [owners[best[2]]]
    return []


def question_field(question: str | None) -> str | None:
    """Which intake field the coach's question asked about ("how many days a week?")."""
    if not question:
        return None
    # Only the last sentence that asks something counts: earlier ones were answered.
    asked = [s for s in re.split(r"(?<=[.?!])\s+", question.lower()) if "?" in s]
    target = asked[-1] if asked else ""
    # A confirmation ("Shall I make it 3 days a week from now on?") names a field too,
    # but what it asks for is a yes.
    for special in ("confirm", "readings"):
        if any(str(p) in target for p in _data()["questions"].get(special, [])):
            return special
    best: tuple[int, str] | None = None
    for field_name, phrases in _data()["questions"].items():
        for phrase in phrases:
            position = target.find(str(phrase))
            if position >= 0 and (best is None or position < best[0]):
                best = (position, str(field_name))
    return best[1] if best else None


def arg_aliases() -> dict[str, list[str]]:
    """Logical argument -> parameter names to try, in order."""
    return {str(k): [str(v) for v in vs] for k, vs in _data()["arg_aliases"].items()}


def understood_examples() -> list[str]:
    """A few example phrasings, for the clarifying question."""
    wanted = ("plan_today", "shorten", "swap_equipment", "log_sets", "history", "easier")
    by_name = {i.name: i for i in intents()}
    return [by_name[name].examples[0] for name in wanted if name in by_name]
