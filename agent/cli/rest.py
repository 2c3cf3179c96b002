"""The rest countdown: a progress bar in a terminal, skippable with Enter.

Anything typed during it is handed back as the next message.

Piped and ``--json`` runs never sleep: they report the rest as data instead.
"""

from __future__ import annotations

import select
import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

TICK_S = 0.2


def _line_typed(stream: TextIO, timeout: float) -> str | None:
    """A line that arrived on ``stream`` within ``timeout`` ("" for a bare Enter), or None.

    POSIX terminals and pipes; streams select cannot watch (Windows consoles) just wait.
    """
    try:
        ready, _, _ = select.select([stream], [], [], timeout)
    except (OSError, ValueError):
        time.sleep(timeout)
        return None
    if ready:
        return stream.readline().rstrip("\r\n")
    return None


def countdown(seconds: int, console: Console, stream: TextIO | None = None) -> str | None:
    """Count ``seconds`` down with a progress bar.

    Returns None when the rest ran out, "" when Enter skipped it, and otherwise the words
    typed during it (people type their set during the rest): the caller handles them as
    the next message, so nothing typed is lost.
    """
    source = stream if stream is not None else sys.stdin
    columns = (
        TextColumn("[bold]Rest[/bold]"),
        BarColumn(),
        TimeRemainingColumn(),
        TextColumn("Enter to skip, or type your set"),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("rest", total=seconds)
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            progress.update(task, completed=elapsed)
            typed = _line_typed(source, min(TICK_S, seconds - elapsed))
            if typed is not None:
                return typed
    return None
