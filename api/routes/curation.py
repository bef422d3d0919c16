"""Curation (agents' ``X-API-Key``): entries over the help files, similar questions, the change log, and the
questions nobody answered yet."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.deps import AgentDep, BotDep
from api.schemas import ErrorResponse
from api.schemas_admin import AdminEntryOut, ChangeOut, EntryCreate, EntryPatch, QuestionAdd, UnansweredOut
from api.urls import help_url

router = APIRouter(
    prefix="/v1/admin",
    tags=["curation"],
    responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)

EntryId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


def entry_out(state: dict[str, Any]) -> AdminEntryOut:
    """The entry JSON with its similar questions."""
    return AdminEntryOut(**{k: state[k] for k in AdminEntryOut.model_fields if k != "url"}, url=help_url(state["id"]))


@router.post("/entries", status_code=201, response_model=AdminEntryOut)
def create_entry(body: EntryCreate, actor: AgentDep, bot: BotDep) -> AdminEntryOut:
    """Write a new entry; it answers within seconds, with no restart."""
    return entry_out(bot.curation.create(actor, body.model_dump(exclude_none=True)))


@router.get("/entries/{entry_id}", response_model=AdminEntryOut)
def get_entry(entry_id: EntryId, _: AgentDep, bot: BotDep) -> AdminEntryOut:
    """An entry as curation has it now (the index follows within seconds)."""
    return entry_out(bot.curation.store.current(entry_id))


@router.patch("/entries/{entry_id}", response_model=AdminEntryOut)
def update_entry(entry_id: EntryId, body: EntryPatch, actor: AgentDep, bot: BotDep) -> AdminEntryOut:
    """Edit an entry, a help-file entry too: the overlay wins, the file stays as it is."""
    return entry_out(bot.curation.update(actor, entry_id, body.fields()))


@router.delete("/entries/{entry_id}", response_model=AdminEntryOut)
def retire_entry(entry_id: EntryId, actor: AgentDep, bot: BotDep) -> AdminEntryOut:
    """Retire an entry: it stops answering. Returns the entry as it was."""
    return entry_out(bot.curation.retire(actor, entry_id))


@router.post("/entries/{entry_id}/questions", status_code=201, response_model=AdminEntryOut)
def add_question(entry_id: EntryId, body: QuestionAdd, actor: AgentDep, bot: BotDep) -> AdminEntryOut:
    """Attach a similar question (相似问法): retrieval matches it as well as the entry's text."""
    return entry_out(bot.curation.add_question(actor, entry_id, body.question))


@router.get("/changes", response_model=list[ChangeOut])
def changes(_: AgentDep, bot: BotDep, limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    """Every curation change, newest first: who, when, the entry before and after."""
    return bot.curation.store.changes(limit)


@router.post("/changes/{change_id}/revert", response_model=ChangeOut, responses={409: {"model": ErrorResponse}})
def revert(change_id: Annotated[int, Path(ge=1, le=2**31 - 1)], actor: AgentDep, bot: BotDep) -> dict[str, Any]:
    """Undo a change (itself recorded as a change); 409 when the entry changed since."""
    return bot.curation.revert(actor, change_id)


@router.get("/unanswered", response_model=list[UnansweredOut])
def unanswered(_: AgentDep, bot: BotDep, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[dict[str, Any]]:
    """Declined and not-helpful questions that were really asked, the same question typed differently
    counted once, most frequent first."""
    return bot.unanswered(limit)
