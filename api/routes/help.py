"""``GET /help/{id}``: an entry as an HTML page readable in a phone's WebView."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import BotDep, SettingsDep
from api.pages import help_page, not_found_page
from api.schemas import EntryId
from bot import NotFound

router = APIRouter(tags=["pages"])


@router.get("/help/{entry_id}", response_class=HTMLResponse)
def help_entry(entry_id: EntryId, bot: BotDep, settings: SettingsDep) -> HTMLResponse:
    """The entry's title, text, numbered steps, related topics and a way to a person."""
    try:
        entry = bot.entry(entry_id)
    except NotFound:
        return HTMLResponse(not_found_page(entry_id), status_code=404)
    return HTMLResponse(help_page(entry, bot.related(entry), settings))
