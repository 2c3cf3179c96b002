"""Runs scenarios against any backend: K trials each, concurrently, each in a fresh database.

1. Seed a fresh database (``:memory:`` unless a folder is given) with the starting state.
2. Play each conversation through the real turn loop (``agent.loop.Coach``), the user
   side scripted or simulated, the clock fixed at the scenario's.
3. Grade the transcript and end state with the deterministic checks; an abnormal end
   (a model error, the tool-round cap, the simulator's turn cap) fails the trial.
4. Ask the judge about rubric items when one is configured.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

import prompts
from agent.clock import iso, utc_now
from agent.errors import CoachError
from agent.loop import Coach
from agent.memory import store
from agent.memory.db import BUSY_TIMEOUT_MS, connect
from agent.models.base import ChatModel
from agent.tools import default_registry
from agent.tools.registry import ToolRegistry
from evals.cache import CachingModel, CountingModel, DiskCache, request_key
from evals.checks import CheckEnv, evaluate
from evals.judge import Judge, not_graded
from evals.records import TrialRecord, TurnRecord
from evals.scenario import Conversation, Scenario
from evals.scoring import rubric_score, summarize
from evals.simulator import Simulator, max_turns
from evals.state import seed_state

ModelFactory = Callable[[Scenario, int], ChatModel]
"""Builds the backend for one trial of one scenario."""
ProgressCallback = Callable[[TrialRecord], None]


@dataclass
class RunOptions:
    """How to run: trials, concurrency, seed, cache, judge, simulator."""

    backend: str = "offline"
    """Backend name, recorded in the results."""
    model_name: str = "offline"
    """Model name, recorded and part of the cache namespace."""
    trials: int = 1
    concurrency: int = 8
    seed: int = 0
    cache_dir: Path | None = None
    """Response cache folder; None disables the cache."""
    db_dir: Path | None = None
    """Give each trial a database file here instead of ``:memory:``."""
    judge: Judge | None = None
    simulator: Simulator | None = None
    max_tool_rounds: int = 8
    extra: dict[str, Any] = field(default_factory=dict)
    """Anything else worth recording in the run's configuration."""


def trial_seed(seed: int, scenario_id: str, trial: int) -> int:
    """A per-trial seed derived from the run seed, recorded with the trial."""
    digest = hashlib.sha256(f"{seed}:{scenario_id}:{trial}".encode()).hexdigest()
    return int(digest[:8], 16)


def git_revision(root: Path | None = None) -> str:
    """The project's git revision (with ``-dirty`` when the tree has changes), or unknown."""
    where = root or Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return rev + ("-dirty" if dirty else "")


def config_hash(
    scenarios: Sequence[Scenario], options: RunOptions, registry: ToolRegistry | None = None
) -> str:
    """A hash of what determines the results: scenarios, backend, model, tools, prompt, seed."""
    payload = {
        "scenarios": [s.model_dump(mode="json", exclude={"source"}) for s in scenarios],
        "backend": options.backend,
        "model": options.model_name,
        "trials": options.trials,
        "seed": options.seed,
        "judge": options.judge.model_id if options.judge else None,
        "simulator": bool(options.simulator),
        "system_prompt": (Path(prompts.TEMPLATE_DIR) / "system.j2").read_text(encoding="utf-8"),
        "tools": (registry or default_registry()).schemas(),
    }
    return request_key("config", payload)[:16]


