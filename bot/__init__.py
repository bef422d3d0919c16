"""Question in, cited answer out: normalise, retrieve, fuse, decide, link troubleshooting, remember."""

from bot.answers import Answer, Link, SearchHit, Source, Suggestion
from bot.assistant import Bot
from bot.config import Settings, get_settings
from bot.errors import BotError, CorpusUnavailable, InvalidInput, NotFound, NotReady, Unauthorized
from bot.pipeline import Understood

__all__ = [
    "Answer",
    "Bot",
    "BotError",
    "CorpusUnavailable",
    "InvalidInput",
    "Link",
    "NotFound",
    "NotReady",
    "SearchHit",
    "Settings",
    "Source",
    "Suggestion",
    "Unauthorized",
    "Understood",
    "get_settings",
]
