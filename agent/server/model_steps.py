"""Model steps in child processes: the server's own process keeps its GIL for the fast step.

A chat turn's fast step (HTTP, the token, storing and screening the message, the fixed
safety replies) and its model step (the model call, the context, tool rounds and the
reply's writes) used to share one Python process, so one GIL: a red flag's reply,
needing about 4 ms of CPU, waited for the GIL and for its event loop behind a dozen
model steps computing in the same process (issue 16: emergency p99 162-509 ms at 50
clients on PostgreSQL, while its CPU was a few milliseconds). Lowering the model-step
threads' OS priority made it worse: a descheduled low-priority thread holding the GIL
held up its whole process, red flags included (priority inversion).

Here each server process (each ``coach serve --workers`` worker) starts
``model_processes`` child processes for the model steps. A child has its own GIL, its
own database connections and its own model client, and runs at a lower OS priority
(``os.nice(MODEL_STEP_NICE)`` when it starts): no GIL is shared with the fast step, so
no priority inversion, and the OS runs the server's process first when both are ready.
A child answers many turns at once (a thread per turn waiting on the model, as the
server's own model pool did), so one or two per server process are enough.

What crosses the pipe: the received message (``agent.loop.Received``, stored and
screened) out, and the rendered answer (status and body bytes, ``Rendered``) back. The
person's place in line stays in the server process: the thread that sends a person's
turn holds their ticket until the child's answer comes, so their turns stay in order.

A child that dies (killed, crashed) is replaced; the turns it held are answered 503
with ``message_saved`` (their messages were stored before they were sent) and marked
failed unless the child finished them first. A child that dies soon after it started
is restarted after a pause that doubles, like a server process.

A child that hangs (stopped, or its process stuck in a call that never gives the GIL
back) would hold its turns for ever without dying: the server pings each child every
``PING_EVERY_S``, the child's main thread answers at once (it only reads the pipe), and
a child that has said nothing for ``HANG_S`` is killed, so it is replaced and its turns
answered 503 with ``message_saved`` like a crashed one's. A model call that hangs is
not a hung child: the child still answers pings, and the model's own timeout ends it.
"""

from __future__ import annotations

import gc
import itertools
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

from fastapi.responses import Response, StreamingResponse

from agent.errors import ConfigurationError, ModelError
from agent.server.processes import restart_pause

if TYPE_CHECKING:
    from agent.loop import Received
    from agent.server.state import ServerSettings

log = logging.getLogger("coach.server")

MODEL_STEP_NICE = 10
"""How much lower the children's OS priority is than the server process's (``os.nice``).
The scheduler then gives a ready server process about nine times a child's share of a
core, so a red flag's reply runs before model work; a child still gets the cores the
server's processes leave (nearly all: their work is a few ms per turn). Measured with
PostgreSQL, 4 workers, 50 clients at load 10-15 (issue 16, round 7): emergency p99
156/189 ms at 10, 223/327 at 5, 281/537 at 0 and 349/393 ms on threads in the server's
process; on a machine shared with other work the children's lower share lowers
throughput too (share of the CPU bound 0.48/0.49 at 10 against 0.58/0.62 on threads)."""

PING_EVERY_S = 1.0
"""How often the server asks each child whether it is still there."""

HANG_S = 30.0
"""A child that has answered neither a ping nor a turn for this long is killed and
replaced. Its main thread answers a ping within milliseconds even under load (it waits
on the pipe, holding nothing); seconds late at worst on a loaded machine, never 30."""

PING = "ping"
PONG = "pong"

START_TIMEOUT_S = 120.0
"""How long a child may take to start (imports, warm-up turns) on a loaded machine."""


SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class ModelStepLost(ModelError):
    """The process running a turn's model step stopped before it answered."""


@dataclass(frozen=True)
class Rendered:
    """An answer ready to send, as plain data: it crosses the pipe from a child.

    ``body`` is the JSON body's bytes; ``events`` the Server-Sent Events, when streamed.
    """

    status: int
    body: bytes = b""
    events: tuple[str, ...] | None = None

    def response(self) -> Response:
        """The HTTP response."""
        if self.events is not None:
            return StreamingResponse(
                iter(self.events), media_type="text/event-stream", headers=SSE_HEADERS
            )
        return Response(self.body, status_code=self.status, media_type="application/json")


@dataclass(frozen=True)
class StepJob:
    """A model step for a child: the received message and how to render its answer."""

    received: Received
    asked_stream: bool
    started: float
    """``time.perf_counter()`` when the request arrived (one clock for every process)."""


