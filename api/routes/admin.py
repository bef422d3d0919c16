"""Admin endpoints (``X-API-Key``): the gap report, handoff tickets, reindex."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from api.deps import AdminDep, BotDep
from api.errors import error_response
from api.metrics import REINDEX
from api.schemas import ErrorResponse

router = APIRouter(prefix="/v1/admin", tags=["admin"])

# one rebuild at a time per process; a second request is told so instead of queueing on a worker thread
_REINDEXING = threading.Lock()


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


@router.post(
    "/reindex",
    response_model=None,
    responses={
        409: {"model": ErrorResponse, "description": "a reindex is already running"},
        503: {"model": ErrorResponse, "description": "the configured corpus cannot be read (corpus_error)"},
    },
)
def reindex(_: AdminDep, bot: BotDep) -> dict[str, Any] | JSONResponse:
    """Rebuild the index aside from the configured corpus and swap to it; requests keep being served."""
    if not _REINDEXING.acquire(blocking=False):
        REINDEX.labels("busy").inc()
        return error_response(409, "conflict", "a reindex is already running; try again when it is done")
    try:
        result = bot.reindex()
    except Exception:
        REINDEX.labels("failed").inc()
        raise
    finally:
        _REINDEXING.release()
    REINDEX.labels("done").inc()
    return result
