"""Scale-out: one Chroma server (``chroma run``), two stateless API processes, identical answers."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import Bot
from tests.api.test_reindex import ROOT, Server, cli, server_env, start_server, stop_server
from tests.chroma_server import chroma_server

QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "eval" / "dev.jsonl").read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory, built_index: Path, bot: Bot) -> Iterator[list[Server]]:
    """A Chroma server, the index built into it by the CLI, and two API processes with their own index folders."""
    root = tmp_path_factory.mktemp("scaleout")
    with chroma_server(root / "chroma") as url:
        servers: list[Server] = []
        try:
            for name in ("a", "b"):
                # only the fixed vector caches (off-topic sentences, intents) are seeded, not the index
                shutil.copytree(built_index / "cache", root / name / "index" / "cache")
                (root / name / "data").mkdir()
            env_a = server_env(
                index_dir=root / "a" / "index", data_dir=root / "a" / "data", chroma_url=url, rate_limit=0
            )
            built = subprocess.run(
                cli("index", "build", "--quiet"), env=env_a, cwd=ROOT, capture_output=True, text=True, timeout=600
            )
            assert built.returncode == 0, built.stderr
            # replica a serves the build above; replica b builds at start and finds the vectors on the server
            servers.append(start_server(env_a, root / "a"))
            env_b = server_env(
                index_dir=root / "b" / "index", data_dir=root / "b" / "data", chroma_url=url, rate_limit=0
            )
            servers.append(start_server(env_b, root / "b"))
            yield servers
        finally:
            for srv in servers:
                stop_server(srv)


def manifest(index_dir: Path) -> dict[str, Any]:
    build = (index_dir / "CURRENT").read_text().strip()
    data: dict[str, Any] = json.loads((index_dir / "builds" / build / "manifest.json").read_text())
    return data


def test_replicas_share_one_collection_on_the_chroma_server(replicas: list[Server]) -> None:
    a, b = (manifest(Path(s.env["BEIAN_INDEX_DIR"])) for s in replicas)
    assert a["chroma_url"] == b["chroma_url"] == replicas[0].env["BEIAN_CHROMA_URL"]
    assert a["collection"] == b["collection"]
    assert a["build_id"] != b["build_id"]  # each replica has its own local build (entries, BM25, manifest)
    assert b["embedded"] == 0  # the second replica embedded nothing: the vectors came from the server
    for srv in replicas:
        assert not any((Path(srv.env["BEIAN_INDEX_DIR"]) / "builds").glob("*/chroma"))
        ready = httpx.get(f"{srv.url}/readyz").json()
        assert ready["entries"] == a["entries"] and ready["chunks"] == a["chunks"]


def test_both_replicas_answer_the_same_questions_identically(replicas: list[Server]) -> None:
    a, b = replicas
    questions = [*QUESTIONS[:20], "今天天气怎么样", "推荐一部电影", "How long does the ICP filing review take?"]
    confident = 0
    with httpx.Client(base_url=a.url, timeout=60) as ca, httpx.Client(base_url=b.url, timeout=60) as cb:
        for q in questions:
            ra = ca.post("/v1/ask", json={"question": q, "top_k": 5})
            rb = cb.post("/v1/ask", json={"question": q, "top_k": 5})
            assert ra.status_code == rb.status_code == 200, (q, ra.text, rb.text)
            ja, jb = ra.json(), rb.json()
            assert [s["id"] for s in ja["sources"]] == [s["id"] for s in jb["sources"]], q
            assert [s["score"] for s in ja["sources"]] == pytest.approx([s["score"] for s in jb["sources"]], abs=1e-4)
            assert ja["answer"] == jb["answer"], q
            assert ja["confident"] == jb["confident"], q
            assert [t["id"] for t in ja["troubleshooting"]] == [t["id"] for t in jb["troubleshooting"]], q
            confident += ja["confident"]
            sa = ca.get("/v1/search", params={"q": q, "k": 5}).json()["hits"]
            sb = cb.get("/v1/search", params={"q": q, "k": 5}).json()["hits"]
            assert [h["id"] for h in sa] == [h["id"] for h in sb], q
    assert confident >= 15  # the in-domain questions are answered, by both
    assert ca.is_closed and cb.is_closed
