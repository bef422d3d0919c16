"""Dependencies: the bot and settings built once in the lifespan, reached through Annotated types."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request

from bot import Bot, NotReady, Settings, Unauthorized

MAX_KEY = 1024


def get_settings_dep(request: Request) -> Settings:
    """The settings the app was started with."""
    settings: Settings = request.app.state.settings
    return settings


def get_bot(request: Request) -> Bot:
    """The loaded bot; 503 until the index is ready."""
    bot: Bot | None = getattr(request.app.state, "bot", None)
    if bot is None:
        raise NotReady("the index is still loading; try again shortly")
    return bot


def require_admin(
    settings: Annotated[Settings, Depends(get_settings_dep)],
    x_api_key: Annotated[str | None, Header()] = None,
) -> None:
    """Admin endpoints need the configured key in ``X-API-Key``, compared in constant time.

    A missing, wrong, over-long or unconfigured key is the same 401, so a caller learns nothing about the key.
    """
    expected = (settings.admin_api_key or "").encode()
    given = (x_api_key or "").encode("utf-8", "surrogateescape")
    if not expected or len(given) > MAX_KEY or not hmac.compare_digest(given, expected):
        raise Unauthorized("a valid X-API-Key header is required")


BotDep = Annotated[Bot, Depends(get_bot)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
AdminDep = Annotated[None, Depends(require_admin)]
