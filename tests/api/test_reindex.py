"""Reindex while serving: a real uvicorn server keeps answering, whole and consistent, through a swap.

The server (``beian-bot serve`` in a subprocess on a loopback port) reads a corpus folder that the
tests change: an existing entry's text is rewritten and a new entry added, so every answer shows
which index version produced it, and no answer may mix the two.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import Bot
from corpus import load_corpus
from tests.chroma_server import free_port

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "corpus" / "data" / "seed.txt"
ADMIN_KEY = "reindex-test-key-5f2c9a"

# X exists from the start and is rewritten; Y only exists after the reindex; Z arrives by the CLI.
X_OLD = {
    "question": "备案专线的服务时间",
    "answer": "备案专线的服务时间（旧版）：工作日9点至18点。",
    "category": "测试",
}
X_NEW = {"question": "备案专线的服务时间", "answer": "备案专线的服务时间（新版）：每天8点至22点。", "category": "测试"}
Y = {"question": "如何申请星光加急通道", "answer": "星光加急通道只对重点项目开放，提交申请后一个工作日内答复。"}
Z = {"question": "月光核验码在哪里查看", "answer": "月光核验码显示在备案订单详情页的右上角。"}
Q_X = "备案专线什么时候有人接听"
Q_Y = "星光加急通道怎么申请"
Q_Z = "月光核验码在哪看"


# ---- a real server in a subprocess ---------------------------------------------------------------


@dataclass
class Server:
    """A ``beian-bot serve`` process on a loopback port."""

    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON lines the server wrote to stderr so far."""
        out = []
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out


def server_env(**values: str | int | Path) -> dict[str, str]:
    """The test process' environment without any BEIAN_* setting, plus these (names without the prefix)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEIAN_")}
    env.update({"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"})
    env.update({f"BEIAN_{k.upper()}": str(v) for k, v in values.items()})
    return env


def cli(*args: str) -> list[str]:
    """The ``beian-bot`` console script of this environment."""
    return [str(Path(sys.executable).with_name("beian-bot")), *args]


def start_server(env: dict[str, str], log_dir: Path, timeout: float = 180.0) -> Server:
    """Start ``beian-bot serve`` and wait for /readyz; the caller stops it with :func:`stop_server`."""
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cli("serve", "--host", "127.0.0.1", "--port", str(port)),
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", proc, log_path, env)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError(f"server not ready in {timeout}s:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)


def stop_server(server: Server) -> None:
    """SIGTERM, then SIGKILL if it does not stop."""
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=10)


def write_corpus(folder: Path, extra: list[dict[str, Any]]) -> None:
    """The bundled seed plus ``extra`` as JSONL; the JSONL file is replaced in one rename."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "seed.txt").exists():
        shutil.copy(SEED, folder / "seed.txt")
    tmp = folder / ".extra.jsonl.tmp"
    tmp.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in extra), encoding="utf-8")
    tmp.replace(folder / "extra.jsonl")


def entry_id(folder: Path, title: str) -> str:
    """The id the corpus loader gives the entry with this title."""
    return next(e.id for e in load_corpus([folder]) if e.title == title)


# ---- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, built_index: Path, bot: Bot) -> Path:
    """A corpus folder (seed + X old), an index folder copied from the session's build (with the vector caches the
    ``bot`` fixture made there), a data folder."""
    root = tmp_path_factory.mktemp("reindex")
    write_corpus(root / "corpus", [X_OLD])
    shutil.copytree(built_index, root / "index")
    (root / "data").mkdir()
    return root


@pytest.fixture(scope="module")
def server(workdir: Path) -> Iterator[Server]:
    """One server over the work folder (it builds the changed corpus at start, reusing the copied vectors)."""
    env = server_env(
        index_dir=workdir / "index",
        data_dir=workdir / "data",
        corpus=workdir / "corpus",
        rate_limit=0,
        admin_api_key=ADMIN_KEY,
    )
    srv = start_server(env, workdir)
    yield srv
    stop_server(srv)


