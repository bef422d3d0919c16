"""The FastAPI app: lifespan (load the bot once), middleware, routers."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api import errors
from api.logs import configure_logging
from api.middleware import EdgeMiddleware
from api.routes import admin, ask, curation, entries, feedback, handoff, health, help, metrics, pages, search, tickets
from bot import Bot, Settings, get_settings

log = logging.getLogger("beian_bot")
REFRESH_SECONDS = 5.0


async def _load(app: FastAPI, settings: Settings) -> None:
    try:
        app.state.bot = await asyncio.to_thread(Bot.from_settings, settings)
        app.state.bot.start_background()
        log.info("ready")
    except Exception as exc:  # reported by /readyz; the process stays up to say why
        app.state.load_error = str(exc)
        log.exception("index failed to load")
        return
    while True:
        await asyncio.sleep(REFRESH_SECONDS)
        try:
            await asyncio.to_thread(app.state.bot.refresh)
        except Exception:  # keep serving the index we have; say why the new one did not load
            log.exception("index refresh failed")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the index in the background so /healthz answers at once and /readyz says when it is ready."""
    settings: Settings = app.state.settings
    configure_logging(settings)
    app.state.bot = None
    app.state.load_error = None
    task = asyncio.create_task(_load(app, settings))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        if app.state.bot is not None:
            app.state.bot.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for the given settings (the environment's by default)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="beian-bot",
        summary="ICP-filing help assistant: cited answers, troubleshooting links, a way to a person.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    errors.install(app)
    for module in (ask, search, entries, handoff, feedback, admin, curation, tickets, health, metrics, help, pages):
        app.include_router(module.router)
    _add_docs(app)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.add_middleware(EdgeMiddleware, settings=settings)
    return app


def _add_docs(app: FastAPI) -> None:
    """The OpenAPI page, with a CSP naming its one inline script by hash instead of allowing inline script."""
    page = get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - API")
    html = bytes(page.body).decode()
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    )
    cdn = "https://cdn.jsdelivr.net"
    csp = (
        f"default-src 'self'; script-src 'self' {cdn} {hashes}; style-src 'self' {cdn} 'unsafe-inline'; "
        "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'self'"
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": csp})


app = create_app()
