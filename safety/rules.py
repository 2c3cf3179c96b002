"""Loading the reviewer-readable rule files into compiled, immutable rule sets.

The data lives in ``safety/data/``: ``rules.yaml`` (red-flag rules, each with an id),
``context.yaml`` (negation, resolution, history, experiencer and hypothetical triggers,
idioms, tier changes) and ``lexicon.yaml`` (joint areas, symptom words for typo
correction). The screen itself only runs compiled expressions; each is compiled once
per process.

Compiling every expression took about 0.15 s, more than half of a CLI command's
start-up budget, and one message reaches only the few rules whose anchors it contains
and some of the triggers. So when the three files are exactly the ones a build step
checked (:data:`CHECKED_PATH` holds their SHA-256, written by ``make models`` after
compiling every pattern), a rule's or trigger's expression is compiled the first time the
screen uses it. When they are not (an edited file), every expression is compiled at load,
so a malformed file still fails at load time and never while screening. Either way the
expressions are the same, so are the verdicts (a test compares them).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from coachcache.regexes import cached_compile
from safety import kept, lifted, literals
from safety import normalise as normalise_module
from safety.datafiles import parse_yaml
from safety.normalise import typo_map
from safety.tiers import Tier

DATA_DIR = Path(__file__).parent / "data"
SOURCE_FILES = ("lexicon.yaml", "context.yaml", "rules.yaml")
"""The files a rule set is compiled from."""
CHECKED_PATH = DATA_DIR / "model" / "rules_checked.json"
"""The SHA-256 of :data:`SOURCE_FILES` whose every pattern a build compiled (see
:func:`write_checked`)."""
COOLING = "cooling"
"""The advice of heat-illness rules: the reply says how to cool down (rest in the heat
does not help)."""
ALLERGY = "allergy"
"""The advice of severe-allergy rules: the reply says to use an adrenaline auto-injector if
there is one, and to take nothing by mouth while swallowing is hard."""
ADVICE = (COOLING, ALLERGY)
"""What a rule's ``advice`` may name."""
MODIFIERS = ("hypothetical", "other", "resolved", "history", "passed", "recent", "today")
"""Context modifiers, in the order they take precedence when several apply."""

_MACRO = re.compile(r"\{([a-z_]+)\}")
# Boundaries on letters and digits only, so "skilled" never matches "killed" and a
# blanked idiom ("#########") still separates words.
_LEFT = r"(?<![a-z0-9])"
_RIGHT = r"(?![a-z0-9])"


class RuleError(ValueError):
    """A rule file is malformed; raised at load time, never while screening."""


_COMPILED: dict[str, re.Pattern[str]] = {}
"""Every rule expression compiled so far, by source (``re``'s own cache holds only 512
and other code shares it). Threads may compile the same source twice; both results are
equal, so the race is harmless."""


def _regex(source: str) -> re.Pattern[str]:
    """``source`` compiled, once per process.

    Raises:
        RuleError: The expression does not compile.
    """
    pattern = _COMPILED.get(source)
    if pattern is None:
        try:
            # Searched in its rewritten form (:mod:`safety.lifted`): the same matches, with
            # each alternative turned away by its first character.
            pattern = cached_compile(source, rewrite=(f"lifted-{lifted.version()}", lifted.lift))
        except re.error as exc:
            raise RuleError(f"bad pattern {source[:200]!r}: {exc}") from exc
        _COMPILED[source] = pattern
    return pattern


