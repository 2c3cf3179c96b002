"""``coach eval``: run scenarios, score external transcripts, compare runs, bless a baseline.

``coach eval run`` exits 1 when the score is below ``--threshold`` or any safety
scenario failed in any trial, so CI can gate on it.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.cli.common import JsonOption
from agent.config import default_model_name
from agent.models import get_model
from agent.models.base import ChatModel

eval_app = typer.Typer(
    help="Measure the coach: scenarios, checks, rubric judge, pass^k, reports.",
    no_args_is_help=True,
)

RunsDirOption = Annotated[
    str | None,
    typer.Option("--runs-dir", help="Where runs live (default: $COACH_EVALS_DIR or data dir)."),
]
JudgeOption = Annotated[
    str | None,
    typer.Option(
        "--judge-model",
        help="Judge model name on the OpenAI-compatible endpoint (default: $COACH_JUDGE_MODEL;"
        " without one, rubric items are reported as not graded).",
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``eval`` command group to the app."""
    app.add_typer(eval_app, name="eval")


def _factory(backend: str) -> Any:
    if backend == "offline":
        return lambda scenario, trial: get_model("offline")
    # One client for every trial: the SDK's HTTP pool is thread-safe, and building a
    # client per trial would defeat its connection reuse.
    shared = get_model(backend)
    return lambda scenario, trial: shared


def _model_name(backend: str, model: ChatModel | None) -> str:
    if backend == "offline":
        return "offline"
    return str(getattr(model, "model", backend))


REMOTE_CONCURRENCY = 8
"""Trials at once when a remote model is involved: each waits on the network most of the
time. (Measured quiet, 193 offline scenarios: 8 threads 4.64 s against 3.47 s for one.)"""


@eval_app.command("run")
def run_command(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(help="Scenario files, folders, ids (globs) or tags; default: all."),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Backend: offline or openai.")
    ] = None,
    trials: Annotated[int, typer.Option("--trials", min=1, help="Trials per scenario.")] = 1,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            min=1,
            help="Trials run at once (default: 8 when a remote model answers, judges or"
            " plays users, since those wait on the network; 1 for the offline model alone,"
            " which computes in this process, where threads only add switching).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Run seed (recorded).")] = 0,
    as_json: JsonOption = False,
    report: Annotated[
        str | None, typer.Option("--report", help="Also write the HTML report here.")
    ] = None,
    threshold: Annotated[
        float,
        typer.Option("--threshold", min=0.0, max=1.0, help="Minimum mean pass rate."),
    ] = 0.95,
    judge_model: JudgeOption = None,
    simulator_model: Annotated[
        str | None,
        typer.Option(
            "--simulator-model",
            help="Model that plays persona users (default: $COACH_SIMULATOR_MODEL; without"
            " one, personas use their scripted turns).",
        ),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the cache.")] = False,
    runs_dir: RunsDirOption = None,
    nlu: Annotated[
        bool,
        typer.Option(
            "--nlu",
            help="Also measure the offline intent classifier with each voice held out "
            "(needs the dev extra; adds about a minute).",
        ),
    ] = False,
) -> None:
    """Run eval scenarios against a backend and gate on the score and safety."""
    from evals.cache import DiskCache
    from evals.judge import judge_from_env
    from evals.report import runs_dir as resolve_runs
    from evals.report import save_run
    from evals.runner import RunOptions, run
    from evals.scenario import load_scenarios, select
    from evals.simulator import simulator_from_env

    backend = model or default_model_name()
    paths = [s for s in scenarios or [] if Path(s).exists()]
    selectors = [s for s in scenarios or [] if not Path(s).exists()]
    chosen = select(load_scenarios(paths), selectors)
    root = resolve_runs(runs_dir)
    factory = _factory(backend)
    probe = factory(chosen[0], 0) if chosen else None
    cache_dir = None if no_cache or backend == "offline" else root / "cache"
    judge_cache = None if no_cache else DiskCache(root / "cache" / "judge")
    judge = judge_from_env(judge_model, seed, judge_cache)
    simulator = simulator_from_env(simulator_model, seed)
    if concurrency is None:
        remote = backend != "offline" or judge is not None or simulator is not None
        concurrency = REMOTE_CONCURRENCY if remote else 1
    options = RunOptions(
        backend=backend,
        model_name=_model_name(backend, probe),
        trials=trials,
        concurrency=concurrency,
        seed=seed,
        cache_dir=cache_dir,
        judge=judge,
        simulator=simulator,
    )
    results = _run_with_progress(run, chosen, factory, options, show=not as_json)
    if nlu:
        from evals.nlu import held_out_accuracy

        results["summary"]["nlu"] = held_out_accuracy()
    folder = save_run(results, root, Path(report) if report else None)
    summary = results["summary"]
    if as_json:
        typer.echo(json.dumps(results, default=str))
    else:
        _print_summary(results, folder, report)
    problems = []
    if summary["score"] < threshold:
        problems.append(f"score {summary['score']:.3f} is below the threshold {threshold:.3f}")
    if not summary["safety_ok"]:
        problems.append("safety scenario(s) failed: " + ", ".join(summary["safety_failures"]))
    if problems:
        typer.echo("error: " + "; ".join(problems), err=True)
        raise typer.Exit(code=1)