@dataclass
class _Child:
    """One child process, its pipe and the turns it holds."""

    index: int
    process: BaseProcess | None = None
    conn: Connection | None = None
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    pending: dict[int, Future[Rendered]] = field(default_factory=dict)
    started: float = 0.0
    pause: float = 0.0
    heard: float = 0.0
    """``time.monotonic()`` when the child last answered a ping or a turn."""
    ready: bool = False
    """Started and warmed up: watched from then on (starting may take longer than a hang)."""


class ModelStepProcesses:
    """``count`` child processes answering model steps (see the module docstring)."""

    def __init__(
        self,
        settings: ServerSettings,
        count: int,
        *,
        nice: int = MODEL_STEP_NICE,
        hang_s: float | None = None,
    ) -> None:
        if count < 1:
            raise ConfigurationError("model processes must be at least 1")
        self.settings = settings
        self.nice = nice
        self.hang_s = HANG_S if hang_s is None else hang_s
        self._stop_watching = threading.Event()
        self._children = [_Child(index) for index in range(count)]
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)
        self._ids = itertools.count()
        self._closing = False
        self._context = multiprocessing.get_context("spawn")
        self._log_json = bool(log.handlers)

    def launch(self) -> None:
        """Start every child (they import and warm up while the caller goes on)."""
        for child in self._children:
            self._launch(child)

    def wait_ready(self) -> None:
        """Wait until every child launched has warmed up, then start reading answers.

        Raises:
            ConfigurationError: A child failed to start.
        """
        for child in self._children:
            assert child.conn is not None
            if not child.conn.poll(START_TIMEOUT_S):
                self.close()
                raise ConfigurationError("a model-step process did not start in time")
            try:
                ready = child.conn.recv()
            except (EOFError, OSError):
                ready = None
            if ready != "ready":
                self.close()
                raise ConfigurationError("a model-step process failed to start (see its error)")
        for child in self._children:
            child.heard, child.ready = time.monotonic(), True
            threading.Thread(
                target=self._read,
                args=(child,),
                name=f"coach-step-reader-{child.index}",
                daemon=True,
            ).start()
        threading.Thread(target=self._watch, name="coach-step-watchdog", daemon=True).start()

    def _watch(self) -> None:
        """Ping every child; kill one silent for ``hang_s`` (its reader then replaces it)."""
        while not self._stop_watching.wait(PING_EVERY_S):
            for child in self._children:
                with self._lock:
                    conn, process, heard = child.conn, child.process, child.heard
                if conn is None or process is None or not child.ready:
                    continue  # being replaced or starting
                if time.monotonic() - heard > self.hang_s:
                    log.warning(
                        "model-step process hung",
                        extra={"event": "model_steps_hung", "pid": process.pid},
                    )
                    child.heard = time.monotonic()  # killed once, not at every round
                    process.kill()  # SIGKILL: a stopped or stuck process acts on nothing else
                    continue
                try:
                    with child.send_lock:
                        conn.send(PING)
                except (OSError, ValueError):
                    pass  # dying: its reader replaces it

    def _launch(self, child: _Child) -> None:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=child_main,
            args=(theirs, self.settings, self.nice, self._log_json),
            name=f"coach-model-steps-{child.index}",
            daemon=True,
        )
        process.start()
        theirs.close()
        child.ready = False  # before its pipe is set: the watchdog leaves a starting child be
        child.process, child.conn, child.started = process, ours, time.monotonic()

    def pids(self) -> list[int]:
        """The children's process ids (for operators and tests)."""
        with self._lock:
            return [c.process.pid for c in self._children if c.process and c.process.pid]

    def run(self, job: StepJob) -> Rendered:
        """Send ``job`` to the least busy child and wait for its answer.

        Raises:
            ModelStepLost: The child stopped before it answered (the turn may be pending).
            ModelError: The child failed the step in a way it could not answer itself.
        """
        done: Future[Rendered] = Future()
        job_id = next(self._ids)
        with self._available:
            ready = self._available.wait_for(
                lambda: self._closing or any(c.conn is not None for c in self._children),
                START_TIMEOUT_S,
            )
            if self._closing or not ready:
                raise ModelStepLost("the model-step processes are not running")
            child = min(
                (c for c in self._children if c.conn is not None), key=lambda c: len(c.pending)
            )
            child.pending[job_id] = done
            conn = child.conn
        assert conn is not None
        try:
            with child.send_lock:
                conn.send((job_id, job))
        except (OSError, ValueError) as exc:
            self._settle(
                child, job_id, error=ModelStepLost(f"the model-step process is gone: {exc}")
            )
        return done.result()

    def _settle(
        self,
        child: _Child,
        job_id: int,
        rendered: Rendered | None = None,
        error: Exception | None = None,
    ) -> None:
        with self._lock:
            done = child.pending.pop(job_id, None)
        if done is None:
            return
        if error is not None:
            done.set_exception(error)
        elif rendered is not None:
            done.set_result(rendered)

    def _read(self, child: _Child) -> None:
        """Hand each answer to its waiting turn; replace the child when it dies.

        One reader per slot, for as long as the server runs: it reads the successor too.
        """
        while True:
            conn = child.conn
            assert conn is not None
            try:
                while True:
                    message = conn.recv()
                    child.heard = time.monotonic()
                    if message == PONG:
                        continue
                    job_id, rendered, problem = message
                    self._settle(
                        child,
                        job_id,
                        rendered,
                        None if problem is None else ModelError(str(problem)),
                    )
            except (EOFError, OSError):
                pass
            if not self._replace(child):
                return

    def _replace(self, child: _Child) -> bool:
        """Fail the dead child's turns and start its successor; False once closing."""
        process = child.process
        if process is not None:
            process.join(timeout=5)
        with self._lock:
            lost, child.pending = child.pending, {}
            child.conn = None
            closing = self._closing
        for done in lost.values():
            done.set_exception(ModelStepLost("the model-step process stopped during the turn"))
        if closing:
            return False
        log.warning(
            "model-step process replaced",
            extra={
                "event": "model_steps_replaced",
                "exit_code": process.exitcode if process is not None else None,
                "turns_lost": len(lost),
            },
        )
        # A child dying soon after its start waits longer each time (no busy loop of spawning).
        child.pause = restart_pause(child.pause, child.started, time.monotonic())
        time.sleep(child.pause)
        conn = None
        with self._lock:
            if self._closing:
                return False
        self._launch(child)
        conn = child.conn
        assert conn is not None
        try:
            ready = conn.recv() if conn.poll(START_TIMEOUT_S) else None
        except (EOFError, OSError):
            ready = None
        if ready != "ready":
            return self._replace(child)  # it died while starting: pause longer, try again
        child.heard, child.ready = time.monotonic(), True
        with self._available:
            self._available.notify_all()
        return True

    def close(self) -> None:
        """Stop every child once it has answered the turns it holds."""
        self._stop_watching.set()
        with self._available:
            self._closing = True
            self._available.notify_all()
            children = list(self._children)
        for child in children:
            if child.conn is not None:
                try:
                    with child.send_lock:
                        child.conn.send(None)  # finish what you hold, then exit
                except (OSError, ValueError):
                    pass
        for child in children:
            if child.process is not None:
                child.process.join(timeout=60)
                if child.process.is_alive():
                    child.process.kill()
                    child.process.join(timeout=5)


