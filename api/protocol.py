"""uvicorn's HTTP protocol with a header deadline, a connection bound and JSON protocol errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from bot import get_settings

_REASONS = {400: b"Bad Request", 408: b"Request Timeout", 503: b"Service Unavailable"}


def _error(status: int, code: str, message: str, extra: bytes = b"") -> bytes:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n%s\r\n"
        % (status, _REASONS[status], len(body), extra)
        + body
    )


class BoundedProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's own HTTP protocol (httptools, else h11), plus what it lacks against slow or many clients:

    - a deadline for a request's headers (``BEIAN_HEADER_TIMEOUT``): from the connection opening, or from the
      first byte of the next request on a kept-alive connection, until the headers are complete; uvicorn has
      none, so a client sending a byte every few seconds held its connection for good;
    - at most ``BEIAN_MAX_CONNECTIONS`` open connections: one past it is answered 503 and closed at once;
    - protocol errors (a request the parser rejects) answered with the JSON error body, not plain text.

    Named by import string in ``uvicorn.run(http=...)`` so that worker processes import it too; it reads the
    settings from the environment like the app does.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()
        self._header_timeout = settings.header_timeout
        self._max_connections = settings.max_connections
        self._header_timer: asyncio.TimerHandle | None = None
        self._waiting_cycle: object = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        if len(self.connections) > self._max_connections:
            message = "the server has too many open connections; try again shortly"
            transport.write(_error(503, "busy", message, b"retry-after: 5\r\n"))
            transport.close()
            return
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._arm()  # the first bytes of a new request on a kept-alive connection
        super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        self._disarm()
        super().on_response_complete()

    def _arm(self) -> None:
        self._disarm()
        self._waiting_cycle = self.cycle
        self._header_timer = self.loop.call_later(self._header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        # both parsers start a new request cycle once a request's headers are complete
        if self.cycle is not self._waiting_cycle or self.transport.is_closing():
            return
        message = f"the request headers did not arrive within {self._header_timeout:g} s"
        self.transport.write(_error(408, "request_timeout", message))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        self._disarm()
        self.transport.write(_error(400, "bad_request", f"malformed HTTP request: {msg}"))
        self.transport.close()
