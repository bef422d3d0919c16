"""Production hardening: size limits, hostile input, rate limits, security headers, admin auth, metrics,
JSON logs and graceful shutdown; in-process through the ASGI app and at the wire against a real server."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.middleware import MAX_BODY, MAX_HEADER_BYTES, MAX_URL, EdgeMiddleware, RateLimiter, allowed_origins
from bot import Bot, Settings
from tests.api.test_reindex import Server, server_env, start_server, stop_server
from tests.conftest import make_client, wait_ready

ORIGIN = "https://app.example.com"
ADMIN_KEY = "hardening-admin-key-7d1e"


def assert_error(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """A 4xx with exactly the contract's JSON error body."""
    assert resp.status_code == status, (resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("application/json"), resp.headers
    body: dict[str, Any] = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body


@pytest.fixture(scope="module")
def hard(settings: Settings) -> Iterator[TestClient]:
    """The app with an admin key and one allowed embedding origin; rate limit off."""
    update = {"admin_api_key": ADMIN_KEY, "allowed_origins": [ORIGIN, "https://bad.example.com; script-src *"]}
    with make_client(settings.model_copy(update=update)) as c:
        wait_ready(c)
        yield c


# ---- size limits -----------------------------------------------------------------------------------


def test_a_body_over_64_kib_is_a_413(hard: TestClient) -> None:
    big = json.dumps({"question": "备案" + " " * MAX_BODY}).encode()
    resp = hard.post("/v1/ask", content=big, headers={"content-type": "application/json"})
    assert_error(resp, 413, "payload_too_large")
    assert resp.headers.get("connection") == "close"
    # exactly at the limit is read (and then refused by validation, not by size)
    at_limit = b'{"question": "' + b"a" * (MAX_BODY - 17) + b'"}'
    assert len(at_limit) <= MAX_BODY
    assert_error(hard.post("/v1/ask", content=at_limit, headers={"content-type": "application/json"}), 422)


def test_a_chunked_body_over_the_limit_is_a_413(hard: TestClient) -> None:
    def chunks(total: int) -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(total // 1000):
            yield b"x" * 1000
        yield b'"}'

    resp = hard.post("/v1/ask", content=chunks(MAX_BODY + 5000), headers={"content-type": "application/json"})
    assert_error(resp, 413, "payload_too_large")
    # a small chunked body is read whole and answered
    small = hard.post(
        "/v1/ask",
        content=iter([b'{"question": "', "管局审核多长时间".encode(), b'"}']),
        headers={"content-type": "application/json"},
    )
    assert small.status_code == 200 and small.json()["confident"] is True


def test_a_too_long_url_is_a_414(hard: TestClient) -> None:
    assert_error(hard.get("/v1/search", params={"q": "备" * (MAX_URL // 9 + 10)}), 414, "uri_too_long")
    assert_error(hard.get("/v1/entries/" + "a" * (MAX_URL + 1)), 414, "uri_too_long")
    assert_error(hard.get("/help/" + "a" * (MAX_URL + 1)), 414, "uri_too_long")


def test_too_many_or_too_large_headers_are_a_431(hard: TestClient) -> None:
    assert_error(hard.get("/v1/entries", headers={"x-big": "a" * MAX_HEADER_BYTES}), 431, "headers_too_large")
    many = {f"x-h{i}": "1" for i in range(80)}
    assert_error(hard.get("/v1/entries", headers=many), 431, "headers_too_large")


def test_every_field_is_bounded(hard: TestClient) -> None:
    ask = "/v1/ask"
    for body in (
        {"question": "备" * 501},
        {"question": "x" * 100_000},
        {"question": "备案", "session_id": "s" * 129},
        {"question": "备案", "top_k": 21},
        {"question": "备案", "top_k": 10**30},
    ):
        assert_error(hard.post(ask, json=body), 422 if len(json.dumps(body)) <= MAX_BODY else 413)
    assert_error(hard.get("/v1/search", params={"q": "x" * 501}), 422)
    assert_error(hard.get("/v1/search", params={"q": "备案", "k": 51}), 422)
    assert_error(hard.get("/v1/search", params={"q": "备案", "category": "c" * 101}), 422)
    assert_error(hard.get("/v1/entries", params={"category": "c" * 101}), 422)
    assert_error(hard.get("/v1/entries/" + "a" * 65), 422)
    assert_error(hard.post("/v1/feedback", json={"helpful": True, "comment": "c" * 1001}), 422)
    assert_error(hard.post("/v1/feedback", json={"helpful": True, "question": "q" * 501}), 422)
    assert_error(hard.post("/v1/handoff", json={"session_id": "s", "note": "n" * 1001}), 422)
    assert_error(hard.post("/v1/handoff", json={"session_id": "s", "contact": "c" * 201}), 422)
    resp = hard.post("/v1/handoff", json={"session_id": "s"}, headers={"x-user-ref": "u" * 201})
    assert_error(resp, 422)


# ---- hostile bodies ---------------------------------------------------------------------------------


def test_invalid_utf8_and_wrong_content_types_are_json_4xx(hard: TestClient) -> None:
    json_type = {"content-type": "application/json"}
    assert_error(hard.post("/v1/ask", content=b'{"question": "\xff\xfe\xfd"}', headers=json_type), 400, "bad_request")
    assert_error(hard.post("/v1/ask", content=b"\xc3\x28", headers=json_type), 400, "bad_request")
    assert_error(hard.post("/v1/ask", content=b'{"question": "a"', headers=json_type), 422, "invalid_request")
    assert_error(hard.post("/v1/ask", content=b'{"question": "\\ud800"}', headers=json_type), 422)
    assert_error(hard.post("/v1/ask", content=b"null", headers=json_type), 422)
    assert_error(hard.post("/v1/ask", content=b"[]" * 10, headers=json_type), 422)
    deep = hard.post("/v1/ask", content=b"[" * 5000 + b"]" * 5000, headers=json_type)
    assert_error(deep, deep.status_code)
    assert deep.status_code in (400, 422)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""):
        resp = hard.post(
            "/v1/ask", content=b'{"question": "\xe5\xa4\x87\xe6\xa1\x88"}', headers={"content-type": content_type}
        )
        assert_error(resp, 415, "unsupported_media_type")
    assert_error(hard.post("/v1/ask", data={"question": "备案"}), 415, "unsupported_media_type")
    # charset parameters and +json types are fine
    resp = hard.post(
        "/v1/ask", content='{"question": "备案"}'.encode(), headers={"content-type": "application/json; charset=utf-8"}
    )
    assert resp.status_code == 200


@pytest.mark.parametrize(
    "question",
    [
        "备案\x00\x00多久",
        "\x00",
        "\x00" * 500,
        "😀😀 备案 🚀",
        "🙂" * 500,
        "🙂" * 501,
        "备案\u200b\u200b\u200d多久\ufeff",
        "\u202e案备\u202c",
        "e\u0301" * 250,
        "\x07\x08\x1b[31m管局\x7f",
        "\U0010ffff\U000e0001",
        "'; DROP TABLE questions; --",
        "<script>alert(1)</script>",
        "{{7*7}} ${7*7} %s %n",
        "\ud7ff\ue000\uffff",
    ],
)
def test_nul_bytes_emoji_and_control_characters_never_5xx(hard: TestClient, question: str) -> None:
    resp = hard.post("/v1/ask", json={"question": question, "session_id": "hostile-1"})
    assert resp.status_code in (200, 422), resp.text[:300]
    if resp.status_code == 422:
        assert_error(resp, 422)
    else:
        body = resp.json()
        assert isinstance(body["answer"], str) and body["answer"]
    search = hard.get("/v1/search", params={"q": question[:500]})
    assert search.status_code in (200, 422), search.text[:300]
    feedback = hard.post(
        "/v1/feedback", json={"helpful": False, "question": question[:500], "comment": question[:1000]}
    )
    assert feedback.status_code in (201, 422), feedback.text[:300]


def test_unknown_paths_and_methods_are_json(hard: TestClient) -> None:
    assert_error(hard.get("/v1/nothing"), 404, "not_found")
    assert_error(hard.get("/nothing/%ff%fe"), 404, "not_found")
    assert_error(hard.request("DELETE", "/v1/ask"), 405, "method_not_allowed")
    assert_error(hard.request("BREW", "/v1/ask"), 405, "method_not_allowed")


def test_request_ids_are_echoed_or_made(hard: TestClient) -> None:
    resp = hard.get("/healthz", headers={"x-request-id": "trace-abc.123"})
    assert resp.headers["x-request-id"] == "trace-abc.123"
    for bad in ("has spaces", "x" * 65, "\u00e9t\u00e9", 'inject"\\n{'):
        made = hard.get("/healthz", headers={b"x-request-id": bad.encode("utf-8")})
        assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"]), made.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", hard.get("/healthz").headers["x-request-id"])
    # errors made at the edge carry one too
    assert hard.get("/v1/search", params={"q": "a" * MAX_URL}).headers["x-request-id"]


async def _call(app: Any, scope_headers: list[tuple[bytes, bytes]], body: bytes = b"") -> tuple[int, dict[str, Any]]:
    """One request straight through ``EdgeMiddleware`` around a stub app."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/ask",
        "raw_path": b"/v1/ask",
        "query_string": b"",
        "headers": scope_headers,
        "client": ("127.0.0.1", 1),
    }
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(payload) if payload else {}


def test_a_malformed_content_length_is_a_400() -> None:
    import asyncio

    async def stub(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    edge = EdgeMiddleware(stub, Settings(rate_limit=0))
    ct = (b"content-type", b"application/json")
    for headers in (
        [(b"content-length", b"abc"), ct],
        [(b"content-length", b"-1"), ct],
        [(b"content-length", b"\xd9\xa3"), ct],  # an Arabic-Indic digit: str.isdigit() but not a length
        [(b"content-length", b"5"), (b"content-length", b"5"), ct],
        [(b"content-length", b"9" * 40), ct],
    ):
        status, body = asyncio.run(_call(edge, headers, b"{}"))
        assert status == 400 and body["error"]["code"] == "bad_request", (headers, status, body)
    assert asyncio.run(_call(edge, [(b"content-length", b"2"), ct], b"{}"))[0] == 200


# ---- abuse ------------------------------------------------------------------------------------------


def test_rate_limit_is_per_client_with_retry_after(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit": 3, "trust_proxy": True})
    with make_client(limited) as c:
        wait_ready(c)
        via_proxy = {"x-forwarded-for": "198.51.100.1, 203.0.113.5"}
        for _ in range(3):
            assert c.get("/v1/entries", headers=via_proxy).status_code == 200
        # the left part of X-Forwarded-For is whatever the client wrote: changing it does not escape the limit
        spoofed = {"x-forwarded-for": "10.9.9.9, 203.0.113.5"}
        resp = c.post("/v1/ask", json={"question": "备案"}, headers=spoofed)
        assert_error(resp, 429, "rate_limited")
        retry = int(resp.headers["retry-after"])
        assert 1 <= retry <= 60
        # another client has its own bucket; health checks and pages are never limited
        assert c.get("/v1/entries", headers={"x-forwarded-for": "203.0.113.77"}).status_code == 200
        for _ in range(5):
            assert c.get("/healthz", headers=via_proxy).status_code == 200
            assert c.get("/readyz", headers=via_proxy).status_code == 200


def test_rate_limiter_refills_and_ignores_forwarded_for_unless_trusted() -> None:
    limiter = RateLimiter(3, max_clients=2)
    assert [limiter.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a", now=0.0) == pytest.approx(20.0)
    assert limiter.take("a", now=20.0) == 0.0
    limiter.take("b", now=0.0)
    limiter.take("c", now=0.0)
    assert len(limiter._buckets) == 2  # bounded: the oldest client is forgotten
    scope = {"client": ("192.0.2.1", 5555)}
    headers = {"x-forwarded-for": "1.2.3.4"}
    untrusted = EdgeMiddleware(lambda *a: None, Settings(trust_proxy=False))  # type: ignore[arg-type]
    trusted = EdgeMiddleware(lambda *a: None, Settings(trust_proxy=True))  # type: ignore[arg-type]
    assert untrusted._client(scope, headers) == "192.0.2.1"
    assert trusted._client(scope, {"x-forwarded-for": "6.6.6.6, 1.2.3.4"}) == "1.2.3.4"


# ---- security headers ---------------------------------------------------------------------------------


def _csp(resp: Any) -> dict[str, list[str]]:
    policy = resp.headers["content-security-policy"]
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def test_html_pages_carry_a_strict_csp_and_no_inline_script(hard: TestClient, bot: Bot) -> None:
    entry = bot.entries()[0]
    for path in ("/", "/agent", f"/help/{entry.id}", "/help/faq-missing"):
        resp = hard.get(path)
        assert resp.headers["content-type"].startswith("text/html"), path
        csp = _csp(resp)
        assert csp["script-src"] == ["'self'"], (path, csp)
        assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
        assert "'unsafe-inline'" not in csp.get("style-src", []) and "'unsafe-inline'" not in csp["default-src"]
        assert csp["frame-ancestors"] == ["'self'", ORIGIN], csp  # the malformed configured origin is dropped
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["referrer-policy"] == "no-referrer"
        assert "x-frame-options" not in resp.headers  # it cannot name an origin: CSP frame-ancestors rules
        inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", resp.text)
        assert not inline, (path, inline)
        assert not re.search(r"\son[a-z]+\s*=", resp.text), path  # no inline event handlers either


def test_same_origin_only_by_default(client: TestClient) -> None:
    resp = client.get("/")
    assert _csp(resp)["frame-ancestors"] == ["'self'"]
    assert resp.headers["x-frame-options"] == "SAMEORIGIN"
    api = client.get("/v1/entries", headers={"origin": ORIGIN})
    assert "access-control-allow-origin" not in api.headers
    assert api.headers["cache-control"] == "no-store"


def test_docs_page_allows_only_its_own_inline_script(hard: TestClient) -> None:
    import base64
    import hashlib

    resp = hard.get("/docs")
    assert resp.status_code == 200
    csp = _csp(resp)
    assert "'unsafe-inline'" not in csp["script-src"]
    scripts = re.findall(r"<script>(.*?)</script>", resp.text, flags=re.DOTALL)
    assert scripts
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"]
    assert hard.get("/redoc").status_code == 404


def test_cors_only_for_allowed_origins(hard: TestClient) -> None:
    ok = hard.get("/v1/entries", headers={"origin": ORIGIN})
    assert ok.headers["access-control-allow-origin"] == ORIGIN
    assert "Origin" in ok.headers["vary"]
    evil = hard.get("/v1/entries", headers={"origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in evil.headers
    assert "Origin" in evil.headers["vary"]
    preflight_headers = {"origin": ORIGIN, "access-control-request-method": "POST"}
    preflight = hard.options("/v1/ask", headers=preflight_headers)
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"]
    refused = hard.options("/v1/ask", headers={**preflight_headers, "origin": "https://evil.example.com"})
    assert_error(refused, 405)
    assert "access-control-allow-origin" not in refused.headers
    assert allowed_origins(
        Settings(allowed_origins=["https://a.example", "javascript:alert(1)", "https://b.example/"])
    ) == [
        "https://a.example",
        "https://b.example",
    ]


# ---- admin --------------------------------------------------------------------------------------------


def test_admin_endpoints_need_the_key(hard: TestClient, client: TestClient) -> None:
    for path in ("/v1/admin/report", "/v1/admin/handoff", "/v1/admin/handoff/abc"):
        for key in (None, "", "wrong", ADMIN_KEY[:-1], ADMIN_KEY + "0", ADMIN_KEY.upper(), "k" * 5000, "\u00e9t\u00e9"):
            headers = {} if key is None else {b"x-api-key": key.encode()}
            assert_error(hard.get(path, headers=headers), 401, "unauthorized")
        # the key is checked before anything else about the request
        assert_error(hard.get(path, params={"limit": "-5"}), 401, "unauthorized")
    assert_error(hard.post("/v1/admin/reindex"), 401, "unauthorized")
    # no key configured: every key is refused
    assert_error(client.get("/v1/admin/report", headers={"x-api-key": ADMIN_KEY}), 401, "unauthorized")
    report = hard.get("/v1/admin/report", headers={"x-api-key": ADMIN_KEY})
    assert report.status_code == 200 and {"questions", "unanswered", "entry_hits"} <= set(report.json())
    assert hard.get("/v1/admin/handoff", headers={"x-api-key": ADMIN_KEY}).status_code == 200
    assert_error(hard.get("/v1/admin/handoff/nope", headers={"x-api-key": ADMIN_KEY}), 404)
    assert_error(hard.get("/v1/admin/report", params={"limit": 0}, headers={"x-api-key": ADMIN_KEY}), 422)


# ---- metrics ------------------------------------------------------------------------------------------


def _metrics(c: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = c.get("/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(resp.text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_count_requests_latency_answers_and_index_size(hard: TestClient) -> None:
    before = _metrics(hard)
    ok = {"question": "管局审核多长时间"}
    for _ in range(2):
        assert hard.post("/v1/ask", json=ok).json()["confident"] is True
    assert hard.post("/v1/ask", json={"question": "今天晚饭吃什么好呢"}).json()["confident"] is False
    hard.post("/v1/ask", content=b"x" * (MAX_BODY + 1), headers={"content-type": "application/json"})
    hard.request("BREW", "/v1/ask")
    after = _metrics(hard)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("beian_answers_total", confident="true") == 2
    assert delta("beian_answers_total", confident="false") == 1
    assert delta("beian_requests_total", method="POST", route="/v1/ask", status="200") == 3
    assert delta("beian_requests_total", method="POST", route="unmatched", status="413") == 1
    assert delta("beian_requests_total", method="OTHER", route="/v1/ask", status="405") == 1
    assert delta("beian_rejected_total", reason="payload_too_large") == 1
    assert delta("beian_request_seconds_count", route="/v1/ask") == 4
    assert delta("beian_request_seconds_bucket", route="/v1/ask", le="+Inf") == 4
    assert ("beian_request_seconds_bucket", (("le", "0.05"), ("route", "/v1/ask"))) in after
    assert after[("beian_index_entries", ())] == 26
    assert after[("beian_index_chunks", ())] >= 26
    assert after[("beian_index_created_seconds", ())] > 1.6e9
    assert after[("beian_ready", ())] == 1
    assert ("beian_requests_in_flight", ()) in after


# ---- at the wire: a real server -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, built_index: Path, bot: Bot) -> Path:
    """A copy of the session's index (its vector caches made by the ``bot`` fixture) for server processes."""
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(built_index, root / "index")
    (root / "data").mkdir()
    return root


@pytest.fixture(scope="module")
def server(served: Path) -> Iterator[Server]:
    srv = start_server(server_env(index_dir=served / "index", data_dir=served / "data", rate_limit=0), served)
    yield srv
    stop_server(srv)


def _raw(
    url: str, request: bytes, pause_after: int | None = None, timeout: float = 30.0
) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read one response; (status, headers, body)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return status, headers, body


def test_limits_hold_at_the_wire(server: Server) -> None:
    # chunked upload past the limit, as a client really sends it
    chunk = b"x" * 8192
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(10)) + b"0\r\n\r\n"
    status, _, body = _raw(
        server.url,
        b"POST /v1/ask HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunked,
    )
    assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large"
    status, _, body = _raw(server.url, b"GET /v1/search?q=" + b"a" * (MAX_URL + 10) + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    assert status == 414 and json.loads(body)["error"]["code"] == "uri_too_long"
    status, _, body = _raw(server.url, b"GET /v1/entries HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
    assert status == 431 and json.loads(body)["error"]["code"] == "headers_too_large"
    status, _, body = _raw(
        server.url,
        b"POST /v1/ask HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{",
    )
    assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large"
    # a loaded machine may take longer than httpx's default 5 s: this test is about limits, not speed
    resp = httpx.post(
        f"{server.url}/v1/ask", json={"question": "管局审核多长时间"}, headers={"x-request-id": "wire-1"}, timeout=120
    )
    assert resp.status_code == 200 and resp.headers["x-request-id"] == "wire-1"


def test_access_logs_are_json_lines_with_the_request_id(server: Server) -> None:
    resp = httpx.post(
        f"{server.url}/v1/ask",
        json={"question": "如何查询ICP备案号"},
        headers={"x-request-id": "log-check-42"},
        timeout=120,
    )
    assert resp.status_code == 200
    deadline = time.monotonic() + 10
    while True:
        lines = server.log_lines()
        mine = [r for r in lines if r.get("request_id") == "log-check-42"]
        if mine or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert mine, lines[-5:]
    record = mine[0]
    assert record["logger"] == "beian_bot.access" and record["level"] == "info"
    assert record["method"] == "POST" and record["path"] == "/v1/ask" and record["route"] == "/v1/ask"
    assert record["status"] == 200 and record["ms"] > 0 and record["time"].endswith("Z")
    raw = [line for line in server.log_path.read_text().splitlines() if line.strip()]
    assert all(line.startswith("{") for line in raw), [line for line in raw if not line.startswith("{")][:3]
    assert any(r.get("message") == "ready" for r in lines)


def test_sigterm_lets_the_request_in_flight_finish(served: Path, tmp_path: Path) -> None:
    shutil.copytree(served / "index", tmp_path / "index")  # its own copy: the module's server may still be up
    srv = start_server(server_env(index_dir=tmp_path / "index", data_dir=tmp_path / "data", rate_limit=0), tmp_path)
    try:
        body = json.dumps({"question": "管局审核多长时间"}, ensure_ascii=False).encode()
        host, port = srv.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(
                b"POST /v1/ask HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nX-Request-Id: in-flight-1\r\n"
                + b"Content-Length: %d\r\n\r\n" % len(body)
                + body[:5]
            )
            time.sleep(0.5)  # the request is in flight: headers read, body half sent
            srv.proc.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            assert srv.proc.poll() is None, "the server quit with a request in flight"
            with pytest.raises(OSError):  # it no longer accepts connections
                socket.create_connection((host, int(port)), timeout=2).close()
            sock.sendall(body[5:])
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, _, payload = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        assert b"connection: close" in head.lower()
        answer = json.loads(payload)
        assert answer["confident"] is True and "管局" in answer["answer"]
        # uvicorn finishes its shutdown, then re-raises the signal it caught: exit status is SIGTERM's
        assert srv.proc.wait(timeout=30) in (0, -signal.SIGTERM)
        lines = srv.log_lines()
        logged = [r for r in lines if r.get("request_id") == "in-flight-1"]
        assert logged and logged[0]["status"] == 200
        messages = [r.get("message") for r in lines]
        assert "Application shutdown complete." in messages
        assert messages.index("Application shutdown complete.") > lines.index(logged[0])
    finally:
        stop_server(srv)