def child_main(conn: Connection, settings: ServerSettings, nice: int, log_json: bool) -> None:
    """A child's life: lower its priority, build its own state, answer steps until told."""
    os.nice(nice)
    # Ctrl-C in a terminal reaches the whole process group: the server process decides
    # when its children stop (after the turns in flight), so the child ignores it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from concurrent.futures import ThreadPoolExecutor

    from agent.server import api
    from agent.server.app import configure_logging, server_state

    if log_json:
        configure_logging()
    state = server_state(settings)
    api.warm_up_turns(state)
    gc.freeze()  # what is loaded lives as long as the process (as in the server's own)
    send_lock = threading.Lock()

    def step(job_id: int, job: StepJob) -> None:
        try:
            answer: tuple[int, Rendered | None, str | None] = (
                job_id,
                api.run_model_step(state, job.received, job.asked_stream, job.started),
                None,
            )
        except BaseException as exc:  # the turn's waiter must hear of it, whatever it is
            log.exception("model step failed", extra={"event": "model_step_failed"})
            answer = (job_id, None, f"the model step failed ({type(exc).__name__})")
        with send_lock:
            conn.send(answer)

    pool = ThreadPoolExecutor(settings.model_workers, thread_name_prefix="coach-model")
    conn.send("ready")
    try:
        while True:
            try:
                message: Any = conn.recv()
            except EOFError:
                break
            if message is None:
                break
            if message == PING:
                with send_lock:
                    conn.send(PONG)
                continue
            pool.submit(step, *message)
    finally:
        pool.shutdown(wait=True)
        state.pool.close()
        conn.close()
