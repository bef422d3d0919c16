"""A real PostgreSQL server stopped and started again under the stores: refusals are :class:`Unavailable`,
the question log and conversations keep what they were given, and everything works again afterwards."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.conversations import DatabaseSessionStore
from bot.errors import Unavailable
from bot.handoff import HandoffStore
from bot.question_log import QuestionLog
from bot.sessions import Turn
from bot.storage import Database
from bot.storage.models import questions
from tests import postgres as pg


@pytest.fixture
def server() -> Iterator[pg.PostgresServer]:
    """A server of this test's own: it is stopped on purpose."""
    pg.require()
    with pg.running() as srv:
        yield srv


def test_stores_through_a_database_restart(server: pg.PostgresServer) -> None:
    db = Database(server.database(), pool_size=2, max_overflow=2, pool_timeout=2, connect_timeout=2)
    log = QuestionLog(db)
    tickets = HandoffStore(db)
    sessions = DatabaseSessionStore(db, max_sessions=100, ttl=600, max_turns=10)
    try:
        sessions.append("s-1", Turn("管局审核多久", "管局审核多久", "3-20个工作日", "faq-1", True))
        log.log_question("s-1", "管局审核多久", True, "faq-1", "管局审核")
        log.flush()

        server.stop()
        with pytest.raises(Unavailable):
            tickets.create("s-1", sessions.history("s-1"))
        with pytest.raises(Unavailable):
            tickets.list()
        # what answering needs goes on: the question log queues, the conversation falls back to memory
        for i in range(3):
            log.log_question("s-1", f"离线时的问题{i}", False, None, None)
        sessions.append("s-1", Turn("那要多久呢", "管局审核多久", "3-20个工作日", "faq-1", True))
        assert [t.question for t in sessions.history("s-1")] == ["管局审核多久", "那要多久呢"]

        server.start()
        # the pool's pre-ping drops the dead connections: the first requests after the restart succeed
        ticket = tickets.create("s-1", [Turn("转人工", "转人工", "", None, False)])
        assert tickets.get(ticket["id"])["status"] == "open"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with db.connect() as conn:
                if conn.execute(select(func.count()).select_from(questions)).scalar_one() == 4:
                    break
            time.sleep(0.2)
        with db.connect() as conn:
            asked = conn.execute(select(questions.c.question).order_by(questions.c.id)).scalars().all()
        assert asked == ["管局审核多久", "离线时的问题0", "离线时的问题1", "离线时的问题2"]
        sessions._down_until = 0.0  # past the pause after a failure
        sessions.append("s-2", Turn("如何注销备案", "如何注销备案", "", None, False))
        fresh = DatabaseSessionStore(db, max_sessions=100, ttl=600, max_turns=10)
        assert [t.question for t in fresh.history("s-1")] == ["管局审核多久", "那要多久呢"]
    finally:
        log.close()
        db.close()


def test_no_free_connection_is_unavailable_not_a_crash(postgres: pg.PostgresServer) -> None:
    db = Database(postgres.database(), pool_size=1, max_overflow=0, pool_timeout=0.5)
    try:
        with db.connect():
            started = time.monotonic()
            with pytest.raises(Unavailable, match="no free connection"):
                HandoffStore(db).list()
            assert time.monotonic() - started < 5
        assert HandoffStore(db).list() == []  # the connection is back in the pool
    finally:
        db.close()
