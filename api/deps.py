"""Dependencies: the bot and settings built once in the lifespan, reached through Annotated types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from bot import Bot, NotReady, Settings
from bot.keys import Actor


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


# the key is a security scheme in the OpenAPI schema (a header, never a query parameter)
_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="an agent's or admin's key")


def require_agent(bot: Annotated[Bot, Depends(get_bot)], key: Annotated[str | None, Depends(_key)]) -> Actor:
    """An agent or admin key in ``X-API-Key``; a missing, wrong, revoked or over-long key is the same 401."""
    return bot.authenticate(key, "agent")


def require_admin(bot: Annotated[Bot, Depends(get_bot)], key: Annotated[str | None, Depends(_key)]) -> Actor:
    """An admin key (the bootstrap ``BEIAN_ADMIN_API_KEY`` or one made with ``beian-bot keys``); 403 for an
    agent's key."""
    return bot.authenticate(key, "admin")


BotDep = Annotated[Bot, Depends(get_bot)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
AgentDep = Annotated[Actor, Depends(require_agent)]
AdminDep = Annotated[Actor, Depends(require_admin)]
