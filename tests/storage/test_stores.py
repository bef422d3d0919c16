"""The stores on SQLite and on a real PostgreSQL server: tickets, feedback, the question log, keys, curation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.curation import CurationStore, apply_overlay
from bot.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from bot.handoff import HandoffStore
from bot.keys import Actor, KeyStore
from bot.question_log import QuestionLog, question_key
from bot.sessions import Turn
from bot.storage import Database
from bot.storage.models import metadata
from corpus import Entry

AGENT = Actor("alice", "agent")
FILE = Entry("faq-file000001", "管局审核需要多久", "faq", "管局审核时间为3-20个工作日。", category="审核")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.close()


def test_migrations_make_every_table_and_rerun_harmlessly(db: Database) -> None:
    from sqlalchemy import inspect

    assert db.revision() == "0001"
    assert set(metadata.tables) <= set(inspect(db.engine).get_table_names())
    db.upgrade()
    again = Database(db.url.render_as_string(hide_password=False))
    assert again.revision() == "0001"
    again.close()


def test_tickets_go_open_claimed_closed(db: Database) -> None:
    store = HandoffStore(db, webhook="http://127.0.0.1:9/hook")
    turns = [
        Turn("管局审核多久", "管局审核多久", "3-20个工作日", "faq-1", True),
        Turn("谢谢", "谢谢", "不客气", None, False),
    ]
    ticket = store.create("s-1", turns, note="找人工", contact="138")
    assert ticket["status"] == "open" and [t["question"] for t in ticket["transcript"]] == ["管局审核多久", "谢谢"]
    other = store.create("s-2", turns[:1])
    assert [t["id"] for t in store.list()] == [other["id"], ticket["id"]]
    claimed = store.claim(ticket["id"], "alice")
    assert (claimed["status"], claimed["claimed_by"]) == ("claimed", "alice")
    assert store.claim(ticket["id"], "alice")["status"] == "claimed"  # claiming one's own again is harmless
    with pytest.raises(Conflict):
        store.claim(ticket["id"], "bob")
    assert [t["id"] for t in store.list(status="claimed")] == [ticket["id"]]
    assert [t["id"] for t in store.list(status="open")] == [other["id"]]
    closed = store.close(ticket["id"], "alice", "已电话回复")
    assert (closed["status"], closed["resolution"], closed["closed_by"]) == ("closed", "已电话回复", "alice")
    with pytest.raises(Conflict):
        store.close(ticket["id"], "alice")
    with pytest.raises(Conflict):
        store.claim(ticket["id"], "bob")
    with pytest.raises(NotFound):
        store.claim("T-none", "alice")
    with pytest.raises(InvalidInput):
        store.list(status="lost")
    # the webhook delivery of each ticket was queued with it
    from bot.outbox import Outbox

    rows = Outbox(db).list(delivered=False)
    assert [r["ticket_id"] for r in rows] == [ticket["id"], other["id"]]


def test_unanswered_groups_typings_and_needs_a_real_question(db: Database) -> None:
    store = QuestionLog(db)
    try:
        for sid, q in [
            ("a", "管局审核要多久？"),
            ("b", "管局 审核要多久"),
            ("c", "管局審核要多久!"),
            ("d", "明天会下雨吗"),
        ]:
            store.log_question(sid, q, False, None, None)
        store.log_question("e", "如何查询备案号", True, "faq-x", "如何查询备案号")
        store.log_question("e", "如何注销备案", True, "faq-y", "如何注销备案")
        # not helpful, and asked in that session: counts; the same vote for a question never asked does not
        store.add_feedback("e", "如何查询备案号", "faq-x", False, None)
        store.add_feedback("f", "如何注销备案", "faq-y", False, None)
        store.add_feedback(None, "随便写的问题", None, False, None)
        rows = store.unanswered()
        # ties: the one asked last first
        assert [(r["question"], r["count"]) for r in rows] == [
            ("管局審核要多久!", 3),
            ("如何查询备案号", 1),
            ("明天会下雨吗", 1),
        ]
        assert rows[0]["sample_session"] == "c" and rows[0]["last_asked"].endswith("+00:00")
        assert {r["question"] for r in store.unanswered(exclude={question_key("明天会下雨吗")})} == {
            "管局審核要多久!",
            "如何查询备案号",
        }
        assert store.was_asked("b", "管局审核要多久") and not store.was_asked("a", "如何查询备案号")
        report = store.report()
        assert (report["questions"], report["declined"]) == (6, 4)
        assert report["feedback"] == {"helpful": 0, "not_helpful": 3}
    finally:
        store.close()


def test_keys_are_hashed_roles_and_revocable(db: Database) -> None:
    store = KeyStore(db, bootstrap="boot-key-123")
    key, row = store.create("agent", "alice")
    assert key.startswith(f"bb_{row['id']}_") and "hash" not in row
    from sqlalchemy import select

    from bot.storage.models import api_keys

    with db.engine.connect() as conn:
        stored = conn.execute(select(api_keys.c.hash)).scalar_one()
    assert key not in stored and key.split("_", 2)[2] not in stored and len(stored) == 64
    assert store.get(row["id"])["last_used_at"] is None
    actor = store.authenticate(key)
    assert (actor.name, actor.role) == ("alice", "agent")
    assert store.get(row["id"])["last_used_at"] is not None
    with pytest.raises(Forbidden):
        actor.require("admin")
    assert store.authenticate("boot-key-123").role == "admin"
    for bad in (
        None,
        "",
        key + "x",
        key[:-1] + ("A" if key[-1] != "A" else "B"),
        "x" * 5000,
        "bb_000000000000_" + "a" * 43,
    ):
        with pytest.raises(Unauthorized):
            store.authenticate(bad)
    assert [r["name"] for r in store.list()] == ["alice"]
    assert store.revoke(row["id"])["revoked"] is True
    with pytest.raises(Unauthorized):
        store.authenticate(key)
    with pytest.raises(InvalidInput):
        store.create("root", "mallory")


def test_curation_overlay_changes_and_revert(db: Database) -> None:
    store = CurationStore(db, {FILE.id: FILE}.get)
    made = store.create(
        AGENT, {"title": "备案后多久能访问", "text": "备案通过后即可访问。", "questions": ["多久能访问"]}
    )
    assert made["kind"] == "faq" and made["id"].startswith("faq-c") and made["questions"] == ["多久能访问"]
    edited = store.update(AGENT, FILE.id, {"text": "管局审核时间为1-20个工作日。"})
    assert edited["title"] == FILE.title and edited["text"] == "管局审核时间为1-20个工作日。"
    asked = store.add_question(AGENT, FILE.id, "审核几天")
    assert asked["questions"] == ["审核几天"]
    assert store.add_question(AGENT, FILE.id, "审核 几天？") == asked  # the same question typed differently
    store.retire(AGENT, made["id"])

    log = store.changes()
    assert [c["action"] for c in log] == ["retire", "add_question", "update", "create"]
    assert log[0]["before"]["title"] == "备案后多久能访问" and log[0]["after"] is None
    assert log[2]["before"]["text"] == FILE.text and log[2]["actor"] == "alice"

    entries = apply_overlay([FILE], store.rows())
    assert [(e.id, e.text, e.questions) for e in entries] == [(FILE.id, "管局审核时间为1-20个工作日。", ["审核几天"])]

    with pytest.raises(Conflict):  # the file entry changed after this edit: revert the later one first
        store.revert(AGENT, log[2]["id"])
    undone = store.revert(AGENT, log[1]["id"])
    assert undone["action"] == "revert" and undone["after"]["questions"] == []
    with pytest.raises(Conflict):
        store.revert(AGENT, log[1]["id"])
    store.revert(AGENT, log[2]["id"])
    store.revert(AGENT, log[0]["id"])
    assert store.rows() == {made["id"]: made}  # the file entry has no overlay row left; the new entry is back
    assert apply_overlay([FILE], store.rows())[0] == FILE
    assert store.version() == max(c["id"] for c in store.changes())

    with pytest.raises(NotFound):
        store.update(AGENT, "faq-nothing", {"title": "x"})
    for bad in (
        {"title": ""},
        {"title": "x"},
        {"text": "y"},
        {"title": "x", "text": "y", "kind": "news"},
        {"title": "x", "text": "y", "steps": "one"},
        {"title": "x", "text": "y", "owner": "me"},
    ):
        with pytest.raises(InvalidInput):
            store.create(AGENT, bad)
