"""Abuse at the wire, against a real ``beian-bot serve`` process: spoofed X-Forwarded-For, slow and many
connections, malformed requests."""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot import Bot
from tests.api.test_reindex import Server, server_env, start_server, stop_server

HEADER_TIMEOUT = 1.5
MAX_CONNECTIONS = 12


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, built_index: Path, bot: Bot) -> Iterator[Server]:
    """A server with short deadlines, a small connection bound, a rate limit and BEIAN_TRUST_PROXY unset."""
    root = tmp_path_factory.mktemp("wire")
    shutil.copytree(built_index, root / "index")
    env = server_env(
        index_dir=root / "index",
        data_dir=root / "data",
        rate_limit=5,
        header_timeout=HEADER_TIMEOUT,
        body_timeout=HEADER_TIMEOUT,
        keep_alive_timeout=1,
        max_connections=MAX_CONNECTIONS,
    )
    srv = start_server(env, root)
    yield srv
    stop_server(srv)


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        data += chunk
    return data


def _json_error(raw: bytes) -> tuple[int, dict[str, str]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), raw[:300]
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message"} and error["message"], error
    return int(head.split()[1]), error


def test_forwarded_for_does_not_pick_a_bucket_unless_trusted(server: Server) -> None:
    # every request comes from 127.0.0.1 with a different X-Forwarded-For; only BEIAN_TRUST_PROXY may honour it
    statuses = []
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for i in range(12):
            resp = client.get("/v1/entries", headers={"x-forwarded-for": f"198.51.100.{i + 1}"})
            statuses.append(resp.status_code)
    assert statuses[:5] == [200] * 5, statuses
    assert statuses[5:] == [429] * 7, statuses


def test_headers_that_trickle_in_are_cut_off(server: Server) -> None:
    # slow clients: one byte of header every 0.3 s, never finishing; one that sends nothing at all
    trickling = [_connect(server.url) for _ in range(4)]
    silent = _connect(server.url)
    started = time.monotonic()
    closed_at: dict[int, float] = {}
    request = b"GET /v1/entries HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 100
    for i in range(len(request)):
        for n, sock in enumerate(trickling):
            if n in closed_at:
                continue
            try:
                sock.sendall(request[i : i + 1])
            except OSError:
                closed_at[n] = time.monotonic() - started
        if len(closed_at) == len(trickling) or time.monotonic() - started > 10:
            break
        time.sleep(0.3)
    for sock in trickling:
        sock.settimeout(5)
        raw = _read_all(sock)
        if raw:
            status, error = _json_error(raw)
            assert status == 408 and error["code"] == "request_timeout", raw
        sock.close()
    assert len(closed_at) == len(trickling), closed_at
    assert max(closed_at.values()) < HEADER_TIMEOUT + 3, closed_at
    silent.settimeout(HEADER_TIMEOUT + 3)
    status, error = _json_error(_read_all(silent))
    assert status == 408 and error["code"] == "request_timeout"
    silent.close()
    time.sleep(1.1)  # let the rate limiter refill for the check below
    assert httpx.get(f"{server.url}/healthz").status_code == 200


def test_a_body_that_trickles_in_is_a_408(server: Server) -> None:
    sock = _connect(server.url)
    sock.sendall(
        b'POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"he'
    )
    started = time.monotonic()
    raw = _read_all(sock)
    sock.close()
    status, error = _json_error(raw)
    assert status == 408 and error["code"] == "request_timeout", raw
    assert time.monotonic() - started < HEADER_TIMEOUT + 3


def test_idle_kept_alive_connections_are_closed(server: Server) -> None:
    sock = _connect(server.url)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
    first = b""
    while not first.endswith(b'{"status":"ok"}'):
        first += sock.recv(65536)
    assert first.startswith(b"HTTP/1.1 200"), first
    started = time.monotonic()
    assert _read_all(sock) == b""  # closed by the server after BEIAN_KEEP_ALIVE_TIMEOUT
    assert time.monotonic() - started < 4
    sock.close()


def test_connections_past_the_bound_are_refused_with_a_503(server: Server) -> None:
    held = [_connect(server.url) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.3)
        extra = _connect(server.url)
        status, error = _json_error(_read_all(extra))
        extra.close()
        assert status == 503 and error["code"] == "busy", error
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.5)
    assert httpx.get(f"{server.url}/healthz").status_code == 200


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"THIS IS NOT HTTP\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost t\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        b"GET /he\x00lthz HTTP/1.1\r\nHost: t\r\n\r\n",
    ],
)
def test_protocol_errors_are_json(server: Server, request_bytes: bytes) -> None:
    sock = _connect(server.url)
    sock.sendall(request_bytes)
    raw = _read_all(sock)
    sock.close()
    status, error = _json_error(raw)
    assert status == 400 and error["code"] == "bad_request", raw
