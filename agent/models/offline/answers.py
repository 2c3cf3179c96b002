"""Answers the offline model writes from data, with no tool: the FAQ, the catalog, small talk.

- Training, food and myth questions are matched to the curated FAQ (``data/faq.yaml``)
  by similarity over the classifier's own features (idf-weighted cosine), so the same
  spelling folds ("wat", "2day") help here too. Every answer there is reviewed, non-medical
  and sourced.
- "How do I do X" is answered from the exercise catalog: cues, muscles, an easier and a
  harder version.
- Small talk, motivation and off-topic messages get short templates; which of a few
  wordings is used depends on the message, so different messages do not all get the very
  same line.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from agent.datafiles import parse_yaml
from agent.models.offline.slots import DATA_DIR
from agent.regexes import cached_compile
from safety.textclf import features

if TYPE_CHECKING:
    from agent.planning.catalog import Exercise

FAQ_MIN_SIMILARITY = 0.33
"""Below this cosine similarity no FAQ entry is a fair answer to the question."""

HOW_TO_MIN_SCORE = 80.0
"""Catalog similarity (0-100) from which a named exercise is explained."""


@dataclass(frozen=True)
class FaqEntry:
    """One reviewed answer."""

    id: str
    intent: str
    questions: tuple[str, ...]
    answer: str
    source: str
    refer: bool


@cache
def faq() -> tuple[FaqEntry, ...]:
    """The curated FAQ, in file order."""
    with (DATA_DIR / "faq.yaml").open(encoding="utf-8") as handle:
        raw: dict[str, Any] = parse_yaml(handle)
    return tuple(
        FaqEntry(
            id=str(item["id"]),
            intent=str(item["intent"]),
            questions=tuple(str(q) for q in item["questions"]),
            answer=" ".join(str(item["answer"]).split()),
            source=str(item.get("source", "")),
            refer=bool(item.get("refer", False)),
        )
        for item in raw["entries"]
    )


@cache
def _index() -> tuple[dict[str, float], list[tuple[int, dict[str, float]]]]:
    """Idf of every feature, and each question's unit-length weighted vector."""
    questions = [(i, q) for i, entry in enumerate(faq()) for q in entry.questions]
    seen: Counter[str] = Counter()
    for _, question in questions:
        seen.update(set(features(question)))
    total = len(questions)
    idf = {f: math.log((1 + total) / (1 + n)) + 1.0 for f, n in seen.items()}
    return idf, [(i, _vector(q, idf)) for i, q in questions]


