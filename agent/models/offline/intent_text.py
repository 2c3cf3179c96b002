"""The spelling the intent classifier reads: one normalisation for training and run time.

People write "wat r u doin 2day", "60kg x8" or "make it more easy"; the classifier learns
from a corpus in six voices and is judged on a voice it never saw. So before features are
taken, a message is folded to a plain spelling, the same way when the corpus is trained
(``intent_build.py``) and when a message arrives (``classifier.py``):

- slang, abbreviations and text-speak become words (``data/lexicon.yaml``: ``spellings``);
- set notation, loads and durations become placeholders, so "225 for 3", "60kg x8" and
  "3x12 with 10s" share features whatever the numbers and units;
- phrases that say the same thing in other words become one wording
  (``intent_phrases``: "more easy", "less demanding" -> "easier");
- number words become digits, as the precise rules read them ("four sets of twelve");
- polite wrappers become "please" ("I should be grateful if you could", "would you
  kindly") and formal modal verbs their everyday form ("ought to", "shall I");
- what kind of sentence it is becomes a tag too: ``zasks`` for a question (a "?" or a
  question word first), else ``ztells``; ``zwants`` for a request ("can you", "please",
  "I'd like"), so "legs sore" and "is it normal my legs are sore?" part on more than words;
  ``zchoice`` for a choice between two things ("machines or free weights?"); ``zdo`` for
  a sentence that opens with a verb of doing ("swap the burpees", "cut it to 20 min");
- concept tags name what the message is about (``zexercise``, ``zfood``, ...), and a
  message with no word of the coach's domain at all is tagged ``zunrelated``; one whose
  closing question has none, after a scene set in other sentences, ``zaskoff``; a
  lexicon word meets its inflections too ("reduce": "reduced", "reducing");
- the slang "-in" for "-ing" gets its g back ("feelin", "skippin'"), "max" beside a time
  or a count of days is a cap ("20 min max"), and a unit named without an amount
  ("kg not lbs") reads as ``units``;
- the ruled-out half of a contrast is dropped ("not my best, just what I did last time"
  reads as "just what I did last time");
- in a message of several sentences the question (or, with none, the last sentence) is
  read twice: a story ends in what it asks ("...so my legs were dead. Should I not
  combine those?"), and the story's own words should not outvote the request.

The precise slot parsers still read the original message; this only feeds the classifier.

>>> folded("wat r u doin 2day"), tags("wat r u doin 2day")
('what are you doin today', ['znow', 'zunrelated', 'zasks'])
>>> folded("rows 60kg x8, x8"), tags("rows 60kg x8, x8")
('rows 0 kg x 0 reps , x 0 reps', ['zfit', 'zexercise', 'ztells'])

The classifier reads the folded text followed by each tag's code (:func:`prepare`).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from agent import derived
from agent.models.offline.slots import DATA_DIR, lexicon, normalize
from agent.planning.catalog import load_catalog
from agent.regexes import cached_compile

_TOKEN = cached_compile(r"[a-z0-9']+")
_SENTENCE_END = cached_compile(r"(?<=[.!?])\s+")
_QUESTION_FIRST = cached_compile(
    r"^\W*(?:what|whats|how|why|when|where|which|who|is|are|am|do|does|did|can|could|"
    r"should|shall|will|would|may|might|must)\b"
)
_REQUEST = cached_compile(
    r"\b(?:please|can you|could you|would you|will you|i want|i'?d like|i would like|"
    r"(?:i )?need (?:a|an|some)|i need|give me|make (?:it|me|the|my)|let'?s|i wish|kindly)\b"
)

_COMMAND = cached_compile(
    r"^\W*(?:please |pls |just |ok |so )?(?:give|make|show|swap|switch|change|cut|add|drop|"
    r"take|put|tell|let|plan|set|update|remove|skip|log|record|note|shorten|lower|raise|"
    r"increase|reduce)\b"
)
"""A sentence that opens with a verb of doing ("swap the burpees", "cut today to 20 min"):
a request put as a command, which :data:`_REQUEST`'s politer wordings miss."""