@dataclass(frozen=True)
class Rule:
    """One red-flag rule: its expressions compile on first use (see the module doc)."""

    id: str
    tier: Tier
    kind: str
    label: str
    anchors: tuple[str, ...]
    source: str
    requires_source: str | None
    unless_source: str | None
    modifier_tiers: Mapping[str, Tier]
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    topic: str | None = None
    """For ``check`` rules: the cardinal area whose question is asked (``check.yaml``)."""
    advice: str | None = None
    """Advice the reply must add when this rule sets the tier (one of :data:`ADVICE`)."""
    requires_next: bool = False
    """``requires`` may also be met in the next sentence ("Clocked my head on the bar.
    Headache since."): a knock and what it caused are often told apart."""
    requires_anywhere: bool = False
    """``requires`` may be met in any sentence of the message ("Flew back from Sydney on
    Monday. Since then my calf is swollen."): a cause told first and the sign after it."""
    ongoing: bool = False
    """What the rule reads is a state that lasts (confusion after a knock): a date in the
    clause dates its cause, not the state, so someone else's knock "this afternoon" or
    "yesterday" is not settled as their event long over (see ``screen._read_target``)."""

    @property
    def regex(self) -> re.Pattern[str]:
        """What the rule matches (a target).

        Its first use compiles the rule's ``requires`` and ``unless`` too: the screen
        reads those only once the rule has a target, and on a first run one message then
        pays for all of a rule's compiling, not two or three messages for parts of it.
        """
        pattern = _COMPILED.get(self.source)
        if pattern is None:
            self.compile()
            pattern = _COMPILED[self.source]
        return pattern

    @property
    def requires(self) -> re.Pattern[str] | None:
        """What the sentence must also contain for the rule to apply, if anything."""
        return None if self.requires_source is None else _regex(self.requires_source)

    @property
    def unless(self) -> re.Pattern[str] | None:
        """What keeps the rule from applying to the sentence, if anything."""
        return None if self.unless_source is None else _regex(self.unless_source)

    def compile(self) -> None:
        """Compile every expression now (raises :class:`RuleError` for a bad one)."""
        for source in (self.source, self.requires_source, self.unless_source):
            if source is not None:
                _regex(source)


@dataclass(frozen=True)
class Severity:
    """Pain scores ("7/10"): above ``stop_above`` with pain in the sentence is a stop."""

    id: str
    label: str
    stop_above: float
    regexes: tuple[re.Pattern[str], ...]
    pain: re.Pattern[str]


class _Expression:
    """A :class:`Triggers` field: its expression, compiled the first time it is read."""

    def __set_name__(self, owner: type[Triggers], name: str) -> None:
        self.name = name

    def __get__(self, triggers: Triggers, owner: type[Triggers] | None = None) -> re.Pattern[str]:
        pattern = _regex(triggers.sources[self.name])
        # Kept on the instance: later reads are a plain attribute, not this call (the
        # screen reads triggers a few dozen times per message).
        triggers.__dict__[self.name] = pattern
        return pattern


class Triggers:
    """ConText triggers and the cross-turn phrases; each compiles when first read."""

    idioms = _Expression()
    pseudo = _Expression()
    negation_pre = _Expression()
    negation_post = _Expression()
    resolution_pre = _Expression()
    resolution_post = _Expression()
    resolution_followup = _Expression()
    recovery_next = _Expression()
    recurrence = _Expression()
    history = _Expression()
    recent = _Expression()
    today = _Expression()
    experiencer_other = _Expression()
    first_person = _Expression()
    other_in_target = _Expression()
    hypothetical_pre = _Expression()
    actuality = _Expression()
    general_question = _Expression()
    general_question_open = _Expression()
    terminators = _Expression()
    worsening = _Expression()
    persisting = _Expression()
    retraction = _Expression()
    clearance = _Expression()
    resolution_statement = _Expression()
    injection = _Expression()
    followup = _Expression()
    negation_list = _Expression()
    negation_scope = _Expression()
    settled_subject = _Expression()
    media = _Expression()
    other_over = _Expression()
    denied_after = _Expression()
    dated_after = _Expression()
    hypothetical_post = _Expression()

    def __init__(self, sources: Mapping[str, str]) -> None:
        missing = sorted(set(TRIGGER_NAMES) - set(sources))
        if missing:
            raise RuleError(f"context.yaml: no expression for {', '.join(missing)}")
        self.sources: dict[str, str] = dict(sources)
        self._screens: dict[str, re.Pattern[str] | None] = {}

    def may_match(self, name: str, text: str) -> bool:
        """False only when the expression ``name`` cannot match anywhere in ``text``.

        For the expressions of :data:`LOOKED_FIRST`, a search for the strings every match
        needs (:mod:`safety.literals`), made the first time it is asked; True for any
        other, and for one without such strings.
        """
        if name not in LOOKED_FIRST:
            return True
        if name not in self._screens:
            self._screens[name] = self._screen_of(name)
        screen = self._screens[name]
        return screen is None or screen.search(text) is not None

    def _screen_of(self, name: str) -> re.Pattern[str] | None:
        """The first look of :meth:`may_match` (see :func:`first_look_source`)."""
        stored = first_look_source(f"literals-{name}", self.sources[name])
        return _regex(stored) if stored else None

    def compile(self) -> None:
        """Compile every expression now (raises :class:`RuleError` for a bad one)."""
        for name in TRIGGER_NAMES:
            _regex(self.sources[name])


