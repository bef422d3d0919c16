"""``GET /metrics``: Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest

router = APIRouter(tags=["operations"])

INDEX_ENTRIES = Gauge("beian_index_entries", "entries in the live index")
INDEX_CHUNKS = Gauge("beian_index_chunks", "chunks in the live index")
SESSIONS = Gauge("beian_sessions", "conversations held in memory")


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Request counts, latency histogram, answers and declines, index size."""
    bot = getattr(request.app.state, "bot", None)
    if bot is not None:
        INDEX_ENTRIES.set(bot.index.manifest.entries)
        INDEX_CHUNKS.set(bot.index.manifest.chunks)
        SESSIONS.set(len(bot.sessions))
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
