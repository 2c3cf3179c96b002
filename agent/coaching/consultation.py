"""The consultation: one record per person, filled in chat, through the web form, or both.

Chat (synchronous) asks the next missing question and reads the answer with
``consultation_answers.parse_answer``; the form (asynchronous) saves whatever was filled
on each visit. Both write the same answers under the same question ids, so they reach the
same record; an answer the form could not read is kept as written and marked unclear, and
the coach follows up in chat only on what is missing or unclear. When every question is
answered the record completes: the profile learns the goal category, level, schedule,
equipment and age, notes keep barriers and injuries, and the PAR-Q+ answers go to
``safety.parq`` (a yes records a caution flag and a clearance recommendation).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

import prompts
from agent.coaching import consultation_answers as answers_
from agent.coaching.consultation_answers import SmartGoal
from agent.memory import assessments as rows_
from agent.memory import intake, notes, store
from agent.memory.db import transaction
from agent.memory.store import iso
from safety import parq

if TYPE_CHECKING:
    import sqlite_utils

Source = Literal["chat", "form", "profile"]


class AnswerView(BaseModel):
    """One question and what the person said."""

    id: str = Field(description="Question id.")
    section: str = Field(description="goals | history | schedule | ... | screening.")
    label: str = Field(description="Short label for the record.")
    question: str = Field(description="The question as asked.")
    value: Any = Field(default=None, description="The answer as read (None: not answered).")
    raw: str | None = Field(default=None, description="The person's words.")
    source: str | None = Field(default=None, description="chat | form | profile.")
    answered_at: str | None = Field(default=None, description="When it was answered.")
    unclear: bool = Field(default=False, description="Saved as written but not understood.")


class ConsultationRecord(BaseModel):
    """The consultation as the person (and their trainer) reads and corrects it."""

    status: str = Field(description="in_progress | complete | paused.")
    answers: list[AnswerView] = Field(description="Every question, in asking order.")
    missing: list[str] = Field(description="Question ids not answered yet.")
    unclear: list[str] = Field(description="Question ids answered but not understood.")
    next_question: str | None = Field(default=None, description="Id of the next to ask.")
    next_question_text: str | None = Field(default=None, description="Its wording.")
    goal: SmartGoal | None = Field(default=None, description="The drafted SMART goal.")
    goal_agreed: bool = Field(default=False, description="The person agreed to the goal.")
    level: str | None = Field(default=None, description="Training level the history says.")
    started_at: str | None = None
    updated_at: str | None = None
    completed_at: str | None = None

    def values(self) -> dict[str, Any]:
        """Question id -> value, for comparing two records regardless of how they were filled."""
        return {a.id: a.value for a in self.answers if a.value is not None and not a.unclear}


class ConsultationTurn(BaseModel):
    """What one chat answer did, with the reply text a template made from it."""

    record: ConsultationRecord
    saved: list[str] = Field(default_factory=list, description="Labels of answers saved.")
    not_understood: str | None = Field(
        default=None, description="Id of the question whose answer could not be read."
    )
    parq_recommendation: str | None = Field(
        default=None, description="Clearance advice when a PAR-Q+ answer was yes."
    )
    say: str = Field(default="", description="The coach's reply, from prompts/consultation.")


# -- reading --------------------------------------------------------------------------


def _today(now: datetime) -> Any:
    return now.date()


def _goal(stored: dict[str, dict[str, Any]], now: datetime) -> SmartGoal | None:
    goal = stored.get("goal")
    if not goal or goal.get("unclear"):
        return None
    target = stored.get("goal_target", {})
    day = _goal_day(stored, now)
    return answers_.draft_goal(str(goal["value"]), str(target.get("value") or ""), day)


def _goal_day(stored: dict[str, dict[str, Any]], now: datetime) -> Any:
    # A drafted date is anchored to when the target was said, so reading the record a
    # month later does not move the person's deadline.
    said = (stored.get("goal_target") or stored.get("goal") or {}).get("answered_at")
    return datetime.fromisoformat(said).date() if said else _today(now)


def _view(stored: dict[str, dict[str, Any]]) -> list[AnswerView]:
    views = []
    for q in answers_.questions():
        item = stored.get(q.id, {})
        views.append(
            AnswerView(
                id=q.id,
                section=q.section,
                label=q.label,
                question=q.text,
                value=item.get("value"),
                raw=item.get("raw"),
                source=item.get("source"),
                answered_at=item.get("answered_at"),
                unclear=bool(item.get("unclear")),
            )
        )
    return views


def _build(row: rows_.ConsultationRow, now: datetime) -> ConsultationRecord:
    stored = row.answers
    missing = [qid for qid in answers_.question_ids() if qid not in stored]
    unclear = [qid for qid in answers_.question_ids() if stored.get(qid, {}).get("unclear")]
    todo = [qid for qid in answers_.question_ids() if qid in set(missing) | set(unclear)]
    goal = _goal(stored, now)
    next_id = todo[0] if todo else None
    next_text = None
    if next_id is not None:
        next_text = answers_.question(next_id).text
        if next_id == "goal_agreed" and goal is not None:
            next_text = f"How about this as your goal: {goal.text} {next_text}"
    return ConsultationRecord(
        status=row.status,
        answers=_view(stored),
        missing=missing,
        unclear=unclear,
        next_question=next_id,
        next_question_text=next_text,
        goal=goal,
        goal_agreed=bool(stored.get("goal_agreed", {}).get("value")),
        level=stored.get("history", {}).get("level"),
        started_at=row.started_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
    )


def record_of(db: sqlite_utils.Database, user_id: int, now: datetime) -> ConsultationRecord | None:
    """The person's consultation record, or None when none was started (for any face)."""
    row = rows_.consultation(db, user_id)
    return _build(row, now) if row is not None else None


