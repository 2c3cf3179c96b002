"""Replies rendered from Jinja2 templates under ``prompts/offline/``, fed only by tool results.

Each tool result this turn is rendered by its own template (``prompts/offline/tools/``);
the closing template adds what no tool answers: honest limits, the next intake question,
or a clarifying question with examples. Every figure a reply shows comes from a tool.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import prompts
from agent.models.offline import advice as advice_reader
from agent.models.offline import events, remarks
from agent.models.offline import situation as situation_reader
from agent.models.offline import slots as slot_parsers
from agent.models.offline.answers import explain_exercise, find_faq, variant
from agent.models.offline.grammar import (
    describe,
    plan_changing,
    registry,
    tool_served,
    understood_examples,
)
from agent.models.offline.policy import (
    ADHERENCE_INTENTS,
    Understanding,
    catalog_name_in,
    situation_of,
    unconfirmed_changes,
)
from agent.models.offline.router import SESSION_TOOLS
from agent.models.offline.situation import confirm_question
from agent.models.offline.state import (
    DialogueState,
    ToolResult,
    find_session,
    planned_exercises,
    planned_matching,
    planned_named,
)
from agent.planning import populations
from agent.planning.catalog import constraint_tags, describe_tags
from agent.regexes import cached_compile

_TOOL_TEMPLATES = Path(prompts.TEMPLATE_DIR) / "offline" / "tools"

_SHARED_TEMPLATES = {
    "get_profile": "profile",
    "update_profile": "profile",
    "plan_today": "session",
    "shorten_session": "session",
    "swap_equipment": "session",
    "swap_exercise": "session",
    "adjust_difficulty": "session",
    "equipment_unavailable": "session",
    "add_note": "notes",
    "forget_note": "notes",
    "resolve_constraint": "notes",
    "last_performance": "progress",
    "exercise_progress": "progress",
}


def session_blocks(session: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The session's exercises grouped as the planner grouped them (supersets, circuits).

    Without usable blocks every exercise stands alone with its own rest.
    """
    if session is None:
        return []
    exercises = [e for e in session.get("exercises") or [] if isinstance(e, dict)]
    by_id = {e.get("id"): e for e in exercises}
    blocks = [b for b in session.get("blocks") or [] if isinstance(b, dict)]
    grouped: list[dict[str, Any]] = [
        {
            "format": str(b.get("format") or "block"),
            "rounds": b.get("rounds"),
            "rest_s": b.get("rest_s"),
            "members": [by_id[i] for i in b.get("exercise_ids") or [] if i in by_id],
            "note": str(b.get("note") or ""),
        }
        for b in blocks
    ]
    covered = sum(len(g["members"]) for g in grouped)
    if not blocks or covered != len(exercises):
        return [
            {
                "format": "straight",
                "rounds": e.get("sets"),
                "rest_s": e.get("rest_s"),
                "members": [e],
                "note": "",
            }
            for e in exercises
        ]
    return [g for g in grouped if g["members"]]


def _template_for(name: str) -> str:
    stem = _SHARED_TEMPLATES.get(name, name)
    if (_TOOL_TEMPLATES / f"{stem}.j2").is_file():
        return f"offline/tools/{stem}.j2"
    return "offline/tools/generic.j2"


def _section(result: ToolResult, v: int = 0, text: str = "") -> str:
    """One tool result in its template.

    ``text`` is the message, for what it says beyond the tool's arguments (why today is
    skipped, what the session was like).
    """
    if not result.ok:
        return prompts.render(
            "offline/tools/error.j2",
            name=result.name,
            # Hints addressed to a model ("ask the person to rephrase") are not for people.
            error=_MODEL_HINT.sub("", result.error),
            locked=result.code == "plan_locked",
        )
    data = result.result if isinstance(result.result, dict) else {"value": result.result}
    advised = advice_reader.read(text) if result.name == "add_note" else None
    return prompts.render(
        _template_for(result.name),
        advisor=advised.advisor if advised else None,
        avoiding=_avoiding(result.arguments.get("subject")),
        event=result.name == "add_note" and events.mentions(text),
        name=result.name,
        arguments=result.arguments,
        result=data,
        session=find_session(data),
        blocks=session_blocks(find_session(data)),
        v=v,
        reason=remarks.skip_reason(text),
        verdict=remarks.session_verdict(text),
    )


