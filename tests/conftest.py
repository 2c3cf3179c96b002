"""Fixtures every test shares: a fresh database, a fixed clock, no network."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from hypothesis import HealthCheck, settings

from agent.memory.db import connect

# Property tests check rules that must hold for every input, not speed: on a loaded
# 2-core CI machine a 200 ms deadline fails tests at random. "ci" (the default) has no
# deadline; HYPOTHESIS_PROFILE=dev keeps hypothesis's defaults for local timing checks.
settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("dev")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FIXED_NOW = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
"""A Monday evening; tests that need time to pass build later datetimes from it."""


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every data location at a tmp dir and drop model credentials."""
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COACH_DB", raising=False)
    monkeypatch.delenv("COACH_BACKEND", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    # Tests may talk to servers they start on loopback, never to anything else.
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (
        host.startswith("127.") or host in {"localhost", "::1"} or host.startswith("/")
    ):
        raise RuntimeError(f"tests must not reach the network (tried {address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture
def db() -> Iterator[sqlite_utils.Database]:
    """A fresh, migrated in-memory database."""
    database = connect(":memory:")
    yield database
    database.close()


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    """A path for a fresh database file (for CLI and multi-process tests)."""
    return str(tmp_path / "coach.db")


@pytest.fixture
def now() -> datetime:
    """The fixed test clock."""
    return FIXED_NOW
