"""Tools as plain typed functions; name, description and JSON schema are derived, not written.

A tool is ``def name(ctx: ToolContext, args: ArgsModel) -> BaseModel | dict``. Its name is
the function's, its description the docstring's summary, its parameters the pydantic
model's JSON schema. Whatever the model gets wrong comes back to it as data: a JSON
object ``{"error": {"code": ..., "message": ...}}`` (``agent.errors.tool_error_result``).

A registry may also be built from :class:`ToolSpec` entries (name, schema, and how to load
the tool): the tool's module is then imported the first time the tool is called or looked
up, so a turn imports only the tools it uses (``agent.tools.default_registry``).

While a safety flag locks the plan, plan-changing tools are not offered at all
(:meth:`ToolRegistry.offered`); :meth:`ToolRegistry.run` still refuses them as defence in
depth, with the code ``plan_locked``.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, get_type_hints

from pydantic import BaseModel, ValidationError

from agent.errors import ToolErrorCode, ToolRetry, ToolRetryReason, tool_error_result
from agent.tools.context import ToolContext

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 600
"""Tool errors go back to the model; capped so a huge validation dump cannot flood it."""

MAX_ARGUMENT_CHARS = 8000
"""A call's arguments past this are refused unread: every tool's arguments fit in far less
(30 sets with notes is about 3,000), so more is a runaway model, not a person's data."""

ToolFunction = Callable[[ToolContext, Any], Any]


def _description(fn: Callable[..., Any]) -> str:
    doc = inspect.getdoc(fn) or ""
    # The summary is everything before the first Google section header ("Args:" ...).
    lines: list[str] = []
    for line in doc.splitlines():
        if line.strip().rstrip(":") in {"Args", "Returns", "Raises", "Example", "Examples"}:
            break
        lines.append(line)
    return " ".join(" ".join(lines).split())


@dataclass(frozen=True)
class Tool:
    """One tool the model may call."""

    name: str
    description: str
    args_model: type[BaseModel]
    fn: ToolFunction
    plan_changing: bool = False

    @classmethod
    def from_function(
        cls, fn: Callable[[ToolContext, Any], Any], *, plan_changing: bool = False
    ) -> Tool:
        """Derive a tool from ``fn(ctx, args)`` where ``args`` is annotated with a pydantic model.

        Raises:
            TypeError: The function does not have the tool shape.
        """
        hints = get_type_hints(fn)
        params = list(inspect.signature(fn).parameters)
        if len(params) != 2:
            raise TypeError(f"tool {fn.__name__} must take (ctx, args)")
        args_model = hints.get(params[1])
        if not (inspect.isclass(args_model) and issubclass(args_model, BaseModel)):
            raise TypeError(f"tool {fn.__name__}: args must be annotated with a pydantic model")
        description = _description(fn)
        if not description:
            raise TypeError(f"tool {fn.__name__} needs a docstring")
        return cls(fn.__name__, description, args_model, fn, plan_changing)

    def schema(self) -> dict[str, Any]:
        """The tool in the chat-completions ``tools`` shape."""
        parameters = self.args_model.model_json_schema()
        parameters.pop("title", None)
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": parameters,
            },
        }


@dataclass(frozen=True)
class ToolSpec:
    """What a registry knows of a tool before its module is imported.

    ``schema`` must be what the loaded tool's :meth:`Tool.schema` returns; ``load`` imports
    the tool's module and returns the tool.
    """

    name: str
    plan_changing: bool
    schema: dict[str, Any]
    load: Callable[[], Tool]


@dataclass(frozen=True)
class ToolOutcome:
    """What running one call produced: the text for the model and structured data for us."""

    name: str
    arguments: dict[str, Any]
    result: Any
    ok: bool

    def content(self) -> str:
        """The tool message content the model sees."""
        if isinstance(self.result, str):
            return self.result
        return json.dumps(self.result, sort_keys=True, default=str)


