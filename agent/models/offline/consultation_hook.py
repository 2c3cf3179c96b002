"""Hook (issue 19): hands consultation answers and reported test results to their tools.

The offline model calls :func:`claim` once, before its own policy (one line in
``OfflineModel.complete``). It reads only the messages, like the rest of the offline model:

1. Round one of a turn (the newest message is the person's):
   - a test result said in chat ("did the push-up test, 22") -> ``record_assessment``
     (the pure parser is ``agent.coaching.assessment_reports.parse_report``);
   - right after the coach asked a consultation question (the previous turn's consultation
     tool result says so) the message is its answer -> ``answer_consultation``, or
     ``pause_consultation`` for "later" / "stop"; a question that does not answer it is
     left to the offline model so the person's question is answered first;
   - "let's do the consultation" / "continue the consultation" -> ``start_consultation``;
     "what fitness tests can I do" -> ``list_assessments``.
2. Round two (this turn's results are in): when every result came from these tools, the
   reply is their ``say`` texts, which the coaching services rendered from templates.

Anything else returns None and the offline model carries on as before. After issue 13's
rewrite, the same call can sit in front of the new policy unchanged.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import prompts
from agent.coaching.assessment_reports import parse_report
from agent.models.base import AssistantMessage, ToolCall
from agent.regexes import cached_compile

CONSULTATION_TOOLS = frozenset(
    {"start_consultation", "answer_consultation", "pause_consultation", "get_consultation"}
)
ASSESSMENT_TOOLS = frozenset(
    {"list_assessments", "assessment_protocol", "record_assessment", "set_reassessment_interval"}
)
OURS = CONSULTATION_TOOLS | ASSESSMENT_TOOLS

_START = cached_compile(
    r"\b(?:start|begin|do|continue|resume|carry on with|pick up|finish)\b.{0,20}"
    r"\b(?:consultation|consult|intake|questionnaire)\b|^\s*consultation\s*\W*$",
    re.IGNORECASE,
)
_PAUSE = cached_compile(
    r"^\s*(?:later|not now|stop|pause|enough for now|let'?s stop|can we (?:stop|do this later)|"
    r"another time|i'?ll (?:finish|do) (?:it|this|the rest) later)\b",
    re.IGNORECASE,
)
_TESTS = cached_compile(
    r"\b(?:what|which|any)\b.{0,30}\b(?:fitness )?(?:tests?|assessments?)\b|"
    r"\b(?:fitness|home) (?:tests?|assessments?)\b|\bassess me\b|\btest my fitness\b",
    re.IGNORECASE,
)


_STRUCTURED = frozenset({"days", "minutes", "age", "yesno", "choice", "sex"})
"""Question kinds whose answer has a shape; any words fit the others, questions included."""


def _offered(tools: list[dict[str, Any]]) -> set[str]:
    return {str((t.get("function") or {}).get("name")) for t in tools}


def _parse(content: Any) -> Any:
    try:
        return json.loads(content) if isinstance(content, str) else content
    except ValueError:
        return None


def _pending_question(messages: list[dict[str, Any]]) -> str | None:
    """The consultation question the newest message answers, if the coach just asked one.

    Only the turn right before counts: after anything else (a safety question from the
    screen, an answer to a question of the person's own) the message is not read as a
    consultation answer; "continue the consultation" picks it up again.
    """
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    if not users:
        return None
    start = users[-2] if len(users) > 1 else 0
    for message in reversed(messages[start : users[-1]]):
        if message.get("role") != "tool" or message.get("name") not in CONSULTATION_TOOLS:
            continue
        result = _parse(message.get("content"))
        if not isinstance(result, dict) or "status" not in result:
            continue  # an error or a full record: look further back in that turn
        if result.get("status") != "in_progress":
            return None
        question = result.get("next_question")
        return str(question) if question else None
    return None


def _call(name: str, arguments: dict[str, Any]) -> ToolCall:
    return ToolCall(
        id=f"call_c19_{name}", name=name, arguments=json.dumps(arguments, sort_keys=True)
    )


def _first_round(messages: list[dict[str, Any]], offered: set[str]) -> list[ToolCall]:
    text = str(messages[-1].get("content") or "").strip()
    reported = parse_report(text)
    if reported is not None and "record_assessment" in offered:
        args = reported.model_dump(exclude_none=True)
        if reported.test_id != "rockport_walk" or len(args) == 4:
            return [_call("record_assessment", args)]
    pending = _pending_question(messages)
    if pending is not None:
        if _PAUSE.search(text) and "pause_consultation" in offered:
            return [_call("pause_consultation", {})]
        # Imported here: only a turn inside the consultation parses an answer.
        import agent.coaching.consultation_answers as consultation_answers

        parsed = consultation_answers.parse_answer(pending, text, _date_free_today())
        if text.endswith("?") and not _answers(pending, parsed.ok):
            return []  # a question of their own: the offline model answers it first
        if "answer_consultation" in offered:
            return [_call("answer_consultation", {"text": text})]
    if _START.search(text) and "start_consultation" in offered:
        return [_call("start_consultation", {})]
    if _TESTS.search(text) and "list_assessments" in offered:
        return [_call("list_assessments", {})]
    return []


def _answers(question_id: str, parsed_ok: bool) -> bool:
    """A question mark still answers a structured question it fits ("3 days?")."""
    import agent.coaching.consultation_answers as consultation_answers

    kind = consultation_answers.question(question_id).kind
    return parsed_ok and kind in _STRUCTURED


def _date_free_today() -> date:
    # Only whether the words fit the question matters here, never the date they name;
    # the tool re-reads the answer with the turn's own clock.
    return date(2000, 1, 1)


def claim(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> AssistantMessage | None:
    """Tool calls or the reply for consultation and assessment turns; None for anything else."""
    if not messages:
        return None
    offered = _offered(tools)
    if messages[-1].get("role") == "user":
        calls = _first_round(messages, offered)
        return AssistantMessage(tool_calls=calls) if calls else None
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
    results = [m for m in messages[last_user + 1 :] if m.get("role") == "tool"]
    if not results or any(m.get("name") not in OURS for m in results):
        return None
    texts = []
    for message in results:
        result = _parse(message.get("content"))
        if isinstance(result, dict) and isinstance(result.get("say"), str):
            texts.append(result["say"])
        elif isinstance(result, dict) and isinstance(result.get("error"), dict):
            texts.append(_error_reply(str(result["error"].get("message") or "")))
        elif isinstance(message.get("content"), str) and message["content"].startswith("error:"):
            texts.append(_error_reply(message["content"].removeprefix("error:").strip()))
    return AssistantMessage(content="\n\n".join(texts)) if texts else None


def _error_reply(message: str) -> str:
    return prompts.render("consultation/tool_error.j2", message=message)
