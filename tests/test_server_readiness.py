"""``POST /v1/import`` and ``GET /v1/readiness``: the same reports as the CLI, per user."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from agent.cli.main import app as cli_app
from agent.memory import wearables
from agent.memory.db import connect
from agent.server.app import create_app
from tests.factories import make_token_user
from tests.recovery_data import as_import, hrv, replace_last

DATA = Path(__file__).parent / "data" / "import"


@pytest.fixture
def client(db_path: str, now: datetime) -> Iterator[TestClient]:
    db = connect(db_path)
    user_id, token = make_token_user(db, now, "ann")
    today = now.date()
    readings = replace_last(hrv(today, 70), today, 7, [56, 53, 50, 48, 46, 44, 42])
    wearables.save(db, user_id, as_import(readings), now, "oura.csv")
    db.close()
    app = create_app(db_path, clock=lambda: now, operator_auth=False)
    with TestClient(app) as test_client:
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


def test_readiness_matches_coach_readiness_json(
    client: TestClient, db_path: str, now: datetime
) -> None:
    response = client.get("/v1/readiness")
    assert response.status_code == 200
    body = response.json()
    assert (body["band"], len(body["chart"])) == ("low", 30)
    result = CliRunner().invoke(
        cli_app,
        ["readiness", "--user", "ann", "--db", db_path, "--json", "--date", now.date().isoformat()],
    )
    assert json.loads(result.stdout) == body


def test_upload_imports_and_reports(client: TestClient) -> None:
    with (DATA / "track_hr.gpx").open("rb") as handle:
        response = client.post(
            "/v1/import", files={"file": ("run.gpx", handle, "application/gpx+xml")}
        )
    assert response.status_code == 200
    report = response.json()
    assert (report["file"], report["kind"], report["activities"]["added"]) == ("run.gpx", "gpx", 1)


def test_a_hostile_upload_is_a_400_with_one_line(client: TestClient) -> None:
    with (DATA / "hostile_entities.xml").open("rb") as handle:
        response = client.post("/v1/import", files={"file": ("export.xml", handle, "text/xml")})
    assert response.status_code == 400
    assert "declares XML entities" in json.dumps(response.json())


def test_readiness_needs_a_token(db_path: str, now: datetime) -> None:
    app = create_app(db_path, clock=lambda: now, operator_auth=False)
    with TestClient(app) as anonymous:
        assert anonymous.get("/v1/readiness").status_code == 401
