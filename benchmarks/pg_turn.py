"""Round trips and CPU of one chat turn on PostgreSQL, against the same turns on SQLite.

A turn on PostgreSQL waits for the server once per request it sends (on a shared machine
every request is also a wake-up of a server process), so the number of requests per turn
is what this compares, with the CPU each side spends:

- **round trips per turn**: requests sent to the server, counted in psycopg (every
  statement or batch of statements sent together, every COMMIT or ROLLBACK that reaches
  the server), so the figure means the same on any version of the store;
- **client CPU per turn**: this process's CPU (the turn loop, the safety screen, the
  context, psycopg), against the same turns on a SQLite file;
- **server CPU per turn**: the PostgreSQL server's processes' CPU, read from ``/proc``
  when the server runs on this machine and the user may read its data directory
  (``.ci/with-postgres.sh`` starts such a server); null otherwise.

Two kinds of turn, each in a fresh schema: ``answered`` (a remote model that answers at
once, no tool: the turn ``benchmarks/serve.py`` times) and ``logging`` (the offline
model logging a set through its tool). Prints one JSON object.

Run from the repository root:
``.ci/with-postgres.sh sh -c '.venv/bin/python benchmarks/pg_turn.py --postgres
$COACH_TEST_PG_URL [--turns N]'``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import ClientCursor, Connection  # noqa: E402
from psycopg.pq import TransactionStatus  # noqa: E402

from agent.loop import Coach  # noqa: E402
from agent.memory import store  # noqa: E402
from agent.memory.db import connect  # noqa: E402
from agent.memory.postgres import close_pools  # noqa: E402
from agent.models.base import AssistantMessage, ChatModel  # noqa: E402
from agent.models.offline import OfflineModel  # noqa: E402

START = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)

ANSWERED = [
    "hi coach",
    "my goal is general fitness",
    "I'm a beginner",
    "3 days a week",
    "what should I do today",
    "that was too hard",
    "what did I do last week",
    "I only have 15 minutes",
]
"""Ordinary messages the safety screen lets through (each turn reaches the model)."""


class _Noted:
    """A remote model that answers every turn at once, with one sentence and no tool."""

    name = "openai"

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        return AssistantMessage(content="Noted.")


class _Requests:
    """Requests this process sends to a PostgreSQL server, counted inside psycopg."""

    def __init__(self) -> None:
        self.count = 0

    @contextmanager
    def counting(self) -> Iterator[None]:
        execute, commit, rollback = ClientCursor.execute, Connection.commit, Connection.rollback
        requests = self

        def counted_execute(cursor: Any, *args: Any, **kwargs: Any) -> Any:
            requests.count += 1
            return execute(cursor, *args, **kwargs)

        def ending(method: Callable[[Any], None]) -> Callable[[Any], None]:
            def counted(conn: Any) -> None:
                if conn.info.transaction_status != TransactionStatus.IDLE:
                    requests.count += 1
                method(conn)

            return counted

        patched = [
            (ClientCursor, "execute", execute, counted_execute),
            (Connection, "commit", commit, ending(commit)),
            (Connection, "rollback", rollback, ending(rollback)),
        ]
        for owner, name, _, counted in patched:
            setattr(owner, name, counted)
        try:
            yield
        finally:
            for owner, name, original, _ in patched:
                setattr(owner, name, original)


def postgres_pid(url: str) -> int | None:
    """The postmaster's pid, when the server's data directory is readable here."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute("SHOW data_directory").fetchone()
        text = (Path(str(row[0] if row else "")) / "postmaster.pid").read_text()
        return int(text.split("\n", 1)[0])
    except (psycopg.Error, OSError, ValueError):
        return None


def postgres_cpu_s(pid: int | None) -> float | None:
    """CPU of the postmaster and its live children (the backends serving our connections)."""
    if pid is None:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid:
            total += sum(int(f) for f in fields[11:15]) / tick  # own + reaped children
        elif int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _messages(kind: str, turns: int) -> list[str]:
    if kind == "answered":
        return [f"{ANSWERED[n % len(ANSWERED)]} ({n})" for n in range(turns)]
    return [f"back squat 5 reps at {60 + n % 10} kg" for n in range(turns)]


def _model(kind: str) -> ChatModel:
    return _Noted() if kind == "answered" else OfflineModel()


def _run(target: str, kind: str, turns: int, server: int | None) -> dict[str, Any]:
    requests = _Requests()
    db = connect(target)
    user_id = store.ensure_user(db, "bench", START)
    conversation = store.start_conversation(db, user_id, START)
    clock = iter(START + timedelta(seconds=30 * n) for n in range(turns + 10))
    coach = Coach(db, _model(kind), second_opinion=False, clock=lambda: next(clock))
    coach.turn(user_id, conversation, _messages(kind, 1)[0])  # warm: caches, first lookups
    texts = _messages(kind, turns)
    with requests.counting():
        cpu, wall, server_cpu = time.process_time(), time.perf_counter(), postgres_cpu_s(server)
        for text in texts:
            coach.turn(user_id, conversation, text)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        server_after = postgres_cpu_s(server)
    db.close()
    result: dict[str, Any] = {
        "turns": turns,
        "client_cpu_ms_per_turn": round(1000 * cpu / turns, 2),
        "wall_ms_per_turn": round(1000 * wall / turns, 2),
    }
    if target.startswith("postgres"):
        result["round_trips_per_turn"] = round(requests.count / turns, 1)
        result["server_cpu_ms_per_turn"] = (
            round(1000 * (server_after - server_cpu) / turns, 2)
            if server_after is not None and server_cpu is not None
            else None
        )
    return result


@contextmanager
def fresh_schema(base: str) -> Iterator[str]:
    """A URL on ``base`` whose tables live in a new schema, dropped (pools closed) after."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    joiner = "&" if "?" in base else "?"
    try:
        yield f"{base}{joiner}options={quote(f'-csearch_path={schema}')}"
    finally:
        # A pooled connection still inside the schema would hold the DROP back.
        close_pools()
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--postgres", required=True, help="postgresql:// URL of a test server")
    parser.add_argument("--turns", type=int, default=100)
    args = parser.parse_args()
    server = postgres_pid(args.postgres)
    report: dict[str, Any] = {"load_average": list(os.getloadavg())}
    for kind in ("answered", "logging"):
        with fresh_schema(args.postgres) as url:
            postgres = _run(url, kind, args.turns, server)
        with tempfile.TemporaryDirectory() as folder:
            sqlite = _run(str(Path(folder) / "coach.db"), kind, args.turns, None)
        report[kind] = {"postgresql": postgres, "sqlite": sqlite}
    report["load_average_after"] = list(os.getloadavg())
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