# ---- the load -----------------------------------------------------------------------------------


@dataclass
class Observed:
    """What one request saw."""

    started: float
    version: str | None  # "old", "new" or None when the response does not show
    status: int
    problem: str | None = None


def classify(body: dict[str, Any], x_id: str, y_id: str) -> tuple[str | None, str | None]:
    """(version, problem): which index version an /v1/ask or /v1/search body came from, and any inconsistency."""
    items = body.get("sources", body.get("hits", []))
    items = [*items, *body.get("troubleshooting", [])]
    seen: set[str] = set()
    for item in items:
        if item["id"] == x_id:
            text = item.get("text", "")
            if "旧版" in text:
                seen.add("old")
            elif "新版" in text:
                seen.add("new")
            else:
                return None, f"entry X with unexpected text {text!r}"
        if item["id"] == y_id:
            seen.add("new")
    answer = body.get("answer", "")
    if "旧版" in answer:
        seen.add("old")
    if "新版" in answer or "星光加急通道只对" in answer:
        seen.add("new")
    if len(seen) > 1:
        return None, f"mixes index versions: {body}"
    return (seen.pop() if seen else None), None


def check_ask(body: dict[str, Any]) -> str | None:
    """The contract's /v1/ask shape, complete."""
    if set(body) < {"answer", "confident", "sources", "troubleshooting", "session_id"}:
        return f"incomplete body {body}"
    if not isinstance(body["answer"], str) or not body["answer"]:
        return "empty answer"
    for s in body["sources"]:
        if not (s["id"] and s["title"] and s["url"] == f"/help/{s['id']}"):
            return f"bad source {s}"
    return None


def hammer(url: str, stop: threading.Event, x_id: str, y_id: str, out: list[Observed], lock: threading.Lock) -> None:
    """Ask and search in a loop until told to stop."""
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/v1/ask", {"json": {"question": Q_X}}),
        ("POST", "/v1/ask", {"json": {"question": Q_Y}}),
        ("GET", "/v1/search", {"params": {"q": "备案专线 星光加急通道", "k": 10}}),
        ("POST", "/v1/ask", {"json": {"question": "管局审核多长时间"}}),
    ]
    with httpx.Client(base_url=url, timeout=30) as client:
        i = 0
        while not stop.is_set():
            method, path, kwargs = requests[i % len(requests)]
            i += 1
            started = time.monotonic()
            try:
                resp = client.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                record = Observed(started, None, 0, f"{path}: {exc!r}")
            else:
                problem = None if resp.status_code == 200 else f"{path}: {resp.status_code} {resp.text[:200]}"
                version = None
                if problem is None:
                    body = resp.json()
                    problem = check_ask(body) if path == "/v1/ask" else None
                    version, mixed = classify(body, x_id, y_id)
                    problem = problem or mixed
                record = Observed(started, version, resp.status_code, problem)
            with lock:
                out.append(record)


def run_load(
    url: str, x_id: str, y_id: str, action: Any, threads: int = 3, after: float = 1.5
) -> tuple[Any, float, list[Observed]]:
    """Run ``action()`` while ``threads`` clients hammer the server; returns its result, when it returned, and
    every observation."""
    stop = threading.Event()
    lock = threading.Lock()
    seen: list[Observed] = []
    workers = [threading.Thread(target=hammer, args=(url, stop, x_id, y_id, seen, lock)) for _ in range(threads)]
    for w in workers:
        w.start()
    try:
        time.sleep(1.0)
        result = action()
        done = time.monotonic()
        time.sleep(after)
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=60)
    return result, done, seen


# ---- tests --------------------------------------------------------------------------------------


