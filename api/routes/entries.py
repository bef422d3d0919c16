"""``GET /v1/entries`` and ``GET /v1/entries/{id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import BotDep
from api.schemas import EntryId, EntryOut, ErrorResponse
from bot.contract import Kind

router = APIRouter(prefix="/v1", tags=["entries"])


@router.get("/entries", response_model=list[EntryOut])
def list_entries(
    bot: BotDep,
    kind: Annotated[Kind | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
) -> list[EntryOut]:
    """Every help entry, optionally filtered by kind or category."""
    return [EntryOut.of(e) for e in bot.entries(kind=kind, category=category)]


@router.get("/entries/{entry_id}", response_model=EntryOut, responses={404: {"model": ErrorResponse}})
def get_entry(entry_id: EntryId, bot: BotDep) -> EntryOut:
    """One help entry."""
    return EntryOut.of(bot.entry(entry_id))
