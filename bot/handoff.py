"""Handoff to a person: a ticket holding the conversation so far."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot.db import Database
from bot.errors import NotFound
from bot.sessions import Turn

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY,
    at REAL NOT NULL,
    session_id TEXT NOT NULL,
    note TEXT,
    contact TEXT,
    user_ref TEXT,
    transcript TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
);
CREATE INDEX IF NOT EXISTS tickets_at ON tickets(at);
"""


class HandoffStore:
    """Tickets in SQLite (WAL): a person picking one up sees what was asked and answered."""

    def __init__(self, data_dir: str | Path) -> None:
        self.db = Database(Path(data_dir) / "handoff.sqlite3", SCHEMA)

    def create(
        self,
        session_id: str,
        turns: list[Turn],
        note: str | None = None,
        contact: str | None = None,
        user_ref: str | None = None,
    ) -> dict[str, Any]:
        """Record a ticket with the transcript; returns it."""
        ticket_id = f"T{time.strftime('%Y%m%d')}-{secrets.token_hex(4)}"
        transcript = [asdict(t) for t in turns]
        with self.db.connect() as conn:
            conn.execute(
                "INSERT INTO tickets(id, at, session_id, note, contact, user_ref, transcript) VALUES (?,?,?,?,?,?,?)",
                (
                    ticket_id,
                    time.time(),
                    session_id,
                    note,
                    contact,
                    user_ref,
                    json.dumps(transcript, ensure_ascii=False),
                ),
            )
        return self.get(ticket_id)

    def get(self, ticket_id: str) -> dict[str, Any]:
        """One ticket with its transcript."""
        row = self.db.connect().execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        if row is None:
            raise NotFound(f"no ticket {ticket_id!r}")
        return _row(row)

    def list(self, limit: int = 50) -> list[dict[str, Any]]:
        """Newest tickets first."""
        rows = self.db.connect().execute("SELECT * FROM tickets ORDER BY at DESC LIMIT ?", (limit,)).fetchall()
        return [_row(r) for r in rows]

    def close(self) -> None:
        """Close the database."""
        self.db.close()


def _row(row: Any) -> dict[str, Any]:
    data = dict(row)
    data["transcript"] = json.loads(data["transcript"])
    return data
