"""What a trainer decided, applied to the planner's request: approved changes, status, program.

Only approved changes are stored as adjustments (``agent.memory.checkins``), so only they
reach the plan. The client's status is passed to the planner as data and eases the
session (injured, sick: a deload one step easier); paused days (sick, holiday) get no
session in the week's plan. An assigned program template's session for the day is
preferred where the planner finds it fits. Every effect is attributed to the trainer
(:func:`attributions`), so the client sees who decided it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from agent.coaching import compliance as comp
from agent.memory import checkins
from agent.memory import trainers as trainer_store
from agent.planning.catalog import load_catalog
from agent.planning.models import ClientStatus, SessionRequest
from agent.planning.weekly import WeeklyProgram

if TYPE_CHECKING:
    import sqlite_utils

_STATUSES: dict[str, ClientStatus] = {
    "active": "active",
    "injured": "injured",
    "sick": "sick",
    "holiday": "holiday",
}


def apply(db: sqlite_utils.Database, user_id: int, request: SessionRequest) -> SessionRequest:
    """The request with the trainer's adjustments, the status and the program applied."""
    day = request.today
    if day is None:
        return request
    update: dict[str, object] = {}
    status = comp.client_status(db, user_id, day)
    update["client_status"] = _STATUSES[status]
    if comp.STATUS_EFFECTS[status].eased:
        update["deload"] = True
        update["difficulty"] = max(-3, request.difficulty - 1)
    exclude = list(request.exclude)
    prefer = list(request.prefer)
    catalog = load_catalog()
    assignment = checkins.assignment_on(db, user_id, day)
    if assignment is not None and assignment.weeks:
        week = assignment.weeks[((day - assignment.starts_on).days // 7) % len(assignment.weeks)]
        sessions = week.get("sessions") or [] if isinstance(week, dict) else []
        if sessions:
            chosen = sessions[request.variation % len(sessions)]
            ids = [str(e.get("id")) for e in chosen.get("exercises", []) if isinstance(e, dict)]
            prefer = [i for i in ids if i in catalog] + prefer
    for row in checkins.adjustments_on(db, user_id, day):
        if row.kind == "deload":
            update["deload"] = True
        elif row.kind == "shorter_sessions":
            update["minutes"] = min(request.minutes, int(row.detail["minutes"]))
        elif row.kind == "swap":
            old, new = str(row.detail["replace"]), str(row.detail["with"])
            if old in catalog:
                exclude.append(old)
            if new in catalog:
                prefer.insert(0, new)
    update["exclude"] = exclude
    update["prefer"] = [p for p in prefer if p not in exclude]
    return SessionRequest.model_validate({**request.model_dump(), **update})


def _describe(row: checkins.AdjustmentRow) -> str:
    detail = row.detail
    if row.kind == "deload":
        what = "a deload week (fewer sets, lighter loads)"
    elif row.kind == "swap":
        what = f"{detail.get('with_name', detail['with'])} instead of "
        what += str(detail.get("replace_name", detail["replace"]))
    elif row.kind in {"more_days", "fewer_days"}:
        what = f"{detail['days_per_week']} training days a week"
    elif row.kind == "shorter_sessions":
        what = f"sessions of at most {detail['minutes']} minutes"
    else:
        what = row.kind.replace("_", " ")
    return f"Your trainer {row.trainer} changed this: {what}. Why: {row.reason}"


def attributions(db: sqlite_utils.Database, user_id: int, day: date) -> list[str]:
    """The trainer's decisions in force on ``day``, in words for the client."""
    lines = [_describe(row) for row in checkins.adjustments_on(db, user_id, day)]
    rows = trainer_store.statuses(db, user_id)
    status = comp.status_on(rows, day)
    if status != "active":
        current = [r for r in rows if r.covers(day)][-1]
        until = f" until {current.ends_on.isoformat()}" if current.ends_on else ""
        effect = comp.STATUS_EFFECTS[status]
        plan = "no sessions are planned" if effect.paused else "sessions are eased"
        lines.append(f"Status {status}{until} (set by {current.set_by}): {plan}.")
    assignment = checkins.assignment_on(db, user_id, day)
    if assignment is not None:
        lines.append(
            f"Program {assignment.template_name!r} from {assignment.starts_on.isoformat()} "
            f"(assigned by {assignment.assigned_by})."
        )
    return lines


def pause_week(db: sqlite_utils.Database, user_id: int, program: WeeklyProgram) -> WeeklyProgram:
    """The week's program without planned sessions on paused days, saying why."""
    days = [d for d in program.days if d.day is not None]
    if not days:
        return program
    paused = comp.paused_days(
        db, user_id, min(d.day for d in days if d.day), max(d.day for d in days if d.day)
    )
    kept = [d for d in program.days if d.status == "done" or d.day not in paused]
    reasons = list(program.reasons)
    if len(kept) < len(program.days):
        reasons.append(
            f"{len(program.days) - len(kept)} session(s) not planned: the client is on "
            "holiday or sick those days."
        )
    return program.model_copy(update={"days": kept, "reasons": reasons})
