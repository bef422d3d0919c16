"""Reindex under faults, against real server processes: a Chroma server down or hung, a corpus over the
limits, a cancel (admin API and Ctrl-C in the CLI), a build killed part-way."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import Bot
from index import IndexStore
from tests.api.test_reindex import ROOT, SEED, cli, server_env, start_server, stop_server, write_corpus
from tests.chroma_server import chroma_process

ADMIN = {"X-API-Key": "faults-admin-key-31b7"}
NEW = {"question": "如何申请彩虹备案通道", "answer": "彩虹备案通道面向试点企业开放，在控制台提交申请即可。"}


def big_corpus(folder: Path, size: int) -> None:
    """The seed plus ``size`` distinct generated entries (slow enough to embed that a build can be caught)."""
    rows = [
        {
            "question": f"第{i}号测试网站的备案材料如何提交",
            "answer": f"第{i}号测试网站需要在控制台第{i % 97}页上传主体证件和网站负责人证件，"
            f"审核需要{i % 20 + 1}个工作日。",
        }
        for i in range(size)
    ]
    write_corpus(folder, rows)


def seed_only(folder: Path) -> None:
    """The corpus folder back to the bundled seed alone."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder / "seed.txt")
    (folder / "extra.jsonl").unlink(missing_ok=True)


def partial_builds(index_dir: Path) -> list[Path]:
    """Folders of builds that have not finished (or died part-way)."""
    return sorted((index_dir / "builds").glob(".tmp-*"))


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    """Poll until ``predicate()`` is true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def assert_error(resp: httpx.Response, status: int, code: str) -> str:
    """A JSON error with this status and code; returns its message."""
    assert resp.status_code == status, (resp.status_code, resp.text[:300])
    error = resp.json()["error"]
    assert error["code"] == code and error["message"], error
    return str(error["message"])


@pytest.fixture
def workdir(tmp_path: Path, built_index: Path, bot: Bot) -> Path:
    """A corpus folder (the seed), a copy of the session's index, a data folder."""
    seed_only(tmp_path / "corpus")
    shutil.copytree(built_index, tmp_path / "index")
    (tmp_path / "data").mkdir()
    return tmp_path


# ---- the Chroma server down or hung ---------------------------------------------------------------


def test_reindex_with_chroma_hung_or_down_is_a_bounded_503(tmp_path: Path, workdir: Path) -> None:
    with chroma_process(tmp_path / "chroma") as (url, chroma):
        env = server_env(
            index_dir=workdir / "index",
            data_dir=workdir / "data",
            corpus=workdir / "corpus",
            chroma_url=url,
            chroma_timeout=2,
            admin_api_key=ADMIN["X-API-Key"],
            rate_limit=0,
        )
        srv = start_server(env, workdir)  # builds into the Chroma server at start
        try:
            build = httpx.get(f"{srv.url}/readyz").json()["build"]
            write_corpus(workdir / "corpus", [NEW])

            chroma.send_signal(signal.SIGSTOP)  # hung: connections are accepted, nothing is answered
            for _ in range(2):  # the second is not a 409: the first gave up in bounded time
                started = time.monotonic()
                resp = httpx.post(f"{srv.url}/v1/admin/reindex", headers=ADMIN, timeout=60)
                message = assert_error(resp, 503, "unavailable")
                assert "Chroma server" in message and url in message, message
                assert time.monotonic() - started < 15
            # answering never needed Chroma (exact scan), and the old build stays live
            answer = httpx.post(f"{srv.url}/v1/ask", json={"question": "管局审核多长时间"}, timeout=30).json()
            assert answer["confident"] is True
            assert httpx.get(f"{srv.url}/readyz").json()["build"] == build
            status = httpx.get(f"{srv.url}/v1/admin/reindex", headers=ADMIN).json()
            assert status["running"] is False and status["last"]["outcome"] == "unavailable"

            chroma.send_signal(signal.SIGCONT)
            resp = httpx.post(f"{srv.url}/v1/admin/reindex", headers=ADMIN, timeout=300)
            assert resp.status_code == 200, resp.text
            assert resp.json()["entries"] == 27

            chroma.terminate()  # down: refused at once
            chroma.wait(timeout=30)
            started = time.monotonic()
            resp = httpx.post(f"{srv.url}/v1/admin/reindex", headers=ADMIN, timeout=60)
            assert "not available" in assert_error(resp, 503, "unavailable")
            assert time.monotonic() - started < 15
            assert httpx.post(f"{srv.url}/v1/ask", json={"question": NEW["question"]}).json()["confident"] is True
            assert not partial_builds(workdir / "index")
        finally:
            stop_server(srv)


# ---- limits, progress and cancel ------------------------------------------------------------------


def test_a_reindex_over_the_limits_is_refused_up_front(workdir: Path) -> None:
    env = server_env(
        index_dir=workdir / "index",
        data_dir=workdir / "data",
        corpus=workdir / "corpus",
        admin_api_key=ADMIN["X-API-Key"],
        rate_limit=0,
        max_entries=100,
        max_corpus_bytes=50_000,
    )
    srv = start_server(env, workdir)
    try:
        build = httpx.get(f"{srv.url}/readyz").json()["build"]
        big_corpus(workdir / "corpus", 200)
        started = time.monotonic()
        resp = httpx.post(f"{srv.url}/v1/admin/reindex", headers=ADMIN, timeout=60)
        message = assert_error(resp, 422, "corpus_too_large")
        assert "226 entries" in message and "at most 100" in message and "BEIAN_MAX_ENTRIES" in message
        assert time.monotonic() - started < 10
        # under the entry limit, over the byte limit
        write_corpus(
            workdir / "corpus", [{"question": f"长条目{i}", "answer": f"第{i}条" + "备案" * 1000} for i in range(30)]
        )
        message = assert_error(
            httpx.post(f"{srv.url}/v1/admin/reindex", headers=ADMIN, timeout=60), 422, "corpus_too_large"
        )
        assert "BEIAN_MAX_CORPUS_BYTES" in message
        assert httpx.get(f"{srv.url}/readyz").json()["build"] == build
        assert not partial_builds(workdir / "index")
    finally:
        stop_server(srv)


