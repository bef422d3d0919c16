"""Every error becomes ``{"error": {"code", "message"}}``; the bot's errors map to statuses here only."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot import BotError, CorpusUnavailable, InvalidInput, NotFound, NotReady, Unauthorized
from bot.errors import Conflict, Forbidden

log = logging.getLogger("beian_bot.api")

STATUS: dict[type[BotError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    NotReady: 503,
    Unauthorized: 401,
    Forbidden: 403,
    Conflict: 409,
    CorpusUnavailable: 503,
}
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    411: "length_required",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    431: "headers_too_large",
    503: "not_ready",
}


def error_body(code: str, message: str) -> dict[str, dict[str, str]]:
    """The one error body shape: ``{"error": {"code", "message"}}``."""
    return {"error": {"code": code, "message": message}}


def error_json(code: str, message: str) -> bytes:
    """The error body as bytes, for the middleware that answers before the app."""
    return json.dumps(error_body(code, message)).encode()


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error body as a response."""
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header"))
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    """Register the handlers."""

    @app.exception_handler(BotError)
    async def _bot_error(request: Request, exc: BotError) -> JSONResponse:
        status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 400)
        headers = {"Retry-After": "5"} if isinstance(exc, NotReady) else None
        return error_response(status, exc.code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_request", _describe(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "something went wrong on our side")
