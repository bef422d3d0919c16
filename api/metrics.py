"""Every Prometheus metric the server exports, defined in one place."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("beian_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "beian_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
IN_FLIGHT = Gauge("beian_requests_in_flight", "HTTP requests being served")
REJECTED = Counter("beian_rejected_total", "requests refused at the edge", ["reason"])
ANSWERS = Counter("beian_answers_total", "answers given by /v1/ask, by whether the bot was confident", ["confident"])
REINDEX = Counter("beian_reindex_total", "reindex requests through the admin API, by outcome", ["outcome"])
INDEX_ENTRIES = Gauge("beian_index_entries", "entries in the live index")
INDEX_CHUNKS = Gauge("beian_index_chunks", "chunks in the live index")
INDEX_CREATED = Gauge("beian_index_created_seconds", "when the live index was built (unix time)")
READY = Gauge("beian_ready", "1 when the index is loaded and answering")
SESSIONS = Gauge("beian_sessions", "conversations held in memory")
for _label in ("true", "false"):
    ANSWERS.labels(_label)
