"""``GET /metrics``: Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.metrics import INDEX_CHUNKS, INDEX_CREATED, INDEX_ENTRIES, READY, SESSIONS

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Request counts, latency histogram, answers and declines, index size."""
    bot = getattr(request.app.state, "bot", None)
    READY.set(0 if bot is None else 1)
    if bot is not None:
        manifest = bot.index.manifest
        INDEX_ENTRIES.set(manifest.entries)
        INDEX_CHUNKS.set(manifest.chunks)
        INDEX_CREATED.set(manifest.created)
        SESSIONS.set(len(bot.sessions))
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