def test_a_running_reindex_shows_progress_and_can_be_cancelled(workdir: Path) -> None:
    env = server_env(
        index_dir=workdir / "index",
        data_dir=workdir / "data",
        corpus=workdir / "corpus",
        admin_api_key=ADMIN["X-API-Key"],
        rate_limit=0,
    )
    srv = start_server(env, workdir)
    try:
        build = httpx.get(f"{srv.url}/readyz").json()["build"]
        assert_error(httpx.delete(f"{srv.url}/v1/admin/reindex", headers=ADMIN), 404, "not_found")
        big_corpus(workdir / "corpus", 3000)
        result: dict[str, httpx.Response] = {}
        worker = threading.Thread(
            target=lambda: result.setdefault(
                "resp", httpx.post(f"{srv.url}/v1/admin/reindex", headers=ADMIN, timeout=600)
            )
        )
        worker.start()

        def embedding() -> bool:
            status = httpx.get(f"{srv.url}/v1/admin/reindex", headers=ADMIN).json()
            return bool(status["running"] and status["phase"] == "embedding" and status["done"] > 0)

        wait_for(embedding, 120, "the reindex to embed")
        status = httpx.get(f"{srv.url}/v1/admin/reindex", headers=ADMIN).json()
        assert status["total"] >= 3000 and 0 < status["done"] < status["total"], status
        ready = httpx.get(f"{srv.url}/readyz").json()
        assert ready["build"] == build and ready["reindex"]["phase"] == "embedding", ready
        # a second one is told a reindex runs
        assert_error(httpx.post(f"{srv.url}/v1/admin/reindex", headers=ADMIN, timeout=30), 409, "conflict")

        cancelled = httpx.delete(f"{srv.url}/v1/admin/reindex", headers=ADMIN)
        assert cancelled.status_code == 200 and cancelled.json()["cancelling"] is True
        worker.join(timeout=60)
        assert not worker.is_alive(), "the cancelled reindex did not stop"
        assert "live index is unchanged" in assert_error(result["resp"], 409, "cancelled")
        status = httpx.get(f"{srv.url}/v1/admin/reindex", headers=ADMIN).json()
        assert status["running"] is False and status["last"]["outcome"] == "cancelled"
        assert httpx.get(f"{srv.url}/readyz").json()["build"] == build
        assert "reindex" not in httpx.get(f"{srv.url}/readyz").json()
        assert not partial_builds(workdir / "index")
        answer = httpx.post(f"{srv.url}/v1/ask", json={"question": "管局审核多长时间"}, timeout=30).json()
        assert answer["confident"] is True
    finally:
        stop_server(srv)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_build(workdir: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """A CLI build of a large corpus, caught once its partial folder holds the chunks."""
    big_corpus(workdir / "corpus", 3000)
    env = server_env(index_dir=workdir / "index", data_dir=workdir / "data", corpus=workdir / "corpus")
    proc = subprocess.Popen(
        cli("index", "build", "--quiet"),
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # a test run started in the background inherits SIGINT ignored, and Python then never raises
        # KeyboardInterrupt: the build is given Ctrl-C as a terminal would deliver it
        preexec_fn=_default_sigint,
    )
    wait_for(lambda: any((p / "chunks.jsonl").exists() for p in partial_builds(workdir / "index")), 120, "a build")
    return proc, partial_builds(workdir / "index")[0]


def test_ctrl_c_stops_a_cli_build_and_keeps_the_live_index(workdir: Path) -> None:
    current = (workdir / "index" / "CURRENT").read_text()
    proc, partial = _start_build(workdir)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert b"cancelled" in err and b"Traceback" not in err, err
    assert not partial.exists()
    assert (workdir / "index" / "CURRENT").read_text() == current


def test_a_killed_build_is_cleaned_at_the_next_start_but_never_while_building(workdir: Path) -> None:
    current = (workdir / "index" / "CURRENT").read_text()
    proc, partial = _start_build(workdir)
    try:
        # the build holds the lock: a cleanup from another process leaves its folder alone
        assert IndexStore(workdir / "index").clean_stale() == 0
        assert partial.exists()
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    assert partial.exists() and (workdir / "index" / "CURRENT").read_text() == current  # what a kill leaves

    seed_only(workdir / "corpus")
    env = server_env(
        index_dir=workdir / "index", data_dir=workdir / "data", corpus=workdir / "corpus", build_on_start=False
    )
    srv = start_server(env, workdir)
    try:
        assert not partial_builds(workdir / "index")
        assert httpx.get(f"{srv.url}/readyz").json()["build"] == current.strip()
        logged = [r for r in srv.log_lines() if r.get("message") == "removed partial builds"]
        assert logged and logged[0]["removed"] == 1, srv.log_lines()[-5:]
    finally:
        stop_server(srv)
    assert json.loads((workdir / "index" / "builds" / current.strip() / "manifest.json").read_text())["entries"] == 26
