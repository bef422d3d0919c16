"""Curation over HTTP: keys and roles, the unanswered list, entries added, edited, retired and reverted live."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot import Settings
from index import IndexStore
from tests.conftest import copy_index, make_client, until, wait_ready

BOOT = "curation-boot-key-1"
UNANSWERED = "备案支持微信支付吗"
SIMILAR = "备案费能用微信付吗"


@pytest.fixture(scope="module")
def own(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp: Path = tmp_path_factory.mktemp("curation")
    index = copy_index(settings.index_dir, tmp / "index")
    return settings.model_copy(update={"admin_api_key": BOOT, "data_dir": tmp / "data", "index_dir": index})


@pytest.fixture(scope="module")
def app(own: Settings) -> Iterator[TestClient]:
    with make_client(own) as c:
        wait_ready(c)
        yield c


@pytest.fixture(scope="module")
def agent(app: TestClient) -> dict[str, str]:
    made = app.post("/v1/admin/keys", json={"role": "agent", "name": "小王"}, headers={"X-API-Key": BOOT})
    assert made.status_code == 201, made.text
    return {"X-API-Key": made.json()["key"]}


def ask(app: TestClient, question: str) -> dict[str, Any]:
    resp = app.post("/v1/ask", json={"question": question})
    assert resp.status_code == 200
    body: dict[str, Any] = resp.json()
    return body


def test_roles(app: TestClient, agent: dict[str, str]) -> None:
    assert app.get("/v1/admin/whoami", headers=agent).json() == {"name": "小王", "role": "agent"}
    assert app.get("/v1/admin/whoami", headers={"X-API-Key": BOOT}).json() == {"name": "admin", "role": "admin"}
    for method, path in [("GET", "/v1/admin/keys"), ("POST", "/v1/admin/reindex"), ("GET", "/v1/admin/deliveries")]:
        resp = app.request(method, path, headers=agent)
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden", resp.text
    for headers in ({}, {"X-API-Key": "nope"}, {"X-API-Key": agent["X-API-Key"] + "x"}, {"X-API-Key": "k" * 5000}):
        resp = app.get("/v1/admin/unanswered", headers=headers)
        assert resp.status_code == 401 and resp.json()["error"]["code"] == "unauthorized"
    # no key in a URL: a key given as a query parameter is ignored
    assert app.get("/v1/admin/unanswered", params={"X-API-Key": BOOT}).status_code == 401
    spare = app.post("/v1/admin/keys", json={"role": "agent", "name": "临时"}, headers={"X-API-Key": BOOT}).json()
    assert app.get("/v1/admin/whoami", headers={"X-API-Key": spare["key"]}).status_code == 200
    revoked = app.delete(f"/v1/admin/keys/{spare['id']}", headers={"X-API-Key": BOOT})
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True and "key" not in revoked.json()
    assert app.get("/v1/admin/whoami", headers={"X-API-Key": spare["key"]}).status_code == 401


def test_unanswered_question_becomes_an_answer_and_is_reverted(
    app: TestClient, agent: dict[str, str], own: Settings
) -> None:
    for typed in (UNANSWERED, "备案 支持微信支付吗？", "備案支持微信支付嗎"):
        assert ask(app, typed)["confident"] is False
    listed = app.get("/v1/admin/unanswered", headers=agent).json()
    mine = [u for u in listed if u["question"] in (UNANSWERED, "备案 支持微信支付吗？", "備案支持微信支付嗎")]
    assert len(mine) == 1 and mine[0]["count"] == 3 and mine[0]["sample_session"]
    assert listed[0]["count"] >= listed[-1]["count"]

    made = app.post(
        "/v1/admin/entries",
        headers=agent,
        json={"title": UNANSWERED, "text": "备案服务本身不收费，无需支付任何费用。", "questions": [SIMILAR]},
    )
    assert made.status_code == 201, made.text
    entry = made.json()
    assert entry["id"] and entry["kind"] == "faq" and entry["url"] == f"/help/{entry['id']}"
    live = until(lambda: ask(app, UNANSWERED)["sources"][0]["id"] == entry["id"])
    answer = ask(app, "備案支持微信支付嗎")
    assert answer["confident"] is True and answer["sources"][0]["id"] == entry["id"]
    assert "备案服务本身不收费" in answer["answer"]
    assert ask(app, SIMILAR)["sources"][0]["id"] == entry["id"]
    manifest = IndexStore(own.index_dir).current()
    assert manifest is not None and manifest.embedded == 2  # the new text and its similar question; nothing else
    print(f"\nnew entry answering after {live:.1f} s")
    assert all(
        u["question"] not in (UNANSWERED, "備案支持微信支付嗎")
        for u in app.get("/v1/admin/unanswered", headers=agent).json()
    )

    change = app.get("/v1/admin/changes", headers=agent).json()[0]
    assert (change["action"], change["actor"], change["entry_id"]) == ("create", "小王", entry["id"])
    assert change["before"] is None and change["after"]["title"] == UNANSWERED
    reverted = app.post(f"/v1/admin/changes/{change['id']}/revert", headers=agent)
    assert reverted.status_code == 200 and reverted.json()["after"] is None
    until(lambda: app.get(f"/v1/entries/{entry['id']}").status_code == 404)
    assert ask(app, UNANSWERED)["confident"] is False
    again = app.post(f"/v1/admin/changes/{change['id']}/revert", headers=agent)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_file_entries_edited_questioned_and_retired(app: TestClient, agent: dict[str, str]) -> None:
    target = next(e for e in app.get("/v1/entries").json() if e["title"] == "管局审核需多久")
    edited = app.patch(
        f"/v1/admin/entries/{target['id']}", headers=agent, json={"text": "管局审核一般为3-20个工作日。"}
    )
    assert edited.status_code == 200 and edited.json()["title"] == target["title"]
    until(lambda: app.get(f"/v1/entries/{target['id']}").json()["text"] == "管局审核一般为3-20个工作日。")
    assert "管局审核一般为3-20个工作日。" in app.get(f"/help/{target['id']}").text

    contact = next(e for e in app.get("/v1/entries").json() if e["title"] == "备案短信核验")
    assert ask(app, "你们的客服几点下班")["sources"][0]["id"] != contact["id"]
    added = app.post(
        f"/v1/admin/entries/{contact['id']}/questions", headers=agent, json={"question": "你们的客服几点下班"}
    )
    assert added.status_code == 201 and added.json()["questions"] == ["你们的客服几点下班"]
    until(lambda: ask(app, "你们的客服几点下班")["sources"][0]["id"] == contact["id"])
    assert ask(app, "你们的客服几点下班")["confident"] is True

    retired = app.delete(f"/v1/admin/entries/{target['id']}", headers=agent)
    assert retired.status_code == 200
    until(lambda: app.get(f"/v1/entries/{target['id']}").status_code == 404)
    assert all(s["id"] != target["id"] for s in ask(app, "管局审核需多久")["sources"])
    assert app.delete(f"/v1/admin/entries/{target['id']}", headers=agent).status_code == 404
    actions = [c["action"] for c in app.get("/v1/admin/changes", headers=agent).json()[:3]]
    assert actions == ["retire", "add_question", "update"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/v1/admin/entries", {}, 422),
        ("POST", "/v1/admin/entries", {"title": "", "text": "x"}, 422),
        ("POST", "/v1/admin/entries", {"title": "   ", "text": "x"}, 422),
        ("POST", "/v1/admin/entries", {"title": "x", "text": "y", "kind": "news"}, 422),
        ("POST", "/v1/admin/entries", {"title": "x", "text": "y", "steps": "one"}, 422),
        ("POST", "/v1/admin/entries", {"title": "x", "text": "y", "questions": [""]}, 422),
        ("POST", "/v1/admin/entries", {"title": "x" * 201, "text": "y"}, 422),
        ("POST", "/v1/admin/entries", {"title": "x", "text": "y", "owner": 1}, 422),
        ("POST", "/v1/admin/entries", ["x"], 422),
        ("PATCH", "/v1/admin/entries/faq-nothing", {"text": "x"}, 404),
        ("PATCH", "/v1/admin/entries/bad id", {"text": "x"}, 422),
        ("PATCH", "/v1/admin/entries/faq-nothing", {"text": 5}, 422),
        ("DELETE", "/v1/admin/entries/faq-nothing", None, 404),
        ("POST", "/v1/admin/entries/faq-nothing/questions", {"question": "x"}, 404),
        ("POST", "/v1/admin/entries/faq-nothing/questions", {"question": ""}, 422),
        ("POST", "/v1/admin/changes/999999/revert", None, 404),
        ("POST", "/v1/admin/changes/0/revert", None, 422),
        ("POST", "/v1/admin/changes/abc/revert", None, 422),
        ("GET", "/v1/admin/changes?limit=0", None, 422),
        ("GET", "/v1/admin/unanswered?limit=abc", None, 422),
        ("GET", "/v1/admin/handoff?status=lost", None, 422),
        ("POST", "/v1/admin/handoff/Tnope/claim", None, 404),
        ("POST", "/v1/admin/handoff/Tnope/close", {"resolution": 5}, 422),
        ("POST", "/v1/admin/keys", {"role": "agent", "name": "x"}, 403),
    ],
)
def test_bad_input_is_a_json_4xx(
    app: TestClient, agent: dict[str, str], method: str, path: str, body: Any, status: int
) -> None:
    resp = app.request(method, path, headers=agent, json=body)
    assert resp.status_code == status, resp.text
    assert set(resp.json()) == {"error"} and set(resp.json()["error"]) == {"code", "message"}


def test_everything_survives_a_restart(app: TestClient, agent: dict[str, str], own: Settings) -> None:
    log = app.get("/v1/admin/changes", headers=agent).json()
    entries = app.get("/v1/entries").json()
    with make_client(own) as again:
        wait_ready(again)
        assert again.get("/v1/admin/changes", headers=agent).json() == log
        assert again.get("/v1/entries").json() == entries
        assert again.get("/v1/admin/whoami", headers=agent).json()["name"] == "小王"
