"""Dialogue state, read from the messages alone: the offline model keeps nothing between calls.

What it needs to know: the newest user message, the coach's question before it, which
tools already ran this turn (and what they returned), which ran earlier in the
conversation (was a session already planned?), and which tools are offered: while a
safety flag locks the plan the plan-changing tools are not offered, so "plan intent, no
plan tool offered" reads as locked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from agent.errors import read_tool_error, read_tool_error_reason
from agent.regexes import cached_compile

PLAN_TOOLS = frozenset(
    {"plan_today", "shorten_session", "swap_equipment", "swap_exercise", "adjust_difficulty"}
)
"""Tools whose success means a session for today exists in the conversation."""

PLAN_TOOL = "plan_today"
"""The tool every plan intent needs; not offered while a safety flag locks the plan."""

_TODAY = cached_compile(r"\btoday:?\s*(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_UNITS = cached_compile(r"\bunits=(kg|lb)\b")


@dataclass(frozen=True)
class ToolResult:
    """One tool's answer this turn, with the arguments it was called with."""

    name: str
    arguments: dict[str, Any]
    result: Any
    """The parsed JSON result (``{"error": {"code", "message"}}`` when the call failed)."""

    @property
    def ok(self) -> bool:
        """False when the tool refused or failed."""
        return read_tool_error(self.result) is None

    @property
    def code(self) -> str:
        """The failure's code (``agent.errors.ToolErrorCode``); empty when the call succeeded."""
        failure = read_tool_error(self.result)
        return failure[0] if failure else ""

    @property
    def reason(self) -> str:
        """The failure's ``agent.errors.ToolRetryReason``; empty when there is none."""
        return read_tool_error_reason(self.result)

    @property
    def error(self) -> str:
        """The failure's message (empty when the call succeeded)."""
        failure = read_tool_error(self.result)
        return failure[1] if failure else ""


@dataclass(frozen=True)
class DialogueState:
    """The conversation as the offline model reads it."""

    user_text: str = ""
    last_question: str | None = None
    results: list[ToolResult] = field(default_factory=list)
    rounds: int = 0
    """Tool rounds already run in this turn."""
    earlier_tools: list[str] = field(default_factory=list)
    """Names of tools that succeeded in earlier turns of this conversation."""
    earlier_plans: list[Any] = field(default_factory=list)
    """Results of the plan tools that succeeded in earlier turns, oldest first (so a
    question can name today's planned exercises)."""
    today: str | None = None
    plan_locked: bool = False
    """Tools are offered but the plan tool is not: an open safety flag locks the plan."""
    units: str = "kg"
    """The person's load unit, from the context in the system message."""

    @property
    def plan_exists(self) -> bool:
        """A session was planned earlier in the conversation or in this turn."""
        now = [r.name for r in self.results if r.ok]
        return any(name in PLAN_TOOLS for name in [*self.earlier_tools, *now])

    def called(self, name: str) -> bool:
        """Whether ``name`` already ran in this turn."""
        return any(r.name == name for r in self.results)


def _parse(content: Any) -> Any:
    if not isinstance(content, str):
        return content
    try:
        return json.loads(content)
    except ValueError:
        return content


def _calls_by_id(message: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        try:
            arguments = json.loads(function.get("arguments") or "{}")
        except ValueError:
            arguments = {}
        found[str(call.get("id"))] = (
            str(function.get("name", "")),
            arguments if isinstance(arguments, dict) else {},
        )
    return found


def offered_names(tools: list[dict[str, Any]]) -> set[str]:
    """The names of the tools offered, from their chat-completions schemas."""
    return {str((t.get("function") or {}).get("name")) for t in tools}


def read_state(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> DialogueState:
    """Build the dialogue state from the chat-completions ``messages`` and offered ``tools``."""
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    user_text = str(messages[last_user].get("content") or "") if last_user >= 0 else ""
    question = next(
        (
            str(m.get("content"))
            for m in reversed(messages[: max(last_user, 0)])
            if m.get("role") == "assistant" and m.get("content")
        ),
        None,
    )
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    results: list[ToolResult] = []
    rounds = 0
    for message in messages[last_user + 1 :]:
        if message.get("role") == "assistant" and message.get("tool_calls"):
            rounds += 1
            calls.update(_calls_by_id(message))
        elif message.get("role") == "tool":
            name, arguments = calls.get(
                str(message.get("tool_call_id")), (str(message.get("name", "")), {})
            )
            results.append(ToolResult(name, arguments, _parse(message.get("content"))))
    earlier = [
        str(m.get("name", ""))
        for m in messages[: max(last_user, 0)]
        if m.get("role") == "tool" and read_tool_error(m.get("content")) is None
    ]
    earlier_plans = [
        _parse(m.get("content"))
        for m in messages[: max(last_user, 0)]
        if m.get("role") == "tool"
        and str(m.get("name", "")) in PLAN_TOOLS
        and read_tool_error(m.get("content")) is None
    ]
    today = None
    units = "kg"
    if messages and messages[0].get("role") == "system":
        system = str(messages[0].get("content") or "")
        found = _TODAY.search(system)
        today = found.group(1) if found else None
        unit = _UNITS.search(system)
        units = unit.group(1) if unit else units
    offered = offered_names(tools)
    return DialogueState(
        user_text=user_text,
        last_question=question,
        results=results,
        rounds=rounds,
        earlier_tools=earlier,
        earlier_plans=earlier_plans,
        today=today,
        plan_locked=bool(offered) and PLAN_TOOL not in offered,
        units=units,
    )


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def find_session(result: Any) -> dict[str, Any] | None:
    """The planned session inside a tool result: the first object with an exercise list."""
    for item in _walk(result):
        exercises = item.get("exercises")
        if isinstance(exercises, list) and all(isinstance(e, dict) for e in exercises):
            if exercises and any("sets" in e for e in exercises):
                return item
    return None


def planned_exercises(state: DialogueState) -> list[str]:
    """Names of the exercises in the newest session planned in this conversation."""
    plans = [*state.earlier_plans, *(r.result for r in state.results if r.ok)]
    for result in reversed(plans):
        session = find_session(result)
        if session is not None:
            return [str(e["name"]) for e in session["exercises"] if e.get("name")]
    return []


def _stem(word: str) -> str:
    """A word without its plural ending: presses -> press, rows -> row, press -> press."""
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


_NOT_NAME_WORDS = frozenset(
    {"did", "done", "the", "some", "today", "and", "with", "this", "morning"}
)


def _name_words(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2} - _NOT_NAME_WORDS


def planned_matching(text: str, planned: list[str]) -> list[str]:
    """Today's planned exercises that share a word with ``text`` ("presses": both presses)."""
    words = _name_words(text)
    return [name for name in planned if words & _name_words(name)]


def planned_named(text: str, planned: list[str]) -> str | None:
    """Today's planned exercise the message names by one of its words ("did the row").

    A word that names exactly one exercise of today's plan means that one, before the
    catalog is asked ("row" alone ties a dozen rows there).
    """
    words = _name_words(text)
    named = planned_matching(text, planned)
    if len(named) == 1:
        return named[0]
    # "my squats and rows": one of today's exercises for each word, when each is one.
    each = [[n for n in named if word in _name_words(n)] for word in sorted(words)]
    picked = [found[0] for found in each if len(found) == 1]
    if len(picked) > 1 and all(len(found) <= 1 for found in each):
        return " and ".join(dict.fromkeys(picked))
    return None
