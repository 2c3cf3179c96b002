"""Where the coach keeps its data and which model it talks to, from flags or environment."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from agent.errors import ConfigurationError

APP_NAME = "coachloop"


def _user_dir(override: str, mac: str, windows: str, xdg: str, xdg_default: str) -> Path:
    """``$override``, else this platform's folder of that kind for the app."""
    chosen = os.environ.get(override)
    if chosen:
        return Path(chosen)
    if sys.platform == "darwin":
        return Path.home() / "Library" / mac / APP_NAME
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / APP_NAME / windows if windows else Path(base) / APP_NAME
    return Path(os.environ.get(xdg) or str(Path.home() / xdg_default)) / APP_NAME


def user_data_dir() -> Path:
    """The per-user data directory, following each platform's convention."""
    return _user_dir("COACH_DATA_DIR", "Application Support", "", "XDG_DATA_HOME", ".local/share")


def user_cache_dir() -> Path:
    """Where derived files are kept between runs (safe to delete: they are rebuilt)."""
    return _user_dir("COACH_CACHE_DIR", "Caches", "Cache", "XDG_CACHE_HOME", ".cache")


def safety_cache_dir() -> Path:
    """Where the safety screen keeps its parsed data (``safety.kept``: safety names no folder)."""
    return user_cache_dir() / "safety"


def regex_cache_dir() -> Path:
    """Where compiled regular expressions are kept (``coachcache.regexes`` names no folder)."""
    return user_cache_dir() / "regex"


_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_POSTGRES_SCHEMES = ("postgresql", "postgres")
"""libpq's two URL schemes; ``agent.memory.db.connect`` runs the store on that server."""


def resolve_db_path(explicit: str | None = None) -> str:
    """The database to use: ``--db``, else ``COACH_DB``, else a file in the data directory.

    Args:
        explicit: The value of a ``--db`` flag, if one was given.

    Returns:
        A filesystem path, ``":memory:"``, or a ``postgresql://`` URL (the store then
        lives on that PostgreSQL server, which several machines may share).

    Raises:
        ConfigurationError: The value is a URL of an engine this store does not run, or
            the parent folder cannot be created.
    """
    chosen = explicit or os.environ.get("COACH_DB")
    if chosen:
        if chosen == ":memory:":
            return chosen
        scheme = _URL_SCHEME.match(chosen)
        if scheme and scheme.group(1).lower() in _POSTGRES_SCHEMES:
            return chosen
        if scheme:
            # Without this, "mysql://..." would silently become a SQLite file under a
            # folder named "mysql:".
            raise ConfigurationError(
                f"the database {scheme.group(1)}://... is not supported: "
                "give the path of a SQLite file or a postgresql:// URL"
            )
        path = Path(chosen).expanduser()
    else:
        path = user_data_dir() / "coach.db"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create the folder for the database {path}: {exc}"
        ) from exc
    return str(path)


def default_model_name() -> str:
    """``COACH_BACKEND`` if set, else ``openai`` when a key is configured, else ``offline``."""
    backend = os.environ.get("COACH_BACKEND")
    if backend:
        return backend
    return "openai" if os.environ.get("OPENAI_API_KEY") else "offline"


def second_opinion_wanted() -> bool:
    """Whether ``COACH_SECOND_OPINION`` asks a remote model to triage each message too.

    Off by default: it is one extra model call per message.
    """
    return os.environ.get("COACH_SECOND_OPINION", "") in {"1", "true", "yes"}
