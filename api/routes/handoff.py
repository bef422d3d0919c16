"""``POST /v1/handoff``: hand the conversation to a person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from api.deps import BotDep
from api.schemas import ErrorResponse, HandoffRequest, HandoffResponse

router = APIRouter(prefix="/v1", tags=["handoff"])


@router.post("/handoff", status_code=201, response_model=HandoffResponse, responses={404: {"model": ErrorResponse}})
def handoff(
    body: HandoffRequest,
    bot: BotDep,
    x_user_ref: Annotated[str | None, Header(max_length=200)] = None,
) -> HandoffResponse:
    """Record a ticket holding the conversation so far; a person picks it up from the admin API."""
    ticket = bot.handoff(body.session_id, note=body.note, contact=body.contact, user_ref=x_user_ref)
    return HandoffResponse.of(ticket)
