"""Tools over the person's memory: notes, logging sets and feedback, and history queries."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.errors import ToolRetry
from agent.memory import history, notes, wearables, workouts
from agent.memory.exercises import ExerciseRef, default_index, normalise, slug
from agent.tools.context import ToolContext
from agent.tools.registry import Tool

# -- notes -------------------------------------------------------------------------------


class AddNoteArgs(BaseModel):
    """Something to remember about the person."""

    kind: Literal["preference", "dislike", "barrier", "constraint", "substitution", "schedule"] = (
        Field(
            description="preference | dislike | barrier (what gets in the way) | constraint "
            "(a body area to protect) | substitution (a swap they prefer) | schedule (a "
            "calendar change: travel, holiday, a busy week)"
        )
    )
    subject: str | None = Field(
        default=None,
        description="Body area for constraints ('knee'), exercise for dislikes and "
        "substitutions ('lunge'), topic otherwise.",
    )
    text: str = Field(min_length=1, max_length=500, description="The note in plain words.")
    until: date | None = Field(
        default=None,
        description="Last day a time-bound note applies (YYYY-MM-DD), e.g. the end of "
        "'this week only'; omit for a standing note.",
    )
    days_per_week: int | None = Field(
        default=None,
        ge=1,
        le=7,
        description="For a time-bound schedule note that changes how many days they can "
        "train ('this week only 2 days'): that number. The week's plan follows it until "
        "`until`; the profile is not changed.",
    )


class NoteResult(BaseModel):
    """What changed in the notes."""

    ids: list[int] = Field(description="Note ids affected.")
    active: list[dict[str, Any]] = Field(description="The person's active notes now.")


def _note_result(ctx: ToolContext, ids: list[int]) -> NoteResult:
    active = notes.notes(ctx.db, ctx.user_id, "active", limit=30, today=ctx.now.date())
    return NoteResult(ids=ids, active=active)


def add_note(ctx: ToolContext, args: AddNoteArgs) -> NoteResult:
    """Remember a preference, dislike, barrier, constraint, swap or time-bound schedule change."""
    if args.until is not None and args.until < ctx.now.date():
        raise ToolRetry(f"until {args.until.isoformat()} is already past")
    if args.days_per_week is not None and (args.kind != "schedule" or args.until is None):
        raise ToolRetry("days_per_week goes with a schedule note that has an until date")
    subject = notes.days_subject(args.days_per_week) if args.days_per_week else args.subject
    note_id = notes.add_note(
        ctx.db,
        ctx.user_id,
        kind=args.kind,
        subject=subject,
        text=args.text,
        now=ctx.now,
        ends_on=args.until,
    )
    return _note_result(ctx, [note_id])


class ResolveConstraintArgs(BaseModel):
    """The body area that is fine again."""

    area: str = Field(min_length=1, description="Body area, e.g. 'knee'.")


def resolve_constraint(ctx: ToolContext, args: ResolveConstraintArgs) -> NoteResult:
    """Mark a constraint resolved when the person says the area is fine again."""
    ids = notes.resolve_constraint(ctx.db, ctx.user_id, args.area, ctx.now)
    if not ids:
        areas = [
            n["subject"] for n in notes.notes(ctx.db, ctx.user_id) if n["kind"] == "constraint"
        ]
        raise ToolRetry(
            f"no active constraint on {args.area!r}; active ones: {', '.join(areas) or 'none'}",
            "no_such_constraint",
        )
    return _note_result(ctx, ids)


class ForgetNoteArgs(BaseModel):
    """Which note to forget."""

    target: str = Field(
        min_length=1, description="A note id ('12'), its subject ('lunge') or words from it."
    )


def forget_note(ctx: ToolContext, args: ForgetNoteArgs) -> NoteResult:
    """Forget a note at the person's request, e.g. "forget that I hate lunges"."""
    ids = notes.forget_note(ctx.db, ctx.user_id, args.target, ctx.now)
    if not ids:
        raise ToolRetry(
            f"no active note matches {args.target!r}; call it with a note id", "no_such_note"
        )
    return _note_result(ctx, ids)


# -- logging -----------------------------------------------------------------------------


def resolve_exercise(ctx: ToolContext, name: str) -> ExerciseRef:
    """The catalog exercise ``name`` means, else one the person logged before.

    Raises:
        ToolRetry: Nothing matches; the message lists close matches.
    """
    index = default_index()
    found = index.resolve(name)
    if found is not None:
        return found
    key = normalise(name)
    for exercise_id, exercise_name in workouts.logged_exercises(ctx.db, ctx.user_id):
        if normalise(exercise_name) == key or exercise_id == name:
            return ExerciseRef(exercise_id, exercise_name)
    if not index:
        # Without a catalog every name is accepted as the person said it.
        return ExerciseRef(slug(name), " ".join(name.split()))
    close = index.suggestions(name)
    hint = f"; did you mean: {', '.join(close)}?" if close else "; ask the person to rephrase"
    raise ToolRetry(f"unknown exercise {name!r}{hint}")