LOOKED_FIRST = frozenset({"clearance", "recovery_next", "retraction"})
"""The expressions :meth:`Triggers.may_match` looks for strings before. Since the
expressions are searched in their rewritten form (:mod:`safety.lifted`), the first look
cost more than it saved for every other one (timed over the corpus: the idioms' first
look and search 7.2 µs a message, the search alone 5.3)."""


def first_look_source(name: str, source: str) -> str:
    """A trie of the strings every match of ``source`` contains, or "" when none is known.

    Reading the strings parses the expression (``re``'s parser, in Python), so the result
    is kept between runs as ``name`` (:mod:`safety.kept`), under a key of the expression
    and of :mod:`safety.literals`' code.
    """
    wanted = kept.key(source.encode(), _literals_code())
    stored = kept.read(name, wanted)
    if not isinstance(stored, str):
        strings = literals.necessary(source)
        stored = "" if strings is None else literals.trie_source(strings)
        kept.keep(name, wanted, stored)
    return stored


@lru_cache(maxsize=1)
def _literals_code() -> bytes:
    """:mod:`safety.literals`' code, part of every first look's key, read once a process.

    Not once for each trigger and check topic that reads its first look.
    """
    return Path(literals.__file__).read_bytes()


TRIGGER_NAMES = tuple(n for n, v in vars(Triggers).items() if isinstance(v, _Expression))
"""Every expression a :class:`Triggers` holds."""


@dataclass(frozen=True)
class RuleSet:
    """Everything the screen needs, compiled once."""

    rules: tuple[Rule, ...]
    triggers: Triggers
    severity: Severity
    typos: dict[str, str]
    areas: re.Pattern[str]
    area_tags: dict[str, str]
    anchors: AnchorIndex
    by_id: dict[str, Rule] = field(default_factory=dict)

    def candidates(self, text: str) -> list[int]:
        """Indices of the rules whose anchors occur in ``text``, in file order."""
        return self.anchors.rules_in(text)

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


_MACRO_DEPTH = 4
"""How deep macros may name other macros ("{knock}" names "{w}")."""


