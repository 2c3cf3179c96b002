"""The exercise catalog: loading, lookup, fuzzy name resolution and the shared vocabulary.

The data lives in ``agent/planning/data/*.yaml`` (written for this project); this module
turns it into immutable models, cached once per process. Other packages use it through
:func:`load_catalog`, :meth:`Catalog.resolve`, :func:`normalize_equipment`,
:func:`normalize_area` and :func:`constraint_tags`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache, cached_property, lru_cache
from importlib import resources
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from agent.datafiles import parse_yaml

Pattern = Literal[
    "squat",
    "hinge",
    "lunge",
    "horizontal_push",
    "vertical_push",
    "horizontal_pull",
    "vertical_pull",
    "carry",
    "core",
    "conditioning",
    "mobility",
    "balance",
]
Level = Literal["beginner", "intermediate", "advanced"]
LEVELS: tuple[Level, ...] = ("beginner", "intermediate", "advanced")

MATCH_THRESHOLD = 85.0
"""Fuzzy score (0-100) from which a name is taken without a clarifying question."""

AMBIGUITY_MARGIN = 3.0
"""A best match this close to a different exercise's score is ambiguous: ask instead."""

SUBSET_BASE = 75.0
SUBSET_SPAN = 20.0
"""When every word of a name appears in the query ("plank hold" -> plank), the score is
``SUBSET_BASE + SUBSET_SPAN * share of the query the name covers``."""

POSITION_TAGS = frozenset({"supine", "prone", "fall_risk"})
"""Tags that describe body position or balance demand rather than joint stress. They
exclude exercises for some people (pregnancy, older adults) but do not make an exercise
less preferred for everyone else, so the planner's tie-breaks ignore them."""

SUGGEST_THRESHOLD = 60.0
"""Matches scoring at least this are offered as suggestions."""


_SCORERS: tuple[tuple[str, float], ...] = (
    ("ratio", 1.0),
    ("token_sort_ratio", 1.0),
    ("partial_ratio", 0.8),
)
"""rapidfuzz's scorers (by name: the library is imported when a name is first ranked,
not by every command that reads the catalog) and their weights."""