def _avoiding(subject: Any) -> str:
    """What a constraint area leaves out, in plain words ("overhead work"); "" if unknown."""
    if not isinstance(subject, str) or not subject:
        return ""
    try:
        return describe_tags(constraint_tags([subject]))
    except ValueError:
        return ""


_MODEL_HINT = cached_compile(
    r";?\s*(?:tell the person and )?ask (?:the person|them) to (?:rephrase|check the code)\.?"
)
"""Hints addressed to a model, not to people; the reply says the same in its own words."""


def _missing(state: DialogueState) -> list[str]:
    for result in reversed(state.results):
        if result.ok and isinstance(result.result, dict) and "missing" in result.result:
            return [str(m) for m in result.result.get("missing") or []]
    return []


_SETTLED = cached_compile(
    r"\b(fine|better|gone|recover\w*|healed|settled|ok now|okay now|sorted)\b"
)
_WORK_ON = cached_compile(
    r"\b(?:work on|working on|focus on|focus more on|improve|build|do more|get more|increase|"
    r"prioriti[sz]e)\b"
)
_HEART_RATE = cached_compile(r"\b(heart ?rate|hr|bpm|pulse|beats)\b")
_MEDICINE = cached_compile(
    r"\b(pills?|tablets?|meds|medication|medicine|dose|prescri|inhaler|insulin)"
)


def _result_of(results: list[ToolResult], name: str) -> dict[str, Any] | None:
    """The first successful ``name`` result this turn, as a dict."""
    for result in results:
        if result.name == name and result.ok and isinstance(result.result, dict):
            return result.result
    return None


def _answer_context(
    name: str, u: Understanding, planned: bool, planned_now: bool, results: list[ToolResult]
) -> dict[str, Any]:
    """What an answer template needs: the FAQ entry, the catalog entry, a wording choice."""
    context: dict[str, Any] = {
        "v": variant(u.text, 12),
        "planned": planned,
        "planned_now": planned_now,
        "text": u.text,
    }
    if name == "motivation":
        context["theme"] = remarks.motivation(u.text)
        context["facts"] = _result_of(results, "adherence")
    if name == "faq":
        wanted = next((i for i in u.intents if registry()[i].answer == "faq"), None)
        context["entry"] = find_faq(u.text, wanted)
    elif name == "how_to":
        context["exercise"] = explain_exercise(u.text)
    elif name == "milestone":
        # "my first 100 kg squat" is no first bodyweight squat: a load names no variant.
        loaded = bool(u.slots.sets) or bool(_LOAD.search(u.text.lower()))
        context["exercise"] = None if loaded else catalog_name_in(u.text)
    elif name == "medication_diagnosis":
        context["medicine"] = bool(_MEDICINE.search(u.text.lower()))
    elif name == "population_education":
        key = situation_reader.education_key(u.text, situation_reader.read(u.text))
        context["education"] = populations.education(key) if key else ""
    elif name == "readiness":
        context["energy"] = u.slots.energy
    elif name == "advice" and u.advice is not None:
        context["advisor"] = u.advice.advisor
        context["kind"] = u.advice.kind
        context["heart_rate"] = bool(_HEART_RATE.search(u.text.lower()))
        context["replanned"] = any(r.ok and find_session(r.result) for r in results)
        goal = slot_parsers.find_goal(u.text)
        context["goal"] = goal.replace("_", " ") if goal else None
        # Offered as an aim only when the advice is to work on it ("work on my mobility"),
        # not when the word is part of a finding ("just a pulled muscle").
        context["aim"] = bool(_WORK_ON.search(u.text.lower()))
    elif name == "body_update":
        context["resolved"] = bool(_SETTLED.search(u.text.lower()))
        context["areas"] = [a.replace("_", " ") for a in u.slots.body_parts]
    return context


