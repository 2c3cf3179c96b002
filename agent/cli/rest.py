"""The rest countdown: a progress bar in a terminal, skippable with Enter.

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


def _enter_pressed(stream: TextIO, timeout: float) -> bool:
    """True if a line arrived on ``stream`` within ``timeout`` (POSIX terminals and pipes)."""
    try:
        ready, _, _ = select.select([stream], [], [], timeout)
    except (OSError, ValueError):
        # Streams select cannot watch (Windows consoles): plain waiting, no skip.
        time.sleep(timeout)
        return False
    if ready:
        stream.readline()
        return True
    return False


def countdown(seconds: int, console: Console, stream: TextIO | None = None) -> bool:
    """Count ``seconds`` down with a progress bar; returns True when Enter skipped it."""
    source = stream if stream is not None else sys.stdin
    columns = (
        TextColumn("[bold]Rest[/bold]"),
        BarColumn(),
        TimeRemainingColumn(),
        TextColumn("Enter to skip"),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("rest", total=seconds)
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            progress.update(task, completed=elapsed)
            if _enter_pressed(source, min(TICK_S, seconds - elapsed)):
                return True
    return False
