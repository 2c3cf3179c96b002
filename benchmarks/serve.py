"""``coach serve`` under load: N concurrent clients x T chat turns, against the ideal and the CPU.

Starts ``coach serve`` in a subprocess on 127.0.0.1 (an ephemeral port, a fresh SQLite
file, default settings: the per-user rate limit is on), signs up one user per client,
then each client thread sends its turns one after another over its own keep-alive HTTP
connection. Afterwards it checks the database: every message sent is stored, in order,
and every turn completed.

What it compares (issue 16):

- **throughput against the ideal.** With ``--model-delay-ms 200`` the server talks to a
  stub OpenAI-compatible model (``tests/openai_stub.py``, in its own process) that takes
  200 ms per call, so C clients can at best answer ``C / 0.2 s`` turns per second. The
  stub keeps no requests and so does not decode their bodies (``keep_requests=False``):
  it answers every call with the same real chat completion, and its CPU (on the cores the
  server shares) stays small.
- **throughput against the CPU bound.** The server's CPU seconds per answered turn are
  read from ``/proc`` over the timed run (the model's 200 ms are spent in the stub's
  process, so they are excluded); ``cpu_count / cpu_s_per_turn`` is what the machine's
  cores could answer, and ``processes / cpu_s_per_turn`` (at most the cores) what the
  server's processes could, each computing on one core at a time (one GIL). The stub and
  the clients share the same cores: their CPU per turn is reported too, with the bound
  left once they are served (``cpu_bound_with_load_generators_turns_per_s``), and
  ``server_cores_used`` says how much of the machine the server actually got (on a
  machine shared with other work it is well below the cores). On PostgreSQL (when its
  postmaster's ``/proc`` entries are readable here) the database server's CPU per turn
  is counted in the CPU bound too (``postgres_cpu_ms_per_turn``): a turn needs it as
  much as ``coach serve``, on the same cores; ``serve_cpu_bound_turns_per_s`` is the
  bound without it.
- **the acceptance target** (issue 16): ``target_turns_per_s`` = 0.7 x the lower of the
  ideal and the CPU bound, and an emergency reply's p99 under that load at most
  ``EMERGENCY_P99_TARGET_MS``; ``meets_throughput_target`` and ``meets_emergency_target``
  compare the run with them. Each bound is compared with turns counted as it counts
  them: the ideal counts the clients' turns (``throughput_turns_per_s``), the CPU bound
  the CPU of every turn answered, the red-flag probe's included, so it is compared with
  every turn answered (``served_turns_per_s``): the share of the CPU bound is then the
  share of the cores the server and the database used. Until round 6 the clients' turns
  alone were compared with the CPU bound, which counted the probe's turns as CPU but
  never as work (about a tenth of the turns at 50 clients);
  ``clients_share_of_cpu_bound`` keeps that figure.
- **a red flag under load.** A probe in its own process sends "crushing chest pain"
  messages every 50 ms during the run (rotating over probe users so the rate limit never
  refuses them) and reports the latency of the emergency replies: all of them, and those
  sent once every client's first turn had ended (``emergency_reply_ms_after_first_turns``:
  without the start-up burst, like ``latency_ms_later_turns`` for the clients' turns).

A turn counts as answered only when it is a 200 with a reply: 429 (rate limit) and 503
are errors, never latencies. ``tcp_listen_overflows``
(connections the kernel dropped from a full listen queue during the run, machine-wide)
should be 0: each costs its client a second of TCP retransmission, a delay neither the
server nor a 200 ms model makes. Prints one JSON object.

With ``--postgres URL`` the store is that PostgreSQL server instead of a SQLite file (a
fresh schema, dropped afterwards) and ``coach serve`` runs ``--workers`` processes (4 by
default), so the two engines can be compared on the same load.

Run from the repository root: ``.venv/bin/python benchmarks/serve.py [--clients N[,N...]]
[--turns N] [--model-delay-ms MS] [--model-workers N] [--workers N] [--model-processes N]
[--postgres URL]``.
Several client counts (``--clients 1,10,50,200``) run one after another, each on a fresh
server and database, and print ``{"runs": [...]}``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.memory.db import connect  # noqa: E402
from agent.server.auth import issue_token  # noqa: E402
from tests.openai_stub import Reply, StubServer, ok  # noqa: E402

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

EMERGENCY = "I have crushing chest pain"
PROBE_INTERVAL_S = 0.05
PROBE_USERS = 60
"""Each probe user sends at most a few dozen messages, inside the per-user rate limit."""

TARGET_SHARE = 0.7
"""Issue 16: throughput at least this share of the lower of the ideal and the CPU bound."""
EMERGENCY_P99_TARGET_MS = 100.0

REQUEST_TIMEOUT_S = 60.0
RUN_DEADLINE_S = 600.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process so far (Linux ``/proc``; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_cpu_seconds(pid: int) -> float | None:
    """CPU of a process and its children (``coach serve --workers N`` runs N of them)."""
    total = _cpu_seconds(pid)
    if total is None:
        return None
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(_tree_cpu_seconds(int(child)) or 0.0 for child in children)


def _listen_overflows() -> int | None:
    """Connections this machine's kernel dropped from full listen queues so far (Linux).

    ``TcpExtListenOverflows`` counts every listening socket in the network namespace. A
    dropped connection costs its client a SYN retransmission, a second at least: a turn
    that met one waited on TCP, not on the server or the model (the stub's backlog was 5
    until round 8, and fifty first model calls overflowed it).
    """
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            counters = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            found = counters.get("ListenOverflows")
            return int(found) if found is not None else None
    return None


def _postgres_pid(url: str | None) -> int | None:
    """The PostgreSQL server's postmaster, when ``--postgres`` names one readable here."""
    if not url:
        return None
    from benchmarks.pg_turn import postgres_pid

    return postgres_pid(url)