def _answers(
    u: Understanding, planned: bool, planned_now: bool, results: list[ToolResult]
) -> list[str]:
    """The written answers (FAQ, catalog, small talk) the message's intents ask for."""
    names: list[str] = []
    for intent in u.intents:
        answer = registry()[intent].answer if intent in registry() else None
        if answer and answer not in names:
            names.append(answer)
    if "acknowledge" in names and len(names) > 1:
        names.remove("acknowledge")
    return [
        text
        for name in names
        for text in [
            prompts.render(
                f"offline/answers/{name}.j2",
                **_answer_context(name, u, planned, planned_now, results),
            ).strip()
        ]
        if text
    ]


def _unavailable(intent: str, offered: frozenset[str] | None) -> bool:
    """The tool serving ``intent`` is not offered (unknown offers count as unavailable)."""
    tool = registry()[intent].tool
    return offered is None or tool not in offered


def _asks(u: Understanding, state: DialogueState, offered: frozenset[str] | None) -> list[str]:
    """Specific questions for intents whose tool is offered but lacked what it needs."""
    found = []
    for intent in u.intents:
        entry = registry().get(intent)
        if entry and entry.ask and not _unavailable(intent, offered):
            found.append(_log_question(u, state) if intent == "log_sets" else entry.ask)
    return found[:1]


def _asks_now(u: Understanding, state: DialogueState, offered: frozenset[str] | None) -> list[str]:
    """The one question this turn still needs.

    With no tool run, what the message's intents lacked. After other tools ran, only the
    sets of work reported without them ("did my bench earlier, felt heavy": the feeling is
    recorded, the sets are asked for).
    """
    if not state.results:
        return _asks(u, state, offered)
    if u.has("log_sets") and not u.slots.sets and not state.called("log_sets"):
        named = planned_named(u.text, planned_exercises(state)) or catalog_name_in(u.text)
        if named is not None and not _unavailable("log_sets", offered):
            return [_log_question(u, state)]
    return []


def _log_question(u: Understanding, state: DialogueState) -> str:
    """What to log, asked about what the message or today's plan names.

    "Did the rows, felt heavy" names the exercise, so only its sets are asked for; with
    none named, today's planned exercises are offered; the general question is the last
    resort.
    """
    planned = planned_exercises(state)
    exercise = planned_named(u.text, planned) or catalog_name_in(u.text)
    if exercise is not None:
        return (
            f"How many sets and reps of {exercise} did you do, and at what weight? "
            f'Say it like "3x8 at 20 kg" and I\'ll log it.'
        )
    if planned:
        # "3x8 presses" with two presses planned offers those two, not the whole session.
        matching = planned_matching(" ".join(u.unclear) or u.text, planned)
        offered = matching if len(matching) > 1 else planned
        names = ", ".join(offered[:-1]) + f" or {offered[-1]}" if len(offered) > 1 else offered[0]
        if u.slots.sets:
            return f"Which exercise was that: {names}? Say which and I'll log {sets_said(u)} to it."
        return (
            f"Which exercise was that: {names}? Tell me the sets and reps with it, "
            f'for example "3x8 {offered[0]} at 20 kg", and I\'ll log it.'
        )
    return str(registry()["log_sets"].ask)


def sets_said(u: Understanding) -> str:
    """The sets a message gave without naming the exercise, as read ("12 reps at 20")."""
    said = []
    for entry in u.slots.sets:
        work = f"{entry.sets}x{entry.reps}" if entry.sets > 1 else f"{entry.reps} reps"
        if entry.load is not None:
            unit = f" {entry.load.unit}" if entry.load.unit else ""
            work += f" at {entry.load.value:g}{unit}"
        said.append(work)
    return ", ".join(said)


_LOAD = cached_compile(r"\d\s*(?:kgs?|kilos?|lbs?|pounds?)\b")


