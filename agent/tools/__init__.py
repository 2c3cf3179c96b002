"""The coach's tools, collected from their modules into one registry per turn loop."""

from __future__ import annotations

from agent.tools.registry import Tool, ToolRegistry


def default_tools() -> list[Tool]:
    """Every tool the coach offers, from each tools module."""
    collected: list[Tool] = []
    for module_name in _TOOL_MODULES:
        module = __import__(f"agent.tools.{module_name}", fromlist=["tools"])
        collected.extend(module.tools())
    return collected


def default_registry() -> ToolRegistry:
    """A registry of every tool the coach offers."""
    return ToolRegistry(default_tools())


# Each module exposes ``tools() -> list[Tool]``; add a module here to offer its tools.
_TOOL_MODULES: list[str] = [
    "profile_tools",
    "memory_tools",
    "session_tools",
    "planning_tools",
    "trainer_tools",
]