def _postgres_cpu(pid: int | None) -> float | None:
    if pid is None:
        return None
    from benchmarks.pg_turn import postgres_cpu_s

    return postgres_cpu_s(pid)


def _stub_process(delay_s: float, pipe: Connection) -> None:
    """Serve the stub model in this (forked) process until the parent closes the pipe."""
    stub = StubServer(Reply(body=ok("Noted.").body, delay_s=delay_s), keep_requests=False)
    stub.start()
    pipe.send(stub.base_url)
    try:
        pipe.recv()  # returns (EOFError) when the parent is done
    except EOFError:
        pass
    stub.stop()


@contextmanager
def _stub_model(delay_ms: int) -> Iterator[tuple[str, int]]:
    """The stub model in its own process: (base URL, pid)."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("fork").Process(
        target=_stub_process, args=(delay_ms / 1000, theirs), daemon=True
    )
    process.start()
    try:
        if not ours.poll(60):
            raise RuntimeError("the stub model did not start within 60 s")
        yield str(ours.recv()), int(process.pid or 0)
    finally:
        ours.close()
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


def _start_server(
    db: str,
    port: int,
    model_url: str | None,
    model_workers: int | None,
    workers: int,
    log: Path,
    model_processes: int | None = None,
) -> subprocess.Popen[str]:
    """``coach serve`` on ``port``, returned once every one of its ``workers`` serves.

    The port answers as soon as the first worker process listens; the others may still be
    starting. Clients connecting then all land on that one worker and keep their
    connections (keep-alive) for the whole run, so the run would measure one process
    and not ``workers``: each worker logs ``started`` (to ``log``) when it is ready.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "OPENAI_"))}
    if model_url:
        env.update({"OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": model_url})
    if model_workers:
        env["COACH_MODEL_WORKERS"] = str(model_workers)
    if model_processes is not None:
        env["COACH_MODEL_PROCESSES"] = str(model_processes)
    env["COACH_WORKERS"] = str(workers)
    with log.open("w") as sink:  # the server writes to its own copy of the descriptor
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
                db,
                "--model",
                "openai" if model_url else "offline",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            text=True,
        )
    deadline = time.monotonic() + 120  # a loaded shared machine starts slowly
    while True:
        if process.poll() is not None:
            raise RuntimeError("coach serve exited during start-up")
        if _started(log) >= workers:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return process
            except OSError:
                pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("coach serve did not start within 120 s")
        time.sleep(0.1)