def resolve_logged(ctx: ToolContext, name: str) -> ExerciseRef:
    """The exercise the person logged that ``name`` means, else as :func:`resolve_exercise`.

    Reading their own log, "bench" is the bench press they did (a dumbbell one, say), not
    the catalog's first bench press: a logged name with every word of ``name`` (singular)
    wins, the one logged most often first.

    Raises:
        ToolRetry: Nothing matches; the message lists close matches.
    """
    words = [
        w.removesuffix("es") if w.endswith("ses") else w.removesuffix("s")
        for w in normalise(name).replace("-", " ").split()
    ]
    if words:
        counts = workouts.logged_exercise_counts(ctx.db, ctx.user_id)
        for exercise_id, exercise_name, _ in counts:
            have = normalise(exercise_name).replace("-", " ").split()
            if all(any(h.startswith(w) for h in have) for w in words):
                return ExerciseRef(exercise_id, exercise_name)
    return resolve_exercise(ctx, name)


class LogSetsArgs(BaseModel):
    """Sets of one exercise done outside a live session."""

    exercise: str = Field(min_length=1, description="Exercise name, e.g. 'goblet squat'.")
    sets: list[history.SetInput] = Field(
        min_length=1, max_length=30, description="The sets, in order."
    )
    days_ago: int = Field(default=0, ge=0, le=60, description="0 today, 1 yesterday, ...")


MAX_SETS_SHOWN = 8
"""Sets of a past workout a tool result lists; the rest are counted and summarised, so a
result stays small however many sets a day holds (200 logged lines once made every
``log_sets`` result repeat the whole day)."""

MAX_SUMMARY_CHARS = 160


class PastSets(BaseModel):
    """One exercise's sets in one past workout, bounded."""

    date: str = Field(description="Day of that workout (ISO date).")
    sets_total: int = Field(description="Sets of the exercise that day.")
    summary: str = Field(description="Compact text, identical sets grouped (cut if long).")
    sets: list[history.SetView] = Field(description=f"The first {MAX_SETS_SHOWN} sets at most.")


def past_sets(found: history.ExerciseSets) -> PastSets:
    """A bounded view of ``found``: the first sets, the count and a capped summary."""
    summary = found.summary()
    if len(summary) > MAX_SUMMARY_CHARS:
        summary = summary[: MAX_SUMMARY_CHARS - 3].rstrip(", ") + "..."
    return PastSets(
        date=found.sets[0].logged_at[:10] if found.sets else "",
        sets_total=len(found.sets),
        summary=summary,
        sets=found.sets[:MAX_SETS_SHOWN],
    )


class LogSetsResult(BaseModel):
    """What this call stored, with a short summary; never the whole day's sets."""

    exercise_id: str = Field(description="Catalog id the name resolved to.")
    exercise_name: str = Field(description="Catalog name.")
    logged: int = Field(description="Sets stored by this call.")
    sets: list[str] = Field(description="This call's sets, compact (8x16kg).")
    day_sets: int = Field(description="Sets of this exercise on that day, this call's included.")
    last_time: PastSets | None = Field(description="The previous workout with it, before that day.")
    best_e1rm_kg: float | None = Field(description="Best estimated 1RM now, kg.")


LIGHT_LOAD_KG = 30.0
"""[P] A loaded "squat" under this is likelier a dumbbell than a barbell lift."""


def _loaded_variant(exercise: ExerciseRef, name: str, sets: list[history.SetInput]) -> ExerciseRef:
    """A loaded lift is never logged as its bodyweight variant ("squats at 100 kg").

    When the name resolved to a bodyweight exercise but a set carries a load, the barbell
    or dumbbell version of the same name, pattern and main muscle is taken (the lighter load
    tries dumbbells first); a weighted push-up stays a push-up.
    """
    from agent.planning.catalog import load_catalog

    loads = [history.to_kg(s.load, s.unit or "kg") for s in sets if s.load]
    found = load_catalog().find(exercise.id)
    if not loads or found is None or not found.is_bodyweight:
        return exercise
    kinds = (
        ("dumbbell", "barbell")
        if max(kg or 0.0 for kg in loads) < LIGHT_LOAD_KG
        else ("barbell", "dumbbell")
    )
    for kind in kinds:
        loaded = default_index().resolve(f"{kind} {name}")
        variant = load_catalog().find(loaded.id) if loaded else None
        if (
            loaded is not None
            and variant is not None
            and not variant.is_bodyweight
            and (variant.pattern, variant.main_muscle) == (found.pattern, found.main_muscle)
        ):
            return loaded
    return exercise


