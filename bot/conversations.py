"""Conversation memory in the shared database, so a follow-up may land on any replica.

Bounded like the in-memory store (turns per conversation, age, number of conversations). While the database
is away, each replica falls back to the conversations it saw itself and writes their new turns once the
database is back: answering never waits on it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, fields
from typing import Any

from sqlalchemy import Connection, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.config import Settings
from bot.errors import Unavailable
from bot.sessions import Conversations, SessionStore, Turn
from bot.storage import Database
from bot.storage.models import conversations

log = logging.getLogger("beian_bot.conversations")
# after a failure the database is left alone this long: a request does not pay for a refused connection
RETRY_AFTER = 2.0
# conversations past the bounds (age, number) are deleted at most this often per replica
PRUNE_EVERY = 30.0
_TURN_FIELDS = {f.name for f in fields(Turn)}


class DatabaseSessionStore:
    """Conversations in the ``conversations`` table: one row per session, its last ``max_turns`` turns."""

    def __init__(
        self,
        db: Database,
        max_sessions: int,
        ttl: float,
        max_turns: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.max_sessions = max_sessions
        self.ttl = ttl
        self.max_turns = max_turns
        self._clock = clock
        # what this replica saw: the fallback while the database is away
        self.local = SessionStore(max_sessions, ttl, max_turns, clock=clock)
        self._pending: OrderedDict[str, list[Turn]] = OrderedDict()
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._pruned = 0.0

    new_id = staticmethod(SessionStore.new_id)

    @property
    def degraded(self) -> bool:
        """True while the database was found away in the last few seconds."""
        return time.monotonic() < self._down_until

    def history(self, session_id: str) -> list[Turn]:
        """The turns of a live conversation, oldest first, whichever replica recorded them; empty for an
        unknown or expired one. From this replica's memory while the database is away."""
        if not self.degraded:
            try:
                # one statement, no transaction around it: the fewest round trips on the request path
                with self.db.autocommit.connect() as conn:
                    row = conn.execute(
                        select(conversations.c.turns, conversations.c.updated_at).where(
                            conversations.c.session_id == session_id
                        )
                    ).first()
                turns = [] if row is None or self._expired(row.updated_at) else _turns(row.turns)
                with self._lock:
                    pending = list(self._pending.get(session_id, ()))
                return [*turns, *pending][-self.max_turns :]
            except Unavailable:
                self._trip()
        return self.local.history(session_id)

    def append(self, session_id: str, turn: Turn) -> None:
        """Record a turn; kept here and written later when the database is away."""
        self.local.append(session_id, turn)
        with self._lock:
            waiting = self._pending.pop(session_id, [])
            batch = [*waiting, turn][-self.max_turns :]
        if not self.degraded:
            try:
                self._write(session_id, batch)
            except Unavailable:
                self._trip()
            else:
                try:
                    self._flush_pending()
                    self._prune()
                except Unavailable:
                    self._trip()
                return
        with self._lock:
            self._pending[session_id] = batch
            while len(self._pending) > self.max_sessions:
                self._pending.popitem(last=False)

    def vote(self, session_id: str, question: str | None) -> Turn:
        """Mark the turn a vote is about as voted on, among the turns this replica answered.

        A question asked through another replica raises :class:`NotFound` here; the caller checks the shared
        question log instead (one vote per answer is kept by the replica that gave it).
        """
        return self.local.vote(session_id, question)

    def _write(self, session_id: str, turns: list[Turn]) -> None:
        now = self._clock()
        if not self.db.is_sqlite:
            # one upsert that appends and trims in the server: atomic (the row is locked while it is updated, so
            # replicas appending to one conversation at once take turns) and a single round trip
            with self.db.autocommit.connect() as conn:
                conn.execute(
                    _PG_APPEND,
                    {
                        "session_id": session_id,
                        "turns": json.dumps([asdict(t) for t in turns], ensure_ascii=False),
                        "now": now,
                        "cutoff": now - self.ttl,
                        "max_turns": self.max_turns,
                    },
                )
            return
        with self.db.begin() as conn:
            # the row exists (and is locked on PostgreSQL) before it is read: two replicas appending to one
            # conversation at once take turns instead of overwriting each other
            conn.execute(_insert_ignore(conn).values(session_id=session_id, turns=[], created_at=now, updated_at=now))
            row = conn.execute(
                select(conversations.c.turns, conversations.c.updated_at, conversations.c.created_at)
                .where(conversations.c.session_id == session_id)
                .with_for_update()
            ).one()
            kept = [] if self._expired(row.updated_at, now) else _turns(row.turns)
            merged = [*kept, *turns][-self.max_turns :]
            values: dict[str, Any] = {"turns": [asdict(t) for t in merged], "updated_at": now}
            if not kept:
                values["created_at"] = now
            conn.execute(update(conversations).where(conversations.c.session_id == session_id).values(**values))

    def _flush_pending(self) -> None:
        """Write the turns kept while the database was away (it answers again)."""
        with self._lock:
            if not self._pending:
                return
            waiting = list(self._pending.items())
            self._pending.clear()
        for n, (session_id, turns) in enumerate(waiting):
            try:
                self._write(session_id, turns)
            except Unavailable:
                with self._lock:
                    for sid, kept in waiting[n:]:
                        self._pending.setdefault(sid, kept)
                raise
        log.info("conversation turns kept during a database outage written", extra={"sessions": len(waiting)})

    def _prune(self) -> None:
        """Delete expired conversations and the oldest past ``max_sessions`` (at most every PRUNE_EVERY s)."""
        now = self._clock()
        if now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        with self.db.begin() as conn:
            conn.execute(delete(conversations).where(conversations.c.updated_at < now - self.ttl))
            cutoff = conn.execute(
                select(conversations.c.updated_at)
                .order_by(conversations.c.updated_at.desc())
                .offset(self.max_sessions)
                .limit(1)
            ).scalar()
            if cutoff is not None:
                conn.execute(delete(conversations).where(conversations.c.updated_at <= cutoff))

    def prune(self) -> None:
        """Apply the age and number bounds now."""
        self._pruned = 0.0
        self._prune()

    def count(self) -> int:
        """Conversations stored (live or not yet pruned)."""
        with self.db.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(conversations)).scalar_one())

    def _expired(self, updated_at: float, now: float | None = None) -> bool:
        return (self._clock() if now is None else now) - float(updated_at) > self.ttl

    def _trip(self) -> None:
        if not self.degraded:
            log.warning("database unavailable: conversations fall back to this replica's memory")
        self._down_until = time.monotonic() + RETRY_AFTER

    def __len__(self) -> int:
        """Conversations this replica holds in memory (its fallback)."""
        return len(self.local)


