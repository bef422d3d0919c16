"""The ticket queue (agents' ``X-API-Key``): list by status, read, claim, close."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api.deps import AgentDep, BotDep
from api.schemas import ErrorResponse
from api.schemas_admin import TicketClose, TicketOut

router = APIRouter(
    prefix="/v1/admin/handoff",
    tags=["tickets"],
    responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}},
)

TicketId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.get("", response_model=list[TicketOut])
def list_tickets(
    _: AgentDep,
    bot: BotDep,
    status: Annotated[Literal["open", "claimed", "closed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    """Newest tickets with their transcripts, optionally in one status."""
    return bot.tickets_list(limit, status)


@router.get("/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: TicketId, _: AgentDep, bot: BotDep) -> dict[str, Any]:
    """One ticket: what was asked and answered before the handoff."""
    return bot.ticket(ticket_id)


@router.post("/{ticket_id}/claim", response_model=TicketOut, responses={409: {"model": ErrorResponse}})
def claim(ticket_id: TicketId, actor: AgentDep, bot: BotDep) -> dict[str, Any]:
    """Take an open ticket (409 when someone else has it or it is closed)."""
    return bot.records.claim(actor, ticket_id)


@router.post("/{ticket_id}/close", response_model=TicketOut, responses={409: {"model": ErrorResponse}})
def close(ticket_id: TicketId, actor: AgentDep, bot: BotDep, body: TicketClose | None = None) -> dict[str, Any]:
    """Close an open or claimed ticket, with an optional resolution (409 when already closed)."""
    return bot.records.close_ticket(actor, ticket_id, body.resolution if body else None)
