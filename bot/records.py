"""What conversations leave behind: handoff tickets for a person, feedback votes and the question log."""

from __future__ import annotations

from collections.abc import Callable

from bot.answers import Answer
from bot.errors import NotFound
from bot.handoff import HandoffStore
from bot.question_log import QuestionLog
from bot.sessions import SessionStore


class Records:
    """The ticket store and the question log, either of which may be absent (not configured)."""

    def __init__(self, question_log: QuestionLog | None, tickets: HandoffStore | None) -> None:
        self.question_log = question_log
        self.tickets = tickets

    def log(self, session_id: str, question: str, answer: Answer, entry_id: str | None, title: str | None) -> None:
        """Note an asked question (off the request path) with the entry that answered it, if any."""
        if self.question_log is not None:
            self.question_log.log_question(session_id, question, answer.confident, entry_id, title)

    def handoff(
        self,
        sessions: SessionStore,
        session_id: str,
        note: str | None = None,
        contact: str | None = None,
        user_ref: str | None = None,
    ) -> dict[str, object]:
        """Open a ticket for a person, carrying the conversation so far."""
        if self.tickets is None:
            raise NotFound("handoff is not configured")
        turns = sessions.history(session_id)
        if not turns:
            raise NotFound("no conversation for this session_id (it may have expired)")
        return self.tickets.create(session_id, turns, note=note, contact=contact, user_ref=user_ref)

    def ticket(self, ticket_id: str) -> dict[str, object]:
        """One handoff ticket with its transcript."""
        if self.tickets is None:
            raise NotFound("handoff is not configured")
        return self.tickets.get(ticket_id)

    def tickets_list(self, limit: int = 50) -> list[dict[str, object]]:
        """The newest handoff tickets."""
        return [] if self.tickets is None else self.tickets.list(limit)

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

    def report(self, limit: int = 20) -> dict[str, object]:
        """What was asked and not answered, and which entries answer most."""
        if self.question_log is None:
            return {"questions": 0, "declined": 0, "unanswered": [], "entry_hits": [], "feedback": {}}
        return self.question_log.report(limit)

    def close(self) -> None:
        """Flush the question log and close both stores."""
        if self.question_log is not None:
            self.question_log.close()
        if self.tickets is not None:
            self.tickets.close()
