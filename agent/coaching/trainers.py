"""The trainer console as a service: consent links, statuses, check-ins, messages, notes.

The web pages, the JSON routes and ``coach trainer ...`` all call these functions, so a
decision made in one shows in the others and in the audit trail. Every function that
acts for a trainer on a client starts with :func:`require_client`: without an active,
consented link it raises :class:`NotYourClient`, which the faces turn into 404 (a
trainer never learns whether someone else's client exists).

Check-in changes are computed from the client's history by :func:`propose`, a pure
function of :class:`CheckinFacts`: same history, same proposals, each with its reason.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

import sqlite_utils
from pydantic import BaseModel, ConfigDict, Field, ValidationError

import prompts
from agent.coaching import compliance as comp
from agent.coaching import plan
from agent.errors import UserInputError
from agent.memory import checkins, history, store
from agent.memory import trainers as trainer_store
from agent.memory.checkins import ProposedChange
from agent.planning.adapt import substitutes
from agent.planning.catalog import load_catalog

INVITE_TTL = timedelta(days=14)
"""An invite not accepted in two weeks stops working; the trainer can send a new one."""

INVITE_PREFIX = "tr-"

MAX_TEXT_CHARS = 4000
"""Notes and messages: as long as a chat message may be."""

CHANGE_KINDS: tuple[str, ...] = ("deload", "swap", "more_days", "fewer_days", "shorter_sessions")

CHECKIN_DAYS = 14
"""A check-in looks at the last two weeks (the current one is usually not over)."""


class NotYourClient(UserInputError):
    """The trainer has no active link to this person (or the item is not theirs)."""


# -- consent links -----------------------------------------------------------------------
def _invite_hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().encode()).hexdigest()


def create_invite(db: sqlite_utils.Database, trainer: str, now: datetime) -> str:
    """A new invite code for a client to accept (shown once; only its hash is kept).

    Raises:
        UserInputError: No such trainer.
    """
    row = trainer_store.find_trainer(db, trainer)
    if row is None:
        raise UserInputError(f"no trainer called {trainer!r}")
    code = INVITE_PREFIX + secrets.token_hex(5)
    trainer_store.create_invite(db, row.id, _invite_hash(code), now, now + INVITE_TTL)
    store.audit(db, actor=f"trainer:{row.name}", action="trainer.invite_created", now=now)
    return code


def accept_invite(db: sqlite_utils.Database, user_id: int, code: str, now: datetime) -> str:
    """The client accepts an invite: from now on the trainer sees their data.

    Returns:
        The trainer's name.

    Raises:
        TrainerError: The code is unknown, used or expired, or they already have a trainer.
    """
    trainer_id, name = trainer_store.accept_invite(db, _invite_hash(code), user_id, now)
    store.audit(
        db,
        actor=f"user:{user_id}",
        action="trainer.link_accepted",
        now=now,
        subject=f"user:{user_id}",
        detail={"trainer_id": trainer_id},
    )
    return name


def end_link(db: sqlite_utils.Database, user_id: int, by: str, now: datetime) -> bool:
    """End the client's link (by the client or the trainer); access stops at once."""
    ended = trainer_store.end_link(db, user_id, by, now)
    if ended is None:
        return False
    store.audit(
        db,
        actor=by,
        action="trainer.link_ended",
        now=now,
        subject=f"user:{user_id}",
        detail={"trainer_id": ended},
    )
    return True


def require_client(db: sqlite_utils.Database, trainer_id: int, user_id: int) -> str:
    """The client's name, if they are this trainer's client.

    Raises:
        NotYourClient: No active link between them.
    """
    if trainer_store.active_link(db, trainer_id, user_id) is None:
        raise NotYourClient("no such client")
    for client in trainer_store.clients(db, trainer_id):
        if client.user_id == user_id:
            return client.name
    raise NotYourClient("no such client")


