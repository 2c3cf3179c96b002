"""Output rail: checks every model reply before it reaches the person (foundation version)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import prompts

_RULES = [
    (
        "OUT-PUSH-001",
        "tells the person to push through pain",
        r"\bpush (through|past) (the )?pain\b",
    ),
    (
        "OUT-DIAG-001",
        "states a diagnosis",
        r"\byou (probably |likely )?have (a |an )?(torn|tendinitis|sprain|fracture|hernia)",
    ),
    (
        "OUT-MED-001",
        "suggests medication or a dose",
        r"\b(take|try) (some )?(ibuprofen|advil|aspirin|paracetamol|tylenol|naproxen)\b"
        r"|\b\d+\s?mg\b",
    ),
]
_COMPILED = [(rid, label, re.compile(rx, re.I)) for rid, label, rx in _RULES]


@dataclass(frozen=True)
class OutputCheck:
    """Whether a reply may be shown, and what to show instead."""

    ok: bool
    reasons: list[str] = field(default_factory=list)
    replacement: str = ""


def check_reply(text: str) -> OutputCheck:
    """Check one reply for diagnosis, medication advice and "push through the pain"."""
    reasons = [rid for rid, _label, rx in _COMPILED if rx.search(text)]
    if not reasons:
        return OutputCheck(True)
    return OutputCheck(False, reasons, prompts.render("safety/output_replaced.j2"))
