"""One-time import of the SQLite files earlier versions kept (handoff.sqlite3, feedback.sqlite3)."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from bot.storage.models import feedback, imports, questions, tickets

log = logging.getLogger("beian_bot.storage")
LEGACY = ("handoff.sqlite3", "feedback.sqlite3")


def import_legacy(conn: Connection, data_dir: str | Path, key: Callable[[str], str]) -> dict[str, int]:
    """Copy rows of the old files in ``data_dir`` into the database, once per file (recorded in ``imports``).

    The old files are only read, never changed or removed. Runs inside the migration's locked transaction, so
    replicas starting together import once, and a failure leaves nothing half-imported.
    """
    done: dict[str, int] = {}
    for name in LEGACY:
        path = Path(data_dir) / name
        if not path.exists() or conn.execute(select(imports.c.name).where(imports.c.name == name)).first():
            continue
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        src.row_factory = sqlite3.Row
        try:
            rows = _copy_tickets(conn, src) if name == "handoff.sqlite3" else _copy_feedback(conn, src, key)
        finally:
            src.close()
        conn.execute(insert(imports).values(name=name, at=time.time(), rows=rows))
        done[name] = rows
        log.info("imported %d rows from %s", rows, path)
    return done


def _table_rows(src: sqlite3.Connection, table: str) -> list[dict[str, Any]]:
    present = src.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()
    return [dict(r) for r in src.execute(f"SELECT * FROM {table} ORDER BY rowid")] if present else []


def _copy_tickets(conn: Connection, src: sqlite3.Connection) -> int:
    rows = _table_rows(src, "tickets")
    known = {r[0] for r in conn.execute(select(tickets.c.id))}
    new = [
        {
            "id": r["id"],
            "at": r["at"],
            "session_id": r["session_id"],
            "note": r.get("note"),
            "contact": r.get("contact"),
            "user_ref": r.get("user_ref"),
            "transcript": json.loads(r["transcript"] or "[]"),
            "status": r.get("status") or "open",
        }
        for r in rows
        if r["id"] not in known
    ]
    if new:
        conn.execute(insert(tickets), new)
    return len(new)


def _copy_feedback(conn: Connection, src: sqlite3.Connection, key: Callable[[str], str]) -> int:
    asked = [
        {
            "at": r["at"],
            "session_id": r["session_id"],
            "question": r["question"],
            "norm": key(r["question"]),
            "confident": bool(r["confident"]),
            "entry_id": r.get("entry_id"),
            "title": r.get("title"),
        }
        for r in _table_rows(src, "questions")
    ]
    votes = [
        {
            "at": r["at"],
            "session_id": r.get("session_id"),
            "question": r.get("question"),
            "norm": None if r.get("question") is None else key(r["question"]),
            "entry_id": r.get("entry_id"),
            "helpful": bool(r["helpful"]),
            "comment": r.get("comment"),
        }
        for r in _table_rows(src, "feedback")
    ]
    if asked:
        conn.execute(insert(questions), asked)
    if votes:
        conn.execute(insert(feedback), votes)
    return len(asked) + len(votes)
