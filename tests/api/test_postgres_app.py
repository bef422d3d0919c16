"""The whole app on a real PostgreSQL server: keys, curation live, tickets and the question log, across a
restart (the storage tests cover each store on both databases; this is the app end to end)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot import Settings
from tests.conftest import copy_index, make_client, until, wait_ready

BOOT = "pg-boot-key-1"
ADMIN = {"X-API-Key": BOOT}
QUESTION = "备案支持微信支付吗"


def test_app_on_postgresql(settings: Settings, postgres: Any, tmp_path: Path) -> None:
    own = settings.model_copy(
        update={
            "admin_api_key": BOOT,
            "database_url": postgres.database(),
            "data_dir": tmp_path / "data",
            "index_dir": copy_index(settings.index_dir, tmp_path / "index"),
        }
    )
    with make_client(own) as app:
        wait_ready(app)
        agent = {
            "X-API-Key": app.post("/v1/admin/keys", json={"role": "agent", "name": "pg"}, headers=ADMIN).json()["key"]
        }
        first = app.post("/v1/ask", json={"question": QUESTION, "session_id": "pg-1"}).json()
        assert first["confident"] is False
        until(lambda: [u["question"] for u in app.get("/v1/admin/unanswered", headers=agent).json()] == [QUESTION])
        made = app.post("/v1/admin/entries", headers=agent, json={"title": QUESTION, "text": "备案本身不收费。"}).json()
        until(lambda: app.post("/v1/ask", json={"question": QUESTION}).json()["sources"][0]["id"] == made["id"])
        ticket = app.post("/v1/handoff", json={"session_id": "pg-1"}).json()
        assert app.post(f"/v1/admin/handoff/{ticket['ticket_id']}/claim", headers=agent).json()["status"] == "claimed"
        log = app.get("/v1/admin/changes", headers=agent).json()
        report = app.get("/v1/admin/report", headers=agent).json()
    assert not (tmp_path / "data" / "beian.sqlite3").exists()  # nothing went to SQLite
    with make_client(own) as again:
        wait_ready(again)
        assert again.get("/v1/admin/changes", headers=agent).json() == log
        assert again.get("/v1/admin/report", headers=agent).json() == report
        assert again.get(f"/v1/admin/handoff/{ticket['ticket_id']}", headers=agent).json()["claimed_by"] == "pg"
        assert again.post("/v1/ask", json={"question": QUESTION}).json()["sources"][0]["id"] == made["id"]
