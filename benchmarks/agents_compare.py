"""The same one-tool turn in coachloop and in openai-agents, measured alternately.

Compares coachloop's ``Coach.turn`` (its safety screen, the tool call through the
registry, and the whole turn persisted to a SQLite file in WAL mode) driven by
coachloop's ``ScriptedModel``, with openai-agents' ``Runner.run`` (no persistence,
tracing off) driven by its own ``agents.testing.ScriptedModel``. Each side's model first
asks for one tool call (``get_profile`` in coachloop, an equivalent function tool that
returns a small profile dict in openai-agents), then gives the final answer. Both offer
as many tools as coachloop's registry holds (46 when written), so schema handling costs
the same. The scripted replies are built before the clock starts; the anchor runs on one
event loop reused for every turn (its cheapest setting). The two are timed in turn,
A B A B, so machine drift hits both alike.

Prints JSON: p50/p90/p99 per side in ms and the ratios coachloop / openai-agents
(targets: p50 <= 0.7, p99 <= 1.0). openai-agents is a dev dependency; without it the
benchmark prints a one-line reason and exits 0, installing nothing.

Run: ``.venv/bin/python -m benchmarks.agents_compare [--turns N]``
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on sys.path and its safety.py would shadow
# the safety package; the repository root goes first instead.
ROOT = Path(__file__).resolve().parent.parent
if sys.path[0] != str(ROOT):
    sys.path.insert(0, str(ROOT))

from agent.loop import Coach  # noqa: E402
from agent.memory import store  # noqa: E402
from agent.memory.db import connect  # noqa: E402
from agent.models.scripted import ScriptedModel, call, calls, say  # noqa: E402


def _stats(samples_s: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples_s)
    cuts = statistics.quantiles(ms, n=100, method="inclusive")
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 3),
        "p90_ms": round(cuts[89], 3),
        "p99_ms": round(cuts[98], 3),
        "max_ms": round(ms[-1], 3),
    }


def _anchor(tool_count: int) -> tuple[Any, Any]:
    """A builder of one openai-agents turn offering ``tool_count`` tools, and its loop."""
    from agents import Agent, Runner, function_tool, set_tracing_disabled
    from agents.testing import ScriptedModel as AgentsScripted
    from agents.testing import assistant_message, function_call

    set_tracing_disabled(True)

    def get_profile() -> dict[str, Any]:
        """The person's training profile."""
        return {"goal": "strength", "level": "beginner", "days_per_week": 3}

    def _other(index: int) -> Any:
        def tool(note: str) -> str:
            return note

        tool.__name__ = f"tool_{index:02d}"
        tool.__doc__ = f"Placeholder tool {index} (offered, never called)."
        return function_tool(tool)

    tools = [function_tool(get_profile), *(_other(i) for i in range(tool_count - 1))]
    loop = asyncio.new_event_loop()

    def one_turn() -> Any:
        model = AgentsScripted(
            [
                [function_call("get_profile", {}, call_id="c1")],
                [assistant_message("Here is your plan.")],
            ]
        )
        agent = Agent(name="coach", instructions="Be a coach.", model=model, tools=tools)
        return lambda: loop.run_until_complete(Runner.run(agent, "what's my profile?"))

    return one_turn, loop


def _coach(folder: Path) -> tuple[Any, int]:
    """A builder of one coachloop turn on a SQLite file, and how many tools it offers."""
    db = connect(str(folder / "compare.db"))
    now = datetime.now(UTC)
    user_id = store.ensure_user(db, "bench", now)
    model = ScriptedModel()
    coach = Coach(db, model)

    def one_turn() -> Any:
        conversation_id = store.start_conversation(db, user_id, now)
        model.push(calls(call("get_profile", {}, "c1")), say("Here is your plan."))
        return lambda: coach.turn(user_id, conversation_id, "what's my profile?")

    return one_turn, len(coach.registry.names())


def main() -> None:
    """Run both sides alternately and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=600, help="Turns per side.")
    parser.add_argument("--warmup", type=int, default=30, help="Uncounted turns per side.")
    args = parser.parse_args()
    if importlib.util.find_spec("agents") is None:
        print(
            json.dumps(
                {
                    "skipped": "openai-agents is not installed (it is a dev dependency: "
                    "pip install -e '.[dev]'); nothing was measured"
                }
            )
        )
        sys.exit(0)
    with tempfile.TemporaryDirectory() as tmp:
        coach_turn, tool_count = _coach(Path(tmp))
        anchor_turn, loop = _anchor(tool_count)
        ours: list[float] = []
        theirs: list[float] = []
        for index in range(args.turns + args.warmup):
            run_ours, run_theirs = coach_turn(), anchor_turn()
            started = time.perf_counter()
            run_ours()
            middle = time.perf_counter()
            run_theirs()
            ended = time.perf_counter()
            if index >= args.warmup:
                ours.append(middle - started)
                theirs.append(ended - middle)
    loop.close()
    coach_stats, anchor_stats = _stats(ours), _stats(theirs)
    p50 = coach_stats["p50_ms"] / anchor_stats["p50_ms"]
    p99 = coach_stats["p99_ms"] / anchor_stats["p99_ms"]
    print(
        json.dumps(
            {
                "coachloop_turn": coach_stats,
                "openai_agents_runner": anchor_stats,
                "ratio_p50": round(p50, 3),
                "ratio_p99": round(p99, 3),
                "targets_met": {"p50<=0.7": p50 <= 0.7, "p99<=1.0": p99 <= 1.0},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
