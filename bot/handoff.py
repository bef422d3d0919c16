"""Handoff to a person: a ticket holding the conversation so far, worked open -> claimed -> closed."""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict
from typing import Any

from sqlalchemy import insert, select, update

from bot.errors import Conflict, InvalidInput, NotFound
from bot.sessions import Turn
from bot.storage import Database
from bot.storage.models import outbox, tickets

STATUSES = ("open", "claimed", "closed")
MAX_RESOLUTION = 2000


class HandoffStore:
    """Tickets in the database; with a webhook, each new ticket also enters the outbox in the same transaction."""

    def __init__(self, db: Database, webhook: str | None = None) -> None:
        self.db = db
        self.webhook = webhook or None

    def create(
        self,
        session_id: str,
        turns: list[Turn],
        note: str | None = None,
        contact: str | None = None,
        user_ref: str | None = None,
    ) -> dict[str, Any]:
        """Record a ticket with the transcript (and queue its webhook delivery); returns it."""
        ticket_id = f"T{time.strftime('%Y%m%d')}-{secrets.token_hex(4)}"
        now = time.time()
        row = {
            "id": ticket_id,
            "at": now,
            "session_id": session_id,
            "note": note,
            "contact": contact,
            "user_ref": user_ref,
            "transcript": [asdict(t) for t in turns],
            "status": "open",
        }
        with self.db.begin() as conn:
            conn.execute(insert(tickets).values(**row))
            if self.webhook:
                payload = {"event": "ticket.created", "ticket": _public(row)}
                conn.execute(
                    insert(outbox).values(
                        ticket_id=ticket_id, url=self.webhook, payload=payload, created_at=now, next_at=now
                    )
                )
        return self.get(ticket_id)

    def get(self, ticket_id: str) -> dict[str, Any]:
        """One ticket with its transcript."""
        with self.db.engine.connect() as conn:
            row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).mappings().first()
        if row is None:
            raise NotFound(f"no ticket {ticket_id!r}")
        return _public(dict(row))

    def list(self, limit: int = 50, status: str | None = None) -> list[dict[str, Any]]:
        """Newest tickets first, optionally only those in one status."""
        query = select(tickets).order_by(tickets.c.at.desc()).limit(limit)
        if status is not None:
            if status not in STATUSES:
                raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
            query = query.where(tickets.c.status == status)
        with self.db.engine.connect() as conn:
            return [_public(dict(r)) for r in conn.execute(query).mappings()]

    def claim(self, ticket_id: str, actor: str) -> dict[str, Any]:
        """An agent takes an open ticket; claiming one someone else holds, or a closed one, is a conflict."""
        with self.db.begin() as conn:
            done = conn.execute(
                update(tickets)
                .where(tickets.c.id == ticket_id, tickets.c.status == "open")
                .values(status="claimed", claimed_by=actor, claimed_at=time.time())
            ).rowcount
        if not done:
            ticket = self.get(ticket_id)  # NotFound when there is no such ticket
            if not (ticket["status"] == "claimed" and ticket["claimed_by"] == actor):
                raise Conflict(f"ticket {ticket_id} is {ticket['status']}, not open")
        return self.get(ticket_id)

    def close(self, ticket_id: str, actor: str, resolution: str | None = None) -> dict[str, Any]:
        """Close an open or claimed ticket with an optional resolution."""
        if resolution is not None and len(resolution) > MAX_RESOLUTION:
            raise InvalidInput(f"resolution must be at most {MAX_RESOLUTION} characters")
        with self.db.begin() as conn:
            done = conn.execute(
                update(tickets)
                .where(tickets.c.id == ticket_id, tickets.c.status.in_(("open", "claimed")))
                .values(status="closed", closed_by=actor, closed_at=time.time(), resolution=resolution)
            ).rowcount
        if not done:
            ticket = self.get(ticket_id)
            raise Conflict(f"ticket {ticket_id} is already {ticket['status']}")
        return self.get(ticket_id)


def _public(row: dict[str, Any]) -> dict[str, Any]:
    data = {k: row.get(k) for k in (c.name for c in tickets.columns)}
    data["transcript"] = list(row.get("transcript") or [])
    return data