def _run_with_progress(
    run: Any, scenarios: list[Any], factory: Any, options: Any, *, show: bool
) -> dict[str, Any]:
    if not (show and sys.stderr.isatty()):
        result: dict[str, Any] = run(scenarios, factory, options)
        return result
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    lock = threading.Lock()
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task("eval", total=len(scenarios) * options.trials)

        def advance(record: Any) -> None:
            with lock:
                progress.advance(task)

        result = run(scenarios, factory, options, progress=advance)
    return result


def _print_summary(results: dict[str, Any], folder: Path, report: str | None) -> None:
    summary = results["summary"]
    config = results["config"]
    typer.echo(
        f"{len(summary['scenarios'])} scenarios x {config['trials']} trial(s) on "
        f"{config['backend']} ({config['model']}) in {results['wall_seconds']} s, "
        f"{results['model_calls']} model call(s)"
    )
    typer.echo(f"score {summary['score']:.3f}")
    for k, value in summary["pass_hat_k"].items():
        typer.echo(f"pass^{k} {value:.3f}   pass@{k} {summary['pass_at_k'][k]:.3f}")
    for tag, row in summary["tags"].items():
        typer.echo(f"  {tag:<12} {row['pass_rate']:.3f} ({row['scenarios']} scenarios)")
    rubric = summary["rubric"]
    if rubric.get("graded"):
        typer.echo(f"rubric {rubric['score']:.3f} (95% CI {rubric['ci95']})")
    elif rubric.get("items"):
        typer.echo(f"rubric: {rubric['items']} item(s) not graded (no judge model configured)")
    failing: dict[str, str] = {}
    for trial in results["trials"]:
        if trial["passed"] or trial["scenario"] in failing:
            continue
        bad = [c for c in trial["checks"] if not c["passed"]]
        reason = trial["abnormal"] or (f"{bad[0]['label']}: {bad[0]['detail']}" if bad else "")
        failing[trial["scenario"]] = reason
    for sid, reason in failing.items():
        typer.echo(f"FAIL {sid}: {reason}")
    from evals.nlu import nlu_lines

    for line in nlu_lines(summary):
        typer.echo(line)
    typer.echo(f"safety gate: {'passed' if summary['safety_ok'] else 'FAILED'}")
    typer.echo(f"results: {folder / 'results.json'}")
    typer.echo(f"report: {report or folder / 'report.html'}")


@eval_app.command("score")
def score_command(
    transcripts: Annotated[
        Path, typer.Argument(help="JSONL: one OpenAI-messages conversation per line.")
    ],
    judge_model: JudgeOption = None,
    as_json: JsonOption = False,
    report: Annotated[
        str | None, typer.Option("--report", help="Write an HTML report here.")
    ] = None,
    threshold: Annotated[
        float,
        typer.Option("--threshold", min=0.0, max=1.0, help="Minimum share of passing lines."),
    ] = 0.0,
) -> None:
    """Score conversations from any system; exit 1 on a missed red flag or a low score."""
    from evals.judge import judge_from_env
    from evals.report import render_html
    from evals.transcripts import score_file

    results = score_file(transcripts, judge_from_env(judge_model, 0, None))
    if report:
        page = {
            "config": {
                "backend": "transcripts",
                "model": results["source"],
                "trials": 1,
                "seed": 0,
                "config_hash": "-",
                "git_revision": "-",
                "started_at": "-",
            },
            "wall_seconds": 0,
            "model_calls": 0,
            **results,
        }
        Path(report).write_text(render_html(page), "utf-8")
    summary = results["summary"]
    if as_json:
        typer.echo(json.dumps(results, default=str))
    else:
        for trial in results["trials"]:
            bad = [c for c in trial["checks"] if not c["passed"]]
            status = "PASS" if trial["passed"] else "FAIL"
            detail = "; ".join(f"turn {c['turn']}: {c['label']}: {c['detail']}" for c in bad)
            typer.echo(f"{status} {trial['scenario']}" + (f"  {detail}" if detail else ""))
        typer.echo(f"score {summary['score']:.3f}")
    missed = sorted(
        {
            trial["scenario"]
            for trial in results["trials"]
            for check in trial["checks"]
            if check["type"] == "safety_response" and not check["passed"]
        }
    )
    problems = []
    if summary["score"] < threshold:
        problems.append(f"score {summary['score']:.3f} is below the threshold {threshold:.3f}")
    if missed:
        problems.append("unsafe response to a red flag in: " + ", ".join(missed))
    if problems:
        typer.echo("error: " + "; ".join(problems), err=True)
        raise typer.Exit(code=1)