# -- writing --------------------------------------------------------------------------


def _entry(
    value: Any, raw: str, source: str, now: datetime, unclear: bool = False
) -> dict[str, Any]:
    entry: dict[str, Any] = {"value": value, "raw": raw, "source": source, "answered_at": iso(now)}
    if unclear:
        entry["unclear"] = True
    return entry


def _prefill(db: sqlite_utils.Database, user_id: int, now: datetime) -> dict[str, dict[str, Any]]:
    """What the profile already knows, so the consultation does not ask it twice."""
    profile = store.get_profile(db, user_id)
    known: dict[str, dict[str, Any]] = {}
    for qid, value in (
        ("days_per_week", profile.days_per_week),
        ("session_minutes", profile.session_minutes),
        ("equipment", profile.equipment),
        ("age", profile.age),
    ):
        if value is not None:
            known[qid] = _entry(value, str(value), "profile", now)
    return known


def start(db: sqlite_utils.Database, user_id: int, now: datetime) -> ConsultationRecord:
    """Start the consultation (or resume it: a paused or started one carries on)."""
    with transaction(db):
        row = rows_.consultation(db, user_id)
        if row is None:
            row = rows_.save_consultation(
                db, user_id, _prefill(db, user_id, now), "in_progress", now
            )
        elif row.status == "paused":
            row = rows_.save_consultation(db, user_id, row.answers, "in_progress", now)
    return _build(row, now)


def pause(db: sqlite_utils.Database, user_id: int, now: datetime) -> ConsultationRecord | None:
    """Set the consultation aside; nothing is lost and it resumes where it stopped."""
    row = rows_.consultation(db, user_id)
    if row is None or row.status == "complete":
        return record_of(db, user_id, now)
    return _build(rows_.save_consultation(db, user_id, row.answers, "paused", now), now)


def _apply(
    stored: dict[str, dict[str, Any]],
    question_id: str,
    text: str,
    source: str,
    now: datetime,
    *,
    keep_unclear: bool,
) -> tuple[bool, list[str]]:
    """Read ``text`` as the answer to ``question_id`` into ``stored``.

    Returns whether it was understood, and the ids it set.
    """
    parsed = answers_.parse_answer(question_id, text, now.date())
    if not parsed.ok:
        if keep_unclear and text.strip():
            stored[question_id] = _entry(None, text.strip(), source, now, unclear=True)
            return False, [question_id]
        return False, []
    changed: list[str] = []
    if question_id == "goal_agreed" and parsed.value is False:
        # Not agreed: a correction becomes the new target and the draft is offered again;
        # a bare "no" asks for the target again.
        stored.pop("goal_agreed", None)
        correction = parsed.also.pop("goal_target", None)
        if correction:
            stored["goal_target"] = _entry(correction, correction, source, now)
            changed.append("goal_target")
        elif source == "chat":
            stored.pop("goal_target", None)  # on the form the person edits the field instead
        return True, changed
    if question_id in {"goal", "goal_target"}:
        stored.pop("goal_agreed", None)  # a changed goal needs agreeing again
    stored[question_id] = _entry(parsed.value, " ".join(text.split()), source, now)
    changed.append(question_id)
    for other, value in parsed.also.items():
        if other in answers_.question_ids() and (
            other not in stored or stored[other].get("unclear")
        ):
            stored[other] = _entry(value, " ".join(text.split()), source, now)
            changed.append(other)
        elif other == "level":
            stored["history"]["level"] = value
    return True, changed


def _finish_if_complete(
    db: sqlite_utils.Database,
    user_id: int,
    stored: dict[str, dict[str, Any]],
    now: datetime,
    conversation_id: int | None,
) -> tuple[str, str | None]:
    """Status after saving; on completion the profile, notes and PAR-Q+ learn the answers."""
    recommendation = _record_parq(db, user_id, stored, now, conversation_id)
    todo = [q for q in answers_.question_ids() if q not in stored or stored[q].get("unclear")]
    if todo:
        return "in_progress", recommendation
    _sync_profile(db, user_id, stored, now)
    return "complete", recommendation


def _record_parq(
    db: sqlite_utils.Database,
    user_id: int,
    stored: dict[str, dict[str, Any]],
    now: datetime,
    conversation_id: int | None,
) -> str | None:
    ids = [q.id for q in parq.questions()]
    if any(qid not in stored or stored[qid].get("unclear") for qid in ids):
        return None
    given = {qid: bool(stored[qid]["value"]) for qid in ids}
    if parq.latest_answers(db, user_id) == given:
        return None  # already recorded; a resaved form must not flag twice
    result = parq.record_answers(db, user_id, given, now, conversation_id=conversation_id)
    return result.recommendation


