"""``coach safety check``: screen messages from stdin, one per line, without a database.

Without ``--json`` each line prints as ``TIER<TAB>rule ids<TAB>text``. With ``--json`` each
line prints one JSON object::

    {"text": "...", "tier": "none|caution|stop|emergency",
     "signals": [{"id": "STP-DIZZY", "label": "...", "tier": "stop", "text": "dizzy",
                  "kind": "symptom", "area": null, "modifiers": []}],
     "excerpt": "..."}

``signals`` lists every rule that fired, each with its own tier after context (a
negated mention never appears; a question appears at tier ``none`` with the modifier
``hypothetical``). Lines are screened on their own, without earlier turns.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from safety import screen

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


def register(app: typer.Typer) -> None:
    """Add the ``safety`` command group to the ``coach`` app."""
    app.add_typer(safety_app, name="safety")
