"""Routes what people say during a live workout to the session tools.

The offline model calls ``route`` before its own policy: outside a live session only a
start phrase is claimed ("let's go"); inside one, logging, "too heavy", "skip", "swap",
"only 5 minutes left", "done" and "I'm done for today" go to the session tools; after the
summary, the answer to the feedback question goes to ``record_feedback``. Anything else
returns None and the offline model handles it as usual. Numbers, loads, units and effort
come from the offline model's slot parsers; the phrases are data (``data/phrases.yaml``).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from agent.datafiles import parse_yaml
from agent.models.offline.slots import Slots, extract, find_load, normalize
from agent.planning.statements import read_statements
from agent.regexes import cached_compile

SESSION_TOOLS = frozenset(
    {
        "start_workout",
        "current_step",
        "next_step",
        "log_set",
        "adjust_load",
        "skip_exercise",
        "swap_current",
        "compress_remaining",
        "finish_workout",
    }
)

Call = tuple[str, dict[str, Any]]


@lru_cache(maxsize=1)
def _phrases() -> dict[str, Any]:
    path = Path(__file__).parent / "data" / "phrases.yaml"
    data: dict[str, Any] = parse_yaml(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=32)
def _group(name: str) -> list[re.Pattern[str]]:
    return [cached_compile(p) for p in _phrases()[name]]


def _matches(name: str, text: str) -> re.Match[str] | None:
    for pattern in _group(name):
        found = pattern.search(text)
        if found:
            return found
    return None


def _parse(content: Any) -> Any:
    try:
        return json.loads(content) if isinstance(content, str) else content
    except ValueError:
        return content


def live_mode(messages: list[dict[str, Any]]) -> str | None:
    """``"live"``, ``"feedback"`` or None: what the latest session tool result says.

    Only results before the newest user message count (this turn's are the model's own).
    """
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=0)
    for message in reversed(messages[:last_user]):
        if message.get("role") != "tool":
            continue
        name = str(message.get("name") or "")
        if name == "record_feedback":
            return None
        if name not in SESSION_TOOLS:
            continue
        result = _parse(message.get("content"))
        if not isinstance(result, dict):
            continue  # a refused call says nothing about the session's state
        if result.get("event") == "finished":
            return "feedback"
        return "live"
    return None


def _side(text: str) -> str | None:
    """The side a set was done on ("8 per side", "left arm"), if one is said."""
    for side, pattern in _phrases()["side"].items():
        if re.search(pattern, text):
            return str(side)
    return None


def _sided_reps(text: str) -> list[tuple[str, int]]:
    """Reps said per side, in the order said: "10 on the left, 9 on the right"."""
    found: dict[str, tuple[int, int]] = {}
    side_word = re.search(r"\b(left|right)\b", text)
    number = re.search(r"\d", text)
    if side_word is None or number is None:
        return []
    # "10 on the left, 9 on the right" or "left 10, right 9": whichever comes first.
    number_first, side_first = _group("sided_reps")
    pattern = number_first if number.start() < side_word.start() else side_first
    for match in pattern.finditer(text):
        first, second = match.group(1), match.group(2)
        side, reps = (second, first) if first.isdigit() else (first, second)
        if side not in found and int(reps) > 0:
            found[side] = (match.start(), int(reps))
    return [(side, reps) for side, (_, reps) in sorted(found.items(), key=lambda f: f[1][0])]


def _with_load(args: dict[str, Any], text: str) -> dict[str, Any]:
    """Add a load said beside the reps ("with the 14s", "the 12 kg one"), in its unit."""
    if "load" in args:
        return args
    load = find_load(text)
    if load is not None and load.value > 0:
        args["load"] = load.value
        if load.unit:
            args["unit"] = load.unit
    return args


def _log_calls(text: str, slots: Slots) -> list[Call]:
    sided = _sided_reps(text) if not slots.sets else []
    if sided:
        return [("log_set", _with_load({"reps": reps, "side": side}, text)) for side, reps in sided]
    side = _side(text)
    calls = _unsided_log_calls(text, slots)
    if side is not None:
        calls = [(name, {**args, "side": side}) for name, args in calls]
    return calls


def _unsided_log_calls(text: str, slots: Slots) -> list[Call]:
    calls: list[Call] = []
    for entry in slots.sets:
        args: dict[str, Any] = {"reps": entry.reps, "sets": entry.sets}
        if entry.load is not None:
            args["load"] = entry.load.value
            if entry.load.unit:
                args["unit"] = entry.load.unit
        effort = entry.effort or slots.effort
        if effort is not None:
            args.update({k: v for k, v in vars(effort).items() if v is not None})
        calls.append(("log_set", {k: v for k, v in args.items() if v is not None}))
    if calls:
        return calls
    did = _matches("did_reps", text) or _matches("per_side_reps", text)
    if did or slots.effort is not None:
        args = _with_load({"reps": int(did.group(1))}, text) if did else {}
        if slots.effort is not None:
            args.update({k: v for k, v in vars(slots.effort).items() if v is not None})
        calls.append(("log_set", args))
    return calls


def _adapt_call(text: str, slots: Slots) -> Call | None:
    if _matches("finish", text):
        return ("finish_workout", {})
    if slots.minutes is not None and _matches("compress", text):
        return ("compress_remaining", {"minutes": slots.minutes})
    if _matches("skip", text):
        return ("skip_exercise", {})
    taken = list(read_statements(text).unavailable)
    if taken or _matches("swap", text):
        # "someone's on the rack": the statement reader names the item taken.
        gear = taken or [*slots.equipment.available, *slots.equipment.missing]
        return ("swap_current", {"unavailable_equipment": gear, "reason": text[:200]})
    if slots.body_parts and _matches("sore", text):
        # Reached only when the safety screen let the turn through (mild, caution tier):
        # spare the joint for the rest of this exercise by swapping it.
        return ("swap_current", {"protect": list(slots.body_parts), "reason": text[:200]})
    return None


def _live_calls(text: str) -> list[Call]:
    slots = extract(text)
    adapt = _adapt_call(text, slots)
    if adapt is not None:
        return [adapt]
    calls = _log_calls(text, slots)
    if _matches("lighter", text):
        calls.append(("adjust_load", {"direction": "down", "reason": text[:200]}))
    elif _matches("heavier", text):
        calls.append(("adjust_load", {"direction": "up", "reason": text[:200]}))
    if calls:
        return calls
    if _matches("next", text):
        return [("next_step", {})]
    if _matches("where", text) or _matches("start", text):
        return [("current_step", {})]
    return []


def _feedback_calls(text: str) -> list[Call]:
    difficulty = None
    for value, pattern in _phrases()["feedback_difficulty"].items():
        if re.search(pattern, text):
            difficulty = value
            break
    enjoyment = re.search(r"(?<![\d.])([1-5])(?:\s*/\s*5|\s*out of 5)?(?![\d.])", text)
    if difficulty is None and enjoyment is None:
        return []
    args: dict[str, Any] = {"note": text[:500]}
    if difficulty:
        args["difficulty"] = difficulty
    if enjoyment:
        args["enjoyment"] = int(enjoyment.group(1))
    return [("record_feedback", args)]


def route(messages: list[dict[str, Any]], offered: set[str]) -> list[Call] | None:
    """The session tool calls for the newest user message, or None to let others decide.

    Only ``offered`` tools are called. While a safety flag locks the plan the plan-changing
    session tools are not offered: a phrase that needs one then gets the current step,
    which says the session is paused.
    """
    last_user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    if last_user is None:
        return None
    text = normalize(str(last_user.get("content") or ""))
    mode = live_mode(messages)
    if mode == "feedback":
        calls = _feedback_calls(text)
    elif mode == "live":
        calls = _live_calls(text)
        kept = [call for call in calls if call[0] in offered]
        # Under a lock the session only logs what was done, finishes, or says it is paused.
        calls = kept if kept or not calls else [("current_step", {})]
    else:
        calls = [("start_workout", {})] if _matches("start", text) else []
    calls = [call for call in calls if call[0] in offered]
    return calls or None