_CONTRAST = cached_compile(
    r"\b(?:not (?:asking (?:about|for) )?(?:only )?(?:my|the|about|wat|what)|rather than|"
    r"setting [a-z ]{1,20} aside)\b[^,.;!?]{0,60}?(?=,|\bjust\b|\bi mean\b|\bbut\b)",
    re.IGNORECASE,
)
"""The part of a contrast that names what is NOT asked ("not my best, just what I did",
"rather than my personal best, ..."): its words would argue for the intent ruled out."""

_DOMAIN_TAGS = frozenset(
    {"zfit", "zexercise", "zequipment", "zbody", "zfood", "zmedicine", "zdiagnosis", "zsleep"}
)
"""Concept tags that place a message in the coach's domain; with none, it is tagged
``zunrelated`` (see ``zfit`` in the lexicon)."""

_CHOICE = cached_compile(
    r"\b(?:vs|versus|better|difference between|compared to|"
    r"or(?! (?:nah|not|no|something|anything|so|what|whatever)\b))\b"
)
"""A choice between two things ("machines or free weights?", "HIIT vs steady state"): how
general training and food questions are often put, and requests rarely are. "or nah" and
"or something" are no choice."""

_PLACEHOLDERS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Sets by reps ("3x12", "3 x 12", "4 sets of 6"): the shape of a logged set.
    (cached_compile(r"\b\d+\s*[x×*]\s*\d+\b"), " 0 sets of 0 reps "),
    (cached_compile(r"\b\d+\s+(?:sets?|series)\s+of\s+\d+\b"), " 0 sets of 0 reps "),
    # Kit left behind, whatever it is ("I've left my resistance bands at home"): the
    # lexicon's "left at home" names it only when nothing stands between the words.
    (
        cached_compile(
            r"\b(?:left|forgot|forgotten) (?:my|the|our) ([a-z' -]{1,30}?) (?:at home|behind)\b"
        ),
        r" left at home \1 ",
    ),
    # "Series" for sets, a calque from several European languages ("3 series of 15",
    # "less series"); a television series is no set.
    (cached_compile(r"(?<!tv )(?<!netflix )\bseries\b"), "sets"),
    # A rep count alone ("x8"): the rest of a "x8, x8, x7" list.
    (cached_compile(r"(?<![a-z0-9])[x×]\s*\d+\b"), " x 0 reps "),
    # Loads in any unit ("60kg", "135 lbs", "20 kilos").
    (
        cached_compile(r"\b\d+(?:[.,]\d+)?\s*(?:kgs?|kilos?|kilograms?|lbs?|pounds?)\b"),
        " 0 kg ",
    ),
    # Durations ("10 min", "45mins", "1hr", "2 hours").
    (
        cached_compile(r"\b\d+(?:[.,]\d+)?\s*(?:m|mins?|minutes?)\b"),
        " 0 minutes ",
    ),
    # Hours stay hours: "slept 5 hours" is sleep, not a session length.
    (cached_compile(r"\b\d+(?:[.,]\d+)?\s*(?:hrs?|hours?|h)\b"), " 0 hours "),
    # "Max" beside an amount of time or days is a cap ("20 min max", "3 days max",
    # "max 2 sessions"), not a personal best.
    (
        cached_compile(
            r"\b(0 (?:minutes|hours)|\d+ (?:days?|sessions?|times?|workouts?))\s+max(?:imum)?\b"
        ),
        r" \1 at most ",
    ),
    (
        cached_compile(r"\bmax(?:imum)?(?: of)?\s+(?=0 (?:minutes|hours)|\d+ (?:days?|sessions?))"),
        " at most ",
    ),
    # A unit named without an amount ("kg not lbs", "switch me to pounds") is about the
    # units the person counts in; an amount with its unit became "0 kg" above.
    (
        cached_compile(r"(?<![0-9] )\b(?:kgs?|kilos?|kilograms?|lbs?|pounds?)\b"),
        " units ",
    ),
)