def _plain_refusal(result: ToolResult, state: DialogueState) -> str:
    """A tool's refusal that is no failure for the person, answered in plain words.

    A swap of an exercise today's session does not have; "my shoulder is fine" when
    nothing was noted against the shoulder; "forget that I hate lunges" with no such note.
    Empty for any other result.
    """
    if result.ok:
        return ""
    if result.reason == "no_such_note":
        target = str(result.arguments.get("target") or "that")
        return prompts.render("offline/tools/nothing_to_forget.j2", target=target).strip()
    if result.reason == "no_such_constraint":
        area = str(result.arguments.get("area") or "it")
        return prompts.render("offline/tools/nothing_to_resolve.j2", area=area).strip()
    if result.name != "swap_exercise" or result.reason != "not_in_session":
        return ""
    named = str(result.arguments.get("exercise") or "That exercise")
    noted = any(
        r.ok and r.name == "add_note" and r.arguments.get("kind") == "dislike"
        for r in state.results
    )
    return prompts.render(
        "offline/tools/swap_missing.j2",
        named=named[:1].upper() + named[1:],
        noted=noted,
        planned=planned_exercises(state),
    ).strip()


def _situation_question(u: Understanding, state: DialogueState) -> str:
    """The one question about the person's situation: a fact to confirm, or a place's kit."""
    reading = situation_of(u, state)
    if reading.confirm:
        return confirm_question(reading.confirm)
    if reading.ask_kit:
        return "What equipment do you have there? I'll plan with exactly that."
    return ""


def render_reply(
    u: Understanding, state: DialogueState, offered: frozenset[str] | None = None
) -> str:
    """The final reply for this turn."""
    updated = any(r.name == "update_profile" and r.ok for r in state.results)
    # A profile read before an update is superseded by the update's own answer.
    shown = [r for r in state.results if not (updated and r.name == "get_profile")]
    if not u.has(*ADHERENCE_INTENTS):
        # Read for a motivation answer, which puts the figures in its own words.
        shown = [r for r in shown if r.name != "adherence"]
    sections = [
        _plain_refusal(result, state) or _section(result, variant(u.text, 12), u.text)
        for result in shown
    ]
    sections = [s for s in sections if s]
    planned = any(r.ok and find_session(r.result) for r in state.results)
    locked = any(r.code == "plan_locked" for r in state.results) or (
        state.plan_locked and u.has(*plan_changing())
    )
    updated_now = any(r.name == "update_profile" for r in state.results)
    readings = [describe(name) for name in u.readings] if u.readings else []
    context: dict[str, Any] = {
        "situation_question": "" if locked else _situation_question(u, state),
        "sections": sections,
        "intents": u.intents,
        "missing": [] if locked else _missing(state)[:2],
        "planned": planned,
        "had_results": bool(state.results),
        "swap_without_exercise": u.has("swap_exercise")
        and not u.slots.exercise
        and not state.called("swap_current"),  # a live session knows which one
        "planned_exercises": planned_exercises(state),
        "sets_said": sets_said(u),
        "log_without_exercise": bool(u.slots.sets)
        and not any(e.exercise for e in u.slots.sets)
        and not state.called("log_set"),
        "examples": understood_examples(),
        "answers": _answers(
            u, planned or state.plan_exists, planned or bool(state.results), state.results
        ),
        "readings": readings,
        "confirm": {} if updated_now or locked else unconfirmed_changes(u),
        "locked": locked and not any(r.code == "plan_locked" for r in state.results),
        "unserved": []
        if state.results or u.unclear or locked
        else [i for i in u.intents if i in tool_served() and _unavailable(i, offered)],
        "asks": [] if locked else _asks_now(u, state, offered),
        "describe": describe,
        # One question: with today's plan to choose from, the log question names it.
        "unclear": {} if planned_exercises(state) and _asks_now(u, state, offered) else u.unclear,
    }
    if any(r.name in SESSION_TOOLS for r in state.results):
        # The live session served this message; it is not read a second time as a
        # request ("I'm not sure which exercise 'arm' is" after a correct log).
        context.update(
            intents=[],
            answers=[],
            unclear={},
            asks=[],
            readings=[],
            confirm={},
            missing=[],
            unserved=[],
            situation_question="",
            swap_without_exercise=False,
            log_without_exercise=False,
        )
    return prompts.render("offline/reply.j2", **context)
