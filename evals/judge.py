"""The rubric judge: a model grades each rubric item with a JSON verdict.

It runs at temperature 0 with a seed. Verdicts are cached by (model, prompt, item,
trial), so a rerun costs nothing and repeated trials are graded independently. Without a
judge model, items are reported as not graded; a score is never invented.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

import prompts
from agent.errors import ModelError
from agent.models.base import ChatModel
from evals.cache import DiskCache, request_key
from evals.records import RubricVerdict, TurnRecord
from evals.scenario import RubricItem

_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def transcript_text(turns: list[TurnRecord]) -> str:
    """The transcript as the judge reads it: user, tool calls with results, coach."""
    lines: list[str] = []
    for turn in turns:
        lines.append(f"[turn {turn.index}] person: {turn.user}")
        if turn.safety.get("tier") not in (None, "none"):
            lines.append(f"  (safety screen: {turn.safety.get('tier')})")
        for call in turn.tool_calls:
            result = json.dumps(call.get("result"), default=str)[:600]
            args = json.dumps(call.get("arguments"), default=str)
            lines.append(f"  tool {call.get('name')}({args}) -> {result}")
        lines.append(f"[turn {turn.index}] coach: {turn.reply or turn.error or ''}")
    return "\n".join(lines)


def parse_verdict(text: str) -> tuple[bool | None, str]:
    """``(met, explanation)`` from a judge reply; ``met`` is None when unreadable."""
    match = _JSON_OBJECT.search(text or "")
    if not match:
        return None, "the judge's reply held no JSON object"
    try:
        data = json.loads(match.group(0))
    except ValueError:
        return None, "the judge's reply was not valid JSON"
    met = data.get("met") if isinstance(data, dict) else None
    if not isinstance(met, bool):
        return None, "the judge's verdict had no boolean 'met'"
    return met, str(data.get("explanation", ""))[:400]


@dataclass
class Judge:
    """Grades rubric items with ``model``; ``model_id`` names it in cache keys and reports."""

    model: ChatModel
    model_id: str
    cache: DiskCache | None = None

    def grade(self, item: RubricItem, turns: list[TurnRecord], trial: int) -> RubricVerdict:
        """One verdict for ``item`` on this transcript."""
        prompt = prompts.render(
            "evals/judge.j2",
            criterion=item.criterion,
            points=item.points,
            dimension=item.dimension,
            transcript=transcript_text(turns),
        )
        key = request_key(
            "judge",
            {"model": self.model_id, "prompt": prompt, "item": item.criterion, "trial": trial},
        )
        cached = self.cache.get(key) if self.cache else None
        if isinstance(cached, dict) and "met" in cached:
            met, explanation = cached["met"], str(cached.get("explanation", ""))
        else:
            try:
                answer = self.model.complete([{"role": "user", "content": prompt}], [])
                met, explanation = parse_verdict(answer.content or "")
            except ModelError as exc:
                met, explanation = None, f"judge failed: {exc}"
            if self.cache is not None and met is not None:
                self.cache.put(key, {"met": met, "explanation": explanation})
        return RubricVerdict(
            criterion=item.criterion,
            points=item.points,
            dimension=item.dimension,
            met=met,
            explanation=explanation,
        )

    def grade_all(
        self, items: list[RubricItem], turns: list[TurnRecord], trial: int
    ) -> list[RubricVerdict]:
        """Verdicts for every item."""
        return [self.grade(item, turns, trial) for item in items]


def not_graded(items: list[RubricItem]) -> list[RubricVerdict]:
    """Items reported without a verdict, because no judge model is configured."""
    return [
        RubricVerdict(
            criterion=i.criterion,
            points=i.points,
            dimension=i.dimension,
            met=None,
            explanation="not graded: no judge model configured",
        )
        for i in items
    ]


def openai_model(model_name: str, *, temperature: float, seed: int) -> ChatModel:
    """An OpenAI-compatible model with fixed sampling settings (COACH_MODEL is not used).

    The judge uses temperature 0, the user simulator a little randomness; both send the
    run's seed so a rerun asks the same question the same way.

    Raises:
        ConfigurationError: No key or base URL is configured.
    """
    from agent.models.openai_backend import OpenAIModel

    base = OpenAIModel.from_env()
    # Retries and parsing are the backend's own, and the SDK stays imported by that one
    # module; only the sampling settings are added to each request.
    model: ChatModel = OpenAIModel(
        client=base.client,
        model=model_name,
        policy=base.policy,
        name=model_name,
        sampling={"temperature": temperature, "seed": seed},
    )
    return model


def judge_from_env(explicit: str | None, seed: int, cache: DiskCache | None) -> Judge | None:
    """The judge named by ``--judge-model`` or ``COACH_JUDGE_MODEL``, else None."""
    name = explicit or os.environ.get("COACH_JUDGE_MODEL")
    if not name:
        return None
    return Judge(openai_model(name, temperature=0.0, seed=seed), model_id=name, cache=cache)
