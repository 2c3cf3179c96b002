"""The database and the person a command acts for, chosen from options or the environment.

Apart from :mod:`agent.cli.common` (which defines the typer options) so that a chat
started without typer (:mod:`agent.cli.entry`) chooses them the same way.

The database modules are imported when a command opens the database, not here: commands
that never open one (``coach safety check``) would otherwise pay for them on every start.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def user_name(explicit: str | None) -> str:
    """The user to act for: ``--user``, else ``COACH_USER``, else ``me``."""
    return explicit or os.environ.get("COACH_USER") or "me"


def open_db(explicit: str | None) -> sqlite_utils.Database:
    """Open and migrate the database chosen by ``--db`` / ``COACH_DB`` / the data dir."""
    from agent.config import resolve_db_path
    from agent.memory.db import connect

    return connect(resolve_db_path(explicit))
