"""The question log: what was asked, what was not answered, and the feedback votes on the answers."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from pathlib import Path
from typing import Any

from bot.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    session_id TEXT NOT NULL,
    question TEXT NOT NULL,
    confident INTEGER NOT NULL,
    entry_id TEXT,
    title TEXT
);
CREATE INDEX IF NOT EXISTS questions_confident ON questions(confident);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    session_id TEXT,
    question TEXT,
    entry_id TEXT,
    helpful INTEGER NOT NULL,
    comment TEXT
);
"""


class QuestionLog:
    """Durable log of questions and feedback (SQLite, WAL); question rows are written off the request path."""

    def __init__(self, data_dir: str | Path) -> None:
        self.db = Database(Path(data_dir) / "feedback.sqlite3", SCHEMA)
        self._queue: queue.Queue[tuple[Any, ...] | None] = queue.Queue(maxsize=100_000)
        self._writer = threading.Thread(target=self._drain, name="question-log", daemon=True)
        self._writer.start()

    def log_question(
        self, session_id: str, question: str, confident: bool, entry_id: str | None, title: str | None
    ) -> None:
        """Queue one asked question for the log."""
        # the log is advisory; answering must never wait on it
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait((time.time(), session_id, question, int(confident), entry_id, title))

    def _drain(self) -> None:
        conn = self.db.connect()
        while True:
            item = self._queue.get()
            batch = [] if item is None else [item]
            while item is not None and len(batch) < 500:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    batch.append(item)
            if batch:
                with conn:
                    conn.executemany(
                        "INSERT INTO questions(at, session_id, question, confident, entry_id, title)"
                        " VALUES (?,?,?,?,?,?)",
                        batch,
                    )
            for _ in range(len(batch) + (1 if item is None else 0)):
                self._queue.task_done()
            if item is None:
                return

    def flush(self) -> None:
        """Wait until every queued question is written."""
        self._queue.join()

    def add_feedback(
        self,
        session_id: str | None,
        question: str | None,
        entry_id: str | None,
        helpful: bool,
        comment: str | None,
    ) -> int:
        """Store one helpful / not helpful vote; returns its id."""
        with self.db.connect() as conn:
            cur = conn.execute(
                "INSERT INTO feedback(at, session_id, question, entry_id, helpful, comment) VALUES (?,?,?,?,?,?)",
                (time.time(), session_id, question, entry_id, int(helpful), comment),
            )
            return int(cur.lastrowid or 0)

    def report(self, limit: int = 20) -> dict[str, Any]:
        """Most-asked unanswered questions (declined or voted not helpful) and per-entry hit counts."""
        self.flush()
        conn = self.db.connect()
        unanswered = conn.execute(
            """
            SELECT question, COUNT(*) AS count, MAX(at) AS last FROM (
                SELECT question, at FROM questions WHERE confident = 0
                UNION ALL
                SELECT question, at FROM feedback WHERE helpful = 0 AND question IS NOT NULL
            ) GROUP BY question ORDER BY count DESC, last DESC LIMIT ?
            """,
            (limit,),
        ).fetchall()
        hits = conn.execute(
            "SELECT entry_id, MAX(title) AS title, COUNT(*) AS count FROM questions WHERE entry_id IS NOT NULL"
            " GROUP BY entry_id ORDER BY count DESC LIMIT ?",
            (limit,),
        ).fetchall()
        votes = conn.execute("SELECT helpful, COUNT(*) AS count FROM feedback GROUP BY helpful").fetchall()
        totals = conn.execute("SELECT COUNT(*), SUM(confident = 0) FROM questions").fetchone()
        by_vote = {int(r["helpful"]): int(r["count"]) for r in votes}
        return {
            "questions": int(totals[0] or 0),
            "declined": int(totals[1] or 0),
            "unanswered": [{"question": r["question"], "count": r["count"]} for r in unanswered],
            "entry_hits": [{"entry_id": r["entry_id"], "title": r["title"], "count": r["count"]} for r in hits],
            "feedback": {"helpful": by_vote.get(1, 0), "not_helpful": by_vote.get(0, 0)},
        }

    def close(self) -> None:
        """Write what is queued, stop the writer, close the file."""
        if self._writer.is_alive():
            self._queue.put(None)
            self._writer.join(timeout=10)
        self.db.close()
