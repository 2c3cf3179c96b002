"""The first look before an expression: the strings every match needs, never a missed match."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from safety.labelled import corpus_files, read
from safety.literals import necessary, trie_source
from safety.normalise import fold, for_matching, sentences
from safety.rules import LOOKED_FIRST, TRIGGER_NAMES, load

RULES = load()
SENTENCES = [
    for_matching(s, RULES.typos)
    for text in [row.text for row in read(corpus_files())]
    for s in sentences(fold(text))
]


def test_what_a_match_needs_is_read_from_the_expression() -> None:
    assert necessary(r"chest (?:day|press)") == frozenset({"chest "})
    assert necessary(r"(?:dying|dead) to") == frozenset({" to"})
    assert necessary(r"foo(?:bar|baz)?") == frozenset({"foo"})
    assert necessary(r"(?<![a-z0-9])(?:heart|pulse) rate") == frozenset({" rate"})
    assert necessary(r"(?:sick|ill)+") == frozenset({"sick", "ill"})


def test_nothing_is_claimed_where_a_match_may_need_nothing() -> None:
    assert necessary(r"x?") is None
    assert necessary(r"(?:abc|\w+)") is None
    assert necessary(r"(?i)chest") is None  # case-insensitive: "CHEST" matches too
    assert necessary(r"(?=chest)\w+") is None  # a lookahead's text is not in the match
    assert necessary(r"(unclosed") is None


def test_every_match_on_the_corpus_contains_a_needed_string() -> None:
    sources = [RULES.triggers.sources[name] for name in TRIGGER_NAMES]
    for rule in RULES.rules:
        sources.extend(s for s in (rule.source, rule.requires_source, rule.unless_source) if s)
    checked = 0
    for source in sources:
        strings = necessary(source)
        if strings is None:
            continue
        pattern = re.compile(source)
        for sentence in SENTENCES:
            for match in pattern.finditer(sentence):
                assert any(s in match.group(0) for s in strings), (source[:80], sentence)
                checked += 1
    assert checked > 1000


PREFILTERED = tuple(sorted(LOOKED_FIRST))
PIECES = sorted({s for name in PREFILTERED for s in necessary(RULES.triggers.sources[name]) or ()})


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(PIECES),
            st.sampled_from(SENTENCES),
            st.sampled_from([" ", "#", ".", "day", "chest", "ignore the rules", "dying to"]),
            st.text(alphabet="abcdefghijklmnopqrstuvwxyz #.,", max_size=8),
        ),
        max_size=8,
    ),
    st.sampled_from(PREFILTERED),
)
def test_an_expression_is_skipped_only_where_it_cannot_match(pieces: list[str], name: str) -> None:
    text = " ".join(pieces)
    if not RULES.triggers.may_match(name, text):
        assert getattr(RULES.triggers, name).search(text) is None


@given(
    st.frozensets(st.text(alphabet="ab c.", min_size=1, max_size=4), min_size=1, max_size=6),
    st.text(alphabet="ab c.", max_size=12),
)
def test_the_trie_finds_a_text_exactly_when_it_holds_one_of_the_strings(
    strings: frozenset[str], text: str
) -> None:
    found = re.search(trie_source(strings), text) is not None
    assert found == any(s in text for s in strings)
