"""Admin endpoints (``X-API-Key``): the gap report, handoff tickets, reindex."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.deps import AdminDep, BotDep

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.get("/report")
def report(_: AdminDep, bot: BotDep, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> dict[str, Any]:
    """Most-asked unanswered questions and per-entry hit counts."""
    return bot.report(limit)


@router.get("/handoff")
def list_tickets(_: AdminDep, bot: BotDep, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[dict[str, Any]]:
    """Newest handoff tickets with their transcripts."""
    return bot.tickets_list(limit)


@router.get("/handoff/{ticket_id}")
def get_ticket(
    _: AdminDep, bot: BotDep, ticket_id: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
) -> dict[str, Any]:
    """One ticket: what was asked and answered before the handoff."""
    return bot.ticket(ticket_id)


@router.post("/reindex")
def reindex(_: AdminDep, bot: BotDep) -> dict[str, Any]:
    """Rebuild the index aside from the configured corpus and swap to it; requests keep being served."""
    return bot.reindex()
