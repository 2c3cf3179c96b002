"""The rewritten expressions (safety.lifted) match exactly what the plain ones match."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coachcache import regexes
from safety import lifted
from safety.labelled import corpus_files, read
from safety.literals import necessary
from safety.normalise import fold, for_matching, sentences
from safety.rules import TRIGGER_NAMES, load

_parser: Any = importlib.import_module("re._parser")

RULES = load()


def _rewritten(source: str) -> re.Pattern[str]:
    # As coachcache compiles it (the pattern keeps its source as its text).
    return regexes._from_entry(source, regexes._entry(source, 0, lifted.lift))


def _sources() -> list[str]:
    found = [RULES.triggers.sources[name] for name in TRIGGER_NAMES]
    for rule in RULES.rules:
        found.extend(s for s in (rule.source, rule.requires_source, rule.unless_source) if s)
    return sorted(set(found))


SOURCES = _sources()
PAIRS = [(re.compile(s), _rewritten(s)) for s in SOURCES]
SENTENCES = [
    for_matching(s, RULES.typos)
    for text in [row.text for row in read(corpus_files())]
    for s in sentences(fold(text))
]


def _spans(pattern: re.Pattern[str], text: str, pos: int = 0, end: int = 10**9) -> list[Any]:
    return [(m.span(), m.group()) for m in pattern.finditer(text, pos, end)]


def test_the_screen_searches_the_rewritten_expressions() -> None:
    # What rules.py compiles is the rewritten form, not the plain one.
    idioms = RULES.triggers.idioms
    assert idioms.pattern == RULES.triggers.sources["idioms"]
    assert idioms != re.compile(idioms.pattern)
    assert idioms == _rewritten(idioms.pattern)


def test_every_expression_matches_the_same_on_the_corpus() -> None:
    differ = []
    for plain, rewritten in PAIRS:
        for text in SENTENCES:
            if _spans(plain, text) != _spans(rewritten, text):
                differ.append((plain.pattern[:60], text))
                break
    assert differ == []


PIECES = sorted(
    {piece for s in SOURCES for piece in (necessary(s) or ()) if 1 < len(piece) < 20}
    | {"i", "my", "the", "a", "not", "#", ",", "."}
)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(range(len(PAIRS))),
    st.lists(
        st.one_of(
            st.sampled_from(PIECES),
            st.sampled_from(SENTENCES),
            st.text(alphabet="abcdehilmnorst #.,'é", max_size=6),
        ),
        max_size=10,
    ),
    st.integers(0, 40),
    st.integers(0, 400),
)
def test_every_expression_matches_the_same_on_generated_text(
    which: int, pieces: list[str], pos: int, end: int
) -> None:
    plain, rewritten = PAIRS[which]
    text = " ".join(pieces)
    assert _spans(plain, text) == _spans(rewritten, text)
    # From a position and to an end, as the screen searches after a target.
    assert _spans(plain, text, pos, end) == _spans(rewritten, text, pos, end)
    assert plain.sub("#", text) == rewritten.sub("#", text)


# Each construct the rewriting reads, with what it must keep apart.
CONSTRUCTS = [
    r"(?<![a-z0-9])(?:(?:chest|heart) (?:day|pain)|che(?:ap|ss)|c)(?![a-z0-9])",
    r"(?<![a-z0-9])(?:(?:(?<!almost )(?<!not )fainted)|(?:faint\w*))(?![a-z0-9])",
    r"(?:\b(?:but|however|just)\b|\bb\w+)",
    r"(?:(?:my |the )?(?:knee|back)s? (?:\w+ ){0,2}(?:hurts?|aches?)|(?:so |really )*tired)",
    r"(?:(?:a|one|\d+|\w+ty) (?:sec|min)s? later|x{2,3}y|z{0,2}w)",
    r"(?:caf\u00e9|\u00e9t\u00e9|\w+e|[^a-z ]x|.y)",
    r"(?:(?=ab)a\w|b+?c|(?i:d)e|(f)g|h??i|)",
    r"(?:\Bab|a\Bc|^ab|ab$|a(?:b|c)?)",
]


@pytest.mark.parametrize("source", CONSTRUCTS)
def test_each_construct_is_rewritten_exactly(source: str) -> None:
    plain, rewritten = re.compile(source), _rewritten(source)

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet="abcdefghiknorstuwxyz 0129#,\u00e9\n", max_size=30))
    def same(text: str) -> None:
        assert _spans(plain, text) == _spans(rewritten, text)
        for pos in range(0, len(text), 3):
            assert plain.match(text, pos) is None or (
                rewritten.match(text, pos) is not None
                and plain.match(text, pos).span() == rewritten.match(text, pos).span()  # type: ignore[union-attr]
            )

    same()


def test_an_alternative_it_cannot_read_keeps_its_place() -> None:
    # A lookahead before the first character, a lazy repeat, a capturing group, a flag
    # and an empty alternative are kept as they were, between rewritten ones.
    source = r"(?:ab|(?=ab)a\w|ac|b+?c|ad|(?i:d)e|(f)g|af|)"
    rewritten = lifted.lift(_parser.parse(source))
    kept = [b for b in rewritten.data[0][1][1] if b.data[:1] and b.data[0][0].name != "LITERAL"]
    assert len(kept) >= 4


def test_the_rewriting_is_named_by_its_code() -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", lifted.version())
