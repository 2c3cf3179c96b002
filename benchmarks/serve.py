"""``coach serve`` under load: 50 concurrent clients x 20 chat turns each, offline backend.

Starts ``coach serve`` in a subprocess on 127.0.0.1 (an ephemeral port, a fresh SQLite
file, default settings: the per-user rate limit is on), signs up one user per client,
then each client thread sends its turns one after another over its own HTTP connection.
Afterwards it checks the database: every message sent is stored, in order, and every
turn completed. Prints one JSON object: errors, lost messages, turn latency p50/p90/p99
and max in ms (all turns, and split into each client's first turn and the rest),
throughput, wall time.

With ``--model-delay-ms 200`` the server talks to a stub OpenAI-compatible model on
127.0.0.1 (``tests/openai_stub.py``) that takes 200 ms per call, so throughput can be
compared with the ideal ``clients / model time per turn`` (issue 16). A turn counts as
answered only when it is a 200 with a reply: a 429 (rate limit) or 503 is an error.

With ``--postgres URL`` the store is that PostgreSQL server instead of a SQLite file (a
fresh schema, dropped afterwards) and ``coach serve`` runs ``--workers`` processes (4 by
default), so the two engines can be compared on the same load.

Run from the repository root: ``.venv/bin/python benchmarks/serve.py [--clients N] [--turns N]
[--model-delay-ms MS] [--postgres URL [--workers N]]``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.memory.db import connect  # noqa: E402
from agent.server.auth import issue_token  # noqa: E402
from tests.openai_stub import Reply, ok  # noqa: E402
from tests.openai_stub import serve as serve_stub  # noqa: E402

PHRASES = [
    "hi coach",
    "I have 20 minutes and dumbbells",
    "my goal is general fitness",
    "I'm a beginner",
    "3 days a week",
    "what should I do today",
    "log 3x8 goblet squats at 16 kg",
    "that was too hard",
    "what did I do last week",
    "I only have 15 minutes",
]
"""Ordinary messages; each gets a client/turn tag so every one is unique in the database."""

REQUEST_TIMEOUT_S = 60.0
RUN_DEADLINE_S = 600.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(
    db_path: str, port: int, model_url: str | None, workers: int = 1
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "OPENAI_"))}
    if model_url:
        env.update({"OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": model_url})
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from agent.cli.main import run; run()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            db_path,
            "--model",
            "openai" if model_url else "offline",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 120  # a loaded shared machine starts slowly
    while True:
        if process.poll() is not None:
            raise RuntimeError("coach serve exited during start-up")
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.TransportError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("coach serve did not start within 120 s") from None
            time.sleep(0.1)


def _client(
    port: int,
    token: str,
    index: int,
    turns: int,
    latencies: list[tuple[int, float]],
    errors: list[str],
    sent: dict[int, list[str]],
) -> None:
    mine: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=REQUEST_TIMEOUT_S
    ) as http:
        for turn in range(turns):
            message = f"{PHRASES[(index + turn) % len(PHRASES)]} (c{index} t{turn})"
            started = time.perf_counter()
            try:
                response = http.post("/v1/chat", json={"message": message})
            except httpx.HTTPError as exc:
                mine.append(message)  # may have been stored: checked like any other
                errors.append(f"client {index} turn {turn}: {type(exc).__name__}")
                continue
            if response.status_code != 429:
                mine.append(message)  # a 429 is refused before storing: not a lost message
            if response.status_code != 200 or not response.json().get("reply"):
                # A 429 or 503 is not an answered turn: it never enters the latencies.
                errors.append(f"client {index} turn {turn}: HTTP {response.status_code}")
                continue
            latencies.append((turn, (time.perf_counter() - started) * 1000))
    sent[index] = mine


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[rank], 2)


def _summary(values: list[float]) -> dict[str, float | None]:
    return {
        "p50": _percentile(values, 50),
        "p90": _percentile(values, 90),
        "p99": _percentile(values, 99),
        "max": round(max(values), 2) if values else None,
        "mean": round(statistics.fmean(values), 2) if values else None,
    }


def _lost(db_path: str, users: dict[int, int], sent: dict[int, list[str]]) -> dict[str, int]:
    db = connect(db_path)
    try:
        lost = out_of_order = incomplete = 0
        for index, user_id in users.items():
            stored = [
                str(row[0])
                for row in db.execute(
                    "SELECT content FROM messages WHERE user_id = ? AND role = 'user' ORDER BY id",
                    [user_id],
                ).fetchall()
            ]
            expected = sent.get(index, [])
            lost += len(set(expected) - set(stored))
            out_of_order += int(stored != expected)
        incomplete = int(
            db.execute("SELECT COUNT(*) FROM turns WHERE status != 'complete'").fetchone()[0]
        )
        return {"lost": lost, "users_out_of_order": out_of_order, "turns_incomplete": incomplete}
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument(
        "--model-delay-ms", type=int, default=0, help="use a stub model taking this long per call"
    )
    parser.add_argument(
        "--postgres", metavar="URL", help="store on this PostgreSQL server (a fresh schema)"
    )
    parser.add_argument("--workers", type=int, help="server processes (4 on PostgreSQL, else 1)")
    args = parser.parse_args()
    with ExitStack() as stack:
        model_url = None
        if args.model_delay_ms > 0:
            stub = stack.enter_context(
                serve_stub(Reply(body=ok("Noted.").body, delay_s=args.model_delay_ms / 1000))
            )
            model_url = stub.base_url
        _run(args, model_url)


@contextmanager
def _fresh_schema(server_url: str) -> Iterator[str]:
    """A new schema on the PostgreSQL server, as a URL; dropped afterwards."""
    import psycopg

    from agent.memory.postgres import close_pools

    schema = f"bench_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        close_pools()
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def _run(args: argparse.Namespace, model_url: str | None) -> None:
    clients = max(1, min(args.clients, 200))
    turns = max(1, min(args.turns, 200))

    workers = args.workers or (4 if args.postgres else 1)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        db_path = str(Path(tmp) / "serve-bench.db")
        if args.postgres:
            db_path = stack.enter_context(_fresh_schema(args.postgres))
        db = connect(db_path)
        now = datetime.now(UTC)
        users: dict[int, int] = {}
        tokens: dict[int, str] = {}
        for index in range(clients):
            users[index], tokens[index] = issue_token(db, f"bench-{index}", now)
        db.close()

        port = _free_port()
        process = _start_server(db_path, port, model_url, workers)
        latencies: list[tuple[int, float]] = []
        errors: list[str] = []
        sent: dict[int, list[str]] = {}
        try:
            threads = [
                threading.Thread(
                    target=_client,
                    args=(port, tokens[i], i, turns, latencies, errors, sent),
                    daemon=True,
                )
                for i in range(clients)
            ]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + RUN_DEADLINE_S
            for thread in threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
            wall = time.perf_counter() - started
            unfinished = sum(thread.is_alive() for thread in threads)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        integrity = _lost(db_path, users, sent)

    total = clients * turns
    refused = sum(error.endswith("HTTP 429") for error in errors)
    print(
        json.dumps(
            {
                "benchmark": "serve",
                "engine": "postgresql" if args.postgres else "sqlite",
                "server_workers": workers,
                "backend": "openai-stub" if model_url else "offline",
                "model_delay_ms": args.model_delay_ms,
                "clients": clients,
                "turns_per_client": turns,
                "turns_sent": total,
                "turns_answered": len(latencies),
                "errors": len(errors) + unfinished,
                "error_samples": errors[:5],
                "refused_429": refused,
                "lost_messages": integrity["lost"]
                + (total - refused - sum(map(len, sent.values()))),
                "users_out_of_order": integrity["users_out_of_order"],
                "turns_incomplete": integrity["turns_incomplete"],
                "latency_ms": _summary([ms for _, ms in latencies]),
                # Each client's first turn meets a cold server (50 connections, pooled
                # database connections and templates opening at once); the rest is the
                # steady state.
                "latency_ms_first_turns": _summary([ms for t, ms in latencies if t == 0]),
                "latency_ms_later_turns": _summary([ms for t, ms in latencies if t > 0]),
                "throughput_turns_per_s": round(len(latencies) / wall, 1) if wall else None,
                "wall_s": round(wall, 2),
                "cpu_count": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