class _Trial:
    """State of one trial while it runs."""

    def __init__(
        self,
        scenario: Scenario,
        trial: int,
        model: ChatModel,
        registry: ToolRegistry,
        options: RunOptions,
    ) -> None:
        self.scenario = scenario
        self.trial = trial
        self.model = model
        self.registry = registry
        self.options = options
        self.turns: list[TurnRecord] = []
        self.abnormal: str | None = None
        self.max_rounds_reply = prompts.render("loop/max_rounds.j2")
        self.simulator = options.simulator
        if self.simulator is not None and options.cache_dir is not None:
            # The simulated user's turns are model calls too: cached per trial, so an
            # unchanged rerun replays the same conversation for free.
            self.simulator = Simulator(
                CachingModel(
                    self.simulator.model,
                    DiskCache(options.cache_dir / "simulator"),
                    namespace=f"simulator:{options.model_name}",
                    trial=trial,
                )
            )

    def _user_turns(self, conversation: Conversation, exchanged: list[tuple[str, str]]) -> Any:
        simulator = self.simulator
        if simulator is None or conversation.persona is None:
            yield from conversation.turns
            return
        turn = 1
        while True:
            text = simulator.next_turn(conversation, exchanged, turn)
            if text is None:
                return
            yield text
            turn += 1
            if turn > max_turns(conversation):
                self.abnormal = f"the simulated user reached {turn - 1} turns without finishing"
                return

    def play(self, db: Any, user_id: int) -> None:
        index = 0
        for number, conversation in enumerate(self.scenario.conversations, start=1):
            moment = self.scenario.now + timedelta(days=conversation.days_later)
            coach = Coach(
                db,
                self.model,
                self.registry,
                max_tool_rounds=self.options.max_tool_rounds,
                clock=_frozen(moment),
            )
            conversation_id = store.start_conversation(db, user_id, moment)
            exchanged: list[tuple[str, str]] = []
            for text in self._user_turns(conversation, exchanged):
                index += 1
                record = TurnRecord(index=index, conversation=number, user=text)
                self.turns.append(record)
                try:
                    result = coach.turn(user_id, conversation_id, text)
                except CoachError as exc:
                    record.error = f"{type(exc).__name__}: {exc}"
                    self.abnormal = record.error
                    return
                except Exception as exc:
                    # A bug in the coach is a result to report, not a reason to lose
                    # the other trials of the run.
                    record.error = f"crash: {type(exc).__name__}: {exc}"
                    self.abnormal = record.error
                    return
                record.reply = result.reply
                record.tool_calls = result.tool_calls
                record.safety = result.safety
                exchanged.append((text, result.reply))
                if result.reply == self.max_rounds_reply:
                    record.error = "the tool-round cap was reached"
                    self.abnormal = record.error
                    return
            if self.abnormal:
                return


class FreshDatabases:
    """Hands each trial its own freshly migrated database, fast.

    Migrating from scratch costs tens of milliseconds per trial, most of a trial's time
    on the offline model, so the schema is migrated once and each trial gets a copy of
    that empty database (sqlite's backup API): same schema, same recorded migrations,
    no shared state.
    """

    def __init__(self) -> None:
        self._template = connect(":memory:")
        self._lock = threading.Lock()

    def open(self, path: str = ":memory:") -> sqlite_utils.Database:
        """A fresh, migrated database at ``path`` (``:memory:`` or a new file)."""
        target = sqlite3.connect(path, check_same_thread=False)
        with self._lock:
            self._template.conn.backup(target)
        if path != ":memory:":
            target.close()
            return connect(path)
        target.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        target.execute("PRAGMA foreign_keys=ON")
        return sqlite_utils.Database(target)


def _frozen(moment: datetime) -> Callable[[], datetime]:
    def clock() -> datetime:
        return moment

    return clock


