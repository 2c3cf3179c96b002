"""The consultation: chat and form reach one record; the form survives a reload half-way."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from agent.coaching import consultation
from agent.coaching.consultation_answers import question_ids
from agent.memory import store
from agent.models.offline import OfflineModel
from safety import parq
from tests.factories import make_coach, make_user

# The same person, answering the same questions, in chat and on the form.
CHAT_ANSWERS = [
    "I want to get stronger and be able to do proper push-ups",
    "20 push-ups by June",
    "yes",
    "I lifted weights for 3 years, stopped last spring",
    "3 days, 45 minutes",
    "dumbbells and a resistance band",
    "swimming and cycling",
    "burpees",
    "long work shifts",
    "none",
    "no",
    "41",
    "female",
    *["no"] * 7,
    "yes",
]
FORM_ANSWERS = {
    "goal": "I want to get stronger and be able to do proper push-ups",
    "goal_target": "20 push-ups by June",
    "goal_agreed": "yes",
    "history": "I lifted weights for 3 years, stopped last spring",
    "days_per_week": "3",
    "session_minutes": "45 minutes",
    "equipment": "dumbbells and a resistance band",
    "preferences": "swimming and cycling",
    "dislikes": "burpees",
    "barriers": "long work shifts",
    "injuries": "none",
    "hr_medication": "no",
    "age": "41",
    "sex": "female",
    **{f"PARQ-{i}": "no" for i in range(1, 8)},
    "assessments_wanted": "yes",
}


def _chat(db: sqlite_utils.Database, now: datetime, name: str) -> int:
    user_id, conversation_id = make_user(db, now, name)
    coach = make_coach(db, OfflineModel(), now)
    first = coach.turn(user_id, conversation_id, "can we start my consultation")
    assert "What would you like training to do for you?" in first.reply
    for text in CHAT_ANSWERS:
        result = coach.turn(user_id, conversation_id, text)
        assert result.safety["tier"] == "none", text
        assert [c["name"] for c in result.tool_calls] == ["answer_consultation"], text
    return user_id


def test_chat_and_form_reach_the_same_record(db: sqlite_utils.Database, now: datetime) -> None:
    chat_user = _chat(db, now, "chatty")
    form_user = store.ensure_user(db, "former", now)
    consultation.save_form(db, form_user, FORM_ANSWERS, now)
    by_chat = consultation.record_of(db, chat_user, now)
    by_form = consultation.record_of(db, form_user, now)
    assert by_chat is not None and by_form is not None
    assert by_chat.status == by_form.status == "complete"
    assert by_chat.values() == by_form.values()
    assert by_chat.goal is not None and by_chat.goal == by_form.goal
    assert by_chat.goal.text.startswith("I want to get stronger")
    assert by_chat.goal.target.value == 20 and by_chat.goal.target.test_id == "pushup"
    # Completing the record taught the profile, the same way both times.
    chat_profile = store.get_profile(db, chat_user)
    assert chat_profile == store.get_profile(db, form_user)
    assert chat_profile.goal == "strength" and chat_profile.level == "intermediate"
    assert (chat_profile.days_per_week, chat_profile.session_minutes) == (3, 45)
    assert chat_profile.age == 41 and chat_profile.extra["norm_sex"] == "female"
    assert parq.latest_answers(db, chat_user) == parq.latest_answers(db, form_user)


def test_form_survives_a_reload_half_way(db: sqlite_utils.Database, now: datetime) -> None:
    user_id = store.ensure_user(db, "sam", now)
    first_half = dict(list(FORM_ANSWERS.items())[:9])
    consultation.save_form(db, user_id, first_half, now)
    # A reload sends every field again: the filled ones as saved, the rest blank.
    reloaded = consultation.record_of(db, user_id, now + timedelta(hours=2))
    assert reloaded is not None and reloaded.status == "in_progress"
    assert reloaded.next_question == "barriers"
    shown = {a.id: a.raw or "" for a in reloaded.answers}
    later = now + timedelta(days=1)
    consultation.save_form(db, user_id, {**shown, **dict(list(FORM_ANSWERS.items())[9:])}, later)
    done = consultation.record_of(db, user_id, later)
    assert done is not None and done.status == "complete" and not done.missing
    # Answers kept from the first visit keep their first date.
    goal = next(a for a in done.answers if a.id == "goal")
    assert goal.answered_at == store.iso(now)


def test_chat_follows_up_only_on_what_the_form_left_unclear(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id, conversation_id = make_user(db, now, "kim")
    filled = {**FORM_ANSWERS, "days_per_week": "depends on the week", "age": ""}
    record = consultation.save_form(db, user_id, filled, now)
    assert record.unclear == ["days_per_week"] and record.missing == ["age"]
    assert record.next_question == "days_per_week"
    coach = make_coach(db, OfflineModel(), now)
    opened = coach.turn(user_id, conversation_id, "let's finish the consultation")
    assert "How many days a week can you train?" in opened.reply
    coach.turn(user_id, conversation_id, "4 days usually")
    last = coach.turn(user_id, conversation_id, "I'm 38")
    assert "consultation done" in last.reply
    final = consultation.record_of(db, user_id, now)
    assert final is not None and final.values()["days_per_week"] == 4
    assert final.values()["age"] == 38 and final.status == "complete"


def test_a_parq_yes_records_a_caution_flag_and_advice(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id = store.ensure_user(db, "lee", now)
    consultation.save_form(
        db, user_id, {k: v for k, v in FORM_ANSWERS.items() if "PARQ" not in k}, now
    )
    for qid in [q for q in question_ids() if q.startswith("PARQ")]:
        turn = consultation.answer(db, user_id, "yes" if qid == "PARQ-5" else "no", now)
    assert turn.parq_recommendation and "doctor" in turn.parq_recommendation
    assert parq.clearance_recommended(db, user_id)
    # Saving the same answers again does not flag twice.
    consultation.save_form(db, user_id, {"PARQ-5": "yes"}, now)
    flags = db.execute("SELECT COUNT(*) FROM safety_flags WHERE user_id = ?", [user_id]).fetchone()
    assert flags[0] == 1


def test_not_agreeing_to_the_goal_takes_a_correction(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id = store.ensure_user(db, "max", now)
    consultation.answer(db, user_id, "lose some weight", now)
    turn = consultation.answer(db, user_id, "5 kg", now)
    assert turn.record.next_question == "goal_agreed"
    assert "(12 weeks from now)" in (turn.record.next_question_text or "")
    corrected = consultation.answer(db, user_id, "make it 4 kg by March", now)
    assert corrected.record.next_question == "goal_agreed"
    goal = corrected.record.goal
    assert goal is not None and goal.target.value == 4 and not goal.date_assumed
    agreed = consultation.answer(db, user_id, "yes that works", now)
    assert agreed.record.goal_agreed and agreed.record.next_question == "history"


def test_an_answer_that_does_not_fit_is_asked_again(
    db: sqlite_utils.Database, now: datetime
) -> None:
    user_id = store.ensure_user(db, "ana", now)
    consultation.save_form(db, user_id, dict(list(FORM_ANSWERS.items())[:4]), now)
    turn = consultation.answer(db, user_id, "it depends", now)
    assert turn.not_understood == "days_per_week"
    assert turn.say.startswith("I couldn't read that as an answer to this one. How many days")
    assert turn.record.next_question == "days_per_week"


def test_pause_and_resume_lose_nothing(db: sqlite_utils.Database, now: datetime) -> None:
    user_id, conversation_id = make_user(db, now, "jo")
    coach = make_coach(db, OfflineModel(), now)
    coach.turn(user_id, conversation_id, "start the consultation please")
    coach.turn(user_id, conversation_id, "run a 5k")
    paused = coach.turn(user_id, conversation_id, "later")
    assert [c["name"] for c in paused.tool_calls] == ["pause_consultation"]
    assert "1 of" in paused.reply
    # A passing remark afterwards is not read as an answer.
    other = coach.turn(user_id, conversation_id, "I want to train today")
    assert "answer_consultation" not in [c["name"] for c in other.tool_calls]
    resumed = coach.turn(user_id, conversation_id, "continue the consultation")
    assert "carry on" in resumed.reply and "by when?" in resumed.reply
