"""Advice from a physio, doctor or trainer, reported to the offline coach (advice.py).

The phrasings are written for these tests in several voices (terse, chatty, slang,
non-native, formal, story); none comes from a probe set or from the messages the class
was found with.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
import sqlite_utils

from agent.memory import store
from agent.models.offline.advice import read
from tests.test_models_offline_policy import Chat


@pytest.fixture
def chat(db: sqlite_utils.Database, now: datetime) -> Chat:
    return Chat(db, now)


@pytest.mark.parametrize(
    ("text", "area"),
    [
        ("physio: no lunges for now", "knee"),
        ("So my physiotherapist reckons I should stay off squats for a bit, annoying!", "knee"),
        ("doc sez no heavy deadlifts til my back settles", "lower_back"),
        ("The doctor tell me I must not do jumping for six weeks.", "impact"),
        ("On my consultant's advice I am to avoid lifting anything above my head.", "shoulder"),
        ("Saw the physio last week and she told me to lay off running for a fortnight.", "impact"),
        ("my osteo said go easy on the push ups, wrist is still healing", "wrist"),
    ],
)
def test_a_restriction_is_read_with_the_area_it_protects(text: str, area: str) -> None:
    advice = read(text)
    assert advice is not None and advice.kind == "restriction"
    assert area in advice.areas


@pytest.mark.parametrize(
    "text",
    [
        "my physio is booked for friday",
        "I told my doctor I've started lifting",
        "the doctor's waiting room was packed this morning lol",
        "my trainer at the old gym was great",
    ],
)
def test_a_mention_of_a_professional_is_no_advice(text: str) -> None:
    assert read(text) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Surgeon has signed me off, I can start running again!", "clearance"),
        ("physio gave me the all clear for squats", "clearance"),
        ("doc says my shoulder is fine now", "clearance"),
        ("GP says I can go back to the gym but nothing heavy for a month", "restriction"),
        ("My physio wants me doing band pull-aparts every day.", "advice"),
    ],
)
def test_the_kind_of_advice(text: str, kind: str) -> None:
    advice = read(text)
    assert advice is not None and advice.kind == kind


def _notes(chat: Chat) -> list[dict[str, Any]]:
    return [n for n in store.active_notes(chat.db, chat.user_id) if n["kind"] == "constraint"]


@pytest.mark.parametrize(
    ("text", "area", "until"),
    [
        ("physio says no squatting for 3 weeks", "knee", "2026-12-06"),
        (
            "My doctor has told me to avoid running until the end of January.",
            "impact",
            "2027-01-31",
        ),
        ("surgeon said nothing overhead till feb", "shoulder", "2027-01-31"),
    ],
)
def test_a_restriction_is_kept_as_a_constraint_until_the_day_said(
    chat: Chat, text: str, area: str, until: str, now: datetime
) -> None:
    turn = chat.say(text)
    note = chat.call(turn, "add_note")
    assert note is not None
    assert note["arguments"]["kind"] == "constraint"
    assert note["arguments"]["subject"] == area
    assert note["arguments"]["until"] == until
    assert area in [n["subject"] for n in _notes(chat)]
    # Today's session, planned before the advice, is planned again without that area.
    plan = chat.call(turn, "plan_today")
    assert plan is not None and area in plan["arguments"]["avoid"]
    assert "update_profile" not in chat.names(turn)
    assert "advice" in turn.reply
    assert "can't diagnose" not in turn.reply
    assert now.date() < date.fromisoformat(until)


def test_a_limit_with_no_area_is_kept_as_said_and_answered(chat: Chat) -> None:
    turn = chat.say("cardiologist wants my pulse under 130 for the moment")
    note = chat.call(turn, "add_note")
    assert note is not None and note["arguments"]["kind"] == "constraint"
    assert "subject" not in note["arguments"]
    assert "heart rate" in turn.reply
    assert "Just to be sure" not in turn.reply


def test_advice_to_do_more_of_something_never_changes_the_goal(chat: Chat) -> None:
    turn = chat.say("my PT told me I need to work on flexibility, can you add it")
    assert "update_profile" not in chat.names(turn)
    assert "adjust_difficulty" not in chat.names(turn)
    note = chat.call(turn, "add_note")
    assert note is not None and note["arguments"]["kind"] == "preference"
    assert 'say "make flexibility my goal"' in turn.reply or "goal" in turn.reply


def test_a_go_ahead_lifts_the_constraint_it_names(chat: Chat) -> None:
    chat.say("my knee is sore, go easy on it")
    assert "knee" in [n["subject"] for n in _notes(chat)]
    turn = chat.say("physio cleared my knee for squats again yesterday")
    assert chat.call(turn, "resolve_constraint") is not None
    assert "knee" not in [n["subject"] for n in _notes(chat)]
    assert "go-ahead" in turn.reply


@pytest.mark.parametrize(
    "text",
    [
        "my GP has told me no exercise of any kind until the cardiologist has seen me",
        "doc says I have to stop training completely for now",
    ],
)
def test_advice_to_stop_all_training_is_never_answered_with_a_session(
    chat: Chat, text: str
) -> None:
    turn = chat.say(text)
    assert "plan_today" not in chat.names(turn)
    assert "carries on as planned" not in turn.reply
    assert "no training until they clear you" in turn.reply


def test_a_finding_is_not_offered_as_a_goal(chat: Chat) -> None:
    reply = chat.say("the physio reckons it was just a pulled muscle in my calf").reply
    assert "my goal" not in reply
