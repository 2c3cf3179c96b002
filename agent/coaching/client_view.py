"""Everything the trainer's client page shows, gathered once for the page and the JSON route.

Profile and consultation, status, program and this week, history and trends (the same
weekly figures the client's own charts draw), assessments, flags with their outcomes,
the latest check-in draft, and one thread merging chat, trainer messages, notes and
system events (plan changed, flag raised, status set) in time order.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from agent.coaching import compliance as comp
from agent.coaching import plan
from agent.coaching.client_records import ClientRecords
from agent.coaching.trainers import require_client
from agent.memory import checkins, history, store
from agent.memory import trainers as trainer_store
from agent.planning.weekly import WeeklyProgram

CHART_WEEKS = 6
"""As many weeks as the client's own progress charts show."""


@dataclass(frozen=True)
class ThreadItem:
    """One entry of the client's thread."""

    at: str
    kind: str
    """chat | message | note | event."""
    author: str
    text: str
    status: str = "sent"
    message_id: int | None = None


@dataclass(frozen=True)
class ChartWeek:
    """One week of the client's progress chart."""

    week_start: str
    sessions: int
    sets_per_muscle: dict[str, float]


@dataclass
class ClientView:
    """The client page's data."""

    user_id: int
    name: str
    profile: dict[str, Any]
    consultation: list[dict[str, str]]
    status: str
    statuses: list[dict[str, Any]]
    compliance: float | None
    program: dict[str, Any] | None
    week: WeeklyProgram | None
    week_error: str | None
    chart: list[ChartWeek]
    workouts: list[dict[str, Any]]
    assessments: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    draft: checkins.DraftRow | None
    adjustments: list[dict[str, Any]]
    thread: list[ThreadItem] = field(default_factory=list)
    audit: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The view as JSON-ready data (the trainer's API returns it)."""
        data = asdict(self)
        data["week"] = self.week.model_dump(mode="json") if self.week else None
        if self.draft is not None:
            data["draft"]["week_start"] = self.draft.week_start.isoformat()
        return data


def _chart(db: sqlite_utils.Database, user_id: int, now: datetime) -> list[ChartWeek]:
    first = history.week_start(now.date()) - timedelta(weeks=CHART_WEEKS - 1)
    days = [d for d in history.training_days(db, user_id) if d >= first]
    return [
        ChartWeek(
            week.week_start,
            sum(1 for d in days if history.week_start(d).isoformat() == week.week_start),
            dict(sorted(week.sets.items(), key=lambda kv: -kv[1])[:8]),
        )
        for week in history.weekly_sets_per_muscle(db, user_id, now, weeks=CHART_WEEKS)
    ]


FLAG_DAYS = 365
"""How far back the page lists safety flags (in the flags section and the thread)."""


def _thread(
    db: sqlite_utils.Database, trainer_id: int, user_id: int, trainer_name: str, now: datetime
) -> list[ThreadItem]:
    items = [
        ThreadItem(
            line.created_at, "chat", "client" if line.role == "user" else "coach", line.content
        )
        for line in trainer_store.chat_lines(db, user_id)
    ]
    for msg in trainer_store.thread_messages(db, user_id):
        author = trainer_name if msg.author == "trainer" else "client"
        items.append(ThreadItem(msg.created_at, "message", author, msg.text, msg.status, msg.id))
    for note in trainer_store.notes(db, trainer_id, user_id):
        items.append(ThreadItem(note.created_at, "note", trainer_name, note.text))
    for adj in checkins.adjustments(db, user_id):
        items.append(
            ThreadItem(
                adj.created_at,
                "event",
                "system",
                f"Plan changed by {adj.trainer}: {adj.kind.replace('_', ' ')} from "
                f"{adj.starts_on.isoformat()}. {adj.reason}",
            )
        )
    for flag in trainer_store.flags_since(db, user_id, now - timedelta(days=FLAG_DAYS)):
        items.append(
            ThreadItem(
                flag.created_at,
                "event",
                "system",
                f"Safety flag raised: {flag.tier} ({', '.join(flag.signals)}); review "
                f"{flag.review_status or 'not needed'}.",
            )
        )
    for row in trainer_store.statuses(db, user_id):
        until = f" until {row.ends_on.isoformat()}" if row.ends_on else ""
        items.append(
            ThreadItem(
                row.starts_on.isoformat(),
                "event",
                "system",
                f"Status {row.status} from {row.starts_on.isoformat()}{until} (set by "
                f"{row.set_by}){': ' + row.note if row.note else ''}.",
            )
        )
    return sorted(items, key=lambda i: i.at)


def client_view(
    db: sqlite_utils.Database,
    trainer_id: int,
    user_id: int,
    now: datetime,
    records: ClientRecords,
) -> ClientView:
    """The client page for this trainer.

    Raises:
        NotYourClient: Not this trainer's client.
    """
    name = require_client(db, trainer_id, user_id)
    trainer = trainer_store.get_trainer(db, trainer_id)
    today = now.date()
    week: WeeklyProgram | None = None
    week_error = None
    try:
        areas = tuple(store.active_constraint_areas(db, user_id))
        week = plan.weekly(plan.PlanScope(db, user_id, now, areas), None)
    except ValueError as exc:
        week_error = str(exc)
    assignment = checkins.assignment_on(db, user_id, today)
    program = None
    if assignment is not None:
        index = ((today - assignment.starts_on).days // 7) % len(assignment.weeks)
        program = {
            "template_id": assignment.template_id,
            "name": assignment.template_name,
            "starts_on": assignment.starts_on.isoformat(),
            "assigned_by": assignment.assigned_by,
            "week_number": index + 1,
            "weeks": len(assignment.weeks),
            "this_week": assignment.weeks[index],
        }
    draft_id = checkins.latest_draft_id(db, user_id)
    first = today - timedelta(days=14)
    return ClientView(
        user_id=user_id,
        name=name,
        profile=store.get_profile(db, user_id).model_dump(),
        consultation=[asdict(c) for c in records.consultation(db, user_id, today)],
        status=comp.client_status(db, user_id, today),
        statuses=[
            {
                **asdict(s),
                "starts_on": s.starts_on.isoformat(),
                "ends_on": s.ends_on.isoformat() if s.ends_on else None,
            }
            for s in trainer_store.statuses(db, user_id)
        ],
        compliance=comp.compliance(db, user_id, first, today - timedelta(days=1)).rate,
        program=program,
        week=week,
        week_error=week_error,
        chart=_chart(db, user_id, now),
        workouts=[w.model_dump() for w in history.recent_workouts(db, user_id, limit=5)],
        assessments=[
            {**asdict(a), "done_on": a.done_on.isoformat()}
            for a in records.assessments(db, user_id, today)
        ],
        flags=[
            asdict(f)
            for f in trainer_store.flags_since(db, user_id, now - timedelta(days=FLAG_DAYS))
        ],
        draft=checkins.draft(db, user_id, draft_id) if draft_id is not None else None,
        adjustments=[
            {
                "kind": a.kind,
                "detail": a.detail,
                "reason": a.reason,
                "trainer": a.trainer,
                "starts_on": a.starts_on.isoformat(),
                "ends_on": a.ends_on.isoformat() if a.ends_on else None,
            }
            for a in checkins.adjustments(db, user_id)
        ],
        thread=_thread(db, trainer_id, user_id, trainer.name if trainer else "trainer", now),
        audit=trainer_store.audit_trail(db, f"user:{user_id}"),
    )
