"""From an understood message to tool calls, the way an LLM would choose them.

Every intent found in the message is served in one round, in a fixed order: save what
the person told us, then log what they did, then plan or adapt today, then answer
questions. A tool is called only when it is among the tools offered, and its arguments
are matched to the offered schema's parameter names (``data/intents.yaml``
``arg_aliases``), so the model degrades gracefully as tools come and go.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from agent.models.base import ToolCall
from agent.models.offline import slots as slot_parsers
from agent.models.offline.grammar import arg_aliases, classify, question_field
from agent.models.offline.slots import Slots, extract
from agent.models.offline.state import PLAN_TOOLS, DialogueState
from agent.planning.minutes import MIN_MINUTES

_PAST = re.compile(r"\b(was|were|felt|did|had|found|yesterday|last (session|time|workout))\b")
_PROGRESS_CHECK = re.compile(r"\bhow (am i|have i been|is my)\b")


@dataclass(frozen=True)
class Understanding:
    """What the offline model read in one message."""

    text: str
    intents: list[str]
    slots: Slots
    answered: str | None = None
    """The intake field this message answered, when it replied to the coach's question."""
    unclear: dict[str, list[str]] = field(default_factory=dict)
    """Exercise phrases the catalog cannot place confidently -> its closest names."""

    def has(self, *names: str) -> bool:
        """Whether any of ``names`` was understood."""
        return any(name in self.intents for name in names)


def _answer_to_question(text: str, asked: str | None, found: Slots) -> Slots:
    """Read a short answer ("3", "dumbbells", "nothing") against the coach's question."""
    if asked is None:
        return found
    if asked == "days_per_week" and found.days_per_week is None:
        number = slot_parsers.find_number(text)
        if number is not None and 1 <= number <= 7 and number == int(number):
            return replace(found, days_per_week=int(number))
    if asked == "session_minutes" and found.minutes is None:
        number = slot_parsers.find_number(text)
        # Any length is taken as the answer; the tool says clearly when it is out of range.
        if number is not None and number >= MIN_MINUTES:
            return replace(found, minutes=int(number))
    if asked == "equipment" and not found.equipment.mentioned:
        return replace(found, equipment=slot_parsers.find_equipment(text, answering=True))
    return found


def understand(text: str, last_question: str | None = None) -> Understanding:
    """Parse ``text`` into intents and slots, reading it against the coach's last question.

    Cached: a turn reads the same message once to call tools and again to reply.
    Callers must not mutate the result.
    """
    return _understand(text, last_question)


@lru_cache(maxsize=256)
def _understand(text: str, last_question: str | None) -> Understanding:
    asked = question_field(last_question)
    found = _answer_to_question(text, asked, extract(text))
    intents = classify(text, found)
    answered = asked if asked and _answers(asked, found) else None
    if answered and "intake" not in intents:
        intents.append("intake")
    if answered == "equipment":
        # "just bands, I train at home" answers the question; it changes no plan.
        intents = [i for i in intents if i not in ("equipment_change", "equipment_added")]
    if "symptom_question" in intents or "scope" in intents:
        # A question about symptoms is not a request for a session.
        intents = [i for i in intents if i not in ("plan_today", "readiness", "soreness")]
    phrases = [found.exercise, *(entry.exercise for entry in found.sets)]
    unclear = {p: c for p in phrases if p for c in [_unclear_exercise(p)] if c}
    return Understanding(
        text=text, intents=intents, slots=found, answered=answered, unclear=unclear
    )


MIN_SUGGESTION_SCORE = 55.0
"""Below this similarity a catalog name is no useful suggestion; the phrase passes through."""


@lru_cache(maxsize=512)
def _unclear_exercise(phrase: str) -> list[str]:
    """Close catalog names when ``phrase`` is not a confident match, else nothing.

    The tools resolve names themselves; asking first spares the person a wrong guess.
    """
    try:
        from agent.planning.catalog import resolve_exercise
    except ImportError:  # the catalog is optional for the model
        return []
    resolution = resolve_exercise(phrase)
    if resolution.confident:
        return []
    return [m.name for m in resolution.matches if m.score >= MIN_SUGGESTION_SCORE][:3]


def _answers(asked: str, found: Slots) -> bool:
    values = {
        "days_per_week": found.days_per_week,
        "session_minutes": found.minutes,
        "equipment": found.equipment.mentioned or None,
        "goal": found.goal,
        "level": found.level,
    }
    return values.get(asked) is not None


# --- building calls against the offered schemas ----------------------------------------


