"""Conversation memory: bounded in number and age, one history per session id."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from bot.errors import Conflict, NotFound


@dataclass(frozen=True, slots=True)
class Turn:
    """One question and what the bot made of it.

    ``resolved`` is the head of the normalised question (what a follow-up borrows its topic from), not all of it;
    ``answer`` is shared with every other turn that got the same text (interned): a turn holds little more than
    its question. ``voted``: feedback on this answer was recorded.
    """

    question: str
    resolved: str
    answer: str
    entry_id: str | None
    confident: bool
    at: float = field(default_factory=time.time)
    voted: bool = False


class Conversations(Protocol):
    """What the bot needs of a conversation store: this process' memory or the shared database."""

    @property
    def degraded(self) -> bool:
        """True while the store answers from a fallback (the database is away)."""
        ...

    def new_id(self) -> str:
        """A fresh, unguessable session id."""
        ...

    def history(self, session_id: str) -> list[Turn]:
        """The turns of a live conversation, oldest first."""
        ...

    def append(self, session_id: str, turn: Turn) -> None:
        """Record a turn."""
        ...

    def vote(self, session_id: str, question: str | None) -> Turn:
        """Mark the turn a vote is about as voted on (see :meth:`SessionStore.vote`)."""
        ...

    def __len__(self) -> int:
        """Conversations held in this process' memory."""
        ...


@dataclass
class _Session:
    turns: list[Turn]
    touched: float


class SessionStore:
    """An LRU of sessions with a time-to-live: memory stays flat however many users come and go."""

    degraded = False  # never: nothing here depends on the database

    def __init__(
        self, max_sessions: int, ttl: float, max_turns: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_sessions = max_sessions
        self.ttl = ttl
        self.max_turns = max_turns
        self._clock = clock
        self._data: OrderedDict[str, _Session] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def new_id() -> str:
        """A fresh, unguessable session id."""
        return secrets.token_urlsafe(16)

    def history(self, session_id: str) -> list[Turn]:
        """The turns of a live session, oldest first; empty for an unknown or expired one."""
        now = self._clock()
        with self._lock:
            session = self._data.get(session_id)
            if session is None:
                return []
            if now - session.touched > self.ttl:
                del self._data[session_id]
                return []
            return list(session.turns)

    def append(self, session_id: str, turn: Turn) -> None:
        """Record a turn, evicting the least recently used sessions past the bound."""
        now = self._clock()
        with self._lock:
            session = self._data.pop(session_id, None)
            if session is None or now - session.touched > self.ttl:
                session = _Session([], now)
            session.turns = [*session.turns, turn][-self.max_turns :]
            session.touched = now
            self._data[session_id] = session
            while len(self._data) > self.max_sessions:
                self._data.popitem(last=False)
            self._expire(now)

    def vote(self, session_id: str, question: str | None) -> Turn:
        """Mark the turn a vote is about as voted on, and return it: the latest one asking ``question`` not yet
        voted on (the latest turn when ``question`` is None).

        :class:`NotFound` when the session is unknown or expired, or never asked that question;
        :class:`Conflict` when every such turn already has its vote.
        """
        now = self._clock()
        with self._lock:
            session = self._data.get(session_id)
            if session is None or now - session.touched > self.ttl:
                raise NotFound("no conversation for this session_id (it may have expired)")
            asked = [i for i, t in enumerate(session.turns) if question is None or t.question == question]
            if not asked:
                raise NotFound("this question was not asked in this conversation")
            if question is None:
                asked = asked[-1:]
            open_turns = [i for i in asked if not session.turns[i].voted]
            if not open_turns:
                raise Conflict("feedback on this answer was already recorded")
            turn = replace(session.turns[open_turns[-1]], voted=True)
            session.turns[open_turns[-1]] = turn
            return turn

    def _expire(self, now: float) -> None:
        # the oldest sit first: stop at the first live one
        while self._data:
            key, session = next(iter(self._data.items()))
            if now - session.touched <= self.ttl:
                break
            del self._data[key]

    def __len__(self) -> int:
        return len(self._data)