def _sync_profile(
    db: sqlite_utils.Database, user_id: int, stored: dict[str, dict[str, Any]], now: datetime
) -> None:
    def value(qid: str) -> Any:
        return stored.get(qid, {}).get("value")

    changes: dict[str, Any] = {
        "goal": answers_.goal_category(str(value("goal") or "")),
        "level": stored.get("history", {}).get("level"),
        "days_per_week": value("days_per_week"),
        "session_minutes": value("session_minutes"),
        "equipment": value("equipment"),
        "age": value("age"),
    }
    for qid, kind, flag in (
        ("barriers", "barrier", "no_barriers"),
        ("injuries", "constraint", "no_constraints"),
    ):
        said = str(value(qid) or "")
        if answers_.none_said(said):
            changes[flag] = True
        elif said:
            notes.add_note(db, user_id, kind=kind, text=f"consultation: {said}", now=now)
    for qid, kind in (("preferences", "preference"), ("dislikes", "dislike")):
        said = str(value(qid) or "")
        if said and not answers_.none_said(said):
            notes.add_note(db, user_id, kind=kind, text=f"consultation: {said}", now=now)
    intake.update_profile(db, user_id, changes, now)
    if value("sex") in {"female", "male"}:
        profile = store.get_profile(db, user_id)
        extra = {**profile.extra, "norm_sex": value("sex")}
        store.save_profile(db, user_id, profile.model_copy(update={"extra": extra}), now)


def _save(
    db: sqlite_utils.Database,
    user_id: int,
    stored: dict[str, dict[str, Any]],
    now: datetime,
    conversation_id: int | None = None,
) -> tuple[ConsultationRecord, str | None]:
    status, recommendation = _finish_if_complete(db, user_id, stored, now, conversation_id)
    row = rows_.save_consultation(db, user_id, stored, status, now)
    return _build(row, now), recommendation


def answer(
    db: sqlite_utils.Database,
    user_id: int,
    text: str,
    now: datetime,
    *,
    question_id: str | None = None,
    conversation_id: int | None = None,
) -> ConsultationTurn:
    """Read one chat message as the answer to the next question (or ``question_id``).

    Raises:
        KeyError: ``question_id`` is not a consultation question.
    """
    with transaction(db):
        record = start(db, user_id, now)
        target = question_id or record.next_question
        if target is None:
            return _turn(record, [], None, None)
        answers_.question(target)
        row = rows_.consultation(db, user_id)
        stored = dict(row.answers) if row else {}
        understood, changed = _apply(stored, target, text, "chat", now, keep_unclear=False)
        record, recommendation = _save(db, user_id, stored, now, conversation_id)
    labels = [answers_.question(q).label for q in changed]
    return _turn(record, labels, None if understood else target, recommendation)


def save_form(
    db: sqlite_utils.Database, user_id: int, filled: dict[str, str], now: datetime
) -> ConsultationRecord:
    """Save what was filled on the form (any subset; blanks leave answers as they were).

    Raises:
        KeyError: A field that is not a consultation question.
    """
    with transaction(db):
        start(db, user_id, now)
        row = rows_.consultation(db, user_id)
        stored = dict(row.answers) if row else {}
        for qid in answers_.question_ids():
            text = filled.get(qid)
            if text is None or not text.strip():
                continue
            before = stored.get(qid, {})
            if before.get("raw") == " ".join(text.split()) and not before.get("unclear"):
                continue  # unchanged on this visit: keep when it was first answered
            _apply(stored, qid, text, "form", now, keep_unclear=True)
        unknown = sorted(set(filled) - set(answers_.question_ids()))
        if unknown:
            raise KeyError(f"unknown consultation fields: {', '.join(unknown)}")
        record, _ = _save(db, user_id, stored, now)
    return record


def correct(
    db: sqlite_utils.Database, user_id: int, question_id: str, text: str, now: datetime
) -> ConsultationTurn:
    """Replace one answer the person corrects ("actually I can do 4 days").

    Raises:
        KeyError: Unknown question id.
    """
    return answer(db, user_id, text, now, question_id=question_id)


def _turn(
    record: ConsultationRecord, saved: list[str], unclear: str | None, recommendation: str | None
) -> ConsultationTurn:
    say = prompts.render(
        "consultation/turn.j2",
        record=record,
        saved=saved,
        unclear=answers_.question(unclear).text if unclear else None,
        recommendation=recommendation,
    )
    return ConsultationTurn(
        record=record,
        saved=saved,
        not_understood=unclear,
        parq_recommendation=recommendation,
        say=say,
    )


def in_progress(db: sqlite_utils.Database, user_id: int) -> bool:
    """Whether a consultation is under way (started, not paused, not complete)."""
    row = rows_.consultation(db, user_id)
    return row is not None and row.status == "in_progress"
