"""Statements people make about themselves, read in several voices.

Voices: terse, chatty, slang+typos, non-native English, formal/older, a story in the
past tense. Each row is tagged with its voice so a failure says whose phrasing broke.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.planning import statements
from agent.planning.statements import read_statements

# (voice, text, expected profile arguments (subset), expected unavailable, expected place)
ROWS: list[tuple[str, str, dict[str, Any], tuple[str, ...], str | None]] = [
    # pregnancy
    ("terse", "24 weeks pregnant", {"pregnancy_week": 24}, (), None),
    (
        "chatty",
        "So I'm 20 weeks along now and want to keep lifting safely!",
        {"pregnancy_week": 20},
        (),
        None,
    ),
    ("slang", "im 18 wks preg lol what can i still do", {"pregnancy_week": 18}, (), None),
    (
        "non-native",
        "I am pregnant since 16 weeks, which exercise is good?",
        {"pregnancy_week": 16},
        (),
        None,
    ),
    (
        "formal",
        "I am currently in the second trimester of my pregnancy.",
        {"pregnancy_week": 14},
        (),
        None,
    ),
    (
        "story",
        "Last month I found out I was pregnant, I'm 10 weeks into my pregnancy now",
        {"pregnancy_week": 10},
        (),
        None,
    ),
    ("chatty", "my wife is 20 weeks pregnant and I want to train with her", {}, (), None),
    # postpartum
    ("terse", "6 weeks postpartum", {"weeks_since_birth": 6}, (), None),
    (
        "chatty",
        "I had my baby 8 weeks ago and I'm itching to get moving again",
        {"weeks_since_birth": 8},
        (),
        None,
    ),
    (
        "slang",
        "gave birth 3 months ago, wanna get back into it",
        {"weeks_since_birth": 13},
        (),
        None,
    ),
    (
        "formal",
        "My baby is 10 weeks old; I would like to resume exercise.",
        {"weeks_since_birth": 10},
        (),
        None,
    ),
    # older adults and osteoarthritis
    ("terse", "72, knee arthritis", {"age": 72, "conditions": ["knee_osteoarthritis"]}, (), None),
    (
        "chatty",
        "I'm 68 and have arthritis in my knees, could we add some balance work?",
        {"age": 68, "conditions": ["knee_osteoarthritis"]},
        (),
        None,
    ),
    (
        "formal",
        "I am 81 years old and have osteoarthritis of the hip.",
        {"age": 81, "conditions": ["hip_osteoarthritis"]},
        (),
        None,
    ),
    (
        "non-native",
        "I have 70 years old? no, I am 70 years old, my knee has arthritis in my knee",
        {"age": 70, "conditions": ["knee_osteoarthritis"]},
        (),
        None,
    ),
    (
        "story",
        "I turned 75 last spring and the doctor said it's wear and tear in my knee",
        {"age": 75, "conditions": ["knee_osteoarthritis"]},
        (),
        None,
    ),
    # youth
    ("terse", "16yo", {"age": 16}, (), None),
    ("slang", "im 15 n wanna get strong for rugby", {"age": 15, "sport": "field"}, (), None),
    ("chatty", "I'm a 14 year old and my coach said I should lift", {"age": 14}, (), None),
    # blood pressure and medication
    (
        "terse",
        "high bp, on bisoprolol",
        {"conditions": ["hypertension", "heart_rate_medication"]},
        (),
        None,
    ),
    (
        "formal",
        "I have been diagnosed with hypertension and take a beta-blocker.",
        {"conditions": ["hypertension", "heart_rate_medication"]},
        (),
        None,
    ),
    (
        "chatty",
        "heads up, my blood pressure is a bit high so I'm on blood pressure meds",
        {"conditions": ["hypertension"]},
        (),
        None,
    ),
    ("formal", "I do not have high blood pressure.", {}, (), None),
    # layoff
    ("terse", "6 weeks off, was ill", {"weeks_off": 6}, (), None),
    ("story", "I was sick for three weeks and haven't trained since", {"weeks_off": 3}, (), None),
    ("slang", "havent trained in 2 months tbh", {"weeks_off": 9}, (), None),
    ("non-native", "I make a break of 5 weeks because of illness", {"weeks_off": 5}, (), None),
    # runners
    ("terse", "runner, want strength", {"sport": "running"}, (), None),
    (
        "chatty",
        "I'm training for a half marathon and want to get stronger legs",
        {"sport": "running"},
        (),
        None,
    ),
    # unavailable equipment
    ("terse", "bench taken", {}, ("bench",), None),
    ("chatty", "ugh the bench is occupied, what now?", {}, ("bench",), None),
    ("slang", "some guy is on the squat rack for ages", {}, ("rack",), None),
    ("non-native", "There is no cable machine in this gym.", {}, ("cables",), None),
    ("formal", "The cable station is out of order today.", {}, ("cables",), None),
    (
        "story",
        "I got to the gym and someone was using the bench, and someone's on the rack",
        {},
        ("bench", "rack"),
        None,
    ),
    # broken, lent, somewhere else; and what only looks like it
    ("terse", "kettlebell's busted", {}, ("kettlebell",), None),
    ("chatty", "argh my band just snapped, what can I do instead?", {}, ("bands",), None),
    ("slang", "bro nicked my dumbbells for the wkend", {}, ("dumbbells",), None),
    (
        "non-native",
        "My sister has borrowed my kettlebell for her holiday.",
        {},
        ("kettlebell",),
        None,
    ),
    ("non-native", "The bench is gone, my husband sell it.", {}, ("bench",), None),
    ("formal", "I regret that the rowing machine has stopped working.", {}, ("rower",), None),
    (
        "story",
        "Last night the pull-up bar came loose from the door frame, so that's out.",
        {},
        ("pullup_bar",),
        None,
    ),
    ("chatty", "finally broke my bench PR today!!", {}, (), None),
    ("terse", "dumbbells are at 22.5 now", {}, (), None),
    # load caps
    ("terse", "dbs only go to 20kg", {"max_dumbbell_kg": 20.0}, (), None),
    (
        "chatty",
        "my dumbbells only go up to 12.5 kg, is that enough?",
        {"max_dumbbell_kg": 12.5},
        (),
        None,
    ),
    ("formal", "The heaviest dumbbell is 50 lb.", {"max_dumbbell_kg": 22.7}, (), None),
    # places and feelings
    ("terse", "hotel gym this week", {}, (), "hotel_gym"),
    ("chatty", "I'm at a hotel gym: a treadmill and light dumbbells", {}, (), "hotel_gym"),
    ("formal", "I train at a commercial gym.", {}, (), "commercial_gym"),
    ("chatty", "honestly I'm nervous about the gym", {}, (), None),
    ("slang", "gym makes me anxious af ngl", {}, (), None),
    ("non-native", "I am afraid of the gym, too many people", {}, (), None),
    # nothing to read
    ("terse", "I'm 5 minutes late", {}, (), None),
    ("chatty", "I did 3 sets of 8 at 20 kg", {}, (), None),
]


@pytest.mark.parametrize(
    ("voice", "text", "expected", "unavailable", "place"),
    ROWS,
    ids=[f"{row[0]}-{index}" for index, row in enumerate(ROWS)],
)
def test_statements_are_read_in_every_voice(
    voice: str,
    text: str,
    expected: dict[str, Any],
    unavailable: tuple[str, ...],
    place: str | None,
) -> None:
    stated = read_statements(text)
    args = stated.profile_arguments()
    if not expected:
        assert args == {}, (voice, text, args)
    for key, value in expected.items():
        assert args.get(key) == value, (voice, text, args)
    assert stated.unavailable == unavailable, (voice, text)
    assert (stated.place.id if stated.place else None) == place, (voice, text)


def test_a_cap_in_pounds_follows_the_persons_unit() -> None:
    assert read_statements("dumbbells only go to 50", units="lb").dumbbell_cap_kg == 22.7
    assert read_statements("dumbbells only go to 20", units="kg").dumbbell_cap_kg == 20.0


_TEMPLATE_KEYS = [
    "age",
    "pregnancy_week",
    "due_month",
    "due_month_with_pregnancy",
    "postpartum_weeks",
    "postpartum_months",
    "weeks_off",
    "months_off",
    "unavailable_absent",
    "dumbbell_cap",
]
_FILLERS = {"{n}": ["3", "12", "two", "twenty"], "{m}": ["march", "june"], "{eq}": ["dumbbells"]}


@st.composite
def _texts(draw: st.DrawFn, key: str) -> str:
    # A template of this key filled in (so it often matches), with a piece maybe dropped
    # (so it often nearly matches), amid words from other templates.
    data = statements._data()
    pieces = [p for p in re.split(r"(\{\w+\})", draw(st.sampled_from(data[key]))) if p]
    filled = [draw(st.sampled_from(_FILLERS[p])) if p in _FILLERS else p for p in pieces]
    if draw(st.booleans()) and len(filled) > 1:
        del filled[draw(st.integers(0, len(filled) - 1))]
    other = [t for k in _TEMPLATE_KEYS for t in data[k]]
    noise = draw(st.lists(st.sampled_from(other), max_size=2))
    return " ".join([*noise[:1], "".join(filled), *noise[1:]])


@settings(max_examples=400)
@given(st.data(), st.sampled_from(_TEMPLATE_KEYS))
def test_a_template_skipped_for_its_missing_words_would_not_have_matched(
    data: st.DataObject, key: str
) -> None:
    text = statements._normalise(data.draw(_texts(key)))
    tried = set(statements._patterns(key, text))
    for template in statements._data()[key]:
        pattern = statements._compiled(template)
        if pattern.search(text):
            assert pattern in tried, (template, text)