@cache
def _spellings() -> dict[str, str]:
    table: dict[str, str] = lexicon().get("spellings", {})
    return {str(word).lower(): str(meant).lower() for word, meant in table.items()}


@cache
def _phrases() -> list[tuple[re.Pattern[str], str]]:
    """``intent_phrases``: several wordings of one meaning, longest phrase first."""
    table: dict[str, list[str]] = lexicon().get("intent_phrases", {})
    rules: list[tuple[re.Pattern[str], str]] = []
    for meant, phrases in table.items():
        for phrase in phrases:
            spelled = respelled(normalize(str(phrase)))
            rules.append((cached_compile(rf"\b{re.escape(spelled)}\b"), str(meant)))
    rules.sort(key=lambda rule: -len(rule[0].pattern))
    return rules


_CONCEPT_INPUTS: tuple[Traversable, ...] = (
    DATA_DIR / "lexicon.yaml",
    resources.files("agent.planning") / "data" / "exercises.yaml",
    resources.files("agent.planning") / "data" / "vocabulary.yaml",
)
"""The data files the concept patterns are built from (the code is the package's)."""


def _concepts_key() -> str:
    digest = hashlib.sha256(derived.source_key().encode())
    for path in _CONCEPT_INPUTS:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _kept_concepts(key: str) -> tuple[tuple[str, re.Pattern[str]], ...] | None:
    """The concept patterns from the texts an earlier run built, if they are current.

    Building the texts (every lexicon phrase and catalog name respelled and inflected)
    took about 20 ms of each start; their compiled code is kept by text already
    (:func:`cached_compile`), so a hit compiles nothing either.
    """
    kept = derived.read("intent_concepts", key)
    if not isinstance(kept, list) or not all(
        isinstance(row, list) and len(row) == 2 and all(isinstance(v, str) for v in row)
        for row in kept
    ):
        return None
    return tuple((tag, cached_compile(source)) for tag, source in kept)


@cache
def _concepts() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """``intent_concepts`` (with the catalog's names, equipment and body parts added)."""
    try:
        key: str | None = _concepts_key()
    except OSError:  # a data file went missing: the lexicon's own read will say so
        key = None
    if key is not None and (kept := _kept_concepts(key)) is not None:
        return kept
    table: dict[str, list[str]] = {
        k: list(v) for k, v in lexicon().get("intent_concepts", {}).items()
    }
    catalog = load_catalog()
    table.setdefault("zexercise", []).extend(
        label for exercise in catalog.exercises for label in (exercise.name, *exercise.aliases)
    )
    table.setdefault("zequipment", []).extend(
        phrase for phrases in lexicon()["equipment"].values() for phrase in phrases
    )
    table.setdefault("zbody", []).extend(
        phrase for phrases in lexicon()["body_parts"].values() for phrase in phrases
    )
    compiled: list[tuple[str, re.Pattern[str]]] = []
    for tag, phrases in table.items():
        words = sorted({prepare_words(str(p)) for p in phrases}, key=_longest_first)
        alternation = "|".join(_inflected(w) for w in words if w)
        compiled.append((tag, cached_compile(rf"(?<![a-z0-9])(?:{alternation})(?![a-z0-9])")))
    if key is not None:
        derived.write("intent_concepts", key, [[tag, p.pattern] for tag, p in compiled])
    return tuple(compiled)


