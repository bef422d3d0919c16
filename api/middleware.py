"""One ASGI middleware: request ids, JSON access logs, body limits, rate limits, security headers, metrics."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import Settings

log = logging.getLogger("beian_bot.access")

MAX_BODY = 64 * 1024
MAX_URL = 4096
REQUESTS = Counter("beian_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "beian_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests a minute, bursts up to the same number."""

    def __init__(self, per_minute: int, max_clients: int = 50_000) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> float:
        """0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[client] = (tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            return wait


def _csp(settings: Settings) -> str:
    ancestors = " ".join(settings.allowed_origins) if settings.allowed_origins else "'self'"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )


class EdgeMiddleware:
    """Everything every request passes through, written as plain ASGI to stay cheap on the hot path."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.limiter = RateLimiter(settings.rate_limit) if settings.rate_limit > 0 else None
        self.csp = _csp(settings).encode()
        self.origins = set(settings.allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        request_id = headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        origin = headers.get("origin")
        cors = origin if origin and origin in self.origins else None
        state: dict[str, Any] = {"status": 500}

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                raw = list(message.get("headers", []))
                names = {k.lower() for k, _ in raw}
                raw.append((b"x-request-id", request_id.encode()))
                raw.append((b"x-content-type-options", b"nosniff"))
                raw.append((b"referrer-policy", b"no-referrer"))
                content_type = dict(raw).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
                    raw.append((b"content-security-policy", self.csp))
                if cors:
                    raw.append((b"access-control-allow-origin", cors.encode()))
                    raw.append((b"vary", b"Origin"))
                message = {**message, "headers": raw}
            await send(message)

        try:
            if method == "OPTIONS" and cors and path.startswith("/v1/"):
                await self._reply(
                    send_wrapped,
                    204,
                    None,
                    extra=[
                        (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                        (b"access-control-allow-headers", b"content-type, x-user-ref, x-request-id"),
                        (b"access-control-max-age", b"600"),
                    ],
                )
                return
            if len(scope.get("raw_path", b"")) + len(scope.get("query_string", b"")) > MAX_URL:
                await self._reply(send_wrapped, 414, ("uri_too_long", "the request URL is too long"))
                return
            length = headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
                await self._reply(send_wrapped, 413, ("payload_too_large", f"bodies are limited to {MAX_BODY} bytes"))
                return
            if self.limiter is not None and path.startswith("/v1/"):
                wait = self.limiter.take(self._client(scope, headers))
                if wait > 0:
                    retry = str(max(1, math.ceil(wait)))
                    await self._reply(
                        send_wrapped,
                        429,
                        ("rate_limited", "too many requests; slow down"),
                        extra=[(b"retry-after", retry.encode())],
                    )
                    return
            await self.app(scope, self._limited(receive, state), send_wrapped)
        finally:
            elapsed = time.perf_counter() - start
            route = self._route(scope)
            REQUESTS.labels(method, route, str(state["status"])).inc()
            LATENCY.labels(route).observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    json.dumps(
                        {
                            "event": "request",
                            "request_id": request_id,
                            "method": method,
                            "path": path,
                            "status": state["status"],
                            "ms": round(elapsed * 1000, 2),
                        }
                    )
                )

    @staticmethod
    def _route(scope: Scope) -> str:
        route = scope.get("route")
        template = getattr(route, "path", None)
        return str(template) if template else "unmatched"

    def _client(self, scope: Scope, headers: dict[str, str]) -> str:
        if self.settings.trust_proxy and headers.get("x-forwarded-for"):
            return headers["x-forwarded-for"].split(",")[0].strip()
        client = scope.get("client")
        return str(client[0]) if client else "unknown"

    @staticmethod
    def _limited(receive: Receive, state: dict[str, Any]) -> Receive:
        """Count body bytes as they arrive: a chunked upload cannot slip past the limit."""
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > MAX_BODY:
                    state["too_large"] = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        return wrapped

    @staticmethod
    async def _reply(
        send: Send, status: int, error: tuple[str, str] | None, extra: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        body = b"" if error is None else json.dumps({"error": {"code": error[0], "message": error[1]}}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
        await send({"type": "http.response.body", "body": body})
