"""Exercise names to catalog ids, for logging and importing history.

The catalog itself belongs to planning (``agent.planning.catalog``, pure data memory may
read); memory only needs three things from it: ids, names and aliases to match against,
and the muscles each exercise trains (for weekly sets per muscle). History keeps working
for exercises the catalog does not know (imported ones, or ones removed later): they get
``custom:`` ids and their muscles are simply unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from agent.planning.catalog import Resolution, load_catalog, normalize_area, normalize_equipment

MATCH_THRESHOLD = 86.0
"""Fuzzy score (0-100) above which a name is taken as that exercise without asking."""

SUGGEST_THRESHOLD = 55.0
"""Fuzzy score above which an exercise is offered as a close match."""

_ABBREVIATIONS = {
    "db": "dumbbell",
    "dbs": "dumbbell",
    "bb": "barbell",
    "kb": "kettlebell",
    "ohp": "overhead press",
    "rdl": "romanian deadlift",
    "bw": "bodyweight",
    "pushup": "push up",
    "pullup": "pull up",
    "chinup": "chin up",
    "situp": "sit up",
}


_EQUIPMENT_WORDS = {"barbell", "dumbbell", "kettlebell", "cable", "machine", "band", "bodyweight"}


@dataclass(frozen=True)
class ExerciseRef:
    """One catalog exercise as memory sees it."""

    id: str
    """Stable catalog id, stored in ``set_logs.exercise_id``."""
    name: str
    """Display name."""
    muscles: tuple[str, ...] = ()
    """Primary muscles; empty when unknown."""
    secondary: tuple[str, ...] = ()
    """Secondary muscles (count half a set each)."""
    aliases: tuple[str, ...] = ()
    """Other names people use for it."""


def normalise(name: str) -> str:
    """A name reduced for matching: lower case, no punctuation, plurals and abbreviations.

    ``"Bench Press (Barbell)"`` and ``"barbell bench press"`` normalise alike, which is how
    Strong and Hevy write equipment after the movement.
    """
    text = name.lower().strip()
    # "Bench Press (Barbell)" -> "barbell bench press"
    paren = re.search(r"\(([^)]*)\)", text)
    if paren:
        text = f"{paren.group(1)} {text[: paren.start()]}{text[paren.end() :]}"
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    out: list[str] = []
    for word in words:
        word = _ABBREVIATIONS.get(word, word)
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return " ".join(" ".join(out).split())


def slug(name: str) -> str:
    """An id for an exercise the catalog does not know: ``custom:<normalised-name>``."""
    return "custom:" + (normalise(name).replace(" ", "_") or "unnamed")


@dataclass
class ExerciseIndex:
    """Fuzzy lookup over a set of exercises (names and aliases).

    With a ``resolver`` (the planning catalog's own ``resolve``), names are resolved the
    way planning and the offline model resolve them, ambiguity rules included; without
    one, this index's own normalisation and fuzzy match are used.
    """

    entries: list[ExerciseRef] = field(default_factory=list)
    resolver: Callable[[str], Resolution] | None = None

    def __post_init__(self) -> None:
        self._by_id = {e.id: e for e in self.entries}
        self._keys: dict[str, ExerciseRef] = {}
        for entry in self.entries:
            for label in (entry.name, entry.id.replace("_", " "), *entry.aliases):
                self._keys.setdefault(normalise(label), entry)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def get(self, exercise_id: str) -> ExerciseRef | None:
        """The exercise with this id, if the catalog has it."""
        return self._by_id.get(exercise_id)

    def resolve(self, name: str) -> ExerciseRef | None:
        """The exercise ``name`` refers to (id, name or alias, fuzzily), or None."""
        if name in self._by_id:
            return self._by_id[name]
        if self.resolver is not None:
            found = self.resolver(name).exercise_id
            return self._by_id.get(found) if found else None
        key = normalise(name)
        if key in self._keys:
            return self._keys[key]
        # "Romanian Deadlift (Barbell)": apps name the equipment the catalog leaves implicit.
        bare = " ".join(w for w in key.split() if w not in _EQUIPMENT_WORDS)
        if bare and bare in self._keys:
            return self._keys[bare]
        if not self._keys or not key:
            return None
        from rapidfuzz import fuzz, process  # imported when a name needs it, not by every start

        best = process.extractOne(key, list(self._keys), scorer=fuzz.token_sort_ratio)
        if best is None or best[1] < MATCH_THRESHOLD:
            return None
        return self._keys[best[0]]

    def suggestions(self, name: str, limit: int = 3) -> list[str]:
        """Display names of the closest exercises, best first (for "did you mean")."""
        if self.resolver is not None:
            matches = self.resolver(name).matches
            ranked = [m.name for m in matches if m.score >= SUGGEST_THRESHOLD]
            return list(dict.fromkeys(ranked))[:limit]
        key = normalise(name)
        if not key or not self._keys:
            return []
        from rapidfuzz import fuzz, process

        found = process.extract(key, list(self._keys), scorer=fuzz.WRatio, limit=limit * 3)
        names: list[str] = []
        for label, score, _ in found:
            entry = self._keys[label]
            if score >= SUGGEST_THRESHOLD and entry.name not in names:
                names.append(entry.name)
        return names[:limit]


@lru_cache(maxsize=1)
def default_index() -> ExerciseIndex:
    """The planning catalog as an index, resolving names the way planning does.

    The catalog is static data shipped with the package, so one cached copy per process
    is safe.
    """
    catalog = load_catalog()
    refs = [
        ExerciseRef(
            e.id,
            e.name,
            tuple(e.primary_muscles),
            tuple(m for m in e.secondary_muscles if m not in e.primary_muscles),
            tuple(e.aliases),
        )
        for e in catalog.exercises
    ]
    return ExerciseIndex(refs, catalog.resolve)


def equipment_words(text: str) -> list[str]:
    """The catalog's vocabulary words for a piece of equipment ("a kettlebell" -> kettlebell).

    Empty when the catalog does not know the phrase.
    """
    return [str(w) for w in normalize_equipment(text)]


def body_area(text: str) -> str | None:
    """The catalog's constraint area for a body-part phrase ("knees" -> knee), or None."""
    found = normalize_area(text)
    return str(found) if found else None