def test_reindex_through_the_admin_api_while_serving(server: Server, workdir: Path) -> None:
    corpus = workdir / "corpus"
    x_id = entry_id(corpus, X_OLD["question"])
    before = httpx.get(f"{server.url}/readyz").json()
    old_answer = httpx.post(f"{server.url}/v1/ask", json={"question": Q_X}).json()
    assert "旧版" in old_answer["answer"]

    write_corpus(corpus, [X_NEW, Y])
    y_id = entry_id(corpus, Y["question"])

    def reindex() -> httpx.Response:
        return httpx.post(f"{server.url}/v1/admin/reindex", headers={"X-API-Key": ADMIN_KEY}, timeout=300)

    resp, swapped_by, seen = run_load(server.url, x_id, y_id, reindex)
    assert resp.status_code == 200, resp.text
    built = resp.json()
    assert built["entries"] == before["entries"] + 1
    assert 1 <= built["embedded"] < built["chunks"]  # only the changed and the new entry were embedded

    problems = [o.problem for o in seen if o.problem]
    assert not problems, problems[:5]
    assert all(o.status == 200 for o in seen)
    versions = {v: sum(o.version == v for o in seen) for v in ("old", "new", None)}
    print(f"\nreindex under load: {len(seen)} requests, all 200; by version {versions}")
    assert versions["old"] > 0 and versions["new"] > 0, versions
    # the admin call returns once the new index answers: nothing started after it sees the old one
    late = [o for o in seen if o.started > swapped_by and o.version == "old"]
    assert not late, late[:3]

    ready = httpx.get(f"{server.url}/readyz").json()
    assert ready["build"] == built["build"] != before["build"]
    answer = httpx.post(f"{server.url}/v1/ask", json={"question": Q_Y}).json()
    assert answer["confident"] is True
    assert answer["sources"][0]["id"] == y_id
    assert "星光加急通道只对重点项目开放" in answer["answer"]
    assert "新版" in httpx.post(f"{server.url}/v1/ask", json={"question": Q_X}).json()["answer"]


def test_admin_reindex_needs_the_key(server: Server) -> None:
    for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": ADMIN_KEY + "x"}):
        resp = httpx.post(f"{server.url}/v1/admin/reindex", headers=headers)
        assert resp.status_code == 401
        assert resp.json()["error"]["code"] == "unauthorized"


def test_a_build_by_the_cli_in_another_process_is_picked_up(server: Server, workdir: Path) -> None:
    corpus = workdir / "corpus"
    current = [json.loads(line) for line in (corpus / "extra.jsonl").read_text(encoding="utf-8").splitlines()]
    write_corpus(corpus, [*current, Z])
    z_id = entry_id(corpus, Z["question"])
    x_id = entry_id(corpus, X_OLD["question"])
    y_id = entry_id(corpus, Y["question"])
    before = httpx.get(f"{server.url}/readyz").json()
    assert httpx.post(f"{server.url}/v1/ask", json={"question": Q_Z}).json()["sources"][0]["id"] != z_id

    def build_and_wait() -> str:
        done = subprocess.run(
            cli("index", "build", "--quiet"), env=server.env, cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        build_id = done.stdout.split()[1].rstrip(":")
        deadline = time.monotonic() + 30  # the server looks every 5 s
        while httpx.get(f"{server.url}/readyz").json()["build"] != build_id:
            assert time.monotonic() < deadline, "the server did not pick the new build up"
            time.sleep(0.25)
        return build_id

    build_id, _, seen = run_load(server.url, x_id, y_id, build_and_wait, threads=2, after=0.5)
    problems = [o.problem for o in seen if o.problem]
    assert not problems, problems[:5]
    print(f"\nCLI build picked up under load: {len(seen)} requests, all 200")

    ready = httpx.get(f"{server.url}/readyz").json()
    assert ready["build"] == build_id != before["build"]
    assert ready["entries"] == before["entries"] + 1
    answer = httpx.post(f"{server.url}/v1/ask", json={"question": Q_Z}).json()
    assert answer["sources"][0]["id"] == z_id and answer["confident"] is True
