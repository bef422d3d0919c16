"""Handoff over HTTP: a ticket holds the conversation so far, and a person can read it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot import Settings
from bot.compose import FRAMINGS
from tests.conftest import make_client, wait_ready

KEY = "test-admin-key-123"


@pytest.fixture(scope="module")
def admin_client(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data: Path = tmp_path_factory.mktemp("handoff")
    with make_client(settings.model_copy(update={"admin_api_key": KEY, "data_dir": data})) as c:
        wait_ready(c)
        yield c


def test_handoff_ticket_holds_the_transcript(admin_client: TestClient) -> None:
    sid = "handoff-user-1"
    first = admin_client.post("/v1/ask", json={"question": "管局审核多长时间", "session_id": sid}).json()
    second = admin_client.post("/v1/ask", json={"question": "明天会下雨吗", "session_id": sid}).json()
    assert first["confident"] and not second["confident"]

    resp = admin_client.post(
        "/v1/handoff",
        json={"session_id": sid, "note": "用户想找人工", "contact": "138****0000"},
        headers={"X-User-Ref": "app-user-42"},
    )
    assert resp.status_code == 201
    ticket = resp.json()
    assert ticket["session_id"] == sid and ticket["turns"] == 2 and ticket["status"] == "open"

    seen = admin_client.get(f"/v1/admin/handoff/{ticket['ticket_id']}", headers={"X-API-Key": KEY})
    assert seen.status_code == 200
    body = seen.json()
    assert [t["question"] for t in body["transcript"]] == ["管局审核多长时间", "明天会下雨吗"]
    assert body["transcript"][0]["answer"] == first["answer"]
    assert body["transcript"][0]["confident"] is True and body["transcript"][1]["confident"] is False
    assert (body["note"], body["contact"], body["user_ref"]) == ("用户想找人工", "138****0000", "app-user-42")

    listed = admin_client.get("/v1/admin/handoff", headers={"X-API-Key": KEY}).json()
    assert listed[0]["id"] == ticket["ticket_id"]


def test_handoff_errors_are_json(admin_client: TestClient) -> None:
    resp = admin_client.post("/v1/handoff", json={"session_id": "never-seen"})
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    resp = admin_client.post("/v1/handoff", json={"session_id": "bad id"})
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "invalid_request"
    resp = admin_client.get("/v1/admin/handoff/T1", headers={"X-API-Key": "wrong"})
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "unauthorized"
    resp = admin_client.get("/v1/admin/handoff/Tnope", headers={"X-API-Key": KEY})
    assert resp.status_code == 404


def test_troubleshooting_links_over_http(admin_client: TestClient) -> None:
    rejected = admin_client.post("/v1/ask", json={"question": "备案被打回来了，说网站底部没有备案号"}).json()
    assert rejected["troubleshooting"][0] == {
        "id": rejected["sources"][0]["id"],
        "title": "已备案成功的网站底部未添加备案号",
        "kind": "rejection",
        "url": f"/help/{rejected['sources'][0]['id']}",
        "steps": [],  # the source cut its only fix mid-sentence: no step, the text says so
    }
    assert rejected["answer"].endswith(
        "网站能够…\n（原文在此处不完整，完整内容请查看帮助条目“已备案成功的网站底部未添加备案号”）"
    )
    assert rejected["coverage"] == "covered" and rejected["parts"] == []
    white = admin_client.post("/v1/ask", json={"question": "打开备案页面白屏了"}).json()
    assert white["troubleshooting"][0]["kind"] == "white_screen"
    page = admin_client.get(white["troubleshooting"][0]["url"])
    assert page.status_code == 200 and "相关主题" in page.text and "转人工客服" in page.text
    plain = admin_client.post("/v1/ask", json={"question": "如何查询ICP备案号"}).json()
    assert plain["troubleshooting"] == []


def test_declined_answer_offers_suggestions_and_a_person(admin_client: TestClient, settings: Settings) -> None:
    body = admin_client.post("/v1/ask", json={"question": "给我推荐一款手机"}).json()
    assert body["confident"] is False
    assert 1 <= len(body["suggestions"]) <= 3
    # declined either way; a question the bot takes to be about filing is named in the first line
    first = body["answer"].split("\n")[0]
    if body["coverage"] == "not_covered":
        assert first == FRAMINGS["zh"].not_covered.format(question="给我推荐一款手机")
    else:
        assert (body["coverage"], first) == ("off_topic", settings.decline_text)
    assert "您是不是想问" in body["answer"]
    assert settings.contact_text in body["answer"]
    assert body["sources"], "the nearest entries are still listed"
