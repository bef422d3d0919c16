"""What conversations leave behind: handoff tickets for a person (and their webhook deliveries), feedback votes
and the question log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.answers import Answer
from bot.errors import NotFound
from bot.handoff import HandoffStore
from bot.keys import Actor
from bot.outbox import Outbox
from bot.question_log import QuestionLog, question_key
from bot.sessions import SessionStore


class Records:
    """The ticket store, the outbox and the question log, any of which may be absent (not configured)."""

    def __init__(
        self, question_log: QuestionLog | None, tickets: HandoffStore | None, outbox: Outbox | None = None
    ) -> None:
        self.question_log = question_log
        self.tickets = tickets
        self.outbox = outbox

    def log(self, session_id: str, question: str, answer: Answer, entry_id: str | None, title: str | None) -> None:
        """Note an asked question (off the request path) with the entry that answered it, if any."""
        if self.question_log is not None:
            self.question_log.log_question(session_id, question, answer.confident, entry_id, title)

    def _tickets(self) -> HandoffStore:
        if self.tickets is None:
            raise NotFound("handoff is not configured")
        return self.tickets

    def handoff(
        self,
        sessions: SessionStore,
        session_id: str,
        note: str | None = None,
        contact: str | None = None,
        user_ref: str | None = None,
    ) -> dict[str, Any]:
        """Open a ticket for a person, carrying the conversation so far (and send it to the webhook, if set)."""
        tickets = self._tickets()
        turns = sessions.history(session_id)
        if not turns:
            raise NotFound("no conversation for this session_id (it may have expired)")
        ticket = tickets.create(session_id, turns, note=note, contact=contact, user_ref=user_ref)
        if self.outbox is not None:
            self.outbox.wake()
        return ticket

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        """One handoff ticket with its transcript."""
        return self._tickets().get(ticket_id)

    def tickets_list(self, limit: int = 50, status: str | None = None) -> list[dict[str, Any]]:
        """The newest handoff tickets, optionally in one status."""
        return [] if self.tickets is None else self.tickets.list(limit, status)

    def claim(self, actor: Actor, ticket_id: str) -> dict[str, Any]:
        """Take an open ticket."""
        return self._tickets().claim(ticket_id, actor.name)

    def close_ticket(self, actor: Actor, ticket_id: str, resolution: str | None = None) -> dict[str, Any]:
        """Close a ticket with an optional resolution."""
        return self._tickets().close(ticket_id, actor.name, resolution)

    def deliveries(self, delivered: bool | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Webhook deliveries (``delivered=False``: not accepted yet)."""
        return [] if self.outbox is None else self.outbox.list(delivered, limit)

    def feedback(
        self,
        known_entry: Callable[[str], bool],
        helpful: bool,
        session_id: str | None = None,
        question: str | None = None,
        entry_id: str | None = None,
        comment: str | None = None,
    ) -> int:
        """Record whether an answer helped; the entry, if named, must exist."""
        if self.question_log is None:
            raise NotFound("feedback is not configured")
        if entry_id is not None and not known_entry(entry_id):
            raise NotFound(f"no entry with id {entry_id!r}")
        return self.question_log.add_feedback(session_id, question, entry_id, helpful, comment)

    def was_asked(self, session_id: str, question: str) -> bool:
        """Whether this question (typed any way) was really asked in this session."""
        return self.question_log is not None and self.question_log.was_asked(session_id, question)

    def unanswered(self, attached: list[str], limit: int = 50) -> list[dict[str, Any]]:
        """Declined and not-helpful questions really asked, grouped, most frequent first; those ``attached`` to
        a live entry as similar questions have their answer and drop out."""
        if self.question_log is None:
            return []
        return self.question_log.unanswered(limit, exclude={question_key(q) for q in attached})

    def report(self, limit: int = 20) -> dict[str, object]:
        """What was asked and not answered, and which entries answer most."""
        if self.question_log is None:
            return {"questions": 0, "declined": 0, "unanswered": [], "entry_hits": [], "feedback": {}}
        return self.question_log.report(limit)

    def close(self) -> None:
        """Flush the question log and stop deliveries (undelivered rows wait in the database)."""
        if self.outbox is not None:
            self.outbox.stop()
        if self.question_log is not None:
            self.question_log.close()
