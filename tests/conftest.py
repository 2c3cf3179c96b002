"""Fixtures every test shares: a fresh database, a fixed clock, no network.

The memory, loop, live-session and server suites run on both engines: their ``db`` and
``db_path`` fixtures are parametrised over SQLite and PostgreSQL (``pytest_generate_tests``
below). On PostgreSQL each test gets a schema of its own on the server named by
``COACH_TEST_PG_URL`` (``make test`` starts one through ``.ci/with-postgres.sh``), dropped
afterwards. Without that variable the PostgreSQL half skips with the reason, except under
``CI=true``, where it fails: CI never passes without it.
"""

from __future__ import annotations

import importlib
import os
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from hypothesis import HealthCheck, settings

from agent.memory.db import connect, forget_migrated

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
    monkeypatch.setenv("COACH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COACH_DB", raising=False)
    monkeypatch.delenv("COACH_BACKEND", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture
def unwritable_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder that cannot be made: its parent is a file (as with a read-only home).

    Root may write where modes forbid it, so a file in the way is what fails for everyone.
    """
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    folder = blocker / "cache"
    monkeypatch.setenv("COACH_CACHE_DIR", str(folder))
    return folder


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


PG_URL_ENV = "COACH_TEST_PG_URL"
"""The PostgreSQL server the tests' PostgreSQL half runs on (a database they may use)."""

BOTH_ENGINES = (
    "tests.test_memory_",
    "tests.test_loop",
    "tests.test_live_",
    "tests.test_coaching_session",
    "tests.test_server_",
    "tests.test_review_queue",
)
"""Test modules whose ``db``/``db_path`` tests run on SQLite and on PostgreSQL."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: reads SQLite's files or pragmas; not run on PostgreSQL"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" not in metafunc.fixturenames:
        return
    if not metafunc.module.__name__.startswith(BOTH_ENGINES):
        return
    if metafunc.definition.get_closest_marker("sqlite_only"):
        return
    metafunc.parametrize("engine", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The store's engine for this test: ``sqlite`` unless parametrised."""
    return str(getattr(request, "param", "sqlite"))


def _with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a fresh, empty schema on the test PostgreSQL server, dropped afterwards."""
    base = os.environ.get(PG_URL_ENV)
    if not base:
        reason = (
            f"no PostgreSQL server for the tests: set {PG_URL_ENV} "
            "(make test starts one with .ci/with-postgres.sh)"
        )
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(reason)
        pytest.skip(reason)
    import psycopg

    from agent.memory.postgres import close_pools

    schema = f"t_{uuid.uuid4().hex[:20]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    url = _with_search_path(base, schema)
    yield url
    close_pools(url)
    forget_migrated(url)
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def db(engine: str, request: pytest.FixtureRequest) -> Iterator[sqlite_utils.Database]:
    """A fresh, migrated database: in memory on SQLite, a new schema on PostgreSQL."""
    target = request.getfixturevalue("pg_url") if engine == "postgresql" else ":memory:"
    database = connect(target)
    yield database
    database.close()


@pytest.fixture
def db_path(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh database for CLI and multi-process tests: a file, or a PostgreSQL URL."""
    if engine == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "coach.db")


@pytest.fixture
def now() -> datetime:
    """The fixed test clock."""
    return FIXED_NOW


@pytest.fixture
def rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Screen with the rules and their context alone, without the trained classifier.

    For tests that pin what the rules themselves make of a message; the classifier and
    the combined verdict have their own tests (test_safety_classifier, test_safety_classes).
    """
    # By module object: the package's ``screen`` attribute is the function, not the module.
    module = importlib.import_module("safety.screen")
    monkeypatch.setattr(module, "default_classifier", lambda: None)