class Exercise(BaseModel):
    """One catalog exercise. Immutable; ``primary_muscles[0]`` is the main muscle."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(description="Stable id, stored in logs.")
    name: str = Field(description="Display name.")
    aliases: tuple[str, ...] = Field(default=(), description="Other names people use.")
    pattern: Pattern = Field(description="Movement pattern.")
    mechanic: Literal["compound", "isolation"] = Field(
        default="compound", description="Multi-joint or single-joint."
    )
    primary_muscles: tuple[str, ...] = Field(description="Main muscles, the first is the main one.")
    secondary_muscles: tuple[str, ...] = Field(default=(), description="Helping muscles.")
    equipment: tuple[str, ...] = Field(description="Equipment vocabulary words, all needed.")
    level: Level = Field(description="beginner | intermediate | advanced.")
    tags: tuple[str, ...] = Field(default=(), description="Joint-stress tags.")
    cues: tuple[str, ...] = Field(description="Two or three short coaching cues.")
    regression: str | None = Field(default=None, description="Easier ladder rung.")
    progression: str | None = Field(default=None, description="Harder ladder rung.")
    unilateral: bool = Field(default=False, description="One side at a time; reps per side.")
    sec_per_rep: float = Field(default=3.0, description="Seconds per rep in the time model.")
    unit: Literal["reps", "seconds"] = Field(default="reps", description="How a set is dosed.")
    seconds: tuple[int, int] | None = Field(default=None, description="Work seconds per set.")
    intensity: Literal["low", "moderate", "vigorous"] = Field(
        default="moderate", description="Effort class for conditioning and mobility."
    )
    prefer: int = Field(default=0, description="Tie-break bonus when the planner picks.")

    @property
    def main_muscle(self) -> str:
        """The muscle a swap must keep."""
        return self.primary_muscles[0]

    @property
    def level_rank(self) -> int:
        """0 beginner, 1 intermediate, 2 advanced."""
        return LEVELS.index(self.level)

    @property
    def stress_tags(self) -> tuple[str, ...]:
        """Joint-stress tags only (without body-position tags such as ``supine``)."""
        return tuple(t for t in self.tags if t not in POSITION_TAGS)

    @property
    def is_bodyweight(self) -> bool:
        """True when the exercise needs no equipment at all."""
        return self.equipment == ("bodyweight",)


class Vocabulary(BaseModel):
    """Shared words: patterns, muscles, equipment, tags, constraint areas and their synonyms."""

    model_config = ConfigDict(frozen=True)

    patterns: dict[str, str]
    lower_patterns: tuple[str, ...]
    push_patterns: tuple[str, ...]
    pull_patterns: tuple[str, ...]
    strength_patterns: tuple[str, ...]
    levels: tuple[str, ...]
    muscles: tuple[str, ...]
    equipment: dict[str, str]
    profiles: dict[str, tuple[str, ...]]
    equipment_synonyms: dict[str, tuple[str, ...]]
    equipment_fillers: tuple[str, ...]
    tags: dict[str, str]
    tag_labels: dict[str, str]
    constraint_tags: dict[str, tuple[str, ...]]
    area_synonyms: dict[str, str]
    name_abbreviations: dict[str, str]


RANKINGS_KEPT = 1024
"""Typed names whose ranking a catalog keeps (then it starts again)."""


class Match(BaseModel):
    """One candidate for a typed exercise name."""

    id: str = Field(description="Exercise id.")
    name: str = Field(description="Exercise name.")
    score: float = Field(description="Similarity 0-100.")


class Resolution(BaseModel):
    """The result of resolving a typed name against names and aliases."""

    query: str = Field(description="What was typed.")
    exercise_id: str | None = Field(description="The confident match, if any.")
    name: str | None = Field(description="Its display name.")
    score: float = Field(description="Best similarity 0-100.")
    confident: bool = Field(description="True when the best match is clear enough to use.")
    matches: list[Match] = Field(description="Best candidates, best first.")


def _read_yaml(name: str) -> Any:
    text = resources.files("agent.planning").joinpath("data", name).read_text(encoding="utf-8")
    return parse_yaml(text)


def _words(text: str) -> list[str]:
    lowered = text.lower().replace("&", " and ").replace("'", "").replace("’", "")
    return [w for w in re.split(r"[^a-z0-9]+", lowered) if w]


def _singular(word: str) -> str:
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class _NameIndex(NamedTuple):
    """Every name and alias of the catalog, normalised, with the exercise each names."""

    choices: list[str]
    """Normalised names and aliases, in catalog order (what fuzzy matching scores)."""
    choice_ids: list[str]
    """The exercise id of each of :attr:`choices`."""
    exact: dict[str, str]
    """Normalised name -> the first exercise it names."""
    tokens: list[tuple[frozenset[str], str, int]]
    """Each choice's words, exercise id and length (for names typed with extra words)."""


