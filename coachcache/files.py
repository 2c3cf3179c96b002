"""Writing a derived file into a cache folder: whole or not at all, never an error."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


def keep_file(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` in the cache; a failure is logged and otherwise ignored.

    Written to a temporary file and renamed, so a concurrent reader sees the old file or
    the new one, never half of one. A read-only or missing home only means the value is
    computed again next time.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.debug("could not keep %s: %s", target, exc)