def log_sets(ctx: ToolContext, args: LogSetsArgs) -> LogSetsResult:
    """Log sets the person did (reps, load with kg/lb, RPE or RIR) outside a live session."""
    exercise = _loaded_variant(resolve_exercise(ctx, args.exercise), args.exercise, args.sets)
    when = ctx.now - timedelta(days=args.days_ago)
    day = when.date().isoformat()
    ids = history.log_sets(
        ctx.db,
        ctx.user_id,
        exercise_id=exercise.id,
        exercise_name=exercise.name,
        sets=args.sets,
        now=when,
    )
    # That day's workout now ends with this call's sets (``days_ago`` may put it before
    # today's): it gives this call's sets as stored and the day's count.
    next_day = (when.date() + timedelta(days=1)).isoformat()
    latest = history.last_performance(ctx.db, ctx.user_id, exercise.id, before=next_day)
    day_sets = sum(1 for s in latest.sets if s.logged_at[:10] == day) if latest else len(ids)
    previous = history.last_performance(ctx.db, ctx.user_id, exercise.id, before=day)
    progress = history.exercise_progress(ctx.db, ctx.user_id, exercise.id, ctx.now)
    stored = latest.sets[-len(ids) :] if latest and ids else []
    return LogSetsResult(
        exercise_id=exercise.id,
        exercise_name=exercise.name,
        logged=len(args.sets),
        sets=[s.label() for s in stored],
        day_sets=max(day_sets, len(args.sets)),
        last_time=past_sets(previous) if previous else None,
        best_e1rm_kg=progress.best_e1rm_kg if progress else None,
    )


class FeedbackArgs(BaseModel):
    """How the last workout felt."""

    difficulty: Literal["too_easy", "about_right", "too_hard"] | None = Field(
        default=None, description="too_easy | about_right | too_hard"
    )
    enjoyment: int | None = Field(default=None, ge=1, le=5, description="Enjoyment 1-5.")
    note: str | None = Field(default=None, max_length=500, description="Anything they added.")
    session_id: int | None = Field(
        default=None, description="Workout id; omit for the latest done workout."
    )


def record_feedback(ctx: ToolContext, args: FeedbackArgs) -> dict[str, Any]:
    """Record how a workout felt (too easy / about right / too hard, enjoyment, a note)."""
    try:
        feedback_id = history.record_feedback(
            ctx.db,
            ctx.user_id,
            now=ctx.now,
            session_id=args.session_id,
            difficulty=args.difficulty,
            enjoyment=args.enjoyment,
            note=args.note,
        )
    except ValueError as exc:
        raise ToolRetry(str(exc)) from exc
    return {"feedback_id": feedback_id, "recorded": args.model_dump(exclude_none=True)}


# -- history queries ---------------------------------------------------------------------


class ExerciseArgs(BaseModel):
    """One exercise."""

    exercise: str = Field(min_length=1, description="Exercise name or id.")


def last_performance(ctx: ToolContext, args: ExerciseArgs) -> dict[str, Any]:
    """The sets the person did the last time they did this exercise."""
    exercise = resolve_logged(ctx, args.exercise)
    found = history.last_performance(ctx.db, ctx.user_id, exercise.id)
    if found is None:
        return {"exercise": exercise.name, "last_time": None, "note": "never logged"}
    return {"exercise": exercise.name, "last_time": past_sets(found).model_dump(mode="json")}


class ProgressArgs(BaseModel):
    """One exercise and how far back to look."""

    exercise: str = Field(min_length=1, description="Exercise name or id.")
    weeks: int = Field(default=12, ge=1, le=104, description="Weeks of trend to return.")


def exercise_progress(ctx: ToolContext, args: ProgressArgs) -> dict[str, Any]:
    """Best sets, heaviest load and the weekly estimated-1RM trend of one exercise."""
    exercise = resolve_logged(ctx, args.exercise)
    found = history.exercise_progress(ctx.db, ctx.user_id, exercise.id, ctx.now, args.weeks)
    if found is None:
        return {"exercise": exercise.name, "progress": None, "note": "never logged"}
    return {"exercise": exercise.name, "progress": found.model_dump(mode="json")}


class WeeksArgs(BaseModel):
    """How many weeks to look at."""

    weeks: int = Field(default=4, ge=1, le=52, description="Weeks, this week included.")


