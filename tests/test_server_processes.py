"""``coach serve --workers N``: a listening socket per process, connections spread by the kernel."""

from __future__ import annotations

import socket

import pytest

from agent.errors import ConfigurationError
from agent.server.processes import reuse_port_socket, serve_processes

CONNECTIONS = 40


def test_connections_to_one_port_are_spread_over_every_listening_socket() -> None:
    """Each process's own socket gets a share: no process takes every connection waiting."""
    first = reuse_port_socket("127.0.0.1", 0)
    port = int(first.getsockname()[1])
    sockets = [first, reuse_port_socket("127.0.0.1", port), reuse_port_socket("127.0.0.1", port)]
    for sock in sockets:
        sock.listen(CONNECTIONS)
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(CONNECTIONS)]
    taken = []
    for sock in sockets:
        sock.setblocking(False)
        count = 0
        while True:
            try:
                accepted, _ = sock.accept()
            except BlockingIOError:
                break
            accepted.close()
            count += 1
        taken.append(count)
    for sock in [*sockets, *clients]:
        sock.close()
    assert sum(taken) == CONNECTIONS
    # Spread by a hash of each connection's ports: all 40 on one of three sockets has a
    # chance of about 1 in 10^18.
    assert all(count > 0 for count in taken), taken


def test_a_port_taken_by_another_program_is_one_clear_error() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        port = int(other.getsockname()[1])
        with pytest.raises(ConfigurationError, match=f"cannot listen on 127.0.0.1:{port}"):
            reuse_port_socket("127.0.0.1", port)


def test_a_worker_that_cannot_build_its_app_stops_the_server() -> None:
    """It would fail the same way every time: the parent stops instead of restarting it."""
    with pytest.raises(ConfigurationError, match="failed to start"):
        serve_processes(
            "tests.test_server_processes:no_such_factory",
            2,
            {"host": "127.0.0.1", "port": 0, "log_config": None},
        )
