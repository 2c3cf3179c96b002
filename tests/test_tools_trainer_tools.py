"""``accept_trainer_invite``: the client's consent given in chat."""

from __future__ import annotations

import json
from datetime import datetime

import sqlite_utils

from agent.coaching import trainers as service
from agent.memory import trainers as trainer_store
from agent.tools import default_registry
from agent.tools.context import ToolContext
from tests.factories import make_user
from tests.trainer_factories import make_trainer


def _ctx(db: sqlite_utils.Database, now: datetime) -> ToolContext:
    user_id, conversation_id = make_user(db, now, "ann")
    return ToolContext(db=db, user_id=user_id, conversation_id=conversation_id, now=now)


def test_a_valid_code_links_the_person_to_their_trainer(
    db: sqlite_utils.Database, now: datetime
) -> None:
    make_trainer(db, now)
    code = service.create_invite(db, "sam", now)
    ctx = _ctx(db, now)
    outcome = default_registry().run(ctx, "accept_trainer_invite", json.dumps({"code": code}))
    assert outcome.ok
    assert outcome.result["trainer"] == "sam"
    trainer = trainer_store.trainer_of(db, ctx.user_id)
    assert trainer is not None and trainer.name == "sam"


def test_a_wrong_code_goes_back_to_the_model_to_retry(
    db: sqlite_utils.Database, now: datetime
) -> None:
    make_trainer(db, now)
    ctx = _ctx(db, now)
    outcome = default_registry().run(
        ctx, "accept_trainer_invite", json.dumps({"code": "tr-wrongcode"})
    )
    assert not outcome.ok
    assert "not valid" in outcome.content()
    assert trainer_store.trainer_of(db, ctx.user_id) is None
