"""``GET /v1/entries`` and ``GET /v1/entries/{id}``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.deps import BotDep
from api.schemas import EntryOut, ErrorResponse
from bot.answers import help_url
from corpus import Entry
from corpus.models import ENTRY_ID_MAX, ENTRY_ID_PATTERN
from corpus.validate import is_web_url

router = APIRouter(prefix="/v1", tags=["entries"])

EntryId = Annotated[str, Path(max_length=ENTRY_ID_MAX, pattern=ENTRY_ID_PATTERN)]


def entry_out(entry: Entry) -> EntryOut:
    """The contract's entry JSON."""
    return EntryOut(
        id=entry.id,
        title=entry.title,
        kind=entry.kind,
        category=entry.category,
        text=entry.text,
        steps=list(entry.steps),
        url=help_url(entry.id),
        source_url=entry.source_url if entry.source_url and is_web_url(entry.source_url) else None,
    )


@router.get("/entries", response_model=list[EntryOut])
def list_entries(
    bot: BotDep,
    kind: Annotated[Literal["faq", "rejection", "troubleshooting"] | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
) -> list[EntryOut]:
    """Every help entry, optionally filtered by kind or category."""
    return [entry_out(e) for e in bot.entries(kind=kind, category=category)]


@router.get("/entries/{entry_id}", response_model=EntryOut, responses={404: {"model": ErrorResponse}})
def get_entry(entry_id: EntryId, bot: BotDep) -> EntryOut:
    """One help entry."""
    return entry_out(bot.entry(entry_id))
