"""The coach's tools, collected from their modules into one registry per turn loop."""

from __future__ import annotations

from agent.tools import (
    assessment_tools,
    consultation_tools,
    memory_tools,
    planning_tools,
    profile_tools,
    session_tools,
    trainer_tools,
)
from agent.tools.registry import Tool, ToolRegistry


def default_tools() -> list[Tool]:
    """Every tool the coach offers; add a module's ``tools()`` here to offer its tools."""
    return [
        *profile_tools.tools(),
        *memory_tools.tools(),
        *session_tools.tools(),
        *planning_tools.tools(),
        *consultation_tools.tools(),
        *assessment_tools.tools(),
        *trainer_tools.tools(),
    ]


def default_registry() -> ToolRegistry:
    """A registry of every tool the coach offers."""
    return ToolRegistry(default_tools())
