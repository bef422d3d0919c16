"""Admin endpoints (``X-API-Key``): the gap report, handoff tickets, reindex."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.deps import AdminDep, BotDep
from api.metrics import REINDEX
from api.schemas import ErrorResponse
from bot.errors import Conflict

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


@router.post(
    "/reindex",
    responses={
        409: {"model": ErrorResponse, "description": "a reindex is already running, or this one was cancelled"},
        422: {"model": ErrorResponse, "description": "the corpus is over the build limits (corpus_too_large)"},
        503: {
            "model": ErrorResponse,
            "description": "the configured corpus cannot be read (corpus_error), or the Chroma server is down or "
            "does not answer in time (unavailable)",
        },
    },
)
def reindex(_: AdminDep, bot: BotDep) -> dict[str, Any]:
    """Rebuild the index aside from the configured corpus and swap to it; requests keep being served."""
    try:
        result = bot.reindex()
    except Conflict as exc:
        REINDEX.labels("busy" if exc.code == "conflict" else "cancelled").inc()
        raise
    except Exception:
        REINDEX.labels("failed").inc()
        raise
    REINDEX.labels("done").inc()
    return result


@router.get("/reindex")
def reindex_status(_: AdminDep, bot: BotDep) -> dict[str, Any]:
    """Whether a reindex is running, its phase and progress (``done`` of ``total``), and how the last ended."""
    return bot.reindex_status()


@router.delete("/reindex", responses={404: {"model": ErrorResponse, "description": "no reindex is running"}})
def cancel_reindex(_: AdminDep, bot: BotDep) -> dict[str, Any]:
    """Cancel the running reindex at its next batch: the live index stays, nothing of the new one is kept."""
    return bot.cancel_reindex()