def client_by_name(db: sqlite_utils.Database, trainer_id: int, name: str) -> int:
    """The id of the trainer's client called ``name``.

    Raises:
        NotYourClient: No such client of this trainer.
    """
    for client in trainer_store.clients(db, trainer_id):
        if client.name == name:
            return client.user_id
    raise NotYourClient(f"no client called {name!r}")


def _actor(trainer: trainer_store.TrainerRow) -> str:
    return f"trainer:{trainer.name}"


def _trainer(db: sqlite_utils.Database, trainer_id: int) -> trainer_store.TrainerRow:
    row = trainer_store.get_trainer(db, trainer_id)
    if row is None:
        raise NotYourClient("no such trainer")
    return row


# -- statuses, notes, messages -----------------------------------------------------------
def set_status(
    db: sqlite_utils.Database,
    trainer_id: int,
    user_id: int,
    status: str,
    starts_on: date,
    ends_on: date | None,
    note: str,
    now: datetime,
) -> int:
    """Set the client's status from ``starts_on``; it eases or pauses the plan and count.

    Raises:
        NotYourClient: Not this trainer's client.
        TrainerError: Unknown status or bad dates.
    """
    require_client(db, trainer_id, user_id)
    trainer = _trainer(db, trainer_id)
    status_id = trainer_store.add_status(
        db, user_id, status, starts_on, ends_on, trainer.name, note[:MAX_TEXT_CHARS], now
    )
    store.audit(
        db,
        actor=_actor(trainer),
        action="trainer.status_set",
        now=now,
        subject=f"user:{user_id}",
        detail={
            "status": status,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat() if ends_on else None,
        },
    )
    return status_id


