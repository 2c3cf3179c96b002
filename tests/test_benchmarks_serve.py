"""benchmarks/serve.py's arithmetic: the CPU bound and the target it sets."""

from __future__ import annotations

import os
from typing import Any

import pytest

from benchmarks import serve


def test_the_cpu_bound_counts_the_database_server_when_it_was_measured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    alone = serve._cpu_report(100, 0.5, 0.1, 1.0, 4)
    assert alone["server_cpu_ms_per_turn"] == 5.0
    assert alone["cpu_bound_turns_per_s"] == 400.0  # 2 cores / 5 ms
    assert "postgres_cpu_ms_per_turn" not in alone
    shared = serve._cpu_report(100, 0.5, 0.1, 1.0, 4, postgres_cpu_s=0.5)
    assert shared["postgres_cpu_ms_per_turn"] == 5.0
    assert shared["serve_cpu_bound_turns_per_s"] == 400.0
    assert shared["cpu_bound_turns_per_s"] == 200.0  # 2 cores / (5 + 5) ms
    assert shared["cpu_bound_with_load_generators_turns_per_s"] == pytest.approx(181.8)
    report: dict[str, Any] = {
        "ideal_turns_per_s": 250.0,
        "throughput_turns_per_s": 150.0,
        "served_turns_per_s": 165.0,
        "emergency_reply_ms": {"p99": 130.0},
        "emergency_reply_ms_after_first_turns": {"p99": 90.0},
    }
    verdict = serve._verdict(report, shared)
    assert verdict["target_turns_per_s"] == 140.0 and verdict["target_from"] == "cpu_bound"
    assert verdict["meets_throughput_target"]
    assert verdict["meets_emergency_target"] is False  # every red flag counts here
    assert verdict["meets_emergency_target_after_first_turns"] is True
    assert verdict["share_of_cpu_bound"] == 0.825  # every answered turn, as the bound counts
    assert verdict["clients_share_of_cpu_bound"] == 0.75


def test_each_bound_is_compared_with_the_turns_it_counts() -> None:
    """The ideal counts the clients' turns; the CPU bound, every answered turn's CPU."""
    report: dict[str, Any] = {
        "ideal_turns_per_s": 250.0,
        "throughput_turns_per_s": 130.0,  # the clients' turns
        "served_turns_per_s": 145.0,  # and the red-flag probe's
        "emergency_reply_ms": {"p99": 50.0},
        "emergency_reply_ms_after_first_turns": {"p99": 50.0},
    }
    by_cpu = serve._verdict(report, {"cpu_bound_turns_per_s": 200.0})
    assert by_cpu["target_from"] == "cpu_bound" and by_cpu["target_turns_per_s"] == 140.0
    assert by_cpu["meets_throughput_target"]  # 145 served >= 140 (130 clients' would not)
    by_ideal = serve._verdict(
        {**report, "ideal_turns_per_s": 190.0}, {"cpu_bound_turns_per_s": 400.0}
    )
    assert by_ideal["target_from"] == "ideal" and by_ideal["target_turns_per_s"] == 133.0
    assert not by_ideal["meets_throughput_target"]  # 130 clients' turns < 133: probe's not counted


def test_no_postgres_url_means_no_database_server_to_read() -> None:
    assert serve._postgres_pid(None) is None
    assert serve._postgres_cpu(None) is None
    assert isinstance(serve._used(2.0, 1.5), float)


def test_the_stub_model_takes_a_burst_of_connections_without_dropping_any() -> None:
    """Fifty model calls opening connections at once all get one, none waits on TCP.

    The stub is not serving (nothing accepts), so every connection waits in its listen
    queue: with ``socketserver``'s backlog of 5 the kernel dropped the rest, and their
    clients retried a second later (a 200 ms stub answered in 1.2-2.4 s).
    """
    import socket

    from tests.openai_stub import StubServer

    stub = StubServer()
    host, port = stub._server.server_address[:2]
    opened: list[socket.socket] = []
    try:
        for _ in range(50):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            opened.append(sock)
            sock.settimeout(0.5)
            sock.connect((str(host), int(port)))  # times out when the queue dropped it
    finally:
        for sock in opened:
            sock.close()
        stub._server.server_close()  # never started, so nothing to shut down


def test_listen_overflows_are_read_from_the_kernel_counters() -> None:
    found = serve._listen_overflows()
    assert found is None or found >= 0


def test_the_benchmarks_stub_answers_a_real_completion_without_keeping_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The benchmark's stub still answers the backend's real request with a completion.

    As the benchmark runs it, the stub neither keeps nor decodes requests.
    """
    from agent.models.openai_backend import OpenAIModel
    from tests.openai_stub import Reply, StubServer, ok

    stub = StubServer(Reply(body=ok("Noted.").body), keep_requests=False)
    stub.start()
    try:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-bench")
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        model = OpenAIModel.from_env()
        tools = [{"type": "function", "function": {"name": "noop", "parameters": {}}}]
        answer = model.complete([{"role": "user", "content": "hi coach"}], tools)
    finally:
        stub.stop()
    assert answer.content == "Noted." and answer.tool_calls == []
    assert stub.requests == []
