"""The ticket queue over HTTP: claim and close, and the helpdesk webhook that fails twice, across a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot import Settings
from tests.conftest import make_client, until, wait_ready
from tests.webhook import Receiver

BOOT = "tickets-boot-key-1"
ADMIN = {"X-API-Key": BOOT}


def new_ticket(app: TestClient, sid: str) -> dict[str, Any]:
    assert app.post("/v1/ask", json={"question": "管局审核多长时间", "session_id": sid}).status_code == 200
    made = app.post("/v1/handoff", json={"session_id": sid, "note": "请回电"})
    assert made.status_code == 201
    ticket: dict[str, Any] = app.get(f"/v1/admin/handoff/{made.json()['ticket_id']}", headers=ADMIN).json()
    return ticket


def test_claim_close_and_webhook_across_a_restart(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> None:
    data: Path = tmp_path_factory.mktemp("tickets")
    with Receiver(fail=2) as hook:
        own = settings.model_copy(
            update={"admin_api_key": BOOT, "data_dir": data, "handoff_webhook": hook.url, "webhook_backoff": 0.3}
        )
        with make_client(own) as app:
            wait_ready(app)
            agent = {
                "X-API-Key": app.post("/v1/admin/keys", json={"role": "agent", "name": "小李"}, headers=ADMIN).json()[
                    "key"
                ]
            }
            first = new_ticket(app, "tk-1")
            second = new_ticket(app, "tk-2")
            assert [t["id"] for t in app.get("/v1/admin/handoff?status=open", headers=agent).json()] == [
                second["id"],
                first["id"],
            ]
            claimed = app.post(f"/v1/admin/handoff/{first['id']}/claim", headers=agent)
            assert claimed.status_code == 200 and claimed.json()["claimed_by"] == "小李"
            taken = app.post(f"/v1/admin/handoff/{first['id']}/claim", headers=ADMIN)
            assert taken.status_code == 409 and taken.json()["error"]["code"] == "conflict"
            closed = app.post(
                f"/v1/admin/handoff/{first['id']}/close", headers=agent, json={"resolution": "已电话回复"}
            )
            assert closed.status_code == 200
            assert (closed.json()["status"], closed.json()["resolution"]) == ("closed", "已电话回复")
            assert app.post(f"/v1/admin/handoff/{first['id']}/close", headers=agent).status_code == 409
            # closing without a body (no resolution) works too
            assert app.post(f"/v1/admin/handoff/{second['id']}/close", headers=agent).json()["resolution"] is None
            assert [t["id"] for t in app.get("/v1/admin/handoff?status=closed", headers=agent).json()] == [
                second["id"],
                first["id"],
            ]
            # refused twice, then accepted: each ticket reaches the helpdesk exactly once, with its transcript
            until(lambda: len(hook.accepted) == 2)
            assert len(hook.calls) == 4
            sent = {b["ticket"]["id"]: b["ticket"] for b in hook.accepted}
            assert sent[first["id"]]["transcript"][0]["question"] == "管局审核多长时间"
            assert sent[first["id"]]["note"] == "请回电"
            assert app.get("/v1/admin/deliveries?delivered=false", headers=ADMIN).json() == []
            agent_key = agent

    # the helpdesk is down now: a ticket made meanwhile waits in the outbox, visible to admins ...
    with Receiver(fail=10**6) as down:
        own = own.model_copy(update={"handoff_webhook": down.url})
        with make_client(own) as app:
            wait_ready(app)
            third = new_ticket(app, "tk-3")
            until(lambda: len(down.calls) >= 2)
            pending = app.get("/v1/admin/deliveries?delivered=false", headers=ADMIN).json()
            assert [p["ticket_id"] for p in pending] == [third["id"]]
            assert pending[0]["attempts"] >= 2 and pending[0]["last_error"] == "HTTP 503"
            port = down.port
    # ... and is delivered after a restart, once the helpdesk is back; the queue is as it was
    with Receiver(fail=0, port=port) as back, make_client(own) as app:
        wait_ready(app)
        until(lambda: back.accepted)
        assert [b["ticket"]["id"] for b in back.accepted] == [third["id"]]
        until(lambda: app.get("/v1/admin/deliveries?delivered=false", headers=ADMIN).json() == [])
        statuses = {t["id"]: t["status"] for t in app.get("/v1/admin/handoff", headers=agent_key).json()}
        assert statuses == {first["id"]: "closed", second["id"]: "closed", third["id"]: "open"}
