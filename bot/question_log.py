"""The question log: what was asked, what was not answered, and the feedback votes on the answers."""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, func, insert, select, union_all

from bot.normalize import normalize
from bot.storage import Database
from bot.storage.models import feedback, questions

log = logging.getLogger("beian_bot")
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def question_key(question: str) -> str:
    """What two typings of one question share: normalised script, width, case and synonyms, without
    punctuation or spaces ("管局审核多久？" and "管局 审核多久" are one question)."""
    return _NOISE.sub("", normalize(question).text)


def iso(at: float | None) -> str | None:
    """A Unix time as ISO 8601 in UTC."""
    return None if at is None else datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


class QuestionLog:
    """Durable log of questions and feedback; question rows are written off the request path."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=100_000)
        self._writer = threading.Thread(target=self._drain, name="question-log", daemon=True)
        self._writer.start()

    def log_question(
        self, session_id: str, question: str, confident: bool, entry_id: str | None, title: str | None
    ) -> None:
        """Queue one asked question for the log."""
        row = {
            "at": time.time(),
            "session_id": session_id,
            "question": question,
            "confident": bool(confident),
            "entry_id": entry_id,
            "title": title,
        }
        # the log is advisory; answering must never wait on it
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(row)

    def _drain(self) -> None:
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
                for row in batch:
                    row["norm"] = question_key(row["question"])
                try:
                    with self.db.begin() as conn:
                        conn.execute(insert(questions), batch)
                except Exception:  # the database is away: the log loses this batch, answering goes on
                    log.exception("question log: %d rows not written", len(batch))
            for _ in range(len(batch) + (1 if item is None else 0)):
                self._queue.task_done()
            if item is None:
                return

    def flush(self) -> None:
        """Wait until every queued question is written."""
        if self._writer.is_alive():
            self._queue.join()

    def was_asked(self, session_id: str, question: str) -> bool:
        """Whether this question (typed any way) was really asked in this session."""
        self.flush()
        query = select(exists().where(questions.c.session_id == session_id, questions.c.norm == question_key(question)))
        with self.db.engine.connect() as conn:
            return bool(conn.execute(query).scalar())

    def add_feedback(
        self,
        session_id: str | None,
        question: str | None,
        entry_id: str | None,
        helpful: bool,
        comment: str | None,
    ) -> int:
        """Store one helpful / not helpful vote; returns its id."""
        row = {
            "at": time.time(),
            "session_id": session_id,
            "question": question,
            "norm": None if question is None else question_key(question),
            "entry_id": entry_id,
            "helpful": bool(helpful),
            "comment": comment,
        }
        with self.db.begin() as conn:
            return int(conn.execute(insert(feedback).values(**row).returning(feedback.c.id)).scalar_one())

    def unanswered(self, limit: int = 50, exclude: set[str] | None = None) -> list[dict[str, Any]]:
        """Declined and not-helpful questions that were really asked, one row per question however it was
        typed, most frequent first; ``exclude`` holds question keys already taken care of."""
        self.flush()
        exclude = exclude or set()
        declined = select(questions.c.norm, questions.c.question, questions.c.at, questions.c.session_id).where(
            questions.c.confident.is_(False)
        )
        asked = exists().where(
            and_(questions.c.session_id == feedback.c.session_id, questions.c.norm == feedback.c.norm)
        )
        unhelpful = select(feedback.c.norm, feedback.c.question, feedback.c.at, feedback.c.session_id).where(
            feedback.c.helpful.is_(False), feedback.c.norm.is_not(None), asked
        )
        both = union_all(declined, unhelpful).subquery()
        grouped = (
            select(both.c.norm, func.count().label("n"), func.max(both.c.at).label("last"))
            .where(both.c.norm != "")
            .group_by(both.c.norm)
            .order_by(func.count().desc(), func.max(both.c.at).desc())
            .limit(limit + len(exclude))
        )
        out: list[dict[str, Any]] = []
        with self.db.engine.connect() as conn:
            groups = [g for g in conn.execute(grouped).all() if g.norm not in exclude][:limit]
            for group in groups:
                # the latest typing stands for the group, with the session it came from
                latest = conn.execute(
                    select(both.c.question, both.c.session_id)
                    .where(both.c.norm == group.norm)
                    .order_by(both.c.at.desc())
                    .limit(1)
                ).first()
                assert latest is not None
                out.append(
                    {
                        "question": latest.question,
                        "count": int(group.n),
                        "last_asked": iso(group.last),
                        "sample_session": latest.session_id,
                    }
                )
        return out

    def report(self, limit: int = 20) -> dict[str, Any]:
        """Most-asked unanswered questions (declined or voted not helpful) and per-entry hit counts."""
        self.flush()
        unanswered = [{"question": u["question"], "count": u["count"]} for u in self.unanswered(limit)]
        with self.db.engine.connect() as conn:
            hits = conn.execute(
                select(questions.c.entry_id, func.max(questions.c.title).label("title"), func.count().label("n"))
                .where(questions.c.entry_id.is_not(None))
                .group_by(questions.c.entry_id)
                .order_by(func.count().desc())
                .limit(limit)
            ).all()
            votes: dict[bool, int] = dict(
                conn.execute(select(feedback.c.helpful, func.count()).group_by(feedback.c.helpful)).all()
            )
            total = conn.execute(select(func.count()).select_from(questions)).scalar_one()
            declined = conn.execute(
                select(func.count()).select_from(questions).where(questions.c.confident.is_(False))
            ).scalar_one()
        return {
            "questions": int(total or 0),
            "declined": int(declined or 0),
            "unanswered": unanswered,
            "entry_hits": [{"entry_id": r.entry_id, "title": r.title, "count": int(r.n)} for r in hits],
            "feedback": {"helpful": int(votes.get(True, 0)), "not_helpful": int(votes.get(False, 0))},
        }

    def close(self) -> None:
        """Write what is queued and stop the writer."""
        if self._writer.is_alive():
            self._queue.put(None)
            self._writer.join(timeout=10)
