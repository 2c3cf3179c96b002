"""``coach serve --workers N``: N server processes on one port, each with its own socket.

uvicorn's own ``--workers`` lets every process accept from one shared listening socket:
the first process to wake takes every connection waiting, and HTTP keep-alive keeps a
connection on the process that took it. Measured with 50 clients on 4 processes, one
process served 70-100% of the turns while the others idled, and its queues set every
client's latency and the emergency reply's. Here each process listens on a socket of its
own, all bound to the same port with ``SO_REUSEPORT``, and the kernel spreads new
connections across them evenly (by each connection's addresses and ports).

The parent process only starts the workers, replaces one that dies or hangs, and on
SIGTERM or SIGINT passes SIGTERM on: each worker is a ``uvicorn.Server`` that finishes the
requests in flight (its graceful timeout) before it exits. A worker that fails to start
(its app cannot be built, or it dies before it ever served) stops them all: it would
fail the same way again.

A worker is hung when its event loop stops going round: uvicorn's loop ticks every tenth
of a second, and each tick stamps the worker's heartbeat in memory shared with the
parent. A heartbeat older than ``HANG_S`` gets the worker killed and replaced; its
connections are cut, the others' are not. A worker that keeps dying soon after it
starts is restarted after a pause that doubles each time (``RESTART_PAUSE_S``), so a
crash at start-up does not become a busy loop of spawning processes.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from agent.errors import ConfigurationError

log = logging.getLogger("coach.server")

CHECK_EVERY_S = 0.5
"""How often the parent looks for a worker that died or hung."""

HANG_S = 60.0
"""A worker whose event loop has not ticked for this long is killed and replaced. A tick
is due every 0.1 s; on a loaded machine one comes seconds late, never a minute (uvicorn's
own supervisor, pinging after 5 s, killed healthy workers under load)."""

QUICK_DEATH_S = 10.0
"""A worker that dies sooner than this after it started is restarted after a pause."""

RESTART_PAUSE_S = (0.5, 30.0)
"""The first pause before restarting a worker that died quickly, and the longest: each
quick death in a row doubles it; a worker that lived longer is restarted at once."""


class _Heartbeat(uvicorn.Server):
    """A ``uvicorn.Server`` stamping ``beat`` (shared with the parent) on every loop tick."""

    def __init__(self, config: uvicorn.Config, beat: Any) -> None:
        super().__init__(config)
        self.beat = beat

    async def on_tick(self, counter: int) -> bool:
        """Stamp the heartbeat, then uvicorn's own tick (headers, limits, exit)."""
        self.beat.value = time.monotonic()
        return await super().on_tick(counter)


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` that other such sockets may share.

    Not listening yet (the worker's server does that): until then no connection is
    queued on it, so a worker still starting is never handed one.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc}") from exc
    sock.set_inheritable(True)
    return sock


def _serve(app: str, listen: dict[str, Any], sock: socket.socket, beat: Any) -> None:
    """One worker process: the app from its factory, served on ``sock`` until SIGTERM."""
    server = _Heartbeat(uvicorn.Config(app, factory=True, **listen), beat)
    server.run(sockets=[sock])
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


@dataclass
class _Worker:
    """One worker's process, its heartbeat and its restarts (see the module docstring)."""

    index: int
    beat: Any
    """A shared double the worker's loop stamps with ``time.monotonic()``; 0 until it serves."""
    process: BaseProcess | None = None
    started: float = 0.0
    pause: float = 0.0
    restart_at: float | None = None

    def served(self) -> bool:
        """Whether the worker's loop ever ticked: it started serving."""
        return float(self.beat.value) > 0

    def hung(self, hang_s: float) -> bool:
        beat = float(self.beat.value)
        return beat > 0 and time.monotonic() - beat > hang_s

    def due(self) -> bool:
        """Whether the dead worker may be restarted now (after its pause, if it died quickly)."""
        now = time.monotonic()
        if self.restart_at is None:
            self.pause = restart_pause(self.pause, self.started, now)
            self.restart_at = now + self.pause
        return now >= self.restart_at


def restart_pause(previous: float, started: float, died: float) -> float:
    """The pause before restarting a process started at ``started`` that died at ``died``.

    A quick death (sooner than :data:`QUICK_DEATH_S`) doubles ``previous`` (the first one
    pauses ``RESTART_PAUSE_S[0]``) up to ``RESTART_PAUSE_S[1]``; a longer life restarts at
    once. Shared by the server's workers and their model-step children.
    """
    first, longest = RESTART_PAUSE_S
    return min(previous * 2 or first, longest) if died - started < QUICK_DEATH_S else 0.0


def _tend(worker: _Worker, hang_s: float, start: Callable[[_Worker], None]) -> bool:
    """Replace ``worker`` if it hung or died (after its pause); True when it failed to start.

    A worker that dies before its loop ever ticked failed to start, whatever its exit
    code: restarting it would only fail again (in a loop, for ever).
    """
    process = worker.process
    assert process is not None
    if process.is_alive():
        if not worker.hung(hang_s):
            return False
        log.warning("worker hung", extra={"event": "worker_hung", "pid": process.pid})
        process.kill()  # SIGKILL: a hung loop would never act on SIGTERM
        process.join(timeout=10)
    if process.exitcode == STARTUP_FAILURE or not worker.served():
        # It never served: it would fail the same way again (whatever its exit code).
        return True
    if worker.due():
        log.warning(
            "worker replaced",
            extra={
                "event": "worker_replaced",
                "exit_code": process.exitcode,
                "paused_s": worker.pause,
            },
        )
        start(worker)
    return False


def serve_processes(
    app: str, count: int, listen: dict[str, Any], *, hang_s: float = HANG_S
) -> None:
    """Serve ``app`` (an app factory's import string) from ``count`` processes on one port.

    Args:
        app: ``module:factory``; each worker builds its own app (settings travel in the
            environment, which spawned processes inherit).
        count: Worker processes.
        listen: ``uvicorn.Config`` keywords with ``host`` and ``port``.
        hang_s: How long a worker's event loop may stand still before it is replaced.

    Raises:
        ConfigurationError: The port cannot be bound, or a worker failed to start.
    """
    if not hasattr(socket, "SO_REUSEPORT"):
        raise ConfigurationError("several server processes need SO_REUSEPORT (Linux, BSD, macOS)")
    host, port = str(listen["host"]), int(listen["port"])
    first = reuse_port_socket(host, port)
    port = int(first.getsockname()[1])  # port 0: every worker takes the one given to the first
    sockets = [first, *(reuse_port_socket(host, port) for _ in range(count - 1))]
    multiprocessing.allow_connection_pickling()
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()
    failed = False
    # Written by each worker's loop, read here: no lock needed for one double.
    workers = [_Worker(index, spawn.Value("d", 0.0, lock=False)) for index in range(count)]

    def start(worker: _Worker) -> None:
        worker.beat.value = 0.0  # not ticking until the new worker serves
        worker.process = spawn.Process(
            target=_serve,
            args=(app, listen, sockets[worker.index], worker.beat),
            name=f"coach-serve-{worker.index}",
        )
        worker.process.start()
        worker.started, worker.restart_at = time.monotonic(), None

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    for worker in workers:
        start(worker)
    log.info("workers started", extra={"event": "workers_started", "workers": count})
    try:
        while not failed and not stop.wait(CHECK_EVERY_S):
            failed = any(_tend(worker, hang_s, start) for worker in workers)
    finally:
        for worker in workers:
            if worker.process is not None and worker.process.is_alive():
                worker.process.terminate()  # SIGTERM: the worker finishes its requests first
        for worker in workers:
            if worker.process is not None:
                worker.process.join()
        for sock in sockets:
            sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed:
        raise ConfigurationError("a server process failed to start (see its error above)")
