"""The HTTP contract of DESIGN.md, through the real ASGI app."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot import Bot


def assert_error(resp: object, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text  # type: ignore[attr-defined]
    body = resp.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_ask_returns_the_contract_shape(client: TestClient) -> None:
    resp = client.post("/v1/ask", json={"question": "如何查询ICP备案号", "top_k": 3})
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) >= {"answer", "confident", "sources", "troubleshooting", "session_id", "coverage"}
    assert body["confident"] is True
    assert body["coverage"] == "covered"
    assert len(body["sources"]) == 3
    first = body["sources"][0]
    assert set(first) == {"id", "title", "text", "kind", "category", "score", "url"}
    assert first["title"] == "如何查询ICP备案号"
    assert first["url"] == f"/help/{first['id']}"
    assert body["troubleshooting"] == []
    assert 1 <= len(body["session_id"]) <= 128
    assert (body["coverage"], body["direct"], body["parts"]) == ("covered", "ICP备案号以工信部网站公共查询为准。", [])


def test_ask_answers_each_question_of_a_message(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "管局审核要多久？备案号怎么查？", "top_k": 2}).json()
    assert [set(p) for p in body["parts"]] == [{"question", "answer", "direct", "confident", "coverage", "sources"}] * 2
    second = body["parts"][1]
    assert (second["question"], second["direct"], second["coverage"]) == (
        "备案号怎么查？",
        "ICP备案号以工信部网站公共查询为准。",
        "covered",
    )
    assert second["sources"][0]["title"] == "如何查询ICP备案号"
    assert second["sources"][0]["url"] == f"/help/{second['sources'][0]['id']}"
    declined = client.post("/v1/ask", json={"question": "明天会下雨吗"}).json()
    assert (declined["coverage"], declined["direct"], declined["parts"]) == ("off_topic", None, [])


def test_coverage_tells_not_covered_from_off_topic(client: TestClient) -> None:
    near = client.post("/v1/ask", json={"question": "做网站备案要交多少钱"}).json()
    assert (near["coverage"], near["confident"]) == ("not_covered", False)
    far = client.post("/v1/ask", json={"question": "今天适合去爬山吗"}).json()
    assert (far["coverage"], far["confident"]) == ("off_topic", False)


def test_session_id_is_kept(client: TestClient) -> None:
    resp = client.post("/v1/ask", json={"question": "管局审核多长时间", "session_id": "abc_DEF-1"})
    assert resp.json()["session_id"] == "abc_DEF-1"
    follow = client.post("/v1/ask", json={"question": "app的呢？", "session_id": "abc_DEF-1"})
    assert follow.json()["sources"][0]["title"] == "APP备案预计审核时间以及进度查询"


def test_bad_input_is_a_json_4xx(client: TestClient) -> None:
    cases = [
        {"question": ""},
        {"question": "   "},
        {"question": "x" * 501},
        {"question": 5},
        {"question": None},
        {},
        {"question": "备案", "session_id": "has space"},
        {"question": "备案", "session_id": "x" * 129},
        {"question": "备案", "top_k": 0},
        {"question": "备案", "top_k": 21},
        {"question": "备案", "top_k": "3"},
        {"question": "备案", "top_k": True},
        {"question": "备案", "unknown": 1},
        ["question"],
    ]
    for body in cases:
        assert_error(client.post("/v1/ask", json=body), 422, "invalid_request")
    assert_error(
        client.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"}),
        422,
        "invalid_request",
    )
    assert_error(
        client.post("/v1/ask", content=b"x" * 70_000, headers={"content-type": "application/json"}),
        413,
        "payload_too_large",
    )
    assert_error(client.get("/v1/ask"), 405, "method_not_allowed")
    assert_error(client.get("/v1/nothing"), 404, "not_found")


def test_entries_list_and_one(client: TestClient, bot: Bot) -> None:
    resp = client.get("/v1/entries")
    assert resp.status_code == 200
    items = resp.json()
    assert len(items) == 26
    # the contract's fields, and source_url (additive: the original page, null for the bundled corpus)
    assert set(items[0]) == {"id", "title", "kind", "category", "text", "steps", "url", "source_url"}
    assert {e["source_url"] for e in items} == {None}
    rejection = next(e for e in items if e["title"] == "此证件存在进行中的订单")
    assert rejection["kind"] == "rejection" and rejection["steps"][0] == "需要您登陆华为云账号"
    one = client.get(f"/v1/entries/{rejection['id']}")
    assert one.json() == rejection
    assert len(client.get("/v1/entries", params={"kind": "troubleshooting"}).json()) == 6
    assert_error(client.get("/v1/entries/faq-0000000000"), 404, "not_found")
    assert_error(client.get("/v1/entries", params={"kind": "nope"}), 422, "invalid_request")


def test_search_for_agents(client: TestClient) -> None:
    resp = client.get("/v1/search", params={"q": "取消接入", "k": 2})
    assert resp.status_code == 200
    hits = resp.json()["hits"]
    assert len(hits) == 2
    assert hits[0]["title"] == "选择取消接入原因"
    assert hits[0]["score"] >= hits[1]["score"]
    assert "取消接入" in hits[0]["matched"]
    assert_error(client.get("/v1/search"), 422, "invalid_request")
    assert_error(client.get("/v1/search", params={"q": "a", "k": 0}), 422, "invalid_request")
    assert_error(client.get("/v1/search", params={"q": "x" * 501}), 422, "invalid_request")


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["entries"] == 26


def test_every_entry_has_a_help_page(client: TestClient, bot: Bot) -> None:
    for entry in bot.entries():
        page = client.get(f"/help/{entry.id}")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
        from html import escape

        assert escape(entry.title) in page.text
        for step in entry.steps:
            assert f"<li>{escape(step)}</li>" in page.text
    missing = client.get("/help/faq-missing")
    assert missing.status_code == 404 and "没有找到这篇帮助" in missing.text