@dataclass
class CallBuilder:
    """Collects tool calls, keeping only offered tools and parameters they accept."""

    tools: list[dict[str, Any]]
    calls: list[ToolCall] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._params: dict[str, set[str]] = {}
        for schema in self.tools:
            function = schema.get("function") or {}
            properties = (function.get("parameters") or {}).get("properties") or {}
            self._params[str(function.get("name"))] = set(properties)

    def offered(self, name: str) -> bool:
        """Whether the tool ``name`` is available this turn."""
        return name in self._params

    def param(self, tool: str, logical: str) -> str | None:
        """The offered parameter name for a logical argument, if the tool has one."""
        accepted = self._params.get(tool, set())
        for candidate in arg_aliases().get(logical, [logical]):
            if candidate in accepted:
                return candidate
        return None

    def add(self, tool: str, **logical: Any) -> bool:
        """Queue ``tool`` with the logical arguments it accepts; False if it is not offered."""
        if not self.offered(tool):
            return False
        arguments: dict[str, Any] = {}
        for key, value in logical.items():
            if value is None:
                continue
            name = self.param(tool, key)
            if name is not None:
                arguments[name] = value
        self.calls.append(
            ToolCall(
                id=f"call_{len(self.calls) + 1}_{tool}",
                name=tool,
                arguments=json.dumps(arguments, sort_keys=True),
            )
        )
        return True


def _profile_changes(u: Understanding, state: DialogueState) -> dict[str, Any]:
    s = u.slots
    changes: dict[str, Any] = {"goal": s.goal, "level": s.level, "days_per_week": s.days_per_week}
    adapting = u.has("plan_today", "shorten") or state.plan_exists
    if s.minutes is not None and (not adapting or u.answered == "session_minutes"):
        changes["session_minutes"] = s.minutes
    equipment_now = u.has("equipment_change") and not u.answered == "equipment"
    if not equipment_now:
        if s.equipment.nothing:
            changes["equipment"] = [_bodyweight()]
        elif s.equipment.available:
            changes["equipment"] = list(s.equipment.available)
    return {k: v for k, v in changes.items() if v is not None}


def _bodyweight() -> str:
    return str(slot_parsers.lexicon()["bodyweight_word"])


def _today_equipment(s: Slots) -> list[str] | None:
    if s.equipment.nothing:
        return [_bodyweight()]
    return list(s.equipment.available) or None


def _equipment_for_today(u: Understanding) -> bool:
    """Whether equipment named in this message limits today's plan.

    "a 20-minute dumbbell session" asks for dumbbells today; "I bought a kettlebell" adds
    to what the person owns and must not shrink today's choice to the new item.
    """
    if u.has("equipment_change"):
        return True
    return u.slots.equipment.mentioned and not u.has("equipment_added")


