"""Conversations in the database (SQLite and PostgreSQL): shared between stores, bounded, and kept through an
outage of the database."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bot import Settings
from bot.conversations import DatabaseSessionStore, open_sessions
from bot.errors import Unavailable
from bot.sessions import SessionStore, Turn
from bot.storage import Database


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.close()


def turn(q: str, entry: str | None = None, at: float = 0.0) -> Turn:
    return Turn(q, q, f"答：{q}", entry, entry is not None, at)


def test_two_replicas_share_one_conversation(db: Database) -> None:
    a = DatabaseSessionStore(db, max_sessions=100, ttl=600, max_turns=10)
    b = DatabaseSessionStore(db, max_sessions=100, ttl=600, max_turns=10)
    a.append("s-1", turn("管局审核多久", "faq-1"))
    assert b.history("s-1") == [turn("管局审核多久", "faq-1")]  # a follow-up on the other replica sees it
    b.append("s-1", turn("app的呢？"))
    assert [t.question for t in a.history("s-1")] == ["管局审核多久", "app的呢？"]
    assert a.history("s-unknown") == []


def test_bounded_in_turns_age_and_number(db: Database) -> None:
    now = [1000.0]
    store = DatabaseSessionStore(db, max_sessions=3, ttl=60, max_turns=2, clock=lambda: now[0])
    for i in range(5):
        now[0] += 1
        store.append(f"s{i}", turn(f"q{i}"))
    store.prune()
    assert store.count() == 3
    assert store.history("s0") == [] and store.history("s1") == []
    assert [t.question for t in store.history("s4")] == ["q4"]
    for i in range(4):
        store.append("s4", turn(f"t{i}"))
    assert [t.question for t in store.history("s4")] == ["t2", "t3"]
    now[0] += 61  # past the time-to-live: gone, and a new turn starts afresh
    assert store.history("s4") == []
    store.append("s4", turn("new"))
    assert [t.question for t in store.history("s4")] == ["new"]
    store.prune()
    assert store.count() == 1


def test_concurrent_appends_to_one_conversation_lose_nothing(db: Database) -> None:
    stores = [DatabaseSessionStore(db, max_sessions=100, ttl=600, max_turns=50) for _ in range(4)]
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(5):
                stores[k].append("shared", turn(f"r{k}-{i}"))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    got = [t.question for t in stores[0].history("shared")]
    assert sorted(got) == sorted(f"r{k}-{i}" for k in range(4) for i in range(5))
    for k in range(4):  # each replica's own turns in its order
        assert [q for q in got if q.startswith(f"r{k}-")] == [f"r{k}-{i}" for i in range(5)]


def test_database_away_falls_back_to_memory_and_writes_later(db: Database) -> None:
    store = DatabaseSessionStore(db, max_sessions=100, ttl=600, max_turns=10)
    other = DatabaseSessionStore(db, max_sessions=100, ttl=600, max_turns=10)
    store.append("s-1", turn("管局审核多久", "faq-1"))
    engines = (db.engine, db.autocommit)
    real = [e.connect for e in engines]

    def refused() -> object:
        raise Unavailable("down")

    for e in engines:
        e.connect = refused  # type: ignore[method-assign]
    try:
        store.append("s-1", turn("要多久呢"))  # kept here; answering does not wait for the database
        assert store.degraded
        assert [t.question for t in store.history("s-1")] == ["管局审核多久", "要多久呢"]
        assert other.history("s-9") == []  # another replica knows nothing of a conversation it never saw
    finally:
        for e, connect in zip(engines, real, strict=True):
            e.connect = connect  # type: ignore[method-assign]
    store._down_until = other._down_until = 0.0  # the pause after a failure is over
    store.append("s-2", turn("如何注销备案"))  # the first write after the outage also writes what was kept
    assert [t.question for t in other.history("s-1")] == ["管局审核多久", "要多久呢"]
    assert [t.question for t in other.history("s-2")] == ["如何注销备案"]


def test_store_choice_follows_the_database(db: Database) -> None:
    auto = open_sessions(Settings(), db)
    assert isinstance(auto, SessionStore if db.is_sqlite else DatabaseSessionStore)
    assert isinstance(open_sessions(Settings(session_store="database"), db), DatabaseSessionStore)
    assert isinstance(open_sessions(Settings(session_store="memory"), db), SessionStore)
    assert isinstance(open_sessions(Settings(session_store="database"), None), SessionStore)
