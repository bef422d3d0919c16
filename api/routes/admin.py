"""Admin endpoints (``X-API-Key``): the gap report, reindex, keys and webhook deliveries."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from api.deps import AdminDep, AgentDep, BotDep
from api.errors import error_response
from api.metrics import REINDEX
from api.schemas import ErrorResponse
from api.schemas_admin import DeliveryOut, KeyCreate, KeyCreated, KeyOut, WhoAmI

router = APIRouter(
    prefix="/v1/admin",
    tags=["admin"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)

# one rebuild at a time per process; a second request is told so instead of queueing on a worker thread
_REINDEXING = threading.Lock()


@router.get("/whoami", response_model=WhoAmI)
def whoami(actor: AgentDep) -> WhoAmI:
    """The name and role of the key sent (the agents' page signs in with it)."""
    return WhoAmI.model_validate({"name": actor.name, "role": actor.role})


@router.get("/report")
def report(_: AgentDep, bot: BotDep, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> dict[str, Any]:
    """Most-asked unanswered questions and per-entry hit counts."""
    return bot.report(limit)


@router.post(
    "/reindex",
    response_model=None,
    responses={
        409: {"model": ErrorResponse, "description": "a reindex is already running"},
        503: {"model": ErrorResponse, "description": "the configured corpus cannot be read (corpus_error)"},
    },
)
def reindex(_: AdminDep, bot: BotDep) -> dict[str, Any] | JSONResponse:
    """Rebuild the index aside from the configured corpus (and curation) and swap to it; requests keep being
    served."""
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


@router.get("/keys", response_model=list[KeyOut])
def list_keys(_: AdminDep, bot: BotDep) -> list[dict[str, Any]]:
    """Every key made with ``beian-bot keys`` or here, newest first (never the keys themselves)."""
    return bot.key_store.list()


@router.post("/keys", status_code=201, response_model=KeyCreated)
def create_key(body: KeyCreate, _: AdminDep, bot: BotDep) -> dict[str, Any]:
    """A new key for an agent or admin; ``key`` is in this response only."""
    key, row = bot.key_store.create(body.role, body.name)
    return {**row, "key": key}


@router.delete("/keys/{key_id}", response_model=KeyOut, responses={404: {"model": ErrorResponse}})
def revoke_key(
    key_id: Annotated[str, Path(max_length=32, pattern=r"^[0-9a-f]+$")], _: AdminDep, bot: BotDep
) -> dict[str, Any]:
    """Revoke a key: it stops working at once."""
    return bot.key_store.revoke(key_id)


@router.get("/deliveries", response_model=list[DeliveryOut])
def deliveries(
    _: AdminDep,
    bot: BotDep,
    delivered: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Tickets' webhook deliveries, oldest first; ``delivered=false``: what the helpdesk has not accepted yet."""
    return bot.records.deliveries(delivered, limit)