def _inflected(phrase: str) -> str:
    """``phrase`` as a pattern that also meets its last word's common endings.

    "reduce" in a list should tag "reduced" and "reducing" too, and "lower" "lowered":
    the formal and story voices inflect where the terse one does not. Words of three
    letters or fewer keep their exact form ("hi" is not "his", "ai" not "aid").
    """
    last = phrase.rsplit(" ", 1)[-1]
    if len(last) < 4 or not last.isalpha():
        return re.escape(phrase)
    stem = last[:-1] if last.endswith("e") else last
    head = phrase[: len(phrase) - len(last)]
    return re.escape(head) + rf"(?:{re.escape(last)}|{re.escape(stem)}(?:s|es|ed|d|ing))"


@cache
def _idioms() -> re.Pattern[str]:
    """Figures of speech ("a pain in the neck") that name a body part without meaning it."""
    phrases = sorted({prepare_words(str(p)) for p in lexicon()["idioms"]}, key=_longest_first)
    return cached_compile(rf"\b(?:{'|'.join(re.escape(p) for p in phrases)})\b")


def _longest_first(phrase: str) -> tuple[int, str]:
    # Ties alphabetical: the same text in every process, so the compiled pattern is kept
    # between runs (``agent.regexes``). Two phrases of one length can only both match
    # where they are the same words, so the order of ties never changes a match.
    return -len(phrase), phrase


def prepare_words(phrase: str) -> str:
    """A lexicon phrase in the form :func:`prepare` leaves words in (before tagging).

    The phrase is spelled as a message is (:func:`folded`: number words as digits,
    text-speak as words), or a phrase such as "fun one", "pb" or "see ya" would never
    meet the "fun 1", "personal best" and "see you" a message is read as.
    """
    spelled = respelled(normalize(phrase))
    return " ".join(_TOKEN.findall(spelled.replace("-", " ").replace("'", "")))


_DROPPED_G = cached_compile(r"\b([a-z]{2,}[^aeiou\W])in(?:'|\b)")
"""A word that drops the g of "-ing" ("feelin", "skippin'", "gettin"): slang spells most
present participles so, and the other voices never do."""

_NOT_DROPPED_G = cached_compile(
    r"(?:begin|within|cousin|cabin|berlin|dublin|origin|robin|muffin|vitamin|margin|basin|"
    r"raisin|violin|dolphin|pumpkin|napkin|toxin|latin|satin|resin|martin|austin|kevin|"
    r"bulletin|javelin|goblin|heroin|cumin|admin|statin|mycin|cillin|formin|tonin|sulin|"
    r"farin|pirin|oxin|tamin|plin|rosin)$"
)
"""Words that end in consonant + "in" and are words as they stand, medicines above all."""


def _restore_g(match: re.Match[str]) -> str:
    stem = match.group(1)
    return match.group(0) if _NOT_DROPPED_G.search(stem + "in") else f"{stem}ing"


def _respell(match: re.Match[str]) -> str:
    word = match.group(0)
    return _spellings().get(word.replace("'", ""), word)


def respelled(text: str) -> str:
    """``text`` with text-speak read as words ("wat r u doin" -> "what are you doin").

    The precise intent rules read this too, so "wat should i do" asks what "what should
    I do" asks.
    """
    return _TOKEN.sub(_respell, text.lower().replace("\u2019", "'"))


def _focused(text: str) -> str:
    """``text`` followed by its request sentence again, when it has several sentences."""
    sentences = [part for part in _SENTENCE_END.split(text.strip()) if part]
    if len(sentences) < 2:
        return text
    asked = [part for part in sentences if part.rstrip().endswith("?")] or sentences[-1:]
    return " ".join([text, *asked])


_MOOD_TAGS = ("zasks", "ztells", "zwants", "zdo", "zchoice")
"""The sentence-kind tags :func:`_mood` gives."""

_CODE_LETTERS = "jxzv"


def _mood(respelled_text: str) -> list[str]:
    """Tags for the kind of sentence: a question or a statement; a request or not."""
    sentences = [part for part in _SENTENCE_END.split(respelled_text.strip()) if part]
    asks = any(part.rstrip().endswith("?") or _QUESTION_FIRST.search(part) for part in sentences)
    return [
        "zasks" if asks else "ztells",
        *(["zwants"] if _REQUEST.search(respelled_text) else []),
        *(["zdo"] if any(_COMMAND.search(part) for part in sentences) else []),
        *(["zchoice"] if _CHOICE.search(respelled_text) else []),
    ]


