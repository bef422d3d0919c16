"""``GET /healthz`` and ``GET /readyz``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.errors import error_response

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(request: Request) -> JSONResponse | dict[str, object]:
    """The index is loaded; 503 until then."""
    bot = getattr(request.app.state, "bot", None)
    if bot is None:
        failure = getattr(request.app.state, "load_error", None)
        message = f"index failed to load: {failure}" if failure else "index is loading"
        return error_response(503, "not_ready", message, {"Retry-After": "5"})
    manifest = bot.index.manifest
    out: dict[str, object] = {
        "status": "ready",
        "build": manifest.build_id,
        "entries": manifest.entries,
        "chunks": manifest.chunks,
    }
    if bot.stale is not None:
        # answering from the last good build: the configured corpus could not be built (retried in the background)
        out["stale"] = bot.stale
    reindex = bot.reindex_status()
    if reindex["running"]:
        out["reindex"] = {k: reindex[k] for k in ("phase", "done", "total", "seconds")}
    return out
