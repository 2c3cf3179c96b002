"""The rules read each sentence once and make both classifier texts in that read.

Whether a message settles someone else's events ("Wife fainted at our wedding. Eight
years ago.") is known only after every sentence is read, so one read of a sentence
makes the classifier's text both as it is and with those mentions settled. The second
must be what a read told to settle them gives; the committed export, rebuilt
byte-identically from the corpus's classifier texts (``test_safety_classifier``), holds
the texts themselves unchanged.
"""

from __future__ import annotations

import importlib
from functools import partial

from hypothesis import given, settings
from hypothesis import strategies as st

from safety.classifier import default_classifier, enough_words
from safety.labelled import corpus_files, read
from safety.normalise import fold, for_matching, sentences
from safety.rules import load
from safety.tiers import Tier

screen_module = importlib.import_module("safety.screen")


def _both_ways(text: str) -> None:
    rules = load()
    for sentence in sentences(fold(text)):
        norm = for_matching(sentence, rules.typos)
        plain = screen_module._screen_sentence(norm, rules)
        settled = screen_module._screen_sentence(norm, rules, others_settled=True)
        assert settled.readable == plain.readable_others, sentence
        assert settled.readable_others == plain.readable_others, sentence
        assert settled.signals == plain.signals, sentence


def test_both_texts_of_one_read_are_what_each_read_gives_on_the_corpus() -> None:
    for row in read(corpus_files()):
        _both_ways(row.text)


STORY_WORDS = st.sampled_from(
    "my dad mum friend wife he she they collapsed fainted passed out chest pain heart "
    "attack stroke not breathing had a seizure years ago last year in 2015 on tv film "
    "documentary he is fine now survived i me felt dizzy no never didnt and but , . "
    "after that was when".split()
)


@settings(max_examples=200, deadline=None)
@given(st.lists(STORY_WORDS, min_size=1, max_size=30))
def test_both_texts_agree_on_any_story(words: list[str]) -> None:
    _both_ways(" ".join(words))


def test_the_recovery_search_is_lazy_and_changes_nothing() -> None:
    model = default_classifier()
    assert model is not None
    asked: list[str] = []

    def recovered(answer: bool, text: str) -> bool:
        asked.append(text)
        return answer

    texts = [row.text for row in read(corpus_files())][::7]
    for text in texts:
        readable = screen_module.classifier_text(text)
        for rules_tier in (Tier.NONE, Tier.STOP):
            for answer in (False, True):
                eager = model.verdict(readable, rules_tier, recovered=answer)
                lazy = model.verdict(
                    readable, rules_tier, recovered=partial(recovered, answer, text)
                )
                assert lazy == eager, text
    # Asked only for messages the classifier reads as an emergency or a stop (the two
    # verdicts a told recovery turns into the question), never for the rest.
    t = model.thresholds
    alarming = set()
    for text in texts:
        readable = screen_module.classifier_text(text)
        if enough_words(readable) and model.knows_a_word(readable):
            p = model.probabilities(readable)
            emergency = p[Tier.EMERGENCY]
            if emergency >= t.emergency or p[Tier.STOP] + emergency >= t.stop:
                alarming.add(text)
    assert set(asked) <= alarming
    assert 0 < len(set(asked)) < len(texts)
