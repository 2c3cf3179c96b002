"""Shared helpers for browser tests: a live uvicorn server and Debian's headless chromium.

Nothing here downloads a browser: Playwright drives the system's ``/usr/bin/chromium``
(installed by ``make browser-deps``). Without it, ``chromium()`` skips the test with the
reason, so a machine without the browser still runs the rest of the suite.

Usage::

    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page()
        page.goto(base_url + "/")
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path(os.environ.get("COACH_CHROMIUM", "/usr/bin/chromium"))
"""The browser the tests drive; ``COACH_CHROMIUM`` points elsewhere if needed."""

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
"""Headless and quiet: no update checks, sync or other traffic of the browser's own."""

ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
"""Screenshots and other things a person may want to look at after a run (gitignored)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(app: Any, startup_timeout_s: float = 10.0) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on 127.0.0.1; yields its base URL.

    Raises:
        RuntimeError: The server did not start within the timeout.
    """
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def require_chromium() -> None:
    """Skip the calling test, with the reason, when the system chromium is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (make browser-deps installs Debian's chromium)")


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless system chromium driven by Playwright; skips when it is not installed."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def artifact_path(name: str) -> Path:
    """Where to save an artifact called ``name`` (the folder is created)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