def _plan_or_adapt(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    s = u.slots
    avoid = (s.body_parts or None) if u.has("soreness") else None
    wants_plan = u.has("plan_today") or (u.has("readiness") and not state.plan_exists)
    if not wants_plan and state.plan_exists:
        if (
            s.minutes is not None
            and u.has("shorten")
            and out.add("shorten_session", minutes=s.minutes)
        ):
            return
        if u.has("equipment_change") and s.equipment.mentioned:
            equipment = _today_equipment(s)
            if out.add("swap_equipment", equipment=equipment or [_bodyweight()]):
                return
        if avoid:
            wants_plan = True
    if not wants_plan and not state.plan_exists:
        # "only 15 minutes" or "no bench today" before any plan: plan today with it.
        wants_plan = (u.has("shorten") and s.minutes is not None) or (
            u.has("equipment_change") and s.equipment.mentioned
        )
    if wants_plan:
        out.add(
            "plan_today",
            minutes=s.minutes,
            equipment=_today_equipment(s) if _equipment_for_today(u) else None,
            goal=s.goal,
            energy=s.energy,
            poor_sleep=True if s.poor_sleep else None,
            avoid=avoid,
        )


def _difficulty(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    if not u.has("easier", "harder"):
        return
    harder = u.has("harder") and not u.has("easier")
    past = bool(_PAST.search(u.text.lower())) or u.has("feedback")
    if (
        past
        or not state.plan_exists
        or not out.add("adjust_difficulty", direction="harder" if harder else "easier")
    ):
        out.add(
            "record_feedback",
            difficulty="too_easy" if harder else "too_hard",
            note=u.text[:500],
        )


def _feedback(u: Understanding, out: CallBuilder) -> None:
    if not u.has("feedback") or u.has("easier", "harder"):
        return
    lowered = u.text.lower()
    enjoyment = 5 if re.search(r"lov|great|amazing|fun", lowered) else None
    if re.search(r"hate|awful|terrible|boring", lowered):
        enjoyment = 1
    out.add("record_feedback", difficulty="about_right", enjoyment=enjoyment, note=u.text[:500])


def _log(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    previous: str | None = None
    for entry in u.slots.sets:
        exercise = entry.exercise or previous
        previous = exercise
        if exercise is None or exercise in u.unclear:
            continue
        one: dict[str, Any] = {"reps": entry.reps}
        if entry.load is not None:
            one["load"] = entry.load.value
            if entry.load.unit is not None:
                one["unit"] = entry.load.unit
        if entry.effort is not None:
            one.update({k: v for k, v in vars(entry.effort).items() if v is not None})
        out.add("log_sets", exercise=exercise, sets=[one] * entry.sets)


def _questions(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    s = u.slots
    swap = u.has("swap_exercise") or (u.has("dislike") and state.plan_exists)
    if s.exercise in u.unclear or u.has("forget_note"):
        pass
    elif swap and s.exercise:
        out.add("swap_exercise", exercise=s.exercise, reason=u.text[:300])
    if u.has("progression") and s.exercise and s.exercise not in u.unclear:
        if not out.add("next_progression", exercise=s.exercise):
            out.add("exercise_progress", exercise=s.exercise)
    if u.has("weekly_program"):
        out.add("weekly_program")
    if u.has("consistency"):
        out.add("adherence")
    if u.has("history") and s.exercise and s.exercise not in u.unclear:
        if not out.add("last_performance", exercise=s.exercise):
            out.add("workout_history")
    elif u.has("history"):
        out.add("workout_history")
        if _PROGRESS_CHECK.search(u.text.lower()) and not u.has("consistency"):
            out.add("adherence")


def _notes(u: Understanding, out: CallBuilder) -> None:
    if u.has("constraint_resolved"):
        for area in u.slots.body_parts:
            out.add("resolve_constraint", area=area)
    if u.has("forget_note"):
        target = re.sub(
            r"^.*?\bforget\b\s*(what i said about\s+|about\s+|that\s+)?",
            "",
            u.text,
            flags=re.IGNORECASE,
        )
        if u.has("dislike") and u.slots.exercise:
            target = u.slots.exercise  # "forget that I hate lunges" -> the lunges note
        out.add("forget_note", target=target.strip(" .!?") or u.text)
    if u.has("add_note") and not u.has("forget_note"):
        out.add("add_note", kind="preference", text=u.text[:500])
    if u.has("dislike") and not u.has("forget_note") and u.slots.exercise:
        out.add("add_note", kind="dislike", subject=u.slots.exercise, text=u.text[:500])
    if u.has("barrier"):
        out.add("add_note", kind="barrier", text=u.text[:500])


def _soreness_note(u: Understanding, state: DialogueState, out: CallBuilder) -> None:
    """A sore area with no session to adapt is remembered as a constraint."""
    if not u.has("soreness") or u.has("plan_today", "readiness") or state.plan_exists:
        return
    for area in u.slots.body_parts:
        out.add("add_note", kind="constraint", subject=area, text=u.text[:500])


_STEPS: tuple[Callable[[Understanding, DialogueState, CallBuilder], None], ...] = (
    lambda u, st, out: _notes(u, out),
    _soreness_note,
    _log,
    lambda u, st, out: _feedback(u, out),
    _difficulty,
    _plan_or_adapt,
    _questions,
)


def first_round(
    u: Understanding, state: DialogueState, tools: list[dict[str, Any]]
) -> list[ToolCall]:
    """The calls a new user message asks for (possibly none)."""
    out = CallBuilder(tools)
    changes = _profile_changes(u, state)
    if changes and (u.has("intake") or u.answered):
        out.add("update_profile", **changes)
    for step in _STEPS:
        step(u, state, out)
    if state.plan_locked:
        # An open stop-tier flag: no session changes are even asked for (see replies).
        out.calls = [c for c in out.calls if c.name not in PLAN_TOOLS]
    if u.has("equipment_added") and u.slots.equipment.available and not out.calls:
        # The profile holds the full list: read it, then add to it (see follow_up).
        out.add("get_profile")
    if not out.calls and u.has("greeting", "profile_question", "intake"):
        out.add("get_profile")
    return out.calls


def _equipment_follow_up(
    u: Understanding, state: DialogueState, out: CallBuilder
) -> list[ToolCall]:
    """After get_profile for "I bought a kettlebell": save the list with the new item."""
    read = next((r for r in state.results if r.name == "get_profile" and r.ok), None)
    if read is None or not u.has("equipment_added") or state.called("update_profile"):
        return []
    profile = read.result.get("profile", {}) if isinstance(read.result, dict) else {}
    current = [str(e) for e in profile.get("equipment") or []]
    merged = current + [e for e in u.slots.equipment.available if e not in current]
    if merged != current:
        out.add("update_profile", equipment=merged)
    return out.calls


def follow_up(
    u: Understanding, state: DialogueState, tools: list[dict[str, Any]]
) -> list[ToolCall]:
    """Calls to make after the first round's results: plan once intake is complete enough."""
    out = CallBuilder(tools)
    added = _equipment_follow_up(u, state, out)
    if added:
        return added
    profile_update = next((r for r in state.results if r.name == "update_profile" and r.ok), None)
    if profile_update is None or state.plan_exists or state.called("plan_today"):
        return []
    if state.rounds > 1 or len(state.results) != 1:
        return []
    result = profile_update.result
    profile = result.get("profile", {}) if isinstance(result, dict) else {}
    ready = (
        profile.get("goal")
        and profile.get("equipment") is not None
        and profile.get("session_minutes")
    )
    if ready and not state.plan_locked:
        out.add("plan_today")
    return out.calls
