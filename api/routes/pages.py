"""``GET /`` (the chat widget) and ``GET /agent`` (the agents' search page)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import SettingsDep
from api.pages import agent_page, widget_page

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse)
def widget(settings: SettingsDep) -> HTMLResponse:
    """The chat page embedded in the app's help page (``?q=`` prefills, ``&ask=1`` asks, ``?handoff=1``)."""
    return HTMLResponse(widget_page(settings))


@router.get("/agent", response_class=HTMLResponse)
def agent() -> HTMLResponse:
    """Search the help entries: ranked hits with scores, highlights, filters and copy buttons."""
    return HTMLResponse(agent_page())