class Catalog:
    """Every exercise, indexed by id and pattern, plus the vocabulary that describes them."""

    def __init__(self, exercises: Sequence[Exercise], vocabulary: Vocabulary) -> None:
        self.exercises: tuple[Exercise, ...] = tuple(sorted(exercises, key=lambda e: e.id))
        self.vocabulary = vocabulary
        self._by_id = {e.id: e for e in self.exercises}
        # Plain lookups the planner makes thousands of times per session.
        self.ranks = {e.id: e.level_rank for e in self.exercises}
        self.needs = {e.id: frozenset(e.equipment) for e in self.exercises}
        self.tag_sets = {e.id: frozenset(e.tags) for e in self.exercises}
        if len(self._by_id) != len(self.exercises):
            raise ValueError("duplicate exercise ids in the catalog")
        by_pattern: dict[str, list[Exercise]] = {p: [] for p in vocabulary.patterns}
        for exercise in self.exercises:
            by_pattern[exercise.pattern].append(exercise)
        self._by_pattern = {p: tuple(items) for p, items in by_pattern.items()}
        self._ranked_by_key: dict[str, tuple[Match, ...]] = {}

    # The name indexes are built on first use: normalising every name and alias (about a
    # thousand) was a few milliseconds of every start, and a plan chosen by movement
    # pattern never looks a name up. Two threads may both build one; they build the same.
    @cached_property
    def _name_keys(self) -> dict[str, str]:
        return {e.id: self.normalize_name(e.name) for e in self.exercises}

    @cached_property
    def _names(self) -> _NameIndex:
        choices: list[str] = []
        choice_ids: list[str] = []
        exact: dict[str, str] = {}
        for exercise in self.exercises:
            for label in (exercise.name, *exercise.aliases):
                key = self.normalize_name(label)
                choices.append(key)
                choice_ids.append(exercise.id)
                exact.setdefault(key, exercise.id)
        tokens = [
            (frozenset(choice.split()), eid, len(choice))
            for choice, eid in zip(choices, choice_ids, strict=True)
        ]
        return _NameIndex(choices, choice_ids, exact, tokens)

    # -- lookup -------------------------------------------------------------------------
    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def __len__(self) -> int:
        return len(self.exercises)

    def get(self, exercise_id: str) -> Exercise:
        """The exercise with this id.

        Raises:
            KeyError: No exercise has that id.
        """
        try:
            return self._by_id[exercise_id]
        except KeyError:
            raise KeyError(f"no exercise with id {exercise_id!r}") from None

    def find(self, exercise_id: str) -> Exercise | None:
        """The exercise with this id, or None."""
        return self._by_id.get(exercise_id)

    def by_pattern(self, pattern: str) -> tuple[Exercise, ...]:
        """Exercises of one movement pattern, sorted by id."""
        return self._by_pattern.get(pattern, ())

    # -- names ---------------------------------------------------------------------------
    def normalize_name(self, text: str) -> str:
        """A name reduced for matching: lower case, no punctuation, singular, no shorthand."""
        abbreviations = self.vocabulary.name_abbreviations
        out: list[str] = []
        for word in _words(text):
            if word in abbreviations:
                out.append(abbreviations[word])
                continue
            single = _singular(word)
            out.append(abbreviations.get(single, single))
        return " ".join(out)

    def name_key(self, exercise_id: str) -> str:
        """The exercise's name as :meth:`normalize_name` reduces it (computed once)."""
        return self._name_keys[exercise_id]

    def resolve(self, text: str, *, threshold: float = MATCH_THRESHOLD) -> Resolution:
        """Match a typed exercise name (or id) against every name and alias.

        Exact matches after normalisation ("pushups" -> "push up", "db row" -> "dumbbell
        row", "goblet squats" -> "goblet squat") score 100. Otherwise the best fuzzy
        score is used; it is confident only when it reaches ``threshold`` and no other
        exercise scores within :data:`AMBIGUITY_MARGIN` of it.
        """
        if text in self._by_id:
            exercise = self._by_id[text]
            best = Match(id=exercise.id, name=exercise.name, score=100.0)
            return Resolution(
                query=text,
                exercise_id=exercise.id,
                name=exercise.name,
                score=100.0,
                confident=True,
                matches=[best],
            )
        key = self.normalize_name(text)
        matches = list(self._ranked_once(key))
        exact = self._names.exact.get(key)
        if exact is not None:
            exercise = self._by_id[exact]
            rest = [m for m in matches if m.id != exact]
            matches = [Match(id=exact, name=exercise.name, score=100.0), *rest]
        if not matches:
            return Resolution(
                query=text, exercise_id=None, name=None, score=0.0, confident=False, matches=[]
            )
        top = matches[0]
        runner_up = matches[1].score if len(matches) > 1 else 0.0
        confident = top.score >= 100.0 or (
            top.score >= threshold and top.score - runner_up >= AMBIGUITY_MARGIN
        )
        return Resolution(
            query=text,
            exercise_id=top.id if confident else None,
            name=top.name if confident else None,
            score=top.score,
            confident=confident,
            matches=matches[:5],
        )

    def _ranked_once(self, key: str) -> tuple[Match, ...]:
        # Scoring a name against every name and alias costs about a millisecond, and a
        # turn that names an exercise resolves it more than once (the model, the tool,
        # the answer), so each name's ranking is kept (the catalog never changes).
        found = self._ranked_by_key.get(key)
        if found is None:
            if len(self._ranked_by_key) >= RANKINGS_KEPT:
                self._ranked_by_key.clear()
            found = self._ranked_by_key[key] = tuple(self._ranked(key))
        return found

    def _ranked(self, key: str) -> list[Match]:
        if not key:
            return []
        # Several scorers, each weighted: whole-string similarity catches typos, the token
        # set catches extra words ("plank hold"), and a damped partial score catches a name
        # typed inside a longer one, without letting "squat" match every squat at 90.
        from rapidfuzz import fuzz, process

        best: dict[str, float] = {}
        for scorer, weight in _SCORERS:
            found = process.extract(
                key,
                self._names.choices,
                scorer=getattr(fuzz, scorer),
                limit=None,
                score_cutoff=SUGGEST_THRESHOLD / weight,
            )
            for _choice, score, index in found:
                exercise_id = self._names.choice_ids[index]
                weighted = float(score) * weight
                if weighted > best.get(exercise_id, -1.0):
                    best[exercise_id] = weighted
        # Every word of a name typed plus extra words ("plank hold") is a strong hint; the
        # reverse (a short query inside a long name) is left to the damped partial score.
        words = set(key.split())
        for tokens, exercise_id, length in self._names.tokens:
            if tokens <= words:
                score = SUBSET_BASE + SUBSET_SPAN * length / len(key)
                if score > best.get(exercise_id, -1.0):
                    best[exercise_id] = score
        ordered = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [
            Match(id=eid, name=self._by_id[eid].name, score=round(score, 1))
            for eid, score in ordered
            if score >= SUGGEST_THRESHOLD
        ]

    # -- selection helpers ----------------------------------------------------------------
    @staticmethod
    def available(exercise: Exercise, equipment: Iterable[str]) -> bool:
        """True when every piece of equipment the exercise needs is at hand."""
        have = set(equipment) | {"bodyweight"}
        return all(item in have for item in exercise.equipment)

    @staticmethod
    def allowed(exercise: Exercise, excluded_tags: Iterable[str]) -> bool:
        """True when the exercise carries none of the excluded joint-stress tags."""
        return set(exercise.tags).isdisjoint(excluded_tags)

    def candidates(
        self,
        pattern: str,
        equipment: frozenset[str],
        excluded_tags: frozenset[str],
        max_level: int = 2,
    ) -> tuple[Exercise, ...]:
        """Exercises of ``pattern`` that the equipment, tags and level allow (cached)."""
        return _candidates(self, pattern, equipment, excluded_tags, max_level)

    def ladder(self, exercise_id: str, direction: Literal["up", "down"]) -> list[Exercise]:
        """The rungs above (``up``) or below (``down``) an exercise, nearest first."""
        out: list[Exercise] = []
        seen = {exercise_id}
        current = self.find(exercise_id)
        while current is not None:
            nxt = current.progression if direction == "up" else current.regression
            if nxt is None or nxt in seen:
                break
            seen.add(nxt)
            current = self.find(nxt)
            if current is not None:
                out.append(current)
        return out