def weekly_muscle_sets(ctx: ToolContext, args: WeeksArgs) -> dict[str, Any]:
    """Hard sets per muscle for each recent week (warm-ups excluded)."""
    found = history.weekly_sets_per_muscle(ctx.db, ctx.user_id, ctx.now, args.weeks)
    return {"weeks": [w.model_dump(mode="json") for w in found]}


def adherence(ctx: ToolContext, args: WeeksArgs) -> history.Adherence:
    """Training days per week against the target, streaks and days since the last workout."""
    return history.adherence(ctx.db, ctx.user_id, ctx.now, args.weeks)


class LimitArgs(BaseModel):
    """How many items."""

    limit: int = Field(default=5, ge=1, le=50, description="At most this many, newest first.")


def skipped_workouts(ctx: ToolContext, args: LimitArgs) -> dict[str, Any]:
    """Recent skipped workouts and the reasons given."""
    found = history.skipped_sessions(ctx.db, ctx.user_id, args.limit)
    return {"skipped": [{"date": w.date, "reason": w.skip_reason} for w in found]}


class NoArgs(BaseModel):
    """No arguments."""


class BestLiftsArgs(BaseModel):
    """How many exercises."""

    limit: int = Field(default=6, ge=1, le=20, description="At most this many exercises.")


def best_lifts(ctx: ToolContext, args: BestLiftsArgs) -> dict[str, Any]:
    """Personal records: the best set, heaviest load and best estimated 1RM per main lift."""
    found = history.top_exercises(ctx.db, ctx.user_id, ctx.now, args.limit, weeks=520)
    return {
        "lifts": [
            {
                "exercise": p.name,
                "best_set": p.best_set.model_dump(mode="json") if p.best_set else None,
                "heaviest_kg": p.heaviest_kg,
                "best_e1rm_kg": p.best_e1rm_kg,
                "trend": p.trend,
            }
            for p in found
        ]
    }


class SkipArgs(BaseModel):
    """Why today is skipped."""

    reason: str | None = Field(default=None, max_length=300, description="In their words.")


def skip_today(ctx: ToolContext, args: SkipArgs) -> dict[str, Any]:
    """Record that the person skips or rests today, with the reason they gave."""
    session_id = history.skip_session(ctx.db, ctx.user_id, now=ctx.now, reason=args.reason)
    week = history.adherence(ctx.db, ctx.user_id, ctx.now, 1)
    return {
        "skipped": ctx.now.date().isoformat(),
        "session_id": session_id,
        "week": week.model_dump(mode="json"),
    }


def preferred_substitutions(ctx: ToolContext, args: NoArgs) -> dict[str, Any]:
    """Exercise swaps the person prefers (subject = the exercise they replace)."""
    return {"substitutions": history.preferred_substitutions(ctx.db, ctx.user_id)}


class RangeArgs(BaseModel):
    """A date range; defaults to the last 7 days."""

    start: date | None = Field(default=None, description="First day (YYYY-MM-DD).")
    end: date | None = Field(default=None, description="Last day (YYYY-MM-DD), default today.")


def workout_history(ctx: ToolContext, args: RangeArgs) -> dict[str, Any]:
    """Workouts and their sets in a date range, e.g. "what did I do last week"."""
    end = args.end or ctx.now.date()
    start = args.start or end - timedelta(days=6)
    if start > end:
        raise ToolRetry("start must be on or before end")
    found = history.workouts_between(ctx.db, ctx.user_id, start, end)
    imported = wearables.planner_activities(ctx.db, ctx.user_id, end, (end - start).days)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        # Runs, rides and swims from a watch: what and how long, never heart-rate traces.
        "activities": [
            {
                "date": a.day.isoformat(),
                "sport": a.sport,
                "minutes": round(a.minutes),
                "hard": a.vigorous,
            }
            for a in imported
        ],
        "workouts": [
            {
                "date": w.date,
                "status": w.status,
                "title": w.title,
                "skip_reason": w.skip_reason,
                "exercises": [e.summary() for e in w.exercises],
            }
            for w in found
        ],
    }


def tools() -> list[Tool]:
    """The memory tools."""
    return [
        Tool.from_function(add_note),
        Tool.from_function(resolve_constraint),
        Tool.from_function(forget_note),
        Tool.from_function(log_sets),
        Tool.from_function(record_feedback),
        Tool.from_function(last_performance),
        Tool.from_function(exercise_progress),
        Tool.from_function(weekly_muscle_sets),
        Tool.from_function(adherence),
        Tool.from_function(skipped_workouts),
        Tool.from_function(best_lifts),
        Tool.from_function(skip_today),
        Tool.from_function(preferred_substitutions),
        Tool.from_function(workout_history),
    ]
