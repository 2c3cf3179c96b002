"""The review queue model: transitions, assignment, verdicts, ordering, trail, privacy."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.memory.db import connect
from agent.server.operator_auth import add_operator
from safety import review, screen
from tests.factories import make_flagged_conversation

PASSWORD = "correct horse battery"
DIZZY = screen("I feel dizzy")
"""What the screen makes of the scripted turn; the tests follow the rules, not a copy."""


@pytest.fixture
def operators(db: sqlite_utils.Database, now: datetime) -> list[str]:
    for name in ("sam", "kim"):
        add_operator(db, name, PASSWORD, now)
    return ["sam", "kim"]


def _trail(
    db: sqlite_utils.Database, flag_id: int
) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (e.actor, e.field, e.from_value, e.to_value)
        for e in review.flag_events(db, [flag_id])[flag_id]
    ]


def test_a_dizzy_turn_opens_a_flag_in_the_queue(db: sqlite_utils.Database, now: datetime) -> None:
    _, conversation_id, flag_id = make_flagged_conversation(db, now)
    page = review.list_flags(db, now + timedelta(minutes=5))
    assert [f.id for f in page.items] == [flag_id]
    flag = page.items[0]
    assert (flag.tier, flag.status, flag.conversation_id) == (
        DIZZY.tier.value,
        "open",
        conversation_id,
    )
    assert flag.signals == [s.label for s in DIZZY.signals]
    assert flag.age == "5m 0s"
    assert flag.pseudonym.startswith("u_")


def test_emergencies_sort_first_and_the_oldest_open_one_is_always_shown(
    db: sqlite_utils.Database, now: datetime, operators: list[str]
) -> None:
    _, _, dizzy = make_flagged_conversation(db, now, name="a")
    _, _, chest_old = make_flagged_conversation(
        db, now + timedelta(hours=1), "chest pain on the bike", name="b"
    )
    _, _, chest_new = make_flagged_conversation(
        db, now + timedelta(hours=2), "I fainted after squats", name="c"
    )
    later = now + timedelta(hours=3)
    page = review.list_flags(db, later)
    assert [f.id for f in page.items] == [chest_old, chest_new, dizzy]
    assert page.oldest_open_emergency is not None
    assert page.oldest_open_emergency.id == chest_old
    assert page.oldest_open_emergency.age == "2h 0m"
    # Whatever the filters, the oldest open emergency stays in view.
    stops = review.list_flags(db, later, tier=DIZZY.tier.value)
    assert [f.id for f in stops.items] == [dizzy]
    assert stops.oldest_open_emergency is not None
    assert stops.oldest_open_emergency.id == chest_old
    review.resolve(db, chest_old, "escalated", actor="sam", now=later, note="called them")
    after = review.list_flags(db, later)
    assert after.oldest_open_emergency is not None
    assert after.oldest_open_emergency.id == chest_new


def test_filters_and_paging(db: sqlite_utils.Database, now: datetime, operators: list[str]) -> None:
    ids = [
        make_flagged_conversation(db, now + timedelta(minutes=i), name=f"p{i}")[2] for i in range(5)
    ]
    first = review.list_flags(db, now, limit=2)
    second = review.list_flags(db, now, limit=2, offset=2)
    assert first.total == 5
    assert [f.id for f in first.items + second.items] == ids[:4]
    review.resolve(db, ids[0], "false_positive", actor="sam", now=now, note="a joke")
    assert review.list_flags(db, now).total == 4
    assert [f.id for f in review.list_flags(db, now, status="false_positive").items] == ids[:1]
    assert review.list_flags(db, now, status="all").total == 5
    pseudonym = review.get_flag(db, ids[3], now).pseudonym
    assert [f.id for f in review.list_flags(db, now, user=pseudonym).items] == [ids[3]]
    with pytest.raises(review.ReviewError, match="unknown status"):
        review.list_flags(db, now, status="done")
    with pytest.raises(review.ReviewError, match="unknown tier"):
        review.list_flags(db, now, tier="mild")


def test_assign_then_resolve_records_every_change(
    db: sqlite_utils.Database, now: datetime, operators: list[str]
) -> None:
    _, _, flag_id = make_flagged_conversation(db, now)
    flag = review.assign(db, flag_id, "kim", actor="sam", now=now, note="yours")
    assert (flag.status, flag.assigned_to) == ("in_review", "kim")
    flag = review.resolve(
        db,
        flag_id,
        "resolved",
        actor="kim",
        now=now + timedelta(minutes=3),
        note="spoke to them, fine now",
        decision="true_positive",
        action="contacted_user",
    )
    assert (flag.status, flag.decision, flag.action) == (
        "resolved",
        "true_positive",
        "contacted_user",
    )
    assert _trail(db, flag_id) == [
        ("sam", "assigned_to", None, "kim"),
        ("sam", "status", "open", "in_review"),
        ("kim", "status", "in_review", "resolved"),
        ("kim", "decision", None, "true_positive"),
        ("kim", "action", None, "contacted_user"),
    ]
    events = review.flag_events(db, [flag_id])[flag_id]
    assert events[0].note == "yours" and events[-1].note == "spoke to them, fine now"
    assert events[-1].at == (now + timedelta(minutes=3)).isoformat(timespec="seconds")
    audit = db.execute("SELECT actor, action, subject FROM audit_log ORDER BY id").fetchall()
    assert ("kim", "review.update", f"flag:{flag_id}") in audit


def test_resolving_an_open_flag_passes_through_review_and_assigns_the_resolver(
    db: sqlite_utils.Database, now: datetime, operators: list[str]
) -> None:
    _, _, flag_id = make_flagged_conversation(db, now)
    flag = review.resolve(db, flag_id, "escalated", actor="sam", now=now, note="handed to lead")
    assert (flag.status, flag.assigned_to) == ("escalated", "sam")
    assert _trail(db, flag_id) == [
        ("sam", "status", "open", "in_review"),
        ("sam", "status", "in_review", "escalated"),
        ("sam", "assigned_to", None, "sam"),
    ]
    # An escalated flag is picked up by someone else and closed.
    review.assign(db, flag_id, "kim", actor="kim", now=now)
    flag = review.resolve(db, flag_id, "resolved", actor="kim", now=now, note="done")
    assert flag.status == "resolved"


def test_rules_the_queue_refuses(
    db: sqlite_utils.Database, now: datetime, operators: list[str]
) -> None:
    _, _, flag_id = make_flagged_conversation(db, now)
    with pytest.raises(review.ReviewError, match="note is required"):
        review.resolve(db, flag_id, "resolved", actor="sam", now=now, note="  ")
    with pytest.raises(review.ReviewError, match="cannot resolve to"):
        review.resolve(db, flag_id, "open", actor="sam", now=now, note="x")
    with pytest.raises(review.ReviewError, match="needs --status false_positive"):
        review.resolve(
            db, flag_id, "resolved", actor="sam", now=now, note="x", decision="false_positive"
        )
    with pytest.raises(review.ReviewError, match="unknown action"):
        review.resolve(db, flag_id, "resolved", actor="sam", now=now, note="x", action="shrug")
    with pytest.raises(review.ReviewError, match="no operator called"):
        review.assign(db, flag_id, "nobody", actor="sam", now=now)
    with pytest.raises(review.ReviewError, match="no flag #999"):
        review.resolve(db, 999, "resolved", actor="sam", now=now, note="x")
    # Refused actions leave no trace.
    assert _trail(db, flag_id) == []
    review.resolve(db, flag_id, "false_positive", actor="sam", now=now, note="song lyric")
    assert review.get_flag(db, flag_id, now).decision == "false_positive"
    with pytest.raises(review.ReviewError, match="cannot become resolved"):
        review.resolve(db, flag_id, "resolved", actor="sam", now=now, note="again")
    with pytest.raises(review.ReviewError, match="already false_positive"):
        review.assign(db, flag_id, "kim", actor="sam", now=now)


def test_release_gives_a_flag_back(
    db: sqlite_utils.Database, now: datetime, operators: list[str]
) -> None:
    _, _, flag_id = make_flagged_conversation(db, now)
    review.assign(db, flag_id, "sam", actor="sam", now=now)
    flag = review.release(db, flag_id, actor="sam", now=now)
    assert (flag.status, flag.assigned_to) == ("open", None)
    with pytest.raises(review.ReviewError, match="not in review"):
        review.release(db, flag_id, actor="sam", now=now)


def test_caution_flags_of_the_screen_stay_out_of_the_queue(
    db: sqlite_utils.Database, now: datetime
) -> None:
    make_flagged_conversation(db, now)
    db.execute(
        "INSERT INTO safety_flags (tier, signals, rule_ids, excerpt, created_at, updated_at) "
        "VALUES ('caution', '[]', '[]', 'sore knee', ?, ?)",
        [now.isoformat(), now.isoformat()],
    )
    assert [f.tier for f in review.list_flags(db, now, status="all").items] == [DIZZY.tier.value]


def test_detail_marks_the_flagged_message_and_what_followed(
    db: sqlite_utils.Database, now: datetime
) -> None:
    _, _, flag_id = make_flagged_conversation(db, now, after=("ok I sat down",))
    detail = review.detail(db, flag_id, now)
    roles = [(m.role, m.flagged, m.after_flag) for m in detail.transcript]
    assert roles == [
        ("user", False, False),
        ("assistant", False, False),
        ("user", True, False),
        ("assistant", False, True),
        ("user", False, True),
        ("assistant", False, True),
    ]
    assert detail.transcript[2].content == "I feel dizzy"
    assert detail.reply == detail.transcript[3].content
    assert detail.transcript[5].content == "Noted: ok I sat down"


def test_export_gives_labelled_examples_of_closed_flags(
    db: sqlite_utils.Database, now: datetime, operators: list[str]
) -> None:
    _, _, a = make_flagged_conversation(db, now, name="a")
    _, _, b = make_flagged_conversation(db, now, "I passed out", name="b")
    make_flagged_conversation(db, now, name="c")
    review.resolve(db, a, "false_positive", actor="sam", now=now, note="dizzy with joy")
    review.resolve(db, b, "escalated", actor="sam", now=now, note="called", action="added_to_evals")
    examples = review.export_examples(db, actor="sam", now=now)
    assert [(e["text"], e["tier"], e["status"], e["decision"]) for e in examples] == [
        ("I feel dizzy", DIZZY.tier.value, "false_positive", "false_positive"),
        ("I passed out", "emergency", "escalated", None),
    ]
    assert [
        e["flag_id"] for e in review.export_examples(db, actor="sam", now=now, status="escalated")
    ] == [b]
    detail = json.loads(
        db.execute("SELECT detail FROM audit_log WHERE action = 'review.export'").fetchone()[0]
    )
    assert detail["count"] == 2
    with pytest.raises(review.ReviewError):
        review.export_examples(db, actor="sam", now=now, status="open")


def test_a_deleted_user_leaves_a_trail_without_personal_content(
    db: sqlite_utils.Database, now: datetime, operators: list[str]
) -> None:
    user_id, _, flag_id = make_flagged_conversation(db, now)
    review.resolve(
        db, flag_id, "resolved", actor="sam", now=now, note="they said their knee is from a fall"
    )
    db.execute("DELETE FROM users WHERE id = ?", [user_id])
    assert review.list_flags(db, now, status="all").total == 0
    with pytest.raises(review.ReviewError):
        review.detail(db, flag_id, now)
    events = review.flag_events(db, [flag_id])[flag_id]
    assert [e.field for e in events] == ["status", "status", "assigned_to", "deleted"]
    assert all(e.actor in {"sam", "system"} for e in events)
    dumped = json.dumps(
        db.execute("SELECT * FROM flag_events").fetchall()
        + db.execute("SELECT * FROM audit_log").fetchall()
    )
    assert "knee" not in dumped and "dizzy" not in dumped.lower()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["assign", "release", "resolve"]),
            st.sampled_from(["sam", "kim"]),
            st.sampled_from(review.CLOSING_STATUSES),
        ),
        max_size=8,
    )
)
def test_every_accepted_change_is_a_legal_step_and_is_in_the_trail(
    steps: list[tuple[str, str, str]],
) -> None:
    db = connect(":memory:")
    now = datetime.fromisoformat("2026-11-16T18:00:00+00:00")
    for name in ("sam", "kim"):
        db.execute(
            "INSERT INTO operators (name, password_hash, created_at) VALUES (?, 'x', ?)",
            [name, now.isoformat()],
        )
    _, _, flag_id = make_flagged_conversation(db, now)
    for action, who, status in steps:
        try:
            if action == "assign":
                review.assign(db, flag_id, who, actor=who, now=now)
            elif action == "release":
                review.release(db, flag_id, actor=who, now=now)
            else:
                review.resolve(db, flag_id, status, actor=who, now=now, note="n")
        except review.ReviewError:
            pass
    statuses = [e for e in review.flag_events(db, [flag_id])[flag_id] if e.field == "status"]
    current = "open"
    for event in statuses:
        assert event.from_value == current
        assert event.to_value in review._TRANSITIONS[current]
        current = str(event.to_value)
    assert review.get_flag(db, flag_id, now).status == current
    db.close()


def test_coach_delete_takes_the_flags_out_of_the_queue_and_keeps_a_clean_trail(
    db: sqlite_utils.Database, now: datetime, operators: list[str]
) -> None:
    from agent.memory.portability import delete_user

    user_id, _, flag_id = make_flagged_conversation(db, now, "I feel dizzy near my flat")
    _, _, kept = make_flagged_conversation(db, now, name="bo")
    review.assign(db, flag_id, "kim", actor="sam", now=now, note="she lives near the gym")
    delete_user(db, user_id, now)
    assert [f.id for f in review.list_flags(db, now, status="all").items] == [kept]
    events = review.flag_events(db, [flag_id])[flag_id]
    assert [(e.actor, e.field) for e in events] == [
        ("sam", "assigned_to"),
        ("sam", "status"),
        ("system", "deleted"),
    ]
    dumped = json.dumps(
        db.execute("SELECT * FROM flag_events").fetchall()
        + db.execute("SELECT * FROM audit_log").fetchall()
    )
    assert "gym" not in dumped and "flat" not in dumped


def test_the_transcript_names_tool_calls_but_hides_their_results(
    db: sqlite_utils.Database, now: datetime
) -> None:
    from agent.models.scripted import ScriptedModel, call, calls, say
    from tests.factories import make_coach, make_user

    user_id, conversation_id = make_user(db, now)
    model = ScriptedModel([calls(call("update_profile", {"age": 47})), say("Saved.")])
    coach = make_coach(db, model, now)
    coach.turn(user_id, conversation_id, "I am 47")
    coach.turn(user_id, conversation_id, "I feel dizzy")
    flag_id = int(db.execute("SELECT id FROM safety_flags").fetchone()[0])
    transcript = review.detail(db, flag_id, now).transcript
    shown = [(m.role, m.content) for m in transcript]
    assert shown[1] == ("assistant", "[calls update_profile]")
    assert shown[2] == ("tool", "[result of update_profile not shown]")
    assert "47" not in " ".join(m.content for m in transcript[1:])