def run_trial(
    scenario: Scenario,
    trial: int,
    model: ChatModel,
    options: RunOptions,
    registry: ToolRegistry | None = None,
    databases: FreshDatabases | None = None,
) -> TrialRecord:
    """Run one trial of one scenario and grade it."""
    started = time.perf_counter()
    registry = registry or default_registry()
    seed = trial_seed(options.seed, scenario.id, trial)
    if options.cache_dir is not None:
        wrapped: CachingModel | CountingModel = CachingModel(
            model,
            DiskCache(options.cache_dir / "responses"),
            namespace=f"{options.backend}:{options.model_name}",
            trial=trial,
        )
    else:
        wrapped = CountingModel(model)
    path = ":memory:"
    if options.db_dir is not None:
        options.db_dir.mkdir(parents=True, exist_ok=True)
        db_file = options.db_dir / f"{scenario.id}.{trial}.db"
        db_file.unlink(missing_ok=True)
        path = str(db_file)
    db = (databases or FreshDatabases()).open(path)
    try:
        user_id = seed_state(db, scenario)
        seeded = int(db.execute("SELECT COALESCE(MAX(id), 0) FROM set_logs").fetchone()[0])
        runner = _Trial(scenario, trial, wrapped, registry, options)
        runner.play(db, user_id)
        env = CheckEnv(
            runner.turns,
            db,
            user_id,
            registry.plan_changing(),
            seeded_set_id=seeded,
            today=scenario.now.date(),
        )
        checks = evaluate(scenario, env)
    finally:
        db.close()
    passed = runner.abnormal is None and all(c.passed for c in checks)
    if scenario.rubric and options.judge is not None:
        verdicts = options.judge.grade_all(scenario.rubric, runner.turns, trial)
    else:
        verdicts = not_graded(scenario.rubric)
    score = rubric_score(verdicts)
    if runner.abnormal is not None and score is not None:
        score = 0.0
    return TrialRecord(
        scenario=scenario.id,
        trial=trial,
        seed=seed,
        tags=scenario.tags,
        turns=runner.turns,
        checks=checks,
        abnormal=runner.abnormal,
        passed=passed,
        rubric=verdicts,
        rubric_score=score,
        model_calls=wrapped.calls,
        seconds=round(time.perf_counter() - started, 4),
    )


def run(
    scenarios: Sequence[Scenario],
    model_factory: ModelFactory,
    options: RunOptions,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Run every scenario ``options.trials`` times; return the results document."""
    started_at = utc_now()
    started = time.perf_counter()
    registry = default_registry()
    databases = FreshDatabases()
    # Longest scenarios first: with a slow remote model the run's wall time is bounded by
    # its longest chain of dependent turns, so start those before the short ones.
    jobs = sorted(
        ((s, t) for s in scenarios for t in range(options.trials)),
        key=lambda job: -job[0].turn_count,
    )
    records: list[TrialRecord] = []

    def job(scenario: Scenario, trial: int) -> TrialRecord:
        model = model_factory(scenario, trial)
        return run_trial(scenario, trial, model, options, registry, databases)

    if options.concurrency <= 1:
        for scenario, trial in jobs:
            records.append(job(scenario, trial))
            if progress:
                progress(records[-1])
    else:
        with ThreadPoolExecutor(max_workers=options.concurrency) as pool:
            futures = [pool.submit(job, s, t) for s, t in jobs]
            for future in as_completed(futures):
                records.append(future.result())
                if progress:
                    progress(records[-1])
    order = {s.id: i for i, s in enumerate(scenarios)}
    records.sort(key=lambda r: (order[r.scenario], r.trial))
    summary = summarize(records, seed=options.seed)
    return {
        "format": "coachloop-eval-run/1",
        "config": {
            "config_hash": config_hash(scenarios, options, registry),
            "backend": options.backend,
            "model": options.model_name,
            "trials": options.trials,
            "concurrency": options.concurrency,
            "seed": options.seed,
            "judge": options.judge.model_id if options.judge else None,
            "simulator": bool(options.simulator),
            "git_revision": git_revision(),
            "started_at": iso(started_at),
            "scenarios": [s.id for s in scenarios],
            **options.extra,
        },
        "wall_seconds": round(time.perf_counter() - started, 3),
        "model_calls": sum(r.model_calls for r in records),
        "summary": summary,
        "trials": [r.model_dump(mode="json") for r in records],
    }


def safety_scenario_ids(scenarios: Sequence[Scenario]) -> list[str]:
    """Ids of the scenarios that gate a run."""
    return [s.id for s in scenarios if s.is_safety]