def _text(text: str, what: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise UserInputError(f"the {what} is empty")
    if len(cleaned) > MAX_TEXT_CHARS:
        raise UserInputError(f"the {what} can have at most {MAX_TEXT_CHARS} characters")
    return cleaned


def add_note(
    db: sqlite_utils.Database, trainer_id: int, user_id: int, text: str, now: datetime
) -> int:
    """A private note on the client's thread."""
    require_client(db, trainer_id, user_id)
    note_id = trainer_store.add_note(db, trainer_id, user_id, _text(text, "note"), now)
    store.audit(
        db,
        actor=_actor(_trainer(db, trainer_id)),
        action="trainer.note_added",
        now=now,
        subject=f"user:{user_id}",
    )
    return note_id


def send_message(
    db: sqlite_utils.Database, trainer_id: int, user_id: int, text: str, now: datetime
) -> int:
    """A message the trainer writes and sends to the client."""
    require_client(db, trainer_id, user_id)
    message_id = trainer_store.add_message(
        db, user_id, trainer_id, "trainer", _text(text, "message"), "sent", now
    )
    store.audit(
        db,
        actor=_actor(_trainer(db, trainer_id)),
        action="trainer.message_sent",
        now=now,
        subject=f"user:{user_id}",
        detail={"message_id": message_id},
    )
    return message_id


def client_message(db: sqlite_utils.Database, user_id: int, text: str, now: datetime) -> int:
    """A message from the client to their trainer.

    Raises:
        UserInputError: They have no trainer, or the text is empty or too long.
    """
    trainer = trainer_store.trainer_of(db, user_id)
    if trainer is None:
        raise UserInputError("you have no trainer linked; accept an invite first")
    return trainer_store.add_message(
        db, user_id, trainer.id, "client", _text(text, "message"), "sent", now
    )


def decide_message(
    db: sqlite_utils.Database,
    trainer_id: int,
    user_id: int,
    message_id: int,
    action: Literal["send", "reject"],
    now: datetime,
    text: str | None = None,
) -> None:
    """Send (as drafted or edited) or reject a drafted message. Only sent ones reach the client.

    Raises:
        NotYourClient: Not this trainer's client, or no such draft of theirs.
        UserInputError: The message was already decided, or the edit is empty.
    """
    require_client(db, trainer_id, user_id)
    found = trainer_store.message(db, user_id, message_id)
    if found is None or found.author != "trainer":
        raise NotYourClient("no such message")
    if found.status != "draft":
        raise UserInputError(f"this message was already {found.status}")
    final = _text(text, "message") if text is not None else found.text
    edited = final != found.text
    trainer_store.set_message(
        db, message_id, "sent" if action == "send" else "rejected", final, now
    )
    store.audit(
        db,
        actor=_actor(_trainer(db, trainer_id)),
        action=f"trainer.message_{'sent' if action == 'send' else 'rejected'}",
        now=now,
        subject=f"user:{user_id}",
        detail={"message_id": message_id, "edited": edited},
    )


# -- check-ins ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Stalled:
    """An exercise whose best has not moved for weeks, and what could replace it."""

    exercise_id: str
    name: str
    weeks: int
    trend: str
    substitute_id: str | None
    substitute_name: str | None


@dataclass(frozen=True)
class CheckinFacts:
    """Everything :func:`propose` decides from: the last two weeks of one client."""

    client: str
    status: str
    days_per_week: int | None
    session_minutes: int | None
    done_per_week: list[int]
    """Training days in each of the last two full weeks, oldest first."""
    missed: list[trainer_store.MissedSession]
    effort: trainer_store.EffortCounts
    stalled: list[Stalled] = field(default_factory=list)
    compliance: float | None = None


def propose(facts: CheckinFacts) -> list[ProposedChange]:
    """The changes a check-in proposes for next week, each with its reason (pure)."""
    if facts.status in {"sick", "holiday"}:
        return []  # the status already pauses the plan; nothing to tune until they are back
    changes: list[ProposedChange] = []
    hard = facts.effort.too_hard >= 2
    grinding = facts.effort.rated >= 6 and facts.effort.near_failure * 2 >= facts.effort.rated
    if facts.status == "injured" or hard or grinding:
        why = []
        if facts.status == "injured":
            why.append("the client is marked injured")
        if hard:
            why.append(f"{facts.effort.too_hard} workouts rated too hard in two weeks")
        if grinding:
            why.append(
                f"{facts.effort.near_failure} of {facts.effort.rated} rated sets at RPE 9+ "
                "(1 rep or less in reserve)"
            )
        changes.append(ProposedChange("deload", {"weeks": 1}, "; ".join(why) + "."))
    days = facts.days_per_week
    if len(facts.missed) >= 2:
        reasons = [m.reason for m in facts.missed if m.reason]
        said = f" (they said: {'; '.join(reasons)})" if reasons else ""
        if days and days > 2:
            changes.append(
                ProposedChange(
                    "fewer_days",
                    {"days_per_week": days - 1, "from": days},
                    f"{len(facts.missed)} sessions missed in two weeks{said}; a plan that fits "
                    "the week beats one that is skipped.",
                )
            )
        minutes = facts.session_minutes or plan.DEFAULT_MINUTES
        if minutes > 20:
            changes.append(
                ProposedChange(
                    "shorter_sessions",
                    {"minutes": max(20, minutes - 15), "from": minutes},
                    f"{len(facts.missed)} sessions missed in two weeks{said}; shorter "
                    "sessions are easier to fit in.",
                )
            )
    elif (
        days
        and days < 6
        and len(facts.done_per_week) == 2
        and all(done >= days for done in facts.done_per_week)
        and not hard
        and not grinding
        and facts.status == "active"
    ):
        changes.append(
            ProposedChange(
                "more_days",
                {"days_per_week": days + 1, "from": days},
                f"every planned day done two weeks running ({facts.done_per_week[0]} and "
                f"{facts.done_per_week[1]} of {days}) with effort in range; ready for one more.",
            )
        )
    for item in facts.stalled[:2]:
        if item.substitute_id is None:
            continue
        changes.append(
            ProposedChange(
                "swap",
                {
                    "replace": item.exercise_id,
                    "replace_name": item.name,
                    "with": item.substitute_id,
                    "with_name": item.substitute_name,
                },
                f"{item.name} has been {item.trend} for {item.weeks} weeks; a close variation "
                "(same pattern and muscles) restarts progress.",
            )
        )
    return changes


def gather_facts(
    db: sqlite_utils.Database, user_id: int, client: str, now: datetime
) -> CheckinFacts:
    """Read the two weeks a check-in looks at."""
    today = now.date()
    this_monday = history.week_start(today)
    weeks = [this_monday - timedelta(weeks=2), this_monday - timedelta(weeks=1)]
    days = history.training_days(db, user_id)
    done = [sum(1 for d in days if w <= d < w + timedelta(days=7)) for w in weeks]
    first = today - timedelta(days=CHECKIN_DAYS)
    last = today - timedelta(days=1)
    paused = comp.paused_days(db, user_id, first, last)
    missed = [
        m for m in trainer_store.missed_sessions(db, user_id, first, last) if m.day not in paused
    ]
    request, _past = plan.build_request(db, user_id, now, plan.Overrides(), carry_today=False)
    catalog = load_catalog()
    stalled: list[Stalled] = []
    for progress in history.top_exercises(db, user_id, now, limit=6):
        if progress.trend not in {"flat", "down"} or len(progress.weekly_best) < 3:
            continue
        if progress.exercise_id not in catalog:
            continue
        options = substitutes(progress.exercise_id, request)
        stalled.append(
            Stalled(
                progress.exercise_id,
                progress.name,
                len(progress.weekly_best),
                progress.trend,
                options[0].id if options else None,
                options[0].name if options else None,
            )
        )
    profile = store.get_profile(db, user_id)
    rate = comp.compliance(db, user_id, first, last).rate
    return CheckinFacts(
        client=client,
        status=comp.client_status(db, user_id, today),
        days_per_week=comp.days_per_week_on(db, user_id, today),
        session_minutes=profile.session_minutes,
        done_per_week=done,
        missed=missed,
        effort=trainer_store.effort_counts(db, user_id, first),
        stalled=stalled,
        compliance=rate,
    )


def _summary(facts: CheckinFacts) -> dict[str, Any]:
    return {
        "status": facts.status,
        "days_per_week": facts.days_per_week,
        "session_minutes": facts.session_minutes,
        "done_per_week": facts.done_per_week,
        "compliance": facts.compliance,
        "missed": [{"day": m.day.isoformat(), "reason": m.reason} for m in facts.missed],
        "rated_sets": facts.effort.rated,
        "near_failure_sets": facts.effort.near_failure,
        "too_hard_workouts": facts.effort.too_hard,
        "stalled": [s.name for s in facts.stalled],
    }


def draft_checkin(db: sqlite_utils.Database, trainer_id: int, user_id: int, now: datetime) -> int:
    """Draft a check-in: the summary, the proposed changes and a message, all unsent.

    Raises:
        NotYourClient: Not this trainer's client.
    """
    client = require_client(db, trainer_id, user_id)
    trainer = _trainer(db, trainer_id)
    facts = gather_facts(db, user_id, client, now)
    changes = propose(facts)
    summary = _summary(facts)
    draft_id = checkins.save_draft(
        db, trainer_id, user_id, history.week_start(now.date()), summary, changes, now
    )
    text = prompts.render(
        "trainer/checkin_message.j2", client=client.split()[0], trainer=trainer.name, week=summary
    )
    trainer_store.add_message(db, user_id, trainer_id, "trainer", text, "draft", now, draft_id)
    store.audit(
        db,
        actor=_actor(trainer),
        action="trainer.checkin_drafted",
        now=now,
        subject=f"user:{user_id}",
        detail={"draft_id": draft_id, "changes": [c.kind for c in changes]},
    )
    return draft_id


def draft_weekly_checkins(db: sqlite_utils.Database, trainer_id: int, now: datetime) -> list[int]:
    """Draft this week's check-in for every client who has none yet (run it weekly).

    Returns:
        The new drafts' ids; clients already drafted this week are left alone, so running
        it twice drafts nothing twice.
    """
    monday = history.week_start(now.date())
    drafted = []
    for client in trainer_store.clients(db, trainer_id):
        latest = checkins.latest_draft_id(db, client.user_id)
        found = checkins.draft(db, client.user_id, latest) if latest is not None else None
        if found is not None and found.week_start >= monday and found.trainer_id == trainer_id:
            continue
        drafted.append(draft_checkin(db, trainer_id, client.user_id, now))
    return drafted


class _Edit(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeloadEdit(_Edit):
    """A deload's length."""

    weeks: int = Field(ge=1, le=4)


class DaysEdit(_Edit):
    """Training days per week."""

    days_per_week: int = Field(ge=1, le=7)
    from_: int | None = Field(default=None, alias="from")


class MinutesEdit(_Edit):
    """Session length."""

    minutes: int = Field(ge=10, le=180)
    from_: int | None = Field(default=None, alias="from")


class SwapEdit(_Edit):
    """Which exercise replaces which."""

    replace: str
    replace_name: str | None = None
    with_: str = Field(alias="with")
    with_name: str | None = None


_EDITS: dict[str, type[_Edit]] = {
    "deload": DeloadEdit,
    "more_days": DaysEdit,
    "fewer_days": DaysEdit,
    "shorter_sessions": MinutesEdit,
    "swap": SwapEdit,
}


def _checked_detail(kind: str, detail: dict[str, Any]) -> dict[str, Any]:
    try:
        parsed = _EDITS[kind].model_validate(detail)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserInputError(f"cannot use that edit: {where}: {first['msg']}") from exc
    out = parsed.model_dump(by_alias=True, exclude_none=True)
    if isinstance(parsed, SwapEdit):
        catalog = load_catalog()
        if parsed.with_ not in catalog:
            match = catalog.resolve(parsed.with_)
            if match.exercise_id is None:
                raise UserInputError(f"no exercise like {parsed.with_!r} in the catalog")
            out["with"] = match.exercise_id
        out["with_name"] = catalog.get(out["with"]).name
    return out


def decide_change(
    db: sqlite_utils.Database,
    trainer_id: int,
    user_id: int,
    change_id: int,
    action: Literal["approve", "reject"],
    now: datetime,
    edit: dict[str, Any] | None = None,
) -> None:
    """Approve (as proposed or edited) or reject one proposed change.

    An approved change is in force from next Monday (a deload for its weeks, the others
    until replaced), attributed to the trainer. A rejected one never reaches the plan.

    Raises:
        NotYourClient: Not this trainer's client, or no such change of theirs.
        UserInputError: Already decided, or the edit does not fit the change.
    """
    require_client(db, trainer_id, user_id)
    trainer = _trainer(db, trainer_id)
    found = checkins.change(db, user_id, change_id)
    if found is None:
        raise NotYourClient("no such change")
    if found.status != "proposed":
        raise UserInputError(f"this change was already {found.status}")
    detail = None
    if edit is not None and action == "approve":
        detail = _checked_detail(found.kind, {**found.detail, **edit})
        if detail == found.detail:
            detail = None
    status = "approved" if action == "approve" else "rejected"
    checkins.decide(db, change_id, status, trainer.name, now, detail)
    if status == "approved":
        final = detail if detail is not None else found.detail
        starts = history.week_start(now.date()) + timedelta(days=7)
        ends = None
        if found.kind == "deload":
            ends = starts + timedelta(weeks=int(final["weeks"])) - timedelta(days=1)
        checkins.add_adjustment(
            db,
            user_id,
            change_id,
            ProposedChange(found.kind, final, found.reason),
            trainer.name,
            starts,
            ends,
            now,
        )
    store.audit(
        db,
        actor=_actor(trainer),
        action=f"trainer.change_{status}",
        now=now,
        subject=f"user:{user_id}",
        detail={
            "change_id": change_id,
            "kind": found.kind,
            "edited": detail is not None,
            **({"before": found.detail, "after": detail} if detail is not None else {}),
        },
    )
