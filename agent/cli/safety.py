"""``coach safety check``: screen messages from stdin, one per line, without a database.

Without ``--json`` each line prints as ``TIER<TAB>rule ids<TAB>text``. With ``--json`` each
line prints one JSON object::

    {"text": "...", "tier": "none|caution|check|stop|emergency",
     "signals": [{"id": "STP-DIZZY", "label": "...", "tier": "stop", "text": "dizzy",
                  "kind": "symptom", "area": null, "modifiers": [], "topic": null}],
     "excerpt": "..."}

``signals`` lists every rule that fired, each with its own tier after context (a
negated mention never appears; a question appears at tier ``none`` with the modifier
``hypothetical``), then the trained classifier's verdict when it has one (ids
``CLF-<TIER>``). Tier ``check`` means the coach would ask one safety question first;
its ``topic`` names the question (``safety/data/check.yaml``). Lines are screened on
their own, without earlier turns.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from agent import config
from agent.cli.common import fail
from coachcache import regexes
from safety import kept, screen
from safety.labelled import CORPUS_DIR, VOICES, CorpusError, append, from_review

kept.use_folder(config.safety_cache_dir)
regexes.use_folder(config.regex_cache_dir)

safety_app = typer.Typer(
    name="safety",
    help="The red-flag screen that runs before the model on every message.",
    no_args_is_help=True,
)


@safety_app.command("check")
def check(
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line: text, tier, signals.")
    ] = False,
) -> None:
    """Screen messages read from stdin (one per line) and print each one's tier and signals."""
    for raw in sys.stdin:
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        assessment = screen(text)
        if as_json:
            record = {
                "text": text,
                "tier": assessment.tier.value,
                "signals": [s.to_json() for s in assessment.signals],
                "excerpt": assessment.excerpt,
            }
            typer.echo(json.dumps(record, ensure_ascii=False))
        else:
            ids = ",".join(assessment.rule_ids) or "-"
            typer.echo(f"{assessment.tier.value}\t{ids}\t{text}")


@safety_app.command("corpus-add")
def corpus_add(
    source: Annotated[
        str, typer.Argument(help="A `coach review export` JSONL file, or '-' for stdin.")
    ],
    voice: Annotated[
        str | None,
        typer.Option("--voice", help=f"Voice of rows without one: {', '.join(VOICES)}."),
    ] = None,
    corpus_dir: Annotated[
        Path, typer.Option("--corpus", help="The corpus folder to append to.")
    ] = CORPUS_DIR,
) -> None:
    """Add reviewed flags to the safety corpus (then run `make models` to retrain).

    One command takes the operators' verdicts into the corpus::

        coach review export - --status resolved | coach safety corpus-add - --voice chatty
    """
    try:
        lines = (sys.stdin if source == "-" else Path(source).open(encoding="utf-8")).read()
    except OSError as exc:
        raise fail(f"cannot read {source}: {exc}") from exc
    rows = []
    try:
        for number, line in enumerate(lines.splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except ValueError as exc:
                raise CorpusError(f"line {number}: not JSON ({exc})") from exc
            if not isinstance(raw, dict):
                raise CorpusError(f"line {number}: expected a JSON object")
            row = from_review(raw, voice)
            if row is not None:
                rows.append(row)
        added = append(rows, corpus_dir)
    except CorpusError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"added {added} of {len(rows)} labelled rows to {corpus_dir}", err=True)


def register(app: typer.Typer) -> None:
    """Add the ``safety`` command group to the ``coach`` app."""
    app.add_typer(safety_app, name="safety")
