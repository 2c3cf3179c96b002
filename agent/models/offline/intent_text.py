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
- in a message of several sentences the question (or, with none, the last sentence) is
  read twice: a story ends in what it asks ("...so my legs were dead. Should I not
  combine those?"), and the story's own words should not outvote the request.

The precise slot parsers still read the original message; this only feeds the classifier.

>>> prepare("wat r u doin 2day")
'what are you doin today'
>>> prepare("rows 60kg x8, x8")
'rows 0 kg x 0 reps , x 0 reps'
"""

from __future__ import annotations

import re
from functools import cache

from agent.models.offline.slots import lexicon

_TOKEN = re.compile(r"[a-z0-9']+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

_PLACEHOLDERS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Sets by reps ("3x12", "3 x 12", "4 sets of 6"): the shape of a logged set.
    (re.compile(r"\b\d+\s*[x×*]\s*\d+\b"), " 0 sets of 0 reps "),
    (re.compile(r"\b\d+\s+sets?\s+of\s+\d+\b"), " 0 sets of 0 reps "),
    # A rep count alone ("x8"): the rest of a "x8, x8, x7" list.
    (re.compile(r"(?<![a-z0-9])[x×]\s*\d+\b"), " x 0 reps "),
    # Loads in any unit ("60kg", "135 lbs", "20 kilos").
    (
        re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:kgs?|kilos?|kilograms?|lbs?|pounds?)\b"),
        " 0 kg ",
    ),
    # Durations ("10 min", "45mins", "1hr", "2 hours").
    (
        re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:m|mins?|minutes?|hrs?|hours?|h)\b"),
        " 0 minutes ",
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
            rules.append((re.compile(rf"\b{re.escape(str(phrase).lower())}\b"), str(meant)))
    rules.sort(key=lambda rule: -len(rule[0].pattern))
    return rules


def _respell(match: re.Match[str]) -> str:
    word = match.group(0)
    return _spellings().get(word.replace("'", ""), word)


def _focused(text: str) -> str:
    """``text`` followed by its request sentence again, when it has several sentences."""
    sentences = [part for part in _SENTENCE_END.split(text.strip()) if part]
    if len(sentences) < 2:
        return text
    asked = [part for part in sentences if part.rstrip().endswith("?")] or sentences[-1:]
    return " ".join([text, *asked])


def prepare(text: str) -> str:
    """``text`` in the spelling the intent classifier is trained and applied on."""
    folded = _focused(text).lower().replace("\u2019", "'")
    folded = _TOKEN.sub(_respell, folded)
    for pattern, placeholder in _PLACEHOLDERS:
        folded = pattern.sub(placeholder, folded)
    for pattern, meant in _phrases():
        folded = pattern.sub(meant, folded)
    return " ".join(folded.split())