# Append the new turns to a live conversation's (a conversation idle past the time-to-live starts afresh) and
# keep the last :max_turns, in order.
_PG_APPEND = text(
    """
    INSERT INTO conversations AS c (session_id, turns, created_at, updated_at)
    VALUES (:session_id, CAST(:turns AS json), :now, :now)
    ON CONFLICT (session_id) DO UPDATE SET
        turns = CASE WHEN c.updated_at < :cutoff THEN excluded.turns ELSE (
            SELECT coalesce(json_agg(last.e ORDER BY last.n), '[]'::json) FROM (
                SELECT e, n FROM (
                    SELECT e, n FROM json_array_elements(c.turns) WITH ORDINALITY AS old(e, n)
                    UNION ALL
                    SELECT e, n + 1000000 FROM json_array_elements(excluded.turns) WITH ORDINALITY AS new(e, n)
                ) AS both_ ORDER BY n DESC LIMIT :max_turns
            ) AS last
        ) END,
        created_at = CASE WHEN c.updated_at < :cutoff THEN excluded.created_at ELSE c.created_at END,
        updated_at = excluded.updated_at
    """
)


def _turns(raw: list[dict[str, Any]] | None) -> list[Turn]:
    return [Turn(**{k: v for k, v in t.items() if k in _TURN_FIELDS}) for t in raw or ()]


def _insert_ignore(conn: Connection) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the connection's dialect (PostgreSQL or SQLite)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(conversations).on_conflict_do_nothing(index_elements=["session_id"])


def open_sessions(settings: Settings, db: Database | None) -> Conversations:
    """Conversation memory: in the database (shared by replicas; the default with PostgreSQL), or in this
    process (the default with SQLite)."""
    bounds = (settings.session_max, settings.session_ttl, settings.session_turns)
    choice = settings.session_store
    if db is not None and (choice == "database" or (choice == "auto" and not db.is_sqlite)):
        return DatabaseSessionStore(db, *bounds)
    return SessionStore(*bounds)
