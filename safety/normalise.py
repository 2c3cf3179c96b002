"""Text normalisation for the screen: one spelling for every way people type a word.

Matching runs on text that is lower case, without apostrophes ("can't" -> "cant",
"knee's" -> "knees"), with hyphens between letters turned into spaces ("light-headed"
-> "light headed"), single-spaced, and with mistyped symptom words corrected
("dizy" -> "dizzy", "chset" -> "chest"). Sentences are split on the text before it is
lowered so excerpts keep the person's own casing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from string import ascii_lowercase

_FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u02bb": "'",
        "`": "'",
        "\u00b4": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\u00ad": None,
    }
)
_SENTENCE = re.compile(r"(?:\d[.,]\d|[^.!?;\n])+[.!?;]*")
_APOSTROPHES = re.compile(r"['\"]")
_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")
_CANNOT = re.compile(r"\bcan ?not\b")
_WORD = re.compile(r"[a-z]+")


def fold(text: str) -> str:
    """Unicode compatibility form with curly quotes, dashes and invisible characters tamed.

    The result keeps the person's casing; it is what excerpts are cut from.
    """
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_FOLD)


def sentences(folded: str) -> list[str]:
    """Split folded text into sentences, keeping decimals ("22.5") whole.

    A bare "No." right after a question is its answer and stays with it ("Tight chest?
    No."), so the question's symptom is read as denied (``negation_post``) instead of
    standing alone.
    """
    parts: list[str] = []
    for part in _SENTENCE.findall(folded):
        part = part.strip()
        if not part:
            continue
        if parts and parts[-1].endswith("?") and _BARE_ANSWER.fullmatch(part):
            parts[-1] = f"{parts[-1]} {part}"
        else:
            parts.append(part)
    return parts


_BARE_ANSWER = re.compile(r"(?i)(?:no|nope|nah|none|not at all|no way)[.!]*")


def for_matching(sentence: str, typos: dict[str, str]) -> str:
    """The form rules match against (see the module docstring)."""
    text = sentence.lower()
    if "'" in text or '"' in text:
        text = _APOSTROPHES.sub("", text)
    # Each substitution only where its character or word can occur: a search that finds
    # nothing still tries every position of the sentence.
    if "-" in text:
        text = _HYPHEN.sub(" ", text)
    if "not" in text:
        text = _CANNOT.sub("cant", text)
    text = " ".join(text.split())
    if typos:
        # Cheap path first: most messages have no mistyped symptom word at all.
        hits = [word for word in _WORD.findall(text) if word in typos]
        if hits:
            text = _WORD.sub(lambda m: typos.get(m.group(0), m.group(0)), text)
    return text


def _edits(word: str) -> set[str]:
    """Every string one edit from ``word`` (Damerau: delete, swap, replace, insert)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in ascii_lowercase}
    if len(word) <= 4:
        # Short words have too many real neighbours ("pain": pan, pin, pains, paint);
        # only a swap ("pian") or a changed letter ("paim") is corrected, and the real
        # words among those ("paid", "rain") are listed in ``not_typos``.
        return swaps | replaces
    deletes = {a + b[1:] for a, b in splits if b}
    inserts = {a + c + b for a, b in splits for c in ascii_lowercase}
    return deletes | swaps | replaces | inserts


def typo_map(terms: Iterable[str], not_typos: Iterable[str]) -> dict[str, str]:
    """Map each plausible misspelling of a symptom word to the word.

    Excluded: real words listed in ``not_typos``, the terms themselves, words shorter
    than four letters, and a term with one letter added at the end or dropped from it
    (plurals and tenses such as "suicides" are words in their own right, which the
    rules spell out when they mean them).
    """
    term_list = sorted(set(terms))
    blocked = set(not_typos) | set(term_list)
    mapping: dict[str, str] = {}
    for term in term_list:
        for variant in sorted(_edits(term)):
            if len(variant) < 4 or variant in blocked or variant in mapping:
                continue
            if variant.startswith(term) or term.startswith(variant):
                continue
            mapping[variant] = term
    return mapping
