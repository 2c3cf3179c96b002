"""A date ahead said in passing (events.py), read and answered by the offline coach.

Phrasings written for these tests in several voices; none from a probe set.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlite_utils

from agent.memory import store
from agent.models.offline.events import read
from tests.test_models_offline_policy import Chat

TODAY = date(2026, 11, 16)


@pytest.mark.parametrize(
    ("text", "name", "day"),
    [
        ("got my brothers wedding in 6 weeks", "wedding", date(2026, 12, 28)),
        ("Marathon's in April and I'm bricking it", "marathon", date(2027, 4, 30)),
        ("We are going on a cruise next month.", "cruise", date(2026, 12, 31)),
        ("in 10 weeks i have my first bodybuilding show", "bodybuilding show", date(2027, 1, 25)),
        ("ski trip this winter, want strong legs for it", "ski trip", date(2027, 2, 28)),
        ("there is a 5k on the 28th i signed up for", "5k", date(2026, 11, 28)),
    ],
)
def test_an_event_ahead_is_read_with_its_last_day(text: str, name: str, day: date) -> None:
    event = read(text, TODAY)
    assert event is not None
    assert event.name == name and event.day == day


@pytest.mark.parametrize(
    "text",
    [
        "ran a half marathon last year, never again",
        "the wedding was lovely but I ate far too much",
        "I like watching the marathon on telly",
    ],
)
def test_a_past_event_or_a_trip_now_is_no_event_ahead(text: str) -> None:
    assert read(text, TODAY) is None


def test_a_trip_for_a_while_stays_a_schedule_note(chat: Chat) -> None:
    turn = chat.say("away on holiday for a week from tomorrow")
    note = chat.call(turn, "add_note")
    assert note is not None and note["arguments"]["kind"] == "schedule"


@pytest.fixture
def chat(db: sqlite_utils.Database, now: datetime) -> Chat:
    return Chat(db, now)


@pytest.mark.parametrize(
    "text",
    [
        "Our wedding is in May, I'd love to tone up a bit before then",
        "half marathon in 12 weeks eek",
        "holiday in feb, want to feel good on the beach lol",
    ],
)
def test_an_event_is_noted_until_its_day_and_changes_no_setting(chat: Chat, text: str) -> None:
    turn = chat.say(text)
    note = chat.call(turn, "add_note")
    assert note is not None
    assert note["arguments"]["kind"] == "preference"
    assert date.fromisoformat(note["arguments"]["until"]) > TODAY
    assert "update_profile" not in chat.names(turn)
    assert "schedule" not in [n["kind"] for n in store.active_notes(chat.db, chat.user_id)]
    assert "Just to be sure" not in turn.reply
    assert turn.reply.count("?") <= 1


def test_a_goal_named_with_an_event_is_asked_about_then_saved_on_yes(chat: Chat) -> None:
    turn = chat.say("wedding in 8 weeks and I want to lose some weight for it")
    assert "update_profile" not in chat.names(turn)
    assert "Shall I make fat loss your goal from now on?" in turn.reply
    saved = chat.call(chat.say("yes please"), "update_profile")
    assert saved is not None and saved["arguments"]["goal"] == "fat_loss"
