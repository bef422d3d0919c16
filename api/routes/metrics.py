"""``GET /metrics``: Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, generate_latest

router = APIRouter(tags=["operations"])

ANSWERS = Counter("beian_answers_total", "answers given by /v1/ask, by whether the bot was confident", ["confident"])
REINDEX = Counter("beian_reindex_total", "reindex requests through the admin API, by outcome", ["outcome"])
INDEX_ENTRIES = Gauge("beian_index_entries", "entries in the live index")
INDEX_CHUNKS = Gauge("beian_index_chunks", "chunks in the live index")
INDEX_CREATED = Gauge("beian_index_created_seconds", "when the live index was built (unix time)")
READY = Gauge("beian_ready", "1 when the index is loaded and answering")
SESSIONS = Gauge("beian_sessions", "conversations held in memory")
for _label in ("true", "false"):
    ANSWERS.labels(_label)


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
