"""The spelling the intent classifier reads: registers folded, domain tagged, same every time."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent import derived
from agent.models.offline import intent_text
from agent.models.offline.intent_corpus import load_corpus
from agent.models.offline.intent_text import folded, prepare, tags

DOMAIN_TAGS = {
    "zfit",
    "zexercise",
    "zequipment",
    "zbody",
    "zfood",
    "zmedicine",
    "zdiagnosis",
    "zsleep",
}


def _tags(text: str) -> set[str]:
    """The tags :func:`prepare` adds, by name."""
    return set(tags(text))


@pytest.mark.parametrize(
    "text",
    [
        "I should be grateful if the weights could be reduced somewhat.",
        "I would appreciate an abridged version of today's session.",
        "Would you be so kind as to shorten the session?",
        "Kindly adjust today's plan.",
    ],
)
def test_a_formal_request_reads_as_a_request_not_as_thanks(text: str) -> None:
    prepared = prepare(text)
    assert "please" in prepared.split()
    assert "zwants" in tags(text)
    assert "grateful" not in prepared and "appreciate" not in prepared


def test_thanks_stay_thanks() -> None:
    assert "zthanks" in _tags("Thank you so much, I really appreciate it.")


@pytest.mark.parametrize(
    ("formal", "everyday"),
    [
        ("How long ought one to rest between sets?", "should one rest"),
        ("I should like to see my records.", "i would like"),
        ("Shall I skip today?", "should i skip"),
        ("Might I have fewer sets?", "can i have"),
    ],
)
def test_formal_modal_verbs_read_as_everyday_ones(formal: str, everyday: str) -> None:
    assert everyday in prepare(formal)


@pytest.mark.parametrize(
    "text",
    ["how long do I boil an egg", "what time is it in Tokyo", "recommend a good film"],
)
def test_a_message_outside_the_coach_s_domain_is_tagged_unrelated(text: str) -> None:
    assert "zunrelated" in _tags(text)


@pytest.mark.parametrize(
    "text",
    [
        "how long should I rest between sets",
        "squats 3x8 at 60",
        "my knee is a bit sore",
        "how much protein do I need",
        "slept 5 hours",
    ],
)
def test_a_message_about_training_is_not_tagged_unrelated(text: str) -> None:
    assert "zunrelated" not in _tags(text)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("the squat rack is taken", "zmissing"),
        ("the leg press is out of order", "zmissing"),
        ("could you adapt the session", "zadapt"),
        ("visiting my in-laws until Sunday", "zbusy"),
        ("that session was brutal", "zfelt"),
        ("I found it rather tedious", "zfelt"),
        ("when should I put the weight up", "zadvice"),
        ("is it normal to feel this", "zadvice"),
        ("do sauna suits work", "zmyth"),
        ("how many sets per muscle", "zscience"),
        ("why bother, whats the point", "zlow"),
        ("feeling run down and frazzled", "zenergy"),
        ("much obliged", "zthanks"),
        ("I shall take my leave", "zbye"),
        ("please note that I purchased a bench", "zprofile"),
        ("what do you have on file for me", "zshow"),
        ("am I down as a beginner", "zshow"),
    ],
)
def test_words_of_one_meaning_share_a_concept_tag(text: str, tag: str) -> None:
    assert tag in _tags(text)


@pytest.mark.parametrize(
    "text",
    ["swap the burpees for something", "Cut today to 20 min.", "I hate burpees. Swap them."],
)
def test_a_sentence_opening_with_a_verb_of_doing_is_a_command(text: str) -> None:
    assert "zdo" in _tags(text)


@pytest.mark.parametrize("text", ["how do I swap an exercise?", "my swap went fine"])
def test_a_question_or_a_statement_is_no_command(text: str) -> None:
    assert "zdo" not in _tags(text)


def test_the_ruled_out_half_of_a_contrast_is_not_read() -> None:
    text = "Not my best or anything, just what I squatted last time."
    assert "best" not in prepare(text).split()
    assert "zrecord" not in tags(text)
    assert "zpast" in tags(text)


def test_less_rest_and_lighter_loads_read_as_harder_and_easier() -> None:
    assert "harder" in prepare("shorter rests please").split()
    assert "easier" in prepare("could you reduce the loads").split()


@given(st.text(alphabet=st.characters(exclude_characters="zZ"), max_size=80))
def test_every_message_is_either_in_the_domain_or_unrelated_and_one_sentence_kind(
    text: str,
) -> None:
    tags = _tags(text)
    assert ("zunrelated" in tags) != bool(tags & DOMAIN_TAGS)
    assert len(tags & {"zasks", "ztells"}) == 1
    assert prepare(text) == prepare(text)


def test_the_classifier_reads_the_folded_words_then_one_code_per_tag() -> None:
    text = "the squat rack is taken, could you adapt the session?"
    prepared = prepare(text).split()
    codes = prepared[len(folded(text).split()) :]
    assert len(codes) == len(tags(text)) == len(set(codes))
    assert all(code.startswith("q") and code[1] in "jxzv" for code in codes)


def test_no_word_of_the_corpus_shares_a_character_trigram_with_a_tag_code() -> None:
    message_words = {w for row in load_corpus() for w in folded(row.text).split()}
    code_grams = {
        f" {code} "[i : i + 3]
        for text in ("hello", "how long should I rest?", "swap the bench, it is taken")
        for code in prepare(text).split()[len(folded(text).split()) :]
        for i in range(len(code))
    }
    assert not any(gram in f" {word} " for word in message_words for gram in code_grams)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("that was a fun one", "zfelt"),
        ("new pb on bench", "zrecord"),
        ("gotta go, see ya", "zbye"),
        ("I'm sitting this one out", "zskip"),
    ],
)
def test_a_lexicon_phrase_is_spelled_as_messages_are(text: str, tag: str) -> None:
    # The message becomes "fun 1", "personal best", "have to go": so must the phrase.
    assert tag in _tags(text)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("Might the loads be reduced?", "zeasier"),
        ("I reckon I've plateaued", "ztrend"),
        ("skipping today", "zskip"),
    ],
)
def test_a_lexicon_word_meets_its_inflections(text: str, tag: str) -> None:
    assert tag in _tags(text)


def test_a_short_lexicon_word_keeps_its_exact_form() -> None:
    assert "zhello" not in _tags("his knee is fine")


@pytest.mark.parametrize(
    ("slang", "plain"),
    [
        ("feelin rough", "feeling rough"),
        ("skippin' the gym", "skipping the gym"),
        ("gettin stronger", "getting stronger"),
    ],
)
def test_a_dropped_g_is_restored(slang: str, plain: str) -> None:
    assert folded(slang) == plain


@pytest.mark.parametrize("text", ["metformin with a statin", "begin within the cabin"])
def test_words_that_end_in_in_stay_as_they_are(text: str) -> None:
    assert folded(text) == text


@pytest.mark.parametrize("text", ["20 min max now", "3 days max this week", "max 30 min"])
def test_max_beside_a_time_or_a_count_is_a_cap_not_a_record(text: str) -> None:
    assert "at most" in folded(text)
    assert "zrecord" not in _tags(text)


def test_a_unit_without_an_amount_is_about_units() -> None:
    assert folded("kg not lbs please") == "units not units please"
    assert "0 kg" in folded("rows 60 kg x8")


def test_a_story_that_asks_something_off_the_subject_is_tagged() -> None:
    story = "We were arguing at dinner about the planets. Which one is the biggest?"
    assert "zaskoff" in _tags(story)
    assert "zaskoff" not in _tags("I did squats at dinner time. How many sets should I do?")


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("3 series of 15 on the leg press", "0 sets of 0 reps on the leg press"),
        ("can you make it more short", "can you make it shorter"),
        ("show me my trainings of this month", "show me my sessions of this month"),
        ("I buyed a kettlebell", "i bought a kettlebell"),
    ],
)
def test_second_language_forms_read_as_their_everyday_ones(text: str, plain: str) -> None:
    assert folded(text) == plain


def test_a_television_series_is_no_set() -> None:
    assert folded("a good tv series") == "a good tv series"


def test_kit_left_behind_is_missing_whatever_it_is() -> None:
    assert "zmissing" in _tags("I've left my resistance bands at home")
    assert "zmissing" in _tags("forgot the lifting straps behind, what now?")


@pytest.mark.parametrize("text", ["need a leg workout rn", "gym now, what have you got for me?"])
def test_a_request_without_a_polite_wrapper_is_a_request(text: str) -> None:
    assert "zwants" in _tags(text)


def _concept_texts() -> list[tuple[str, str]]:
    intent_text._concepts.cache_clear()
    return [(tag, pattern.pattern) for tag, pattern in intent_text._concepts()]


def test_kept_concept_patterns_are_the_ones_built(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each test has its own cache folder (conftest): the first call builds and keeps the
    # texts, the second reads them back; both give the same patterns.
    built = _concept_texts()
    key = intent_text._concepts_key()
    assert derived.read("intent_concepts", key) == [list(row) for row in built]
    monkeypatch.setattr(intent_text, "lexicon", _no_lexicon)  # a hit reads no data
    assert _concept_texts() == built
    assert tags("wat r u doin 2day") == ["znow", "zunrelated", "zasks"]


def _no_lexicon() -> dict[str, object]:
    raise AssertionError("the kept concept patterns were built again")


def test_stale_or_damaged_kept_concepts_are_built_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = _concept_texts()
    key = intent_text._concepts_key()
    # Damaged: not the shape written.
    derived.write("intent_concepts", key, [["zfit"]])
    assert _concept_texts() == built
    # Stale: the texts of other data (an edited lexicon or catalog) have another key.
    derived.write("intent_concepts", key, [["zfit", "(?:nothing)"]])
    monkeypatch.setattr(intent_text, "_concepts_key", lambda: "another key")
    assert _concept_texts() == built
    assert derived.read("intent_concepts", "another key") == [list(row) for row in built]


def test_without_a_writable_cache_concepts_are_built(unwritable_cache: Path) -> None:
    first = _concept_texts()
    assert first == _concept_texts()
    assert not unwritable_cache.exists()
    intent_text._concepts.cache_clear()
