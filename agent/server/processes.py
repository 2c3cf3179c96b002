"""``coach serve --workers N``: N server processes on one port, each with its own socket.

uvicorn's own ``--workers`` lets every process accept from one shared listening socket:
the first process to wake takes every connection waiting, and HTTP keep-alive keeps a
connection on the process that took it. Measured with 50 clients on 4 processes, one
process served 70-100% of the turns while the others idled, and its queues set every
client's latency and the emergency reply's. Here each process listens on a socket of its
own, all bound to the same port with ``SO_REUSEPORT``, and the kernel spreads new
connections across them evenly (by each connection's addresses and ports).

The parent process only starts the workers, replaces one that dies, and on SIGTERM or
SIGINT passes SIGTERM on: each worker is a plain ``uvicorn.Server`` that finishes the
requests in flight (its graceful timeout) before it exits. A worker that fails to start
(its app cannot be built) stops them all: it would fail the same way again.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from agent.errors import ConfigurationError

log = logging.getLogger("coach.server")

CHECK_EVERY_S = 0.5
"""How often the parent looks for a worker that died."""


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


def _serve(app: str, listen: dict[str, Any], sock: socket.socket) -> None:
    """One worker process: the app from its factory, served on ``sock`` until SIGTERM."""
    server = uvicorn.Server(uvicorn.Config(app, factory=True, **listen))
    server.run(sockets=[sock])
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


def serve_processes(app: str, count: int, listen: dict[str, Any]) -> None:
    """Serve ``app`` (an app factory's import string) from ``count`` processes on one port.

    Args:
        app: ``module:factory``; each worker builds its own app (settings travel in the
            environment, which spawned processes inherit).
        count: Worker processes.
        listen: ``uvicorn.Config`` keywords with ``host`` and ``port``.

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

    def start(index: int) -> BaseProcess:
        process = spawn.Process(
            target=_serve, args=(app, listen, sockets[index]), name=f"coach-serve-{index}"
        )
        process.start()
        return process

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    workers = [start(index) for index in range(count)]
    log.info("workers started", extra={"event": "workers_started", "workers": count})
    try:
        while not stop.wait(CHECK_EVERY_S):
            for index, process in enumerate(workers):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    failed = True
                    stop.set()
                    break
                log.warning(
                    "worker replaced",
                    extra={"event": "worker_replaced", "exit_code": process.exitcode},
                )
                workers[index] = start(index)
    finally:
        for process in workers:
            if process.is_alive():
                process.terminate()  # SIGTERM: the worker finishes its requests first
        for process in workers:
            process.join()
        for sock in sockets:
            sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed:
        raise ConfigurationError("a server process failed to start (see its error above)")
