"""The FastAPI app: lifespan (load the bot once), middleware, routers."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import re
import time
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
from bot.errors import Unavailable
from index import VectorEmbeddings, get_embedder

log = logging.getLogger("beian_bot")
REFRESH_SECONDS = 5.0


async def _load(app: FastAPI, settings: Settings) -> None:
    """Load the bot, retrying until it loads; then follow new builds, and retry a build that failed."""
    embedder: VectorEmbeddings | None = None  # loaded once, kept across retries
    delay = settings.retry_seconds
    while app.state.bot is None:
        try:
            if embedder is None:
                embedder = await asyncio.to_thread(
                    get_embedder, settings.embedder, settings.embed_workers, settings.embed_lone_threads
                )
            app.state.bot = await asyncio.to_thread(Bot.from_settings, settings, embedder)
        except Unavailable as exc:  # the database is away: /readyz says so meanwhile; it comes back by itself
            app.state.load_error = str(exc)
            log.warning("database unavailable at start; retrying in %.0f s", REFRESH_SECONDS)
            await asyncio.sleep(REFRESH_SECONDS)
        except Exception as exc:  # reported by /readyz; the process stays up to say why, and tries again
            app.state.load_error = str(exc)
            log.exception("index failed to load; next try in %g s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, settings.retry_seconds * 10)
    app.state.load_error = None
    bot: Bot = app.state.bot
    bot.start_background()
    log.info("ready", extra={"build": bot.index.manifest.build_id, "stale": bot.stale})
    delay = settings.retry_seconds
    next_try = time.monotonic() + delay
    while True:
        await asyncio.sleep(min(REFRESH_SECONDS, settings.retry_seconds))
        try:
            await asyncio.to_thread(bot.refresh)
        except Exception:  # keep serving the index we have; say why the new one did not load
            log.exception("index refresh failed")
        if bot.stale is None or time.monotonic() < next_try:
            continue
        try:
            await asyncio.to_thread(bot.catch_up)
            delay = settings.retry_seconds
            log.info("index is current again", extra={"build": bot.index.manifest.build_id})
        except Exception as exc:
            delay = min(delay * 2, settings.retry_seconds * 10)
            log.warning("still serving the last good build; next try in %g s", delay, extra={"reason": str(exc)[:500]})
        next_try = time.monotonic() + delay


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
