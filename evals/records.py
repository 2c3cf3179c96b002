"""What a run produces: turns, check results, rubric verdicts, trials (JSON-ready)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class TurnRecord(BaseModel):
    """One user turn and what the coach did with it."""

    index: int = Field(description="1-based turn number across all conversations.")
    conversation: int = Field(description="1-based conversation number.")
    user: str = Field(description="What the user said.")
    reply: str = Field(default="", description="The coach's final reply.")
    tool_calls: list[dict[str, Any]] = Field(
        default_factory=list, description="[{name, arguments, result}] in call order."
    )
    safety: dict[str, Any] = Field(default_factory=dict, description="{tier, signals}.")
    error: str | None = Field(default=None, description="Why the turn ended abnormally.")

    @property
    def tier(self) -> str:
        """The screen's tier for this turn ('none' when unknown)."""
        return str(self.safety.get("tier") or "none")


class CheckResult(BaseModel):
    """One deterministic check's verdict."""

    index: int = Field(description="Position of the check in the scenario.")
    type: str = Field(description="Check type.")
    label: str = Field(description="Readable description.")
    passed: bool = Field(description="Whether it held.")
    turn: int | None = Field(default=None, description="The turn it concerns, if one.")
    detail: str = Field(default="", description="Why it failed, or what it saw.")


class RubricVerdict(BaseModel):
    """A judge's verdict on one rubric item for one trial."""

    criterion: str = Field(description="The rubric item.")
    points: int = Field(description="Its points.")
    dimension: str = Field(description="Its dimension.")
    met: bool | None = Field(description="None when not graded.")
    explanation: str = Field(default="", description="The judge's reason.")


class TrialRecord(BaseModel):
    """One trial of one scenario."""

    scenario: str = Field(description="Scenario id.")
    trial: int = Field(description="0-based trial number.")
    seed: int = Field(description="Seed given to the simulator and judge.")
    tags: list[str] = Field(description="Scenario tags.")
    turns: list[TurnRecord] = Field(default_factory=list, description="Transcript.")
    checks: list[CheckResult] = Field(default_factory=list, description="Check verdicts.")
    abnormal: str | None = Field(default=None, description="Abnormal end, if any.")
    passed: bool = Field(default=False, description="Every check held and it ended normally.")
    rubric: list[RubricVerdict] = Field(default_factory=list, description="Judge verdicts.")
    rubric_score: float | None = Field(default=None, description="HealthBench-style score.")
    model_calls: int = Field(default=0, description="Requests that reached the model.")
    seconds: float = Field(default=0.0, description="Wall time of the trial.")
