"""What a tool receives besides its arguments: state is injected, never global."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


@dataclass
class ToolContext:
    """Everything a tool may touch during one turn. The JSON schema never shows it."""

    db: sqlite_utils.Database
    """The coach's database; tools write inside the turn's transaction."""
    user_id: int
    """The only user whose rows a tool may read or write."""
    conversation_id: int
    """The conversation this turn belongs to."""
    now: datetime
    """The turn's clock; tools never read the wall clock themselves."""
    plan_locked: bool = False
    """True while a stop/emergency flag stands: plan-changing tools refuse to run."""
    constraints: list[str] = field(default_factory=list)
    """Joint areas flagged by the safety screen this turn (e.g. ["knee"])."""
