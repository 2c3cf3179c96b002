"""Values derived from the package's own source, kept on disk between runs.

Some start-up work gives the same answer until the code changes: the tool schemas come
from the tools' pydantic models, which means importing every tool module and the
coaching and planning code behind them. Such a value is written once to the user's
cache directory (:func:`agent.config.user_cache_dir`), under a key that is the hash of
every Python file of the ``agent`` package plus the versions it depends on, and read back
by later runs whose key matches. A changed file, an upgraded library or a missing,
unreadable or corrupt file means the value is computed again, exactly as without a
cache, so the cache can only save time, never change an answer. This is what Python's
own ``__pycache__`` does for bytecode.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from agent.config import user_cache_dir
from coachcache.files import keep_file

_FORMAT = 1
"""Bumped when the stored layout changes, so older files are never misread."""

PACKAGE_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def source_key() -> str:
    """SHA-256 of every ``.py`` file of the ``agent`` package (path and content), in order.

    Read once per process: about 1.3 MB, a few milliseconds.
    """
    digest = hashlib.sha256(f"{_FORMAT}:{sys.version_info[:2]}".encode())
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _path(name: str) -> Path:
    return user_cache_dir() / f"{name}.json"


def read(name: str, key: str) -> Any | None:
    """The value stored as ``name`` under ``key``; None when absent, stale or unreadable."""
    try:
        stored = json.loads(_path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    return stored.get("value")


def write(name: str, key: str, value: Any) -> None:
    """Store ``value`` (JSON data) as ``name`` under ``key``; a failure only costs time later."""
    keep_file(_path(name), json.dumps({"key": key, "value": value}).encode("utf-8"))
