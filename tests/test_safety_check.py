"""The check step's topics: each topic's first look skips a search, never changes a topic.

``safety.check`` reads a message's cardinal area with one expression per topic; each
opens on a word boundary, so a search that finds nothing tries every position. The first
look (the strings every match of the topic's words contains, :mod:`safety.literals`)
comes first, and where it finds none the topic is passed over. The topic read must be
the plain reading's (the first topic whose words occur) for every text.
"""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from safety.check import GENERAL, CheckData, Topic, load_checks
from safety.labelled import corpus_files, read
from safety.screen import classifier_text


def _plain_topic(checks: CheckData, text: str) -> Topic:
    for topic in checks.topics.values():
        if topic.words is not None and topic.words.search(text):
            return topic
    return checks.topics[GENERAL]


@cache
def _corpus_texts() -> tuple[str, ...]:
    return tuple(classifier_text(row.text) for row in read(corpus_files()))


def test_every_topic_with_words_has_a_first_look() -> None:
    checks = load_checks()
    worded = [t for t in checks.topics.values() if t.words is not None]
    assert worded
    assert all(t.first_look is not None for t in worded)


def test_the_topic_of_every_corpus_message_is_the_plain_reading() -> None:
    checks = load_checks()
    texts = _corpus_texts()
    assert len(texts) > 3000
    read_topics = [checks.topic_of(text).name for text in texts]
    assert read_topics == [_plain_topic(checks, text).name for text in texts]
    # The corpus reaches every topic, so each first look was put to the test.
    assert set(read_topics) == set(checks.topics)


_WORDS = st.sampled_from(
    "chest heart breath breathing head vision speech arm leg hand face left right side "
    "one sided faint dizzy ribs sternum talk slurred drooling grip my the a and i not "
    "harm warm sleg armour".split()
)


@given(st.lists(_WORDS | st.text(max_size=8), max_size=12).map(" ".join))
@settings(max_examples=400)
def test_the_first_look_never_changes_a_topic(text: str) -> None:
    checks = load_checks()
    assert checks.topic_of(text) == _plain_topic(checks, text)
    for topic in checks.topics.values():
        if topic.words is not None and topic.words.search(text):
            # Where the words occur the first look finds one of its strings.
            assert topic.first_look is not None and topic.first_look.search(text)
