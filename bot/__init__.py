"""Question in, cited answer out: normalise, retrieve, fuse, decide, link troubleshooting, remember."""

from typing import TYPE_CHECKING

from bot.answers import Answer, Link, SearchHit, Source, Suggestion
from bot.assistant import Bot
from bot.config import Settings, get_settings
from bot.errors import BotError, CorpusUnavailable, InvalidInput, NotFound, NotReady, Unauthorized
from bot.pipeline import Understood

if TYPE_CHECKING:
    from bot.langchain_retriever import BeianRetriever


def __getattr__(name: str) -> object:
    # the LangChain retriever loads langchain_core's runnables: only for those who use it, not the server
    if name == "BeianRetriever":
        from bot.langchain_retriever import BeianRetriever

        return BeianRetriever
    raise AttributeError(f"module 'bot' has no attribute {name!r}")


__all__ = [
    "Answer",
    "BeianRetriever",
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
