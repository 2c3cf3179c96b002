"""Values derived from safety's data files, kept on disk between runs in a folder the host names.

Every start of ``coach chat`` parsed the rule files, built the spelling map and read two
classifier exports' JSON (about 50 ms of CPU together), although the result is the same
until a file changes. Such a value is kept as ``marshal`` data (the format of Python's
own ``.pyc`` files, read in C) under a key that hashes everything it was computed from,
and read back by a later run whose key matches.

- Safety may import nothing from the agent, so it has no folder of its own: the host
  (``agent.loop``, ``coach safety check``) names one with :func:`use_folder`. Until it
  does (a test, a library user), nothing is kept and every value is computed, as before.
- A changed input is a new key; a missing, unreadable, corrupt or stale file, another
  Python or ``marshal`` version mean the value is computed again. So the folder can only
  save time, never change a verdict.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coachcache.files import keep_file

_FORMAT = 1
"""Bumped when the stored layout changes, so older files are never misread."""

_locate: Callable[[], Path] | None = None


def use_folder(locate: Callable[[], Path] | None) -> None:
    """Keep values in the folder ``locate()`` names (asked at every use), or nowhere (None)."""
    global _locate
    _locate = locate


def key(*parts: bytes) -> str:
    """A key for a value computed from ``parts`` (file contents, the code that reads them)."""
    digest = hashlib.sha256(f"{_FORMAT} {sys.version} {marshal.version}".encode())
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def _path(name: str) -> Path | None:
    if _locate is None:
        return None
    return _locate() / f"{name}.marshal"


def read(name: str, wanted: str) -> Any | None:
    """The value kept as ``name`` under the key ``wanted``; None when absent or stale."""
    path = _path(name)
    if path is None:
        return None
    try:
        stored = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(stored, tuple) or len(stored) != 2 or stored[0] != wanted:
        return None
    return stored[1]


def keep(name: str, stored_key: str, value: Any) -> None:
    """Keep ``value`` as ``name`` under ``stored_key``; any failure only costs time later.

    Written whole or not at all (:func:`coachcache.files.keep_file`), so a concurrent
    reader sees the old file or the new one. A value ``marshal`` cannot hold is not kept.
    """
    path = _path(name)
    if path is None:
        return
    try:
        data = marshal.dumps((stored_key, value))
    except ValueError:
        return
    keep_file(path, data)