def _vector(text: str, idf: dict[str, float]) -> dict[str, float]:
    counts = Counter(f for f in features(text) if f in idf)
    weights = {f: (1.0 + math.log(n)) * idf[f] for f, n in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {f: w / norm for f, w in weights.items()}


_AGE_SAID = cached_compile(
    r"\b(?:i'?m|i am|im|at|aged?|turning|turned|now|in my|over|past|after) ([4-9]\d)"
    r"(?:s| years?(?: old)?| yo)?\b"
    r"|\b([4-9]\d) (?:years? old|yo|yrs? old)\b"
)
"""An age from forty up said in the question ("I'm 67, ...", "at 60"): the FAQ's questions
say "at my age", so the figure is read as those words."""


FAQ_SURE_SIMILARITY = 0.45
"""From this similarity a question no intent was found for is answered from the FAQ
rather than with a menu of two readings: it asks what an entry answers."""


def closest_faq(text: str) -> tuple[FaqEntry, float] | None:
    """The FAQ entry closest to ``text`` and its similarity, whatever its family."""
    entries = faq()
    idf, vectors = _index()
    query = _vector(_AGE_SAID.sub(" at my age older ", text.lower()), idf)
    scored = [
        (sum(w * vector.get(f, 0.0) for f, w in query.items()), index) for index, vector in vectors
    ]
    if not scored:
        return None
    score, index = max(scored)
    return entries[index], score


def find_faq(text: str, intent: str | None = None) -> FaqEntry | None:
    """The FAQ entry closest to ``text`` (preferring ``intent``'s entries), if close enough."""
    entries = faq()
    own = [entry for entry in entries if intent is not None and entry.intent == intent]
    if len(own) == 1:
        # An intent with one entry of its own ("missed 2 wks, is that bad?") is that answer.
        return own[0]
    idf, vectors = _index()
    query = _vector(_AGE_SAID.sub(" at my age older ", text.lower()), idf)
    best: tuple[float, int] | None = None
    for index, vector in vectors:
        score = sum(w * vector.get(f, 0.0) for f, w in query.items())
        if intent is not None and entries[index].intent == intent:
            score *= 1.25  # the classifier already said which family it is
        if best is None or score > best[0]:
            best = (score, index)
    if best is None or best[0] < FAQ_MIN_SIMILARITY:
        return None
    return entries[best[1]]


_HOW_TO = cached_compile(
    r"(?:how (?:do|should|can|would) (?:i|you|we|one) (?:properly |correctly )?"
    r"(?:do|perform|execute|set up for|start)|how to (?:do |perform )?|form (?:on|for|in)|"
    r"cues? (?:for|on)|technique (?:for|on|in)|tips (?:for|on)|teach me|show me|explain|"
    r"what (?:muscles?|does) (?:does |do |is |are )?|walk me through)\s+"
    r"(?:a |an |the |my |proper |correct |good )*(.+?)"
    r"(?:\s+(?:properly|correctly|right|work|hit|train|target|form|technique|pls|please))*\s*[?.!]*$"
)


_NOT_YET_ONE = cached_compile(
    r"\b(?:can'?t|cannot|can not|unable to|never managed to) (?:do|manage|get) "
    r"(?:a single|one single|even one|one|my first|a full) ([a-z][a-z -]{1,30}?)"
    r"(?:\s+(?:yet|still|ever|at all|rep))*(?=[,.?!]|\s+(?:what|how|any|and|so|but|help)\b|$)"
)
"""The exercise someone cannot do one of yet: "I can't do a single pull-up, what now?"."""


def how_to_phrase(text: str) -> str | None:
    """The exercise a "how do I do X" question names, as written."""
    normal = " ".join(text.lower().replace("’", "'").split())
    found = _HOW_TO.search(normal) or _NOT_YET_ONE.search(normal)
    return found.group(1).strip(" '\"") if found else None


_FUNCTION_WORDS = frozenset(
    "a an the it its this that them do did done does doing i me my you your we our to of "
    "in on at for and or but so is was are were be been it's log".split()
)


def word_runs(text: str) -> list[str]:
    """Runs of up to three words, longest first.

    A run of function words alone ("it", "do it") names nothing, however close the catalog
    finds it to a name.
    """
    words = re.findall(r"[a-z][a-z'-]*", text.lower())
    runs = [words[i : i + n] for n in (3, 2, 1) for i in range(len(words) - n + 1)]
    return [" ".join(run) for run in runs if not set(run) <= _FUNCTION_WORDS]


def named_exercise(text: str) -> Exercise | None:
    """The catalog exercise ``text`` names (a "how do I do X" phrase first), if any."""
    try:
        from agent.planning.catalog import load_catalog, resolve_exercise
    except ImportError:  # the catalog is optional for the model
        return None
    phrase = how_to_phrase(text)
    candidates = [phrase] if phrase and not set(phrase.split()) <= _FUNCTION_WORDS else []
    candidates += word_runs(text)
    for candidate in candidates:
        resolution = resolve_exercise(candidate)
        if not resolution.matches or resolution.matches[0].score < HOW_TO_MIN_SCORE:
            continue
        exercise = load_catalog().find(resolution.matches[0].id)
        if exercise is not None:
            return exercise
    return None


def explain_exercise(text: str) -> dict[str, Any] | None:
    """Cues, muscles and the easier and harder versions of the exercise ``text`` asks about."""
    exercise = named_exercise(text)
    if exercise is None:
        return None
    from agent.planning.catalog import load_catalog

    catalog = load_catalog()
    easier = catalog.find(exercise.regression) if exercise.regression else None
    harder = catalog.find(exercise.progression) if exercise.progression else None
    return {
        "name": exercise.name,
        "cues": list(exercise.cues),
        "muscles": [m.replace("_", " ") for m in exercise.primary_muscles],
        "helpers": [m.replace("_", " ") for m in exercise.secondary_muscles],
        "equipment": [e.replace("_", " ") for e in exercise.equipment],
        "easier": easier.name if easier else None,
        "harder": harder.name if harder else None,
    }


def variant(text: str, count: int) -> int:
    """A stable choice among ``count`` wordings, different for different messages."""
    digest = hashlib.blake2s(" ".join(text.lower().split()).encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % max(count, 1)
