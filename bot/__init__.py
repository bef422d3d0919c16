"""Question in, cited answer out: normalise, retrieve, fuse, decide, route, remember."""

from bot.answers import Answer, Link, SearchHit, Source, Suggestion
from bot.config import Settings, get_settings
from bot.engine import Bot
from bot.errors import BotError, InvalidInput, NotFound, NotReady, Unauthorized

__all__ = [
    "Answer",
    "Bot",
    "BotError",
    "InvalidInput",
    "Link",
    "NotFound",
    "NotReady",
    "SearchHit",
    "Settings",
    "Source",
    "Suggestion",
    "Unauthorized",
    "get_settings",
]