@eval_app.command("compare")
def compare_command(
    run_a: Annotated[str, typer.Argument(help="A run folder, results file, or 'baseline'.")],
    run_b: Annotated[str, typer.Argument(help="The run to compare with RUN_A.")],
    as_json: JsonOption = False,
    runs_dir: RunsDirOption = None,
) -> None:
    """List per-scenario improvements and regressions between two runs."""
    from evals.report import compare, load_run
    from evals.report import runs_dir as resolve_runs

    root = resolve_runs(runs_dir)
    diff = compare(load_run(run_a, root), load_run(run_b, root))
    if as_json:
        typer.echo(json.dumps(diff, default=str))
        return
    typer.echo(f"score {diff['score_a']:.3f} -> {diff['score_b']:.3f}")
    for name, (a, b) in diff["nlu"].items():
        shown_a = "-" if a is None else f"{a:.3f}"
        shown_b = "-" if b is None else f"{b:.3f}"
        typer.echo(f"{name} {shown_a} -> {shown_b}")
    for row in diff["scenarios"]:
        if row["status"] in ("improved", "regressed"):
            typer.echo(f"{row['status']:<9} {row['scenario']}: {row['a']:.2f} -> {row['b']:.2f}")
            for flip in row["flipped_trials"]:
                failing = "; ".join(flip["failing_checks"]) or "-"
                state = "passes" if flip["now"] else f"fails ({failing})"
                typer.echo(f"            trial {flip['trial']} now {state}")
        elif row["status"].startswith("only"):
            typer.echo(f"{row['status']:<9} {row['scenario']}")
    typer.echo(f"{len(diff['improved'])} improved, {len(diff['regressed'])} regressed")


@eval_app.command("bless")
def bless_command(
    run: Annotated[str, typer.Argument(help="A run folder or results file.")],
    runs_dir: RunsDirOption = None,
) -> None:
    """Make a run the baseline that later runs are compared with ('baseline')."""
    from evals.report import bless
    from evals.report import runs_dir as resolve_runs

    target = bless(run, resolve_runs(runs_dir))
    typer.echo(f"baseline: {target}")


@eval_app.command("nlu")
def nlu_command(
    as_json: JsonOption = False,
    runs_dir: RunsDirOption = None,
    misses: Annotated[
        str | None,
        typer.Option("--misses", help="Write the misclassified held-out messages here (JSON)."),
    ] = None,
) -> None:
    """Language understanding: voice-held-out intent accuracy and canned replies.

    Trains the offline intent classifier on five voices and tests it on the sixth, for
    every voice; runs every scenario (paraphrases included) offline for the canned-reply
    rate over all user turns. The run is saved like ``eval run``, so ``compare`` and
    ``bless`` include these figures.
    """
    from evals.nlu import held_out_accuracy, nlu_lines
    from evals.report import runs_dir as resolve_runs
    from evals.report import save_run
    from evals.runner import RunOptions, run
    from evals.scenario import load_scenarios

    study = held_out_accuracy(misses=10_000)
    options = RunOptions(backend="offline", model_name="offline", trials=1, concurrency=8)
    results = run(load_scenarios(), _factory("offline"), options)
    results["summary"]["nlu"] = {**study, "misses": study["misses"][:50]}
    folder = save_run(results, resolve_runs(runs_dir), None)
    if misses:
        Path(misses).write_text(json.dumps(study["misses"], indent=1) + "\n", "utf-8")
    summary = results["summary"]
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "nlu": summary["nlu"],
                    "canned": summary["canned"],
                    "score": summary["score"],
                    "safety_ok": summary["safety_ok"],
                    "run_dir": str(folder),
                },
                default=str,
            )
        )
        return
    for line in nlu_lines(summary):
        typer.echo(line)
    typer.echo(f"scenario score {summary['score']:.3f} (offline, paraphrases included)")
    typer.echo(f"results: {folder / 'results.json'}")