@lru_cache(maxsize=4096)
def _candidates(
    catalog: Catalog,
    pattern: str,
    equipment: frozenset[str],
    excluded_tags: frozenset[str],
    max_level: int,
) -> tuple[Exercise, ...]:
    have = equipment | {"bodyweight"}
    return tuple(
        e
        for e in catalog.by_pattern(pattern)
        if catalog.ranks[e.id] <= max_level
        and catalog.needs[e.id] <= have
        and catalog.tag_sets[e.id].isdisjoint(excluded_tags)
    )


def _vocabulary(raw: dict[str, Any]) -> Vocabulary:
    return Vocabulary(
        patterns=raw["patterns"],
        lower_patterns=tuple(raw["lower_patterns"]),
        push_patterns=tuple(raw["push_patterns"]),
        pull_patterns=tuple(raw["pull_patterns"]),
        strength_patterns=tuple(raw["strength_patterns"]),
        levels=tuple(raw["levels"]),
        muscles=tuple(raw["muscles"]),
        equipment=raw["equipment"],
        profiles={k: tuple(v) for k, v in raw["profiles"].items()},
        equipment_synonyms={str(k): tuple(v) for k, v in raw["equipment_synonyms"].items()},
        equipment_fillers=tuple(raw["equipment_fillers"]),
        tags=raw["tags"],
        tag_labels=raw["tag_labels"],
        constraint_tags={k: tuple(v) for k, v in raw["constraint_tags"].items()},
        area_synonyms={str(k): str(v) for k, v in raw["area_synonyms"].items()},
        name_abbreviations={str(k): str(v) for k, v in raw["name_abbreviations"].items()},
    )


@cache
def load_catalog() -> Catalog:
    """The packaged catalog, parsed and validated once per process."""
    vocabulary = _vocabulary(_read_yaml("vocabulary.yaml"))
    raw = _read_yaml("exercises.yaml")["exercises"]
    exercises = [Exercise.model_validate(item) for item in raw]
    return Catalog(exercises, vocabulary)


