"""Feedback votes, the question log and the gap report: over HTTP, across a restart, and on the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot import Bot, Settings
from tests.conftest import ROOT, make_client, wait_ready

KEY = "feedback-admin-key-7"
DECLINED = "明天会下雨吗"
ANSWERED = "如何查询ICP备案号"


def assert_error(resp: Any, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_votes_are_stored(client: TestClient, bot: Bot) -> None:
    entry = bot.entries()[0]
    first = client.post(
        "/v1/feedback",
        json={"helpful": True, "session_id": "fb-1", "question": "管局审核多久", "entry_id": entry.id},
    )
    assert first.status_code == 201
    assert set(first.json()) == {"id"} and isinstance(first.json()["id"], int)
    second = client.post("/v1/feedback", json={"helpful": False, "comment": "没说清楚"})
    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"] + 1
    from sqlalchemy import select

    from bot.storage.models import feedback

    columns = [feedback.c.session_id, feedback.c.question, feedback.c.entry_id, feedback.c.helpful, feedback.c.comment]
    assert bot.db is not None
    with bot.db.engine.connect() as conn:
        row = conn.execute(select(*columns).where(feedback.c.id == first.json()["id"])).one()
    assert tuple(row) == ("fb-1", "管局审核多久", entry.id, True, None)


def test_bad_feedback_is_a_json_4xx(client: TestClient) -> None:
    cases: list[Any] = [
        {},
        {"helpful": "yes"},
        {"helpful": 1},
        {"helpful": None},
        {"helpful": True, "session_id": "has space"},
        {"helpful": True, "session_id": "x" * 129},
        {"helpful": True, "question": "x" * 501},
        {"helpful": True, "entry_id": "x" * 65},
        {"helpful": True, "comment": "x" * 1001},
        {"helpful": True, "extra": 1},
        [True],
        "helpful",
    ]
    for body in cases:
        assert_error(client.post("/v1/feedback", json=body), 422, "invalid_request")
    assert_error(
        client.post("/v1/feedback", content=b"{helpful", headers={"content-type": "application/json"}),
        422,
        "invalid_request",
    )
    assert_error(client.post("/v1/feedback", json={"helpful": True, "entry_id": "faq-0000000000"}), 404, "not_found")
    assert_error(client.get("/v1/feedback"), 405, "method_not_allowed")


def test_report_needs_the_admin_key(client: TestClient) -> None:
    # the shared app has no admin key configured: every key is refused
    for headers in ({}, {"X-API-Key": "anything"}):
        assert_error(client.get("/v1/admin/report", headers=headers), 401, "unauthorized")


def report_via_cli(data_dir: Path) -> dict[str, Any]:
    env = {**os.environ, "BEIAN_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "report", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def test_report_survives_a_restart_and_matches_the_cli(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data = tmp_path_factory.mktemp("feedback-data")
    own = settings.model_copy(update={"admin_api_key": KEY, "data_dir": data})
    admin = {"X-API-Key": KEY}

    with make_client(own) as first:
        wait_ready(first)
        for _ in range(2):
            assert first.post("/v1/ask", json={"question": DECLINED}).json()["confident"] is False
        answered = first.post("/v1/ask", json={"question": ANSWERED}).json()
        assert answered["confident"] is True
        top = answered["sources"][0]
        assert top["title"] == ANSWERED
        vote = first.post(
            "/v1/feedback",
            json={
                "helpful": False,
                "session_id": answered["session_id"],
                "question": ANSWERED,
                "entry_id": top["id"],
            },
        )
        assert vote.status_code == 201
        assert first.post("/v1/feedback", json={"helpful": True, "question": ANSWERED}).status_code == 201

        assert_error(first.get("/v1/admin/report"), 401, "unauthorized")
        assert_error(first.get("/v1/admin/report", headers={"X-API-Key": KEY + "x"}), 401, "unauthorized")
        before = first.get("/v1/admin/report", headers=admin)
        assert before.status_code == 200
        report = before.json()

    assert report["questions"] == 3
    assert report["declined"] == 2
    assert report["unanswered"] == [
        {"question": DECLINED, "count": 2},
        {"question": ANSWERED, "count": 1},
    ]
    assert report["entry_hits"] == [{"entry_id": top["id"], "title": ANSWERED, "count": 1}]
    assert report["feedback"] == {"helpful": 1, "not_helpful": 1}

    # a new server on the same data folder reads the same log
    with make_client(own) as second:
        wait_ready(second)
        after = second.get("/v1/admin/report", headers=admin)
        assert after.status_code == 200
        assert after.json() == report
        limited = second.get("/v1/admin/report", headers=admin, params={"limit": 1}).json()
        assert limited["unanswered"] == [{"question": DECLINED, "count": 2}]
        assert_error(second.get("/v1/admin/report", headers=admin, params={"limit": 0}), 422, "invalid_request")

    cli = report_via_cli(data)
    assert cli["unanswered"] == report["unanswered"]
    assert cli == report
