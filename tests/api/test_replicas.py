"""Two ``beian-bot serve`` replicas sharing one PostgreSQL database and one Chroma server, as behind a load
balancer without sticky sessions: conversations, tickets, the report and curation are the same on both; the
database restarted under load; one replica killed while the other goes on."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import Bot
from tests import postgres as pg
from tests.api.test_reindex import ROOT, Server, cli, server_env, start_server, stop_server
from tests.chroma_server import chroma_server

KEY = "replicas-admin-key-7d1e0b"
HEADERS = {"X-API-Key": KEY}


@dataclass
class Cluster:
    """The replicas and what they share."""

    a: Server
    b: Server
    db: pg.PostgresServer


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, built_index: Path, bot: Bot) -> Iterator[Cluster]:
    """PostgreSQL (a server of this module's own: the tests restart it), a Chroma server with the index built into
    it by the CLI, and two replicas with their own index folders and nothing else of their own (``bot`` has filled
    the fixed vector caches they are seeded with)."""
    pg.require()
    root = tmp_path_factory.mktemp("replicas")
    with pg.running() as database, chroma_server(root / "chroma") as chroma:
        url = database.database()
        servers: list[Server] = []
        try:
            envs = []
            for name in ("a", "b"):
                shutil.copytree(built_index / "cache", root / name / "index" / "cache")
                (root / name / "data").mkdir()
                envs.append(
                    server_env(
                        index_dir=root / name / "index",
                        data_dir=root / name / "data",
                        chroma_url=chroma,
                        database_url=url,
                        admin_api_key=KEY,
                        curation_sync=2,
                        rate_limit=0,
                    )
                )
            built = subprocess.run(
                cli("index", "build", "--quiet"), env=envs[0], cwd=ROOT, capture_output=True, text=True, timeout=600
            )
            assert built.returncode == 0, built.stderr
            servers.append(start_server(envs[0], root / "a"))
            servers.append(start_server(envs[1], root / "b"))
            yield Cluster(servers[0], servers[1], database)
        finally:
            for srv in servers:
                stop_server(srv)


def ask(server: Server, question: str, session_id: str | None = None) -> dict[str, Any]:
    resp = httpx.post(f"{server.url}/v1/ask", json={"question": question, "session_id": session_id}, timeout=60)
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


def test_a_conversation_split_across_replicas(cluster: Cluster) -> None:
    first = ask(cluster.a, "APP备案需要准备什么", "split-1")
    assert first["confident"] and first["sources"][0]["title"] == "APP备案前准备"
    follow = ask(cluster.b, "那要多久？", "split-1")  # replica b reads the topic from replica a's turn
    assert follow["confident"] and follow["sources"][0]["title"] == "APP备案预计审核时间以及进度查询"
    alone = ask(cluster.b, "那要多久？", "split-2")  # the same words with no conversation behind them
    assert not alone["confident"] or alone["sources"][0]["title"] != "APP备案预计审核时间以及进度查询"


def test_a_ticket_holds_turns_asked_on_both_replicas(cluster: Cluster) -> None:
    ask(cluster.a, "管局审核多长时间", "ticket-1")
    ask(cluster.b, "app的呢？", "ticket-1")
    made = httpx.post(f"{cluster.a.url}/v1/handoff", json={"session_id": "ticket-1", "note": "转人工"}, timeout=30)
    assert made.status_code == 201, made.text
    assert made.json()["turns"] == 2
    ticket_id = made.json()["ticket_id"]
    seen = httpx.get(f"{cluster.b.url}/v1/admin/handoff/{ticket_id}", headers=HEADERS, timeout=30)
    assert seen.status_code == 200, seen.text
    assert [t["question"] for t in seen.json()["transcript"]] == ["管局审核多长时间", "app的呢？"]
    claimed = httpx.post(f"{cluster.b.url}/v1/admin/handoff/{ticket_id}/claim", headers=HEADERS, timeout=30)
    assert claimed.json()["status"] == "claimed"
    queue = httpx.get(f"{cluster.a.url}/v1/admin/handoff", params={"status": "claimed"}, headers=HEADERS, timeout=30)
    assert [t["id"] for t in queue.json()] == [ticket_id]


def report(server: Server) -> dict[str, Any]:
    resp = httpx.get(f"{server.url}/v1/admin/report", params={"limit": 200}, headers=HEADERS, timeout=30)
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.25)


def test_the_report_on_one_replica_counts_traffic_of_both(cluster: Cluster) -> None:
    before = report(cluster.a)["questions"]
    unique = f"推荐一部好看的电影{time.time_ns() % 10_000}"
    for _ in range(3):
        ask(cluster.a, unique)
    for _ in range(2):
        ask(cluster.b, unique)
    ask(cluster.b, "管局审核多长时间")
    # the question log is written off the request path: each replica's rows arrive within moments
    wait_for(lambda: report(cluster.a)["questions"] == before + 6, 20, "six questions counted")
    unanswered = {u["question"]: u["count"] for u in report(cluster.a)["unanswered"]}
    assert unanswered[unique] == 5
    assert report(cluster.b)["questions"] == before + 6


def test_curation_through_one_replica_answers_on_both_embedding_once(cluster: Cluster) -> None:
    question = "月光备案码在哪里领取"
    made = httpx.post(
        f"{cluster.a.url}/v1/admin/entries",
        headers=HEADERS,
        json={"title": "月光备案码领取", "text": "月光备案码在控制台的备案订单详情页领取。", "questions": [question]},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    entry_id = made.json()["id"]
    started = time.monotonic()

    def answered(server: Server) -> bool:
        got = ask(server, question)
        return bool(got["confident"] and got["sources"][0]["id"] == entry_id)

    wait_for(lambda: answered(cluster.a) and answered(cluster.b), 30, "the new entry answers on both replicas")
    assert time.monotonic() - started < 30
    applied = [
        line
        for srv in (cluster.a, cluster.b)
        for line in srv.log_lines()
        if line.get("message") == "curation applied" and line.get("built")
    ]
    # built on both (each has its own BM25 and manifest); the new texts embedded by exactly one of them
    assert len(applied) == 2, applied
    assert sorted(line["embedded"] for line in applied)[0] == 0 and sorted(line["embedded"] for line in applied)[1] > 0


def test_database_restarted_under_load(cluster: Cluster) -> None:
    """Answering goes on; the parts that need the database say 503 in JSON, then recover; nothing acknowledged
    is lost."""
    stop = threading.Event()
    statuses: Counter[str] = Counter()
    acknowledged: list[int] = []
    bad: list[str] = []
    asked_ok = [0]
    lock = threading.Lock()
    before = report(cluster.a)

    def asker(server: Server, n: int) -> None:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            i = 0
            while not stop.is_set():
                i += 1
                sid = f"load-{n}-{i % 5}"
                resp = client.post("/v1/ask", json={"question": "管局审核多长时间", "session_id": sid})
                with lock:
                    statuses[f"ask {resp.status_code}"] += 1
                    if resp.status_code == 200 and resp.json()["confident"]:
                        asked_ok[0] += 1
                    else:
                        bad.append(f"ask {resp.status_code} {resp.text[:200]}")

    def voter(server: Server) -> None:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            while not stop.is_set():
                resp = client.post("/v1/feedback", json={"helpful": True, "question": "管局审核多长时间"})
                body = resp.json()
                with lock:
                    statuses[f"feedback {resp.status_code}"] += 1
                    if resp.status_code == 201:
                        acknowledged.append(body["id"])
                    elif resp.status_code != 503 or body["error"]["code"] != "database_unavailable":
                        bad.append(f"feedback {resp.status_code} {resp.text[:200]}")
                    elif resp.headers.get("retry-after") != "5":
                        bad.append("503 without Retry-After")
                time.sleep(0.05)

    threads = [threading.Thread(target=asker, args=(srv, n)) for n, srv in enumerate((cluster.a, cluster.b, cluster.a))]
    threads += [threading.Thread(target=voter, args=(srv,)) for srv in (cluster.a, cluster.b)]
    for t in threads:
        t.start()
    try:
        time.sleep(2)
        cluster.db.stop()
        time.sleep(4)
        with httpx.Client(timeout=30) as client:  # while it is down: refused cleanly, in JSON
            down = client.post(f"{cluster.b.url}/v1/handoff", json={"session_id": "load-0-1"})
            listing = client.get(f"{cluster.a.url}/v1/admin/handoff", headers=HEADERS)
            ready = client.get(f"{cluster.a.url}/readyz")
        cluster.db.start()
        time.sleep(4)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert bad == [], bad[:5]
    assert (down.status_code, down.json()["error"]["code"]) == (503, "database_unavailable")
    assert (listing.status_code, listing.json()["error"]["code"]) == (503, "database_unavailable")
    assert ready.status_code == 200  # the load balancer keeps the replicas: they still answer
    assert statuses["feedback 503"] > 0 and statuses["feedback 201"] > 0, statuses
    # after the restart: every acknowledged vote is there, and every answered question reached the log
    wait_for(
        lambda: report(cluster.a)["questions"] == before["questions"] + asked_ok[0],
        30,
        "every question answered during the outage logged",
    )
    after = report(cluster.b)
    assert after["feedback"]["helpful"] == before["feedback"]["helpful"] + len(acknowledged)
    made = httpx.post(f"{cluster.b.url}/v1/handoff", json={"session_id": "load-0-1"}, timeout=30)
    assert made.status_code == 201, made.text


def test_one_replica_killed_the_other_goes_on(cluster: Cluster) -> None:
    ask(cluster.a, "APP备案需要准备什么", "killed-1")
    cluster.a.proc.kill()
    cluster.a.proc.wait(timeout=30)
    follow = ask(cluster.b, "那要多久？", "killed-1")
    assert follow["sources"][0]["title"] == "APP备案预计审核时间以及进度查询"
    made = httpx.post(f"{cluster.b.url}/v1/handoff", json={"session_id": "killed-1"}, timeout=30)
    assert made.status_code == 201 and made.json()["turns"] == 2
