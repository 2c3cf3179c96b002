"""The chat lane against FastAPI's router: CPU per chat request, same request, same process.

``coach serve`` answers a plain ``POST /v1/chat`` in ``agent.server.chat_lane`` before the
router; the same request with a query string (``?stream=false``, which changes nothing
in the answer) goes through the router. This sends red-flag messages (a fixed safety
reply: storing, screening and answering, no model) both ways, alternating one by one,
each request from a person of its own (whose conversation is short, as most are),
through a test client on a fresh SQLite file, and reads the process's CPU time
(``time.process_time``, every thread) around each request. CPU time, not wall time, so
a machine loaded by other work changes the figures little. The test client's own CPU is
in both figures alike: the difference is what the router costs a chat request.

Run from the repository root: ``.venv/bin/python benchmarks/chat_lane.py [--requests N]``.
Prints one JSON object: per path, the median and mean CPU ms per request, and the
difference of the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from agent.memory.db import connect  # noqa: E402
from agent.server.app import create_app  # noqa: E402
from agent.server.auth import issue_token  # noqa: E402

MESSAGE = "I have crushing chest pain"
PATHS = {"lane": "/v1/chat", "router": "/v1/chat?stream=false"}
WARM_UP = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per path")
    args = parser.parse_args()
    requests = max(10, args.requests)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = str(Path(tmp) / "lane.db")
        db = connect(db_path)
        now = datetime.now(UTC)
        tokens = [issue_token(db, f"bench-{i}", now)[1] for i in range(2 * (WARM_UP + requests))]
        db.close()
        app = create_app(db_path, operator_auth=False, rate_capacity=1e9, rate_per_second=1e9)
        cpu: dict[str, list[float]] = {name: [] for name in PATHS}
        people = iter(tokens)
        with TestClient(app) as client:
            for index in range(WARM_UP + requests):
                for name, path in PATHS.items():
                    headers = {"Authorization": f"Bearer {next(people)}"}
                    started = time.process_time()
                    response = client.post(path, json={"message": MESSAGE}, headers=headers)
                    spent = time.process_time() - started
                    if response.status_code != 200:
                        raise SystemExit(f"{name}: HTTP {response.status_code} {response.text}")
                    if response.json()["safety"]["tier"] != "emergency":
                        raise SystemExit(f"{name}: not answered as an emergency")
                    if index >= WARM_UP:
                        cpu[name].append(spent * 1000)
    medians = {name: statistics.median(values) for name, values in cpu.items()}
    print(
        json.dumps(
            {
                "benchmark": "chat_lane",
                "requests_per_path": requests,
                "cpu_ms_per_request": {
                    name: {
                        "p50": round(medians[name], 3),
                        "mean": round(statistics.fmean(values), 3),
                    }
                    for name, values in cpu.items()
                },
                "router_minus_lane_p50_ms": round(medians["router"] - medians["lane"], 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