load = load_catalog
"""Alias used by neighbours that look the loader up by name."""


def resolve_exercise(text: str, *, threshold: float = MATCH_THRESHOLD) -> Resolution:
    """Resolve a typed exercise name against the packaged catalog."""
    return load_catalog().resolve(text, threshold=threshold)


# -- equipment ----------------------------------------------------------------------------
def _equipment_key(text: str, fillers: Iterable[str]) -> str:
    drop = set(fillers)
    return " ".join(w for w in _words(text.replace("-", " ")) if w not in drop)


def normalize_equipment(text: str) -> list[str]:
    """Vocabulary words for one piece of equipment as people say it.

    "DBs", "a pair of dumbbells" -> ["dumbbells"]; "resistance band" -> ["bands"];
    "nothing" -> ["bodyweight"]; a profile name ("barbell", "machines") or "gym" expands
    to its list. Unknown words give an empty list.
    """
    vocab = load_catalog().vocabulary
    return _lookup_equipment(text, vocab)


def _lookup_equipment(text: str, vocab: Vocabulary) -> list[str]:
    raw = " ".join(_words(text.replace("-", " ")))
    for key in (raw, _equipment_key(text, vocab.equipment_fillers)):
        if not key:
            continue
        for candidate in (key, key.replace(" ", "_"), _singular_phrase(key)):
            if candidate in vocab.equipment:
                return [candidate]
            if candidate in vocab.equipment_synonyms:
                return list(vocab.equipment_synonyms[candidate])
            if candidate in vocab.profiles and candidate != "bodyweight":
                return [w for w in vocab.profiles[candidate] if w != "bodyweight"] or [candidate]
    return []


def _singular_phrase(key: str) -> str:
    return " ".join(_singular(w) for w in key.split())


def parse_equipment(items: Iterable[str]) -> list[str]:
    """Normalise a list of equipment phrases; the result is sorted and always has bodyweight.

    Raises:
        ValueError: Some phrase is not known; the message lists the vocabulary.
    """
    vocab = load_catalog().vocabulary
    found: set[str] = {"bodyweight"}
    unknown: list[str] = []
    for item in items:
        if not item.strip():
            continue
        words = _lookup_equipment(item, vocab)
        if not words:
            unknown.append(item.strip())
        found.update(words)
    if unknown:
        known = ", ".join(vocab.equipment)
        raise ValueError(f"unknown equipment {', '.join(map(repr, unknown))}; known: {known}")
    return sorted(found)


def equipment_profile(name: str) -> list[str]:
    """The equipment list of a named profile (bodyweight, bands, dumbbells, ...).

    Raises:
        KeyError: No profile has that name.
    """
    profiles = load_catalog().vocabulary.profiles
    if name not in profiles:
        raise KeyError(f"unknown equipment profile {name!r}; known: {', '.join(profiles)}")
    return list(profiles[name])


# -- constraint areas ---------------------------------------------------------------------
def normalize_area(text: str) -> str | None:
    """A constraint area (knee, shoulder, lower_back, ...) for a body-part phrase, or None."""
    vocab = load_catalog().vocabulary
    key = " ".join(_words(text))
    if key.replace(" ", "_") in vocab.constraint_tags:
        return key.replace(" ", "_")
    if key in vocab.area_synonyms:
        return vocab.area_synonyms[key]
    single = _singular_phrase(key)
    if single in vocab.constraint_tags:
        return single
    return vocab.area_synonyms.get(single)


def describe_tags(tags: Iterable[str]) -> str:
    """Tags in plain words: "deep knee bends, jumping and impact"."""
    labels = load_catalog().vocabulary.tag_labels
    return ", ".join(labels.get(t, t.replace("_", " ")) for t in tags)


def constraint_tags(areas: Iterable[str]) -> list[str]:
    """The joint-stress tags to avoid for these constraint areas, sorted.

    Raises:
        ValueError: An area is not known.
    """
    table = load_catalog().vocabulary.constraint_tags
    tags: set[str] = set()
    for area in areas:
        if area not in table:
            raise ValueError(f"unknown constraint area {area!r}; known: {', '.join(table)}")
        tags.update(table[area])
    return sorted(tags)
