"""A failed start, against real server processes: a broken corpus file or a Chroma server that is down must
not leave the server unready; it serves the last good build, says why, and keeps trying."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import Bot
from tests.api.test_reindex import ROOT, SEED, Server, cli, server_env, start_server, stop_server
from tests.chroma_server import chroma_process, free_port

NEW = {"question": "如何申请彩虹备案通道", "answer": "彩虹备案通道面向试点企业开放，在控制台提交申请即可。"}
BROKEN = '{"question": "彩虹备案通道", "answer": \n'


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    """Poll until ``predicate()`` is true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def readyz(srv: Server) -> tuple[int, dict[str, Any]]:
    """/readyz status and body."""
    resp = httpx.get(f"{srv.url}/readyz", timeout=10)
    return resp.status_code, resp.json()


def asks(srv: Server, question: str) -> dict[str, Any]:
    """One answer from /v1/ask."""
    resp = httpx.post(f"{srv.url}/v1/ask", json={"question": question}, timeout=30)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


@pytest.fixture
def workdir(tmp_path: Path, built_index: Path, bot: Bot) -> Path:
    """A corpus folder holding the seed, a copy of the session's index (the seed's build), a data folder."""
    (tmp_path / "corpus").mkdir()
    shutil.copy(SEED, tmp_path / "corpus" / "seed.txt")
    shutil.copytree(built_index, tmp_path / "index")
    (tmp_path / "data").mkdir()
    return tmp_path


def test_a_broken_corpus_file_serves_the_last_good_build_until_fixed(workdir: Path) -> None:
    (workdir / "corpus" / "extra.jsonl").write_text(BROKEN, encoding="utf-8")
    env = server_env(index_dir=workdir / "index", data_dir=workdir / "data", corpus=workdir / "corpus", retry_seconds=1)
    srv = start_server(env, workdir)
    try:
        status, body = readyz(srv)
        assert status == 200 and body["entries"] == 26
        assert "extra.jsonl" in body["stale"] and "invalid JSON" in body["stale"], body
        warned = [r for r in srv.log_lines() if r.get("message") == "serving the last good build"]
        assert warned and "extra.jsonl" in warned[0]["reason"]
        assert asks(srv, "管局审核多长时间")["confident"] is True
        time.sleep(2.5)  # retried meanwhile, and still failing: still answering, still saying why
        assert "stale" in readyz(srv)[1]
        assert any(r.get("message", "").startswith("still serving the last good build") for r in srv.log_lines())

        (workdir / "corpus" / "extra.jsonl").write_text(json.dumps(NEW, ensure_ascii=False) + "\n", encoding="utf-8")
        wait_for(lambda: "stale" not in readyz(srv)[1], 60, "the fixed corpus to be built")
        assert readyz(srv)[1]["entries"] == 27
        answer = asks(srv, NEW["question"])
        assert answer["confident"] is True and "彩虹备案通道面向试点企业开放" in answer["answer"]
    finally:
        stop_server(srv)


def test_without_any_build_the_server_keeps_trying_until_it_loads(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / "seed.txt")
    (corpus / "extra.jsonl").write_text(BROKEN, encoding="utf-8")
    env = server_env(index_dir=tmp_path / "index", data_dir=tmp_path / "data", corpus=corpus, retry_seconds=1)
    port = free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cli("serve", "--host", "127.0.0.1", "--port", str(port)), env=env, cwd=ROOT, stdout=log, stderr=log
        )
    srv = Server(f"http://127.0.0.1:{port}", proc, log_path, env)
    try:

        def answered() -> bool:
            try:
                return httpx.get(f"{srv.url}/readyz", timeout=2).status_code == 503
            except httpx.HTTPError:
                return False

        wait_for(answered, 120, "the server to answer")
        wait_for(lambda: "invalid JSON" in readyz(srv)[1]["error"]["message"], 60, "the load error")
        assert httpx.post(f"{srv.url}/v1/ask", json={"question": "管局审核多长时间"}).status_code == 503
        (corpus / "extra.jsonl").unlink()
        wait_for(lambda: readyz(srv)[0] == 200, 180, "the server to load once the corpus is fixed")
        assert readyz(srv)[1]["entries"] == 26 and "stale" not in readyz(srv)[1]
        assert asks(srv, "管局审核多长时间")["confident"] is True
    finally:
        stop_server(srv)


def test_a_chroma_server_down_at_start_does_not_stop_answering(tmp_path: Path, workdir: Path) -> None:
    port = free_port()
    with chroma_process(tmp_path / "chroma", port=port) as (url, _):
        env = server_env(index_dir=workdir / "index-chroma", data_dir=workdir / "data", corpus=workdir / "corpus")
        env.update({"BEIAN_CHROMA_URL": url, "BEIAN_CHROMA_TIMEOUT": "2", "BEIAN_RETRY_SECONDS": "1"})
        done = subprocess.run(cli("index", "build", "--quiet"), env=env, cwd=ROOT, capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr
    # Chroma is down now, and the corpus has changed since the build
    (workdir / "corpus" / "extra.jsonl").write_text(json.dumps(NEW, ensure_ascii=False) + "\n", encoding="utf-8")
    srv = start_server(env, workdir)
    try:
        status, body = readyz(srv)
        assert status == 200 and body["entries"] == 26
        assert "Chroma server" in body["stale"] and url in body["stale"], body
        assert asks(srv, "管局审核多长时间")["confident"] is True  # the exact scan never asks Chroma
        # Chroma comes back at the same address: the retry builds the changed corpus
        with chroma_process(tmp_path / "chroma", port=port):
            wait_for(lambda: "stale" not in readyz(srv)[1], 120, "the build once Chroma is back")
            assert readyz(srv)[1]["entries"] == 27
            assert asks(srv, NEW["question"])["confident"] is True
    finally:
        stop_server(srv)