def folded(text: str) -> str:
    """``text`` in the classifier's spelling, without the tags :func:`prepare` adds."""
    # Number words become digits first ("four sets of twelve", "half an hour"), as the
    # precise rules read them, so the formal and story voices' spelled-out numbers meet
    # the same placeholders as "4x12" and "30 min".
    folded = _DROPPED_G.sub(_restore_g, respelled(normalize(_focused(_CONTRAST.sub(" ", text)))))
    for pattern, placeholder in _PLACEHOLDERS:
        folded = pattern.sub(placeholder, folded)
    for pattern, meant in _phrases():
        folded = pattern.sub(meant, folded)
    return " ".join(folded.split())


def _words(spelled: str) -> str:
    """``spelled`` as the concept patterns read it: bare words, idioms blanked out."""
    return _idioms().sub(" ", " ".join(_TOKEN.findall(spelled.replace("-", " ").replace("'", ""))))


def _tag_names(spelled: str) -> list[str]:
    words = _words(spelled)
    found = [tag for tag, pattern in _concepts() if pattern.search(words)]
    if not _DOMAIN_TAGS.intersection(found):
        found.append("zunrelated")
    elif _asks_off_domain(spelled):
        found.append("zaskoff")
    return [*found, *_mood(spelled)]


def _asks_off_domain(spelled: str) -> bool:
    """Whether a message of several sentences asks a question with no word of the domain.

    A story sets a scene with everyday words that touch the domain ("at dinner", "my
    hand", "the washing machine") and then asks what it is about: "Who painted it?",
    "What could that be?". The question alone says it is off the coach's subject.
    """
    sentences = [part for part in _SENTENCE_END.split(spelled.strip()) if part]
    asked = [part for part in sentences if part.rstrip().endswith("?")]
    if len(sentences) < 2 or not asked:
        return False
    words = _words(asked[-1])
    return not any(pattern.search(words) for tag, pattern in _concepts() if tag in _DOMAIN_TAGS)


@cache
def _codes() -> dict[str, str]:
    """Each tag's spelling in what the classifier reads: "q" and three of j, x, z and v.

    The classifier's features include character n-grams, and a readable tag such as
    ``zmissing`` shares "mis", "issi" and "sing" with the words "missing" and "kissing", so
    its weight leaked into ordinary words and theirs into the tag. No English word puts
    j, x, z or v after a q, so a coded tag's n-grams are its own (held-out-voice accuracy
    0.936 -> 0.940 with the same tags).
    """
    names = sorted({tag for tag, _ in _concepts()} | {"zunrelated", "zaskoff", *_MOOD_TAGS})
    # Three equal letters would be cut to two by the analyzer's repeat folding.
    spellings = [
        "q" + "".join(letters)
        for letters in itertools.product(_CODE_LETTERS, repeat=3)
        if len(set(letters)) > 1
    ]
    if len(names) > len(spellings):
        raise ValueError(f"{len(names)} intent tags, but only {len(spellings)} tag spellings")
    return dict(zip(names, spellings, strict=False))


def tags(text: str) -> list[str]:
    """The tags :func:`prepare` adds to ``text``, by name.

    They say what the message is about and what kind of sentence it is.

    >>> tags("wat r u doin 2day")
    ['znow', 'zunrelated', 'zasks']
    """
    return _tag_names(folded(text))


def prepare(text: str) -> str:
    """``text`` in the spelling the intent classifier is trained and applied on.

    That is the folded words, then each tag's code (:func:`_codes`).
    """
    spelled = folded(text)
    codes = _codes()
    return " ".join([spelled, *(codes[tag] for tag in _tag_names(spelled))])