def _started(log: Path) -> int:
    """How many server processes have logged that they serve (one JSON object a line)."""
    count = 0
    for line in log.read_text(errors="replace").splitlines():
        try:
            count += json.loads(line).get("event") == "started"
        except (ValueError, AttributeError):
            continue
    return count


def _chat(connection: http.client.HTTPConnection, token: str, message: str) -> tuple[int, Any]:
    """POST /v1/chat over a kept-alive connection: (status, decoded body or None)."""
    body = json.dumps({"message": message})
    connection.request(
        "POST",
        "/v1/chat",
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    raw = response.read()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, None


@dataclass
class _Run:
    """What the client threads collect."""

    latencies: list[tuple[int, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sent: dict[int, list[str]] = field(default_factory=dict)
    first_turns_done: list[float] = field(default_factory=list)
    """When each client's first turn ended (``time.monotonic``, comparable across processes)."""


def _client(port: int, token: str, index: int, turns: int, run: _Run) -> None:
    mine: list[str] = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
    try:
        for turn in range(turns):
            message = f"{PHRASES[(index + turn) % len(PHRASES)]} (c{index} t{turn})"
            started = time.perf_counter()
            try:
                status, answer = _chat(connection, token, message)
            except (OSError, http.client.HTTPException) as exc:
                status, answer = 0, None
                connection.close()
                run.errors.append(f"client {index} turn {turn}: {type(exc).__name__}")
            if turn == 0:
                run.first_turns_done.append(time.monotonic())
            if status == 0:
                mine.append(message)  # may have been stored: checked like any other
                continue
            if status != 429:
                mine.append(message)  # a 429 is refused before storing: not a lost message
            if status != 200 or not isinstance(answer, dict) or not answer.get("reply"):
                # A 429 or 503 is not an answered turn: it never enters the latencies.
                run.errors.append(f"client {index} turn {turn}: HTTP {status}")
                continue
            run.latencies.append((turn, (time.perf_counter() - started) * 1000))
    finally:
        connection.close()
        run.sent[index] = mine


def _probe(port: int, tokens: list[str], stop: Any, pipe: Connection) -> None:
    """Send red-flag messages until ``stop`` is set; send back (latencies, error samples).

    Each latency comes with the ``time.monotonic`` at which its message was sent.
    """
    latencies: list[tuple[float, float]] = []
    errors: list[str] = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = 0
    while not stop.is_set():
        token = tokens[sent % len(tokens)]
        sent_at, started = time.monotonic(), time.perf_counter()
        try:
            status, answer = _chat(connection, token, f"{EMERGENCY} (probe {sent})")
        except (OSError, http.client.HTTPException) as exc:
            status, answer = 0, {"error": type(exc).__name__}
            connection.close()  # reconnects on the next request
        elapsed = (time.perf_counter() - started) * 1000
        sent += 1
        tier = answer.get("safety", {}).get("tier") if isinstance(answer, dict) else None
        if status == 200 and tier == "emergency":
            latencies.append((sent_at, elapsed))
        else:
            errors.append(f"HTTP {status}: {str(answer)[:120]}")
        time.sleep(max(0.0, PROBE_INTERVAL_S - elapsed / 1000))
    connection.close()
    pipe.send((latencies, errors))


def _percentile(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    rank = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[rank], 2)


def _summary(values: list[float]) -> dict[str, float | int | None]:
    return {
        "count": len(values),
        "p50": _percentile(values, 50),
        "p90": _percentile(values, 90),
        "p99": _percentile(values, 99),
        "max": round(max(values), 2) if values else None,
        "mean": round(statistics.fmean(values), 2) if values else None,
    }


def _lost(db: str, users: dict[int, int], sent: dict[int, list[str]]) -> dict[str, int]:
    database = connect(db)
    try:
        lost = out_of_order = 0
        for index, user_id in users.items():
            stored = [
                str(row[0])
                for row in database.execute(
                    "SELECT content FROM messages WHERE user_id = ? AND role = 'user' ORDER BY id",
                    [user_id],
                ).fetchall()
            ]
            expected = sent.get(index, [])
            lost += len(set(expected) - set(stored))
            out_of_order += int(stored != expected)
        incomplete = int(
            database.execute("SELECT COUNT(*) FROM turns WHERE status != 'complete'").fetchone()[0]
        )
        return {"lost": lost, "users_out_of_order": out_of_order, "turns_incomplete": incomplete}
    finally:
        database.close()


@contextmanager
def _database(tmp: str, postgres: str | None) -> Iterator[str]:
    """The store the server uses: a fresh SQLite file, or a fresh schema on ``postgres``."""
    if not postgres:
        yield str(Path(tmp) / "serve-bench.db")
        return
    from benchmarks.pg_turn import fresh_schema

    with fresh_schema(postgres) as url:
        yield url


def _sign_up(db: str, names: list[str]) -> list[tuple[int, str]]:
    database = connect(db)
    try:
        now = datetime.now(UTC)
        return [issue_token(database, name, now) for name in names]
    finally:
        database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clients", default="50", help="concurrent clients; a comma-separated list runs each"
    )
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument(
        "--model-delay-ms", type=int, default=0, help="use a stub model taking this long per call"
    )
    parser.add_argument(
        "--model-workers", type=int, default=None, help="coach serve --model-workers (64)"
    )
    parser.add_argument(
        "--workers", type=int, help="coach serve --workers (server processes; 4 on PostgreSQL)"
    )
    parser.add_argument(
        "--model-processes",
        type=int,
        default=None,
        help="coach serve --model-processes (model-step processes per server process; 1)",
    )
    parser.add_argument(
        "--postgres", metavar="URL", help="store on this PostgreSQL server (a fresh schema)"
    )
    parser.add_argument("--no-probe", action="store_true", help="skip the red-flag probe")
    args = parser.parse_args()
    try:
        counts = [int(part) for part in str(args.clients).split(",") if part.strip()]
    except ValueError:
        parser.error(f"--clients: expected numbers separated by commas, got {args.clients!r}")
    if not counts:
        parser.error("--clients: give at least one number")
    runs = []
    for count in counts:
        with ExitStack() as stack:
            model_url, stub_pid = None, None
            if args.model_delay_ms > 0:
                model_url, stub_pid = stack.enter_context(_stub_model(args.model_delay_ms))
            runs.append(_run(args, count, model_url, stub_pid))
    print(json.dumps(runs[0] if len(runs) == 1 else {"benchmark": "serve", "runs": runs}, indent=2))


def _run(
    args: argparse.Namespace, clients: int, model_url: str | None, stub_pid: int | None
) -> dict[str, Any]:
    clients = max(1, min(clients, 500))
    turns = max(1, min(args.turns, 200))
    workers = args.workers or (4 if args.postgres else 1)
    with tempfile.TemporaryDirectory() as tmp, _database(tmp, args.postgres) as db:
        signed = _sign_up(db, [f"bench-{i}" for i in range(clients)])
        users = {i: user_id for i, (user_id, _) in enumerate(signed)}
        probe_tokens = [t for _, t in _sign_up(db, [f"probe-{i}" for i in range(PROBE_USERS)])]
        port = _free_port()
        process = _start_server(
            db,
            port,
            model_url,
            args.model_workers,
            workers,
            Path(tmp) / "serve.log",
            args.model_processes,
        )
        run = _Run()
        stop = multiprocessing.get_context("fork").Event()
        ours, theirs = multiprocessing.Pipe()
        probe = multiprocessing.get_context("fork").Process(
            target=_probe, args=(port, probe_tokens, stop, theirs), daemon=True
        )
        try:
            threads = [
                threading.Thread(
                    target=_client, args=(port, signed[i][1], i, turns, run), daemon=True
                )
                for i in range(clients)
            ]
            if not args.no_probe:
                probe.start()
            pg_pid = _postgres_pid(args.postgres)
            pg_cpu = _postgres_cpu(pg_pid)
            server_cpu = _tree_cpu_seconds(process.pid)
            probe_cpu = _cpu_seconds(probe.pid) if probe.pid else None
            stub_cpu = _cpu_seconds(stub_pid) if stub_pid else None
            own_cpu = time.process_time()
            overflows = _listen_overflows()
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + RUN_DEADLINE_S
            for thread in threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
            wall = time.perf_counter() - started
            overflowed = _listen_overflows()
            server_cpu_used = _used(_tree_cpu_seconds(process.pid), server_cpu)
            pg_cpu_used = _used(_postgres_cpu(pg_pid), pg_cpu)
            stub_cpu_used = _used(_cpu_seconds(stub_pid) if stub_pid else None, stub_cpu)
            own_cpu_used = time.process_time() - own_cpu
            probe_cpu_used = _used(_cpu_seconds(probe.pid) if probe.pid else None, probe_cpu)
            unfinished = sum(thread.is_alive() for thread in threads)
            stop.set()
            probed: tuple[list[tuple[float, float]], list[str]] = ([], [])
            if not args.no_probe and ours.poll(60):
                probed = ours.recv()
        finally:
            stop.set()
            if probe.is_alive():
                probe.join(timeout=10)
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        integrity = _lost(db, users, run.sent)
    report = _report(args, workers, clients, turns, run, integrity, wall, unfinished, probed)
    cpu = _cpu_report(
        len(run.latencies) + len(probed[0]),
        server_cpu_used,
        (stub_cpu_used or 0.0) + own_cpu_used + (probe_cpu_used or 0.0),
        wall,
        workers,
        pg_cpu_used,
    )
    return (
        report
        | {
            "cpu": cpu,
            "cpu_s_stub_model": _round(stub_cpu_used),
            "cpu_s_clients": round(own_cpu_used, 2),
            "cpu_s_probe": _round(probe_cpu_used),
            # Should be 0: anything else is connections dropped by a full listen queue
            # (see ``_listen_overflows``), the machine's figure, other programs' included.
            "tcp_listen_overflows": (
                None if overflows is None or overflowed is None else overflowed - overflows
            ),
        }
        | _verdict(report, cpu)
    )


def _used(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _cpu_report(
    answered: int,
    server_cpu_s: float | None,
    generators_cpu_s: float,
    wall_s: float,
    processes: int,
    postgres_cpu_s: float | None = None,
) -> dict[str, Any]:
    """The server's CPU per answered turn (probe turns included) and the bounds it sets.

    ``generators_cpu_s`` is the stub model's and the clients' CPU over the same run: they
    run on the same cores, so the bound they leave is reported beside the plain one.
    ``postgres_cpu_s``: the PostgreSQL server's processes over the run, when they can be
    read here; a turn needs them as much as ``coach serve``, on the same cores, so the
    CPU bound then counts both (``cpu_bound_turns_per_s``; the serve-only bound is
    ``serve_cpu_bound_turns_per_s``).
    """
    cores = os.cpu_count() or 1
    if server_cpu_s is None or not answered:
        return {"server_cpu_s": _round(server_cpu_s), "cores": cores}
    per_turn = server_cpu_s / answered
    generators_per_turn = generators_cpu_s / answered
    if not per_turn:
        return {"server_cpu_s": round(server_cpu_s, 2), "cores": cores}
    store_per_turn = (postgres_cpu_s or 0.0) / answered
    store: dict[str, Any] = {}
    if postgres_cpu_s is not None:
        store = {
            "postgres_cpu_s": round(postgres_cpu_s, 2),
            "postgres_cpu_ms_per_turn": round(store_per_turn * 1000, 2),
            "serve_cpu_bound_turns_per_s": round(cores / per_turn, 1),
        }
    return {
        "server_cpu_s": round(server_cpu_s, 2),
        "server_cpu_ms_per_turn": round(per_turn * 1000, 2),
        "server_cores_used": round(server_cpu_s / wall_s, 2) if wall_s else None,
        "cores": cores,
        **store,
        "cpu_bound_turns_per_s": round(cores / (per_turn + store_per_turn), 1),
        "processes_bound_turns_per_s": round(min(processes, cores) / per_turn, 1),
        "one_process_bound_turns_per_s": round(1 / per_turn, 1),
        "load_generators_cpu_ms_per_turn": round(generators_per_turn * 1000, 2),
        "cpu_bound_with_load_generators_turns_per_s": round(
            cores / (per_turn + store_per_turn + generators_per_turn), 1
        ),
    }


def _verdict(report: dict[str, Any], cpu: dict[str, Any]) -> dict[str, Any]:
    """The run against issue 16's targets (the lower of the ideal and the CPU bound)."""
    ideal = report["ideal_turns_per_s"]
    bound = cpu.get("cpu_bound_turns_per_s")
    ceilings = [value for value in (ideal, bound) if value]
    if not ceilings:
        return {}
    target = TARGET_SHARE * min(ceilings)
    p99 = report["emergency_reply_ms"]["p99"]
    steady_p99 = report["emergency_reply_ms_after_first_turns"]["p99"]
    source = "ideal" if ideal and (not bound or ideal <= bound) else "cpu_bound"
    # The ideal counts the clients' turns; the CPU bound, the CPU of every answered turn.
    measured = report["throughput_turns_per_s" if source == "ideal" else "served_turns_per_s"]
    shares = {}
    if bound:
        shares = {
            "share_of_cpu_bound": round(report["served_turns_per_s"] / bound, 3),
            "clients_share_of_cpu_bound": round(report["throughput_turns_per_s"] / bound, 3),
        }
    return {
        "target_turns_per_s": round(target, 1),
        "target_from": source,
        **shares,
        "meets_throughput_target": measured >= target,
        "emergency_p99_target_ms": EMERGENCY_P99_TARGET_MS,
        "meets_emergency_target": None if p99 is None else p99 <= EMERGENCY_P99_TARGET_MS,
        "meets_emergency_target_after_first_turns": (
            None if steady_p99 is None else steady_p99 <= EMERGENCY_P99_TARGET_MS
        ),
    }


def _report(
    args: argparse.Namespace,
    workers: int,
    clients: int,
    turns: int,
    run: _Run,
    integrity: dict[str, int],
    wall: float,
    unfinished: int,
    probed: tuple[list[tuple[float, float]], list[str]],
) -> dict[str, Any]:
    total = clients * turns
    refused = sum(error.endswith("HTTP 429") for error in run.errors)
    throughput = len(run.latencies) / wall if wall else 0.0
    ideal = clients / (args.model_delay_ms / 1000) if args.model_delay_ms else None
    return {
        "benchmark": "serve",
        "engine": "postgresql" if args.postgres else "sqlite",
        "backend": "openai-stub" if args.model_delay_ms > 0 else "offline",
        "model_delay_ms": args.model_delay_ms,
        "model_workers": args.model_workers or 64,
        "server_processes": workers,
        "model_processes": args.model_processes,
        "clients": clients,
        "turns_per_client": turns,
        "turns_sent": total,
        "turns_answered": len(run.latencies),
        "errors": len(run.errors) + unfinished,
        "error_samples": run.errors[:5],
        "refused_429": refused,
        "lost_messages": integrity["lost"] + (total - refused - sum(map(len, run.sent.values()))),
        "users_out_of_order": integrity["users_out_of_order"],
        "turns_incomplete": integrity["turns_incomplete"],
        "latency_ms": _summary([ms for _, ms in run.latencies]),
        # Each client's first turn meets a cold server (connections, pooled database
        # connections and templates opening at once); the rest is the steady state.
        "latency_ms_first_turns": _summary([ms for t, ms in run.latencies if t == 0]),
        "latency_ms_later_turns": _summary([ms for t, ms in run.latencies if t > 0]),
        "emergency_reply_ms": _summary([ms for _, ms in probed[0]]),
        # The same, for red flags sent once every client's first turn had ended: the
        # start-up burst (50 first turns at once, each opening a connection and a
        # conversation) is out of it; the figure above includes it.
        "emergency_reply_ms_after_first_turns": _summary(
            [ms for sent_at, ms in probed[0] if sent_at >= max(run.first_turns_done, default=0)]
        ),
        "emergency_errors": len(probed[1]),
        "emergency_error_samples": probed[1][:3],
        "throughput_turns_per_s": round(throughput, 1),
        "served_turns_per_s": (
            round((len(run.latencies) + len(probed[0])) / wall, 1) if wall else 0.0
        ),
        "ideal_turns_per_s": ideal,
        "throughput_over_ideal": round(throughput / ideal, 3) if ideal else None,
        "wall_s": round(wall, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


if __name__ == "__main__":
    main()
