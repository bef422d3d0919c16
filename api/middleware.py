"""The edge of every request (plain ASGI): request ids, access lines, size and rate limits, security headers."""

from __future__ import annotations

import logging
import math
import re
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_json
from api.metrics import IN_FLIGHT, LATENCY, REJECTED, REQUESTS
from bot import Settings

log = logging.getLogger("beian_bot.access")

MAX_BODY = 64 * 1024
MAX_URL = 8192  # a 500-character question in a query string is up to 6,000 bytes percent-encoded
MAX_HEADER_BYTES = 16 * 1024
MAX_HEADERS = 64
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_JSON_TYPES = ("application/json",)


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


def allowed_origins(settings: Settings) -> list[str]:
    """The configured origins that are well-formed (``scheme://host[:port]``); anything else is ignored."""
    return [o.rstrip("/") for o in settings.allowed_origins if _ORIGIN.match(o.rstrip("/"))]


def _csp(origins: list[str]) -> str:
    ancestors = " ".join(["'self'", *origins])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )


class _Reject(Exception):
    """Refuse the request before it reaches the app."""

    def __init__(self, status: int, code: str, message: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra or []


class EdgeMiddleware:
    """Everything every request passes through, written as plain ASGI to stay cheap on the hot path.

    Order: header and URL sizes, CORS preflight, declared body size, rate limit, media type, then the
    body itself is read (bounded, chunked or not) before the app sees it, so an oversized upload is a
    413 whatever its framing.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.limiter = RateLimiter(settings.rate_limit) if settings.rate_limit > 0 else None
        origins = allowed_origins(settings)
        self.csp = _csp(origins).encode()
        self.origins = set(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        raw_headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        headers: dict[str, str] = {}
        header_bytes = 0
        lengths = 0
        for key, value in raw_headers:
            header_bytes += len(key) + len(value) + 4
            name = key.decode("latin-1").lower()
            if name == "content-length":
                lengths += 1
            headers[name] = value.decode("latin-1")
        supplied_id = headers.get("x-request-id", "")
        request_id = supplied_id if _REQUEST_ID.match(supplied_id) else uuid.uuid4().hex
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        method_label = method if method in _METHODS else "OTHER"
        origin = headers.get("origin")
        cors = origin if origin and origin in self.origins else None
        is_api = path.startswith("/v1/")
        state: dict[str, Any] = {"status": 500}

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                raw = list(message.get("headers", []))
                names = {k.lower() for k, _ in raw}
                raw.append((b"x-request-id", request_id.encode()))
                raw.append((b"x-content-type-options", b"nosniff"))
                raw.append((b"referrer-policy", b"no-referrer"))
                content_type = next((v for k, v in raw if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    if b"content-security-policy" not in names:
                        raw.append((b"content-security-policy", self.csp))
                    if not self.origins and b"x-frame-options" not in names:
                        raw.append((b"x-frame-options", b"SAMEORIGIN"))
                if is_api and b"cache-control" not in names:
                    raw.append((b"cache-control", b"no-store"))
                if cors:
                    raw.append((b"access-control-allow-origin", cors.encode()))
                    raw.append((b"access-control-expose-headers", b"x-request-id, retry-after"))
                if self.origins and (is_api or cors):
                    raw.append((b"vary", b"Origin"))
                message = {**message, "headers": raw}
            await send(message)

        IN_FLIGHT.inc()
        try:
            try:
                replay = await self._admit(scope, receive, headers, lengths, header_bytes, len(raw_headers), cors)
            except _Reject as rej:
                if rej.code:
                    REJECTED.labels(rej.code).inc()
                await self._reply(send_wrapped, rej.status, (rej.code, rej.message) if rej.code else None, rej.extra)
                return
            if replay is None:  # the client went away while sending its body
                state["status"] = 499
                return
            await self.app(scope, replay, send_wrapped)
        finally:
            IN_FLIGHT.dec()
            elapsed = time.perf_counter() - start
            route = self._route(scope)
            REQUESTS.labels(method_label, route, str(state["status"])).inc()
            LATENCY.labels(route).observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "event": "request",
                        "request_id": request_id,
                        "method": method_label,
                        "path": path[:200],
                        "route": route,
                        "status": state["status"],
                        "ms": round(elapsed * 1000, 2),
                    },
                )

    async def _admit(
        self,
        scope: Scope,
        receive: Receive,
        headers: dict[str, str],
        lengths: int,
        header_bytes: int,
        header_count: int,
        cors: str | None,
    ) -> Receive | None:
        """Check the request at the edge; returns the ``receive`` the app should use (body already read)."""
        if header_bytes > MAX_HEADER_BYTES or header_count > MAX_HEADERS:
            raise _Reject(431, "headers_too_large", f"request headers are limited to {MAX_HEADER_BYTES} bytes")
        if len(scope.get("raw_path", b"") or b"") + len(scope.get("query_string", b"")) > MAX_URL:
            raise _Reject(414, "uri_too_long", f"the request URL is limited to {MAX_URL} bytes")
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        if method == "OPTIONS" and cors and path.startswith("/v1/"):
            raise _Reject(
                204,
                "",
                "",
                [
                    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                    (b"access-control-allow-headers", b"content-type, x-user-ref, x-request-id"),
                    (b"access-control-max-age", b"600"),
                ],
            )
        declared: int | None = None
        raw_length = headers.get("content-length")
        if raw_length is not None:
            if lengths > 1 or not raw_length.isascii() or not raw_length.isdigit() or len(raw_length) > 18:
                raise _Reject(400, "bad_request", "the Content-Length header is not a single number")
            declared = int(raw_length)
            if declared > MAX_BODY:
                raise _Reject(413, "payload_too_large", f"bodies are limited to {MAX_BODY} bytes")
        if self.limiter is not None and path.startswith("/v1/"):
            wait = self.limiter.take(self._client(scope, headers))
            if wait > 0:
                retry = str(max(1, math.ceil(wait)))
                raise _Reject(429, "rate_limited", "too many requests; slow down", [(b"retry-after", retry.encode())])
        has_body = bool(declared) or "transfer-encoding" in headers
        if not has_body:
            return receive
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if path.startswith("/v1/") and not (media in _JSON_TYPES or media.endswith("+json")):
            raise _Reject(415, "unsupported_media_type", "send the body as application/json")
        return await self._read_body(receive)

    @staticmethod
    async def _read_body(receive: Receive) -> Receive | None:
        """Read the whole body, refusing it past ``MAX_BODY``; a chunked upload cannot slip past the limit."""
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            if message["type"] != "http.request":
                continue
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > MAX_BODY:
                raise _Reject(413, "payload_too_large", f"bodies are limited to {MAX_BODY} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    @staticmethod
    def _route(scope: Scope) -> str:
        route = scope.get("route")
        template = getattr(route, "path", None)
        return str(template) if template else "unmatched"

    def _client(self, scope: Scope, headers: dict[str, str]) -> str:
        forwarded = headers.get("x-forwarded-for")
        if self.settings.trust_proxy and forwarded:
            # the right-most address is the one our proxy saw; anything left of it the client wrote itself
            return forwarded.rsplit(",", 1)[-1].strip()[:64] or "unknown"
        client = scope.get("client")
        return str(client[0]) if client else "unknown"

    @staticmethod
    async def _reply(
        send: Send, status: int, error: tuple[str, str] | None, extra: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        body = b"" if error is None else error_json(*error)
        headers = [(b"content-length", str(len(body)).encode())]
        if error is not None:
            headers.append((b"content-type", b"application/json"))
        if status in (400, 413, 414, 431):
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
        await send({"type": "http.response.body", "body": body})