class ToolRegistry:
    """The tools offered to the model in a turn."""

    def __init__(
        self,
        tools: Iterable[Tool | ToolSpec],
        *,
        offered_tokens: dict[bool, int] | None = None,
    ) -> None:
        """``offered_tokens``: the token count of :meth:`offered`'s JSON, by ``plan_locked``."""
        self._tools: dict[str, Tool | ToolSpec] = {}
        self._schemas: list[dict[str, Any]] | None = None
        self._locked_schemas: list[dict[str, Any]] | None = None
        self._offered_tokens = dict(offered_tokens or {})
        for item in tools:
            if item.name in self._tools:
                raise ValueError(f"duplicate tool name {item.name}")
            self._tools[item.name] = item

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Any:
        return iter([self._load(name) for name in list(self._tools)])

    def _load(self, name: str) -> Tool:
        item = self._tools[name]
        if isinstance(item, ToolSpec):
            # Two threads may both load it: the import is locked and the tools are equal.
            loaded = item.load()
            if loaded.name != name or loaded.plan_changing != item.plan_changing:
                raise LookupError(f"tool {name} loaded as {loaded.name}: its spec is stale")
            self._tools[name] = loaded
            return loaded
        return item

    def get(self, name: str) -> Tool | None:
        """The tool called ``name``, if registered (its module is imported if it was not)."""
        return self._load(name) if name in self._tools else None

    def names(self) -> list[str]:
        """Registered tool names, sorted."""
        return sorted(self._tools)

    def schemas(self) -> list[dict[str, Any]]:
        """Every tool's schema, sorted by name so requests are stable.

        Computed once: pydantic schema generation dominated a turn's cost, and the
        registry's tools never change after construction. Callers must not mutate it.
        """
        if self._schemas is None:
            self._schemas = [_schema(self._tools[name]) for name in self.names()]
        return self._schemas

    def plan_changing(self) -> set[str]:
        """Names of tools that change a plan; not offered while a safety flag stands."""
        return {t.name for t in self._tools.values() if t.plan_changing}

    def offered(self, *, plan_locked: bool) -> list[dict[str, Any]]:
        """The schemas to offer this turn: without plan-changing tools while the plan is locked.

        The model cannot call what it is not shown, whatever the prompt says.
        """
        if not plan_locked:
            return self.schemas()
        if self._locked_schemas is None:
            changing = self.plan_changing()
            self._locked_schemas = [
                s for s in self.schemas() if s["function"]["name"] not in changing
            ]
        return self._locked_schemas

    def offered_tokens(self, *, plan_locked: bool) -> int | None:
        """The token count of :meth:`offered`'s JSON when the registry was given it, else None."""
        return self._offered_tokens.get(plan_locked)

    def run(self, ctx: ToolContext, name: str, raw_arguments: str) -> ToolOutcome:
        """Run one call. Never raises for the model's mistakes: they become a coded error result."""
        if len(raw_arguments or "") > MAX_ARGUMENT_CHARS:
            return _error(
                name,
                {},
                "invalid",
                f"arguments of {len(raw_arguments)} characters, at most {MAX_ARGUMENT_CHARS}: "
                "send only what the person said",
            )
        try:
            parsed = json.loads(raw_arguments or "{}")
        except json.JSONDecodeError as exc:
            return _error(
                name, {}, "invalid", f"arguments were not valid JSON ({exc.msg}); send an object"
            )
        if not isinstance(parsed, dict):
            return _error(name, {}, "invalid", "arguments must be a JSON object")
        item = self.get(name)
        if item is None:
            known = ", ".join(self.names())
            return _error(
                name, parsed, "unknown_tool", f"unknown tool {name!r}; available: {known}"
            )
        if item.plan_changing and ctx.plan_locked:
            return _error(name, parsed, "plan_locked", _LOCKED)
        try:
            args = item.args_model.model_validate(parsed)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in exc.errors()
            )
            return _error(name, parsed, "invalid", f"invalid arguments: {problems}")
        try:
            result = item.fn(ctx, args)
        except ToolRetry as exc:
            return _error(name, parsed, "retry", str(exc), exc.reason)
        except Exception as exc:
            # A bug in a tool must not end the person's turn; the model is told the call
            # failed and the traceback goes to the log for us.
            log.exception("tool %s crashed", name)
            return _error(
                name, parsed, "crashed", f"the tool failed internally ({type(exc).__name__})"
            )
        if isinstance(result, BaseModel):
            result = result.model_dump(mode="json")
        return ToolOutcome(name, parsed, result, ok=True)


def _schema(item: Tool | ToolSpec) -> dict[str, Any]:
    return item.schema if isinstance(item, ToolSpec) else item.schema()


_LOCKED = (
    "a safety flag is open for this person, so the plan cannot change until they "
    "say the symptom has resolved. Do not offer a workout; repeat the safety advice kindly."
)


def _error(
    name: str,
    arguments: dict[str, Any],
    code: ToolErrorCode,
    message: str,
    reason: ToolRetryReason | None = None,
) -> ToolOutcome:
    text = message[:MAX_ERROR_CHARS]
    log.info("tool %s rejected (%s): %s", name, code, text)
    return ToolOutcome(name, arguments, tool_error_result(code, text, reason), ok=False)