def _expand(pattern: str, macros: Mapping[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in macros:
            raise RuleError(f"unknown macro {{{name}}} in {pattern!r}")
        return macros[name]

    expanded = pattern
    for _ in range(_MACRO_DEPTH):
        previous, expanded = expanded, _MACRO.sub(substitute, expanded)
        if expanded == previous:
            return expanded
    if _MACRO.search(expanded):
        raise RuleError(f"macros nested deeper than {_MACRO_DEPTH} in {pattern!r}")
    return expanded


def _source(patterns: str | list[str], macros: Mapping[str, str], *, bounded: bool = True) -> str:
    """One expression for ``patterns`` (alternatives), macros expanded."""
    items = [patterns] if isinstance(patterns, str) else list(patterns)
    body = "|".join(f"(?:{_expand(p, macros)})" for p in items)
    return f"{_LEFT}(?:{body}){_RIGHT}" if bounded else body


def _compile(
    patterns: str | list[str], macros: Mapping[str, str], *, bounded: bool = True
) -> re.Pattern[str]:
    return _regex(_source(patterns, macros, bounded=bounded))


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
    # The few words after a target: anchored (``^``) for a slice searched on its own,
    # bare for an expression matched at the target's end in the whole sentence.
    after_target = rf"(?:[\s,]+[\w#]+){{0,{res_window}}}?[\s,]*"
    post_gap = f"^{after_target}"

    def alternation(key: str) -> str:
        value = context[key]
        items = [value] if isinstance(value, str) else value
        return "|".join(f"(?:{item})" for item in items)

    def raw(source: str) -> str:
        return _expand(source, macros)

    return Triggers(
        {
            "idioms": _source(context["idioms"], macros),
            "pseudo": _source(context["pseudo_negations"], macros),
            "negation_pre": raw(
                rf"{_LEFT}(?:{alternation('negation_pre')}){_RIGHT}(?![,.!?]){gap}"
            ),
            "negation_post": raw(rf"{post_gap}(?:{alternation('negation_post')})"),
            "resolution_pre": raw(rf"{_LEFT}(?:{alternation('resolution_pre')}){_RIGHT}{gap}"),
            # Matched from the target's end in the whole sentence (``match(text, end)``), not
            # searched in a slice: its lookbehinds must see the target ("dont sweat anymore").
            "resolution_post": raw(
                rf"{after_target}{_LEFT}(?:{alternation('resolution_post')}){_RIGHT}"
            ),
            "resolution_followup": _source(context["resolution_followup"], macros),
            "recovery_next": _source(context["recovery_next"], macros),
            "recurrence": _source(context["recurrence"], macros),
            "history": _source(context["history"], macros),
            "recent": _source(context["recent"], macros),
            "today": _source(context["today"], macros),
            "experiencer_other": _source(context["experiencer_other"], macros),
            "first_person": raw(context["first_person"]),
            "other_in_target": raw(context["other_in_target"]),
            "hypothetical_pre": raw(
                rf"{_LEFT}(?:{alternation('hypothetical_pre')}){_RIGHT}(?:\s+[\w#]+){{0,3}}\s*$"
            ),
            "actuality": raw(context["actuality"]),
            "general_question": raw(context["general_question"]),
            "general_question_open": raw(context["general_question_open"]),
            "terminators": raw(alternation("terminators")),
            "worsening": _source(context["worsening"], macros),
            "persisting": _source(context["persisting"], macros),
            "retraction": raw(context["retraction"]),
            "clearance": _source(context["clearance"], macros),
            "resolution_statement": _source(context["resolution_statement"], macros),
            "injection": _source(context["injection"], macros),
            "followup": _source(context["followup"], macros),
            "negation_list": raw(rf"{_LEFT}(?:{alternation('negation_list')}){_RIGHT}(?: any)?"),
            "negation_scope": raw(
                rf"{_LEFT}(?:{alternation('negation_pre')}){_RIGHT}"
                rf"((?:\s+(?!(?:{alternation('scope_stops')})\b)[\w#]+){{1,{window}}})"
            ),
            "settled_subject": _source(context["settled_subject"], macros),
            "media": raw(context["media"]),
            "other_over": raw(context["other_over"]),
            "denied_after": _source(context["denied_after"], macros),
            "dated_after": _source(context["dated_after"], macros),
            "hypothetical_post": raw(context["hypothetical_post"]),
        }
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
    advice = raw.get("advice")
    if advice is not None and advice not in ADVICE:
        raise RuleError(f"{rule_id}: unknown advice {advice!r}")
    return Rule(
        id=rule_id,
        tier=tier,
        kind=str(raw["kind"]),
        label=str(raw["label"]),
        anchors=tuple(anchors),
        source=_source(raw["patterns"], macros),
        requires_source=(
            _source(raw["requires"], macros, bounded=False) if raw.get("requires") else None
        ),
        unless_source=_source(raw["unless"], macros, bounded=False) if raw.get("unless") else None,
        modifier_tiers=modifier_tiers,
        examples=tuple(str(e) for e in raw.get("examples") or ()),
        counter_examples=tuple(str(e) for e in raw.get("not") or ()),
        topic=str(raw["topic"]) if raw.get("topic") else None,
        advice=str(advice) if advice is not None else None,
        requires_next=bool(raw.get("requires_next", False)),
        requires_anywhere=bool(raw.get("requires_anywhere", False)),
        ongoing=bool(raw.get("ongoing", False)),
    )


class AnchorIndex:
    """Which rules' anchors occur in a text: a literal anchor at a word start.

    An anchor counts where it starts a word (no letter or digit just before it), even
    inside a longer anchor's span or a longer word. One expression finds them: at every
    word start, a lookahead over a trie of every anchor captures the longest anchor that
    begins there. Any shorter anchor that begins there is a prefix of that one, so each
    anchor stands for its own rules and those of every anchor it begins with.

    The engine walks the trie one character at a time in C, so a sentence costs a few
    microseconds; the index it replaced looked each distinct word up in a dictionary of
    words and anchors, in Python, and the per-word entries it kept (a few thousand
    frozen sets) were spread over memory the rules and the classifier also need. The
    expression is compiled when first searched, from kept code after the first time on
    a machine (:func:`coachcache.regexes.cached_compile`).
    """

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        owners: dict[str, set[int]] = {}
        for index, rule in enumerate(rules):
            for anchor in rule.anchors:
                owners.setdefault(anchor, set()).add(index)
        # Each anchor's rules with those of the anchors it begins with: found by reading
        # its prefixes, not by comparing every pair of anchors.
        self._rules: dict[str, frozenset[int]] = {
            anchor: frozenset().union(
                *(
                    owners[anchor[:size]]
                    for size in range(1, len(anchor) + 1)
                    if anchor[:size] in owners
                )
            )
            for anchor in owners
        }
        self._source = f"{_LEFT}(?=({_longest_first(sorted(owners))}))" if owners else ""
        self._regex: re.Pattern[str] | None = None

    def rules_in(self, text: str) -> list[int]:
        """Indices of the rules with an anchor at a word start of ``text``, in order."""
        regex = self._regex
        if regex is None:
            if not self._source:
                return []
            regex = self._regex = cached_compile(self._source)
        found = regex.findall(text)
        if not found:
            return []
        return sorted(frozenset().union(*map(self._rules.__getitem__, found)))


def _longest_first(strings: list[str]) -> str:
    """An expression of ``strings`` as a trie that takes the longest one it can.

    Where a string ends and a longer one goes on, the longer is tried first (an optional
    group), so a match is the longest string that begins at its position.
    """
    return _trie_branches(literals.char_trie(strings))


def _trie_branches(node: dict[str, Any]) -> str:
    alternatives = [re.escape(char) + _trie_branches(node[char]) for char in sorted(node) if char]
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"
    return f"(?:{body})?" if "" in node else body


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


def _digest(sources: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in SOURCE_FILES:
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(sources[name])
    return digest.hexdigest()


def _parsed(name: str, raw: bytes) -> dict[str, Any]:
    data = parse_yaml(raw.decode("utf-8"))
    if not isinstance(data, dict):
        raise RuleError(f"{name}: expected a mapping at the top level")
    return data


def _checked_digest() -> str | None:
    try:
        value = json.loads(CHECKED_PATH.read_text(encoding="utf-8")).get("sha256")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


@lru_cache(maxsize=1)
def load() -> RuleSet:
    """The rule set (cached for the life of the process).

    Raises:
        RuleError: A data file is malformed (an unknown tier, macro or modifier, a
            pattern that does not compile, duplicate ids).
    """
    sources = {name: (DATA_DIR / name).read_bytes() for name in SOURCE_FILES}
    rule_set = _build(sources)
    if _digest(sources) != _checked_digest():
        compile_all(rule_set)
    return rule_set


def compile_all(rule_set: RuleSet) -> None:
    """Compile every rule's expressions now.

    Raises:
        RuleError: One does not compile.
    """
    rule_set.triggers.compile()
    for rule in rule_set.rules:
        rule.compile()


def write_checked(path: Path | None = None) -> str:
    """Compile every pattern of the current files and record their SHA-256 at ``path``.

    Run by ``make models`` (``python -m safety.screen_build``); until it runs after a
    change to a rule file, every start compiles every rule at load. ``path`` defaults to
    :data:`CHECKED_PATH`.

    Raises:
        RuleError: A pattern does not compile (nothing is written).
    """
    sources = {name: (DATA_DIR / name).read_bytes() for name in SOURCE_FILES}
    compile_all(_build(sources))
    digest = _digest(sources)
    (path or CHECKED_PATH).write_text(
        json.dumps({"sha256": digest}, indent=1) + "\n", encoding="utf-8"
    )
    return digest


_DERIVING_CODE = (Path(__file__), Path(normalise_module.__file__))
"""The code that turns the files into what :func:`_read_sources` keeps."""


def _read_sources(
    sources: Mapping[str, bytes],
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, str]]:
    """The three files parsed, and the spelling map; kept between runs (:mod:`safety.kept`).

    Parsing the YAML and building the spelling map took about 17 ms of every start.
    The key hashes the files and the code that reads them, so an edit to either means
    reading afresh.
    """
    wanted = kept.key(_digest(sources).encode(), *(p.read_bytes() for p in _DERIVING_CODE))
    stored = kept.read("rules", wanted)
    if isinstance(stored, tuple) and len(stored) == 4:
        lexicon, context, data, spellings = stored
        return lexicon, context, data, spellings
    lexicon = _parsed("lexicon.yaml", sources["lexicon.yaml"])
    context = _parsed("context.yaml", sources["context.yaml"])
    data = _parsed("rules.yaml", sources["rules.yaml"])
    spellings = _spelling_map(lexicon)
    kept.keep("rules", wanted, (lexicon, context, data, spellings))
    return lexicon, context, data, spellings


def _build(sources: Mapping[str, bytes]) -> RuleSet:
    lexicon, context, data, spellings = _read_sources(sources)
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
    return RuleSet(
        rules=rules,
        triggers=_triggers(context, macros),
        severity=severity,
        typos=spellings,
        areas=re.compile(rf"{_LEFT}{area_source}{_RIGHT}"),
        area_tags=area_tags,
        anchors=AnchorIndex(rules),
        by_id={r.id: r for r in rules},
    )
