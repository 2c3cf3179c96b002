"""Loading the reviewer-readable rule files into compiled, immutable rule sets.

The data lives in ``safety/data/``: ``rules.yaml`` (red-flag rules, each with an id),
``context.yaml`` (negation, resolution, history, experiencer and hypothetical triggers,
idioms, tier changes) and ``lexicon.yaml`` (joint areas, symptom words for typo
correction). Everything is compiled once per process; the screen itself only runs
precompiled expressions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from safety.datafiles import parse_yaml
from safety.normalise import typo_map
from safety.tiers import Tier

DATA_DIR = Path(__file__).parent / "data"
MODIFIERS = ("hypothetical", "other", "resolved", "passed", "history", "recent")
"""Context modifiers, in the order they take precedence when several apply."""

_MACRO = re.compile(r"\{([a-z_]+)\}")
# Boundaries on letters and digits only, so "skilled" never matches "killed" and a
# blanked idiom ("#########") still separates words.
_LEFT = r"(?<![a-z0-9])"
_RIGHT = r"(?![a-z0-9])"


class RuleError(ValueError):
    """A rule file is malformed; raised at load time, never while screening."""


@dataclass(frozen=True)
class Rule:
    """One red-flag rule, compiled."""

    id: str
    tier: Tier
    kind: str
    label: str
    anchors: tuple[str, ...]
    regex: re.Pattern[str]
    requires: re.Pattern[str] | None
    unless: re.Pattern[str] | None
    modifier_tiers: Mapping[str, Tier]
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    topic: str | None = None
    """For ``check`` rules: the cardinal area whose question is asked (``check.yaml``)."""


@dataclass(frozen=True)
class Severity:
    """Pain scores ("7/10"): above ``stop_above`` with pain in the sentence is a stop."""

    id: str
    label: str
    stop_above: float
    regexes: tuple[re.Pattern[str], ...]
    pain: re.Pattern[str]


@dataclass(frozen=True)
class Triggers:
    """ConText triggers and the cross-turn phrases, compiled."""

    idioms: re.Pattern[str]
    pseudo: re.Pattern[str]
    negation_pre: re.Pattern[str]
    negation_post: re.Pattern[str]
    resolution_pre: re.Pattern[str]
    resolution_post: re.Pattern[str]
    resolution_followup: re.Pattern[str]
    recurrence: re.Pattern[str]
    history: re.Pattern[str]
    recent: re.Pattern[str]
    experiencer_other: re.Pattern[str]
    first_person: re.Pattern[str]
    other_in_target: re.Pattern[str]
    hypothetical_pre: re.Pattern[str]
    actuality: re.Pattern[str]
    general_question: re.Pattern[str]
    general_question_open: re.Pattern[str]
    terminators: re.Pattern[str]
    worsening: re.Pattern[str]
    persisting: re.Pattern[str]
    retraction: re.Pattern[str]
    clearance: re.Pattern[str]
    resolution_statement: re.Pattern[str]
    injection: re.Pattern[str]
    followup: re.Pattern[str]
    negation_list: re.Pattern[str]
    negation_scope: re.Pattern[str]
    settled_subject: re.Pattern[str]
    media: re.Pattern[str]
    other_over: re.Pattern[str]


@dataclass(frozen=True)
class RuleSet:
    """Everything the screen needs, compiled once."""

    rules: tuple[Rule, ...]
    triggers: Triggers
    severity: Severity
    typos: dict[str, str]
    areas: re.Pattern[str]
    area_tags: dict[str, str]
    anchor_regex: re.Pattern[str]
    anchor_rules: dict[str, tuple[int, ...]]
    by_id: dict[str, Rule] = field(default_factory=dict)

    def candidates(self, text: str) -> list[int]:
        """Indices of the rules whose anchors occur in ``text``, in file order."""
        found: set[int] = set()
        for match in self.anchor_regex.finditer(text):
            found.update(self.anchor_rules[match.group(1)])
        return sorted(found)

    def area_of(self, text: str) -> str | None:
        """The joint-area tag named in ``text`` (the first one), if any."""
        match = self.areas.search(text)
        return self.area_tags.get(match.group(0)) if match else None


def read_yaml(name: str) -> dict[str, Any]:
    """One data file of ``safety/data/`` as a mapping.

    Raises:
        RuleError: The file's top level is not a mapping.
    """
    data = parse_yaml((DATA_DIR / name).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise RuleError(f"{name}: expected a mapping at the top level")
    return data


def _expand(pattern: str, macros: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise RuleError(f"unknown macro {{{name}}} in {pattern!r}")
        return macros[name]

    return _MACRO.sub(substitute, pattern)


def _compile(
    patterns: str | list[str], macros: Mapping[str, str], *, bounded: bool = True
) -> re.Pattern[str]:
    items = [patterns] if isinstance(patterns, str) else list(patterns)
    body = "|".join(f"(?:{_expand(p, macros)})" for p in items)
    source = f"{_LEFT}(?:{body}){_RIGHT}" if bounded else body
    try:
        return re.compile(source)
    except re.error as exc:
        raise RuleError(f"bad pattern {items!r}: {exc}") from exc


def _tier(value: Any, where: str) -> Tier:
    try:
        return Tier(str(value))
    except ValueError as exc:
        raise RuleError(f"{where}: unknown tier {value!r}") from exc


def _areas(lexicon: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    words: list[tuple[str, str]] = []
    for tag, patterns in lexicon["areas"].items():
        words.extend((p, str(tag)) for p in patterns)
    # Longest first so "lower back" wins over "back" and "shoulder blades" over "shoulder".
    words.sort(key=lambda item: -len(item[0]))
    source = "|".join(p for p, _ in words)
    tags: dict[str, str] = {}
    for pattern, tag in words:
        for variant in _spellings(pattern):
            tags.setdefault(variant, tag)
    return f"(?:{source})", tags


def _spellings(pattern: str) -> list[str]:
    """The literal spellings of an area pattern (only ``s?`` is used in the lexicon)."""
    if pattern.endswith("s?"):
        stem = pattern[:-2]
        return [stem, stem + "s"]
    return [pattern]


def _triggers(context: Mapping[str, Any], macros: Mapping[str, str]) -> Triggers:
    window = int(context["negation_window"])
    res_window = int(context["resolution_window"])
    gap = rf"(?:[\s,]+[\w#]+){{0,{window}}}[\s,]*$"
    post_gap = rf"^(?:[\s,]+[\w#]+){{0,{res_window}}}?[\s,]*"

    def alternation(key: str) -> str:
        value = context[key]
        items = [value] if isinstance(value, str) else value
        return "|".join(f"(?:{item})" for item in items)

    def compile_raw(source: str) -> re.Pattern[str]:
        return re.compile(_expand(source, macros))

    return Triggers(
        idioms=_compile(context["idioms"], macros),
        pseudo=_compile(context["pseudo_negations"], macros),
        negation_pre=compile_raw(
            rf"{_LEFT}(?:{alternation('negation_pre')}){_RIGHT}(?![,.!?]){gap}"
        ),
        negation_post=compile_raw(rf"{post_gap}(?:{alternation('negation_post')})"),
        resolution_pre=compile_raw(rf"{_LEFT}(?:{alternation('resolution_pre')}){_RIGHT}{gap}"),
        resolution_post=compile_raw(
            rf"{post_gap}{_LEFT}(?:{alternation('resolution_post')}){_RIGHT}"
        ),
        resolution_followup=_compile(context["resolution_followup"], macros),
        recurrence=_compile(context["recurrence"], macros),
        history=_compile(context["history"], macros),
        recent=_compile(context["recent"], macros),
        experiencer_other=_compile(context["experiencer_other"], macros),
        first_person=compile_raw(context["first_person"]),
        other_in_target=compile_raw(context["other_in_target"]),
        hypothetical_pre=compile_raw(
            rf"{_LEFT}(?:{alternation('hypothetical_pre')}){_RIGHT}(?:\s+[\w#]+){{0,3}}\s*$"
        ),
        actuality=compile_raw(context["actuality"]),
        general_question=compile_raw(context["general_question"]),
        general_question_open=compile_raw(context["general_question_open"]),
        terminators=compile_raw(alternation("terminators")),
        worsening=_compile(context["worsening"], macros),
        persisting=_compile(context["persisting"], macros),
        retraction=compile_raw(context["retraction"]),
        clearance=_compile(context["clearance"], macros),
        resolution_statement=_compile(context["resolution_statement"], macros),
        injection=_compile(context["injection"], macros),
        followup=_compile(context["followup"], macros),
        negation_list=compile_raw(rf"{_LEFT}(?:{alternation('negation_list')}){_RIGHT}(?: any)?"),
        negation_scope=compile_raw(
            rf"{_LEFT}(?:{alternation('negation_pre')}){_RIGHT}"
            rf"((?:\s+(?!(?:{alternation('scope_stops')})\b)[\w#]+){{1,{window}}})"
        ),
        settled_subject=_compile(context["settled_subject"], macros),
        media=compile_raw(context["media"]),
        other_over=compile_raw(context["other_over"]),
    )


def _rule(
    raw: Mapping[str, Any],
    macros: Mapping[str, str],
    defaults: Mapping[str, Mapping[str, Tier]],
    area_words: list[str],
) -> Rule:
    rule_id = str(raw["id"])
    tier = _tier(raw["tier"], rule_id)
    modifier_tiers = dict(defaults[tier.value])
    for name, value in (raw.get("modifiers") or {}).items():
        if name not in MODIFIERS:
            raise RuleError(f"{rule_id}: unknown modifier {name!r}")
        modifier_tiers[name] = _tier(value, rule_id)
    anchors: list[str] = []
    for anchor in raw["anchors"]:
        # "{area}" stands for every spelling of every joint area in lexicon.yaml.
        anchors.extend(area_words if anchor == "{area}" else [str(anchor)])
    if not anchors:
        raise RuleError(f"{rule_id}: needs at least one anchor")
    return Rule(
        id=rule_id,
        tier=tier,
        kind=str(raw["kind"]),
        label=str(raw["label"]),
        anchors=tuple(anchors),
        regex=_compile(raw["patterns"], macros),
        requires=_compile(raw["requires"], macros, bounded=False) if raw.get("requires") else None,
        unless=_compile(raw["unless"], macros, bounded=False) if raw.get("unless") else None,
        modifier_tiers=modifier_tiers,
        examples=tuple(str(e) for e in raw.get("examples") or ()),
        counter_examples=tuple(str(e) for e in raw.get("not") or ()),
        topic=str(raw["topic"]) if raw.get("topic") else None,
    )


def _anchor_index(rules: tuple[Rule, ...]) -> tuple[re.Pattern[str], dict[str, tuple[int, ...]]]:
    owners: dict[str, set[int]] = {}
    for index, rule in enumerate(rules):
        for anchor in rule.anchors:
            owners.setdefault(anchor, set()).add(index)
    # A lookahead finds an anchor at every word start, even inside a longer anchor's
    # span; the longest alternative wins at a position, so each anchor also carries
    # the rules of every anchor that is a prefix of it.
    ordered = sorted(owners, key=lambda a: (-len(a), a))
    regex = re.compile(rf"{_LEFT}(?=({'|'.join(re.escape(a) for a in ordered)}))")
    table: dict[str, tuple[int, ...]] = {}
    for anchor in ordered:
        merged: set[int] = set()
        for other, indices in owners.items():
            if anchor.startswith(other):
                merged |= indices
        table[anchor] = tuple(sorted(merged))
    return regex, table


def _spelling_map(lexicon: Mapping[str, Any]) -> dict[str, str]:
    """Every word the screen respells.

    Typos of symptom words, dropped g's ("feelin") and chat shorthand ("r" -> "are",
    "yrs" -> "years").
    """
    spellings = typo_map(lexicon["fuzzy_terms"], lexicon["not_typos"])
    for word in lexicon["g_dropped"]:
        spellings[str(word)[:-1]] = str(word)
    spellings.update({str(k): str(v) for k, v in lexicon["shorthand"].items()})
    return spellings


@lru_cache(maxsize=1)
def load() -> RuleSet:
    """The compiled rule set (cached for the life of the process).

    Raises:
        RuleError: A data file is malformed (an unknown tier, macro or modifier, a
            pattern that does not compile, duplicate ids).
    """
    lexicon = read_yaml("lexicon.yaml")
    context = read_yaml("context.yaml")
    data = read_yaml("rules.yaml")
    area_source, area_tags = _areas(lexicon)
    macros = {str(k): str(v) for k, v in (data.get("macros") or {}).items()}
    macros["area"] = area_source
    defaults = {
        tier: {name: _tier(value, f"modifier_tiers.{tier}") for name, value in row.items()}
        for tier, row in context["modifier_tiers"].items()
    }
    rules = tuple(_rule(raw, macros, defaults, sorted(area_tags)) for raw in data["rules"])
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise RuleError("duplicate rule ids in rules.yaml")
    sev = data["severity"]
    severity = Severity(
        id=str(sev["id"]),
        label=str(sev["label"]),
        stop_above=float(sev["stop_above"]),
        regexes=tuple(_compile(p, macros, bounded=False) for p in sev["patterns"]),
        pain=_compile(sev["pain"], macros, bounded=False),
    )
    anchor_regex, anchor_rules = _anchor_index(rules)
    return RuleSet(
        rules=rules,
        triggers=_triggers(context, macros),
        severity=severity,
        typos=_spelling_map(lexicon),
        areas=re.compile(rf"{_LEFT}{area_source}{_RIGHT}"),
        area_tags=area_tags,
        anchor_regex=anchor_regex,
        anchor_rules=anchor_rules,
        by_id={r.id: r for r in rules},
    )
