"""Pre-exercise screening at intake: the seven general PAR-Q+ questions.

The questions are data (``safety/data/parq.yaml``). The intake flow asks them, then calls
:func:`record_answers`; any "yes" records a caution flag (source ``parq``) and returns a
recommendation to get clearance before vigorous training.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

import prompts
from safety import flags
from safety.datafiles import parse_yaml
from safety.rules import DATA_DIR
from safety.screen import Assessment, Signal
from safety.storage import timestamp
from safety.tiers import Tier

if TYPE_CHECKING:
    import sqlite_utils


class ParqError(ValueError):
    """Answers that do not fit the questionnaire (unknown or missing question ids)."""


@dataclass(frozen=True)
class ParqQuestion:
    """One PAR-Q+ question."""

    id: str
    topic: str
    text: str


@dataclass(frozen=True)
class ParqResult:
    """What the answers mean for training."""

    yes: list[str] = field(default_factory=list)
    """Ids of the questions answered yes."""
    flag_id: int | None = None
    """The caution flag recorded when any answer is yes."""
    recommendation: str | None = None
    """Text for the person: get clearance before vigorous training (``None`` if all no)."""

    @property
    def clearance_recommended(self) -> bool:
        """Any yes: clearance is recommended before vigorous training."""
        return bool(self.yes)


@lru_cache(maxsize=1)
def questions() -> tuple[ParqQuestion, ...]:
    """The seven questions, in asking order."""
    data = parse_yaml((DATA_DIR / "parq.yaml").read_text(encoding="utf-8"))
    return tuple(
        ParqQuestion(str(q["id"]), str(q["topic"]), str(q["text"])) for q in data["questions"]
    )


def record_answers(
    db: sqlite_utils.Database,
    user_id: int,
    answers: Mapping[str, bool],
    now: datetime,
    *,
    conversation_id: int | None = None,
) -> ParqResult:
    """Store one answer per question; any yes records a caution flag and a recommendation.

    Args:
        db: The coach's database (written in the caller's transaction).
        user_id: Who answered.
        answers: Question id -> yes (True) or no (False), for all seven questions.
        now: The clock.
        conversation_id: The intake conversation, if any, for the flag.

    Raises:
        ParqError: An unknown question id, or a question left unanswered.
    """
    known = {q.id: q for q in questions()}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise ParqError(f"unknown PAR-Q+ question ids: {', '.join(unknown)}")
    missing = [qid for qid in known if qid not in answers]
    if missing:
        raise ParqError(f"unanswered PAR-Q+ questions: {', '.join(missing)}")
    stamp = timestamp(now)
    for qid in known:
        db.execute(
            "INSERT INTO parq_answers (user_id, question_id, answer, answered_at) "
            "VALUES (?, ?, ?, ?)",
            [user_id, qid, int(bool(answers[qid])), stamp],
        )
    yes = [qid for qid in known if answers[qid]]
    if not yes:
        return ParqResult()
    signals = [
        Signal(qid, f"PAR-Q+: {known[qid].topic}", Tier.CAUTION, known[qid].text, "condition")
        for qid in yes
    ]
    excerpt = "PAR-Q+ yes: " + "; ".join(known[qid].topic for qid in yes)
    assessment = Assessment(Tier.CAUTION, signals, excerpt[:200])
    flag_id = flags.record(
        db,
        user_id=user_id,
        conversation_id=conversation_id,
        message_id=None,
        assessment=assessment,
        now=now,
        lock=False,
        source="parq",
    )
    recommendation = prompts.render(
        "safety/parq_clearance.j2", questions=[known[qid].topic for qid in yes]
    )
    return ParqResult(yes, flag_id, recommendation)


def latest_answers(db: sqlite_utils.Database, user_id: int) -> dict[str, bool]:
    """The person's most recent answer to each question (empty if never asked)."""
    rows = db.execute(
        "SELECT question_id, answer FROM parq_answers WHERE user_id = ? ORDER BY id",
        [user_id],
    ).fetchall()
    return {str(r[0]): bool(r[1]) for r in rows}


def clearance_recommended(db: sqlite_utils.Database, user_id: int) -> bool:
    """Whether the latest PAR-Q+ answers include a yes."""
    return any(latest_answers(db, user_id).values())
