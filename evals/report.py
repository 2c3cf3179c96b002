"""Run results on disk: the JSON results file, the HTML report, comparison, baseline.

A run lives in its own folder under the runs directory (``COACH_EVALS_DIR``, else
``evals`` in the user data directory): ``results.json`` and ``report.html``. ``bless``
copies a run's results to ``baseline.json``, which ``compare`` accepts as ``baseline``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import prompts
from agent.config import user_data_dir
from agent.errors import UserInputError

BASELINE = "baseline"


def runs_dir(explicit: str | None = None) -> Path:
    """Where runs are stored: ``--runs-dir``, else ``COACH_EVALS_DIR``, else the data dir."""
    chosen = explicit or os.environ.get("COACH_EVALS_DIR")
    return Path(chosen) if chosen else user_data_dir() / "evals"


def render_html(results: dict[str, Any]) -> str:
    """The self-contained HTML report (autoescaped: transcripts are untrusted text)."""
    return prompts.render("evals/report.html", **results)


def save_run(results: dict[str, Any], root: Path, html_path: Path | None = None) -> Path:
    """Write ``results.json`` and ``report.html`` into a new run folder; return the folder."""
    config = results["config"]
    stamp = config["started_at"].replace(":", "").replace("-", "").replace("+0000", "Z")
    folder = root / "runs" / f"{stamp}-{config['config_hash'][:8]}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = folder.with_name(f"{folder.name.split('.')[0]}.{suffix}")
    folder.mkdir(parents=True)
    results["run_dir"] = str(folder)
    (folder / "results.json").write_text(json.dumps(results, indent=1, default=str), "utf-8")
    html = render_html(results)
    (folder / "report.html").write_text(html, "utf-8")
    if html_path is not None:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(html, "utf-8")
    return folder


def load_run(ref: str, root: Path) -> dict[str, Any]:
    """A run's results from a folder, a results file, a run name, or ``baseline``.

    Raises:
        UserInputError: Nothing readable is found.
    """
    candidates = [Path(ref), Path(ref) / "results.json", root / "runs" / ref / "results.json"]
    if ref == BASELINE:
        candidates = [root / "baseline.json"]
    for path in candidates:
        if path.is_file():
            try:
                data: dict[str, Any] = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                raise UserInputError(f"cannot read run results {path}: {exc}") from exc
            if "trials" not in data or "summary" not in data:
                raise UserInputError(f"{path} is not a coach eval results file")
            return data
    if ref == BASELINE:
        raise UserInputError("no baseline yet: run `coach eval bless RUN` first")
    raise UserInputError(f"no eval run found at {ref}")


def bless(ref: str, root: Path) -> Path:
    """Make a run the baseline that later runs are compared with."""
    data = load_run(ref, root)
    root.mkdir(parents=True, exist_ok=True)
    target = root / "baseline.json"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str), "utf-8")
    shutil.move(str(tmp), target)
    return target


def _canned_rate(run: dict[str, Any]) -> float | None:
    canned = run["summary"].get("canned") or {}
    rate = canned.get("rate")
    return float(rate) if rate is not None else None


def _held_out(run: dict[str, Any]) -> float | None:
    nlu = run["summary"].get("nlu") or {}
    accuracy = nlu.get("mean_accuracy")
    return float(accuracy) if accuracy is not None else None


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Align two runs by scenario and trial; list improvements and regressions per scenario."""
    trials_a = {(t["scenario"], t["trial"]): t for t in a["trials"]}
    trials_b = {(t["scenario"], t["trial"]): t for t in b["trials"]}
    scen_a = a["summary"]["scenarios"]
    scen_b = b["summary"]["scenarios"]
    rows: list[dict[str, Any]] = []
    for sid in sorted(set(scen_a) | set(scen_b)):
        ra, rb = scen_a.get(sid), scen_b.get(sid)
        if ra is None or rb is None:
            rows.append({"scenario": sid, "status": "only_in_b" if ra is None else "only_in_a"})
            continue
        flips = []
        for trial in range(max(ra["n"], rb["n"])):
            ta, tb = trials_a.get((sid, trial)), trials_b.get((sid, trial))
            if ta and tb and ta["passed"] != tb["passed"]:
                newly = [c["label"] for c in tb["checks"] if not c["passed"]]
                flips.append({"trial": trial, "now": tb["passed"], "failing_checks": newly})
        delta = rb["pass_rate"] - ra["pass_rate"]
        status = "improved" if delta > 0 else "regressed" if delta < 0 else "unchanged"
        rows.append(
            {
                "scenario": sid,
                "status": status,
                "a": ra["pass_rate"],
                "b": rb["pass_rate"],
                "delta": delta,
                "flipped_trials": flips,
                "rubric_a": ra.get("rubric"),
                "rubric_b": rb.get("rubric"),
            }
        )
    return {
        "a": a["config"],
        "b": b["config"],
        "score_a": a["summary"]["score"],
        "score_b": b["summary"]["score"],
        "nlu": {
            "canned replies": (_canned_rate(a), _canned_rate(b)),
            "intent accuracy (voice held out)": (_held_out(a), _held_out(b)),
        },
        "improved": [r["scenario"] for r in rows if r["status"] == "improved"],
        "regressed": [r["scenario"] for r in rows if r["status"] == "regressed"],
        "scenarios": rows,
    }
