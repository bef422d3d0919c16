"""Migrations under concurrency, the one-time import of the old SQLite files, and the db / keys commands."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select, text

from bot import Settings
from bot.handoff import HandoffStore
from bot.question_log import QuestionLog
from bot.storage.models import feedback, imports, questions, tickets
from bot.storage.setup import open_database
from tests.conftest import ROOT

OLD_HANDOFF = """
CREATE TABLE tickets (id TEXT PRIMARY KEY, at REAL NOT NULL, session_id TEXT NOT NULL, note TEXT, contact TEXT,
    user_ref TEXT, transcript TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open');
"""
OLD_FEEDBACK = """
CREATE TABLE questions (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, session_id TEXT NOT NULL,
    question TEXT NOT NULL, confident INTEGER NOT NULL, entry_id TEXT, title TEXT);
CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, session_id TEXT, question TEXT,
    entry_id TEXT, helpful INTEGER NOT NULL, comment TEXT);
"""


def cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_replicas_migrating_at_once_agree(database_url: str, tmp_path: Path) -> None:
    env = {"BEIAN_DATABASE_URL": database_url, "BEIAN_DATA_DIR": str(tmp_path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "db", "upgrade"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    assert all("database at revision 0001" in out for out, _ in outputs)
    db = open_database(Settings(database_url=database_url, data_dir=tmp_path), upgrade=False)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0001"]
    db.close()


def test_old_sqlite_files_are_imported_once(database_url: str, tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / "handoff.sqlite3")
    old.executescript(OLD_HANDOFF)
    transcript = [
        {
            "question": "管局审核多久",
            "resolved": "管局审核多久",
            "answer": "3-20个工作日",
            "entry_id": None,
            "confident": True,
            "at": 1.0,
        }
    ]
    old.execute(
        "INSERT INTO tickets VALUES ('T1-old', 100.0, 's-old', '旧单', NULL, 'u-1', ?, 'open')",
        (json.dumps(transcript, ensure_ascii=False),),
    )
    old.commit()
    old.close()
    old = sqlite3.connect(tmp_path / "feedback.sqlite3")
    old.executescript(OLD_FEEDBACK)
    old.executemany(
        "INSERT INTO questions(at, session_id, question, confident, entry_id, title) VALUES (?,?,?,?,?,?)",
        [(1.0, "s-old", "明天会下雨吗", 0, None, None), (2.0, "s-old", "管局审核多久", 1, "faq-1", "审核")],
    )
    old.execute(
        "INSERT INTO feedback(at, session_id, question, entry_id, helpful, comment) VALUES "
        "(3.0, 's-old', '管局审核多久', 'faq-1', 0, '没说清')"
    )
    old.commit()
    old.close()

    settings = Settings(database_url=database_url, data_dir=tmp_path)
    for _ in range(2):  # a second start imports nothing again
        db = open_database(settings)
        with db.engine.connect() as conn:
            counts = [
                conn.execute(select(func.count()).select_from(t)).scalar() for t in (tickets, questions, feedback)
            ]
            assert counts == [1, 2, 1]
            assert sorted(conn.execute(select(imports.c.name, imports.c.rows)).all()) == [
                ("feedback.sqlite3", 3),
                ("handoff.sqlite3", 1),
            ]
        ticket = HandoffStore(db).get("T1-old")
        assert ticket["transcript"] == transcript and ticket["note"] == "旧单" and ticket["status"] == "open"
        store = QuestionLog(db)
        assert [(u["question"], u["count"]) for u in store.unanswered()] == [("管局审核多久", 1), ("明天会下雨吗", 1)]
        assert store.was_asked("s-old", "管局审核多久？")
        store.close()
        db.close()
    assert (tmp_path / "handoff.sqlite3").exists() and (tmp_path / "feedback.sqlite3").exists()


def test_keys_command(database_url: str, tmp_path: Path) -> None:
    env = {"BEIAN_DATABASE_URL": database_url, "BEIAN_DATA_DIR": str(tmp_path)}
    made = cli(["keys", "create", "--role", "agent", "--name", "小王"], env)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("bb_") and "shown once" in made.stderr
    listed = cli(["keys", "list", "--json"], env)
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["role"], r["revoked"]) for r in rows] == [("小王", "agent", False)]
    assert key not in listed.stdout
    assert cli(["keys", "revoke", rows[0]["id"]], env).returncode == 0
    assert json.loads(cli(["keys", "list", "--json"], env).stdout)[0]["revoked"] is True
    assert cli(["keys", "create", "--role", "agent"], env).returncode == 2
    assert cli(["keys", "revoke", "ffffffffffff"], env).returncode == 1
    assert cli(["keys", "create", "--role", "root", "--name", "x"], env).returncode == 2
