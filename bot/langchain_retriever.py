"""``BeianRetriever``: the bot's hybrid search as a LangChain retriever, for use in chains."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from bot.assistant import Bot
from bot.config import Settings, get_settings
from bot.contract import HELP_PATH, SEARCH_K_MAX, Kind
from bot.wording import answer_text


class BeianRetriever(BaseRetriever):
    """Help entries ranked by the hybrid search (dense + BM25), best first, as LangChain ``Document`` s.

    ``page_content`` is the entry as an answer reads (title, text, numbered steps); ``metadata`` holds its
    ``id``, ``title``, ``kind``, ``category``, ``url`` (``help_url`` with the id filled in: a path on the
    server, or a full URL when given one) and the scores ``score`` (fused), ``dense`` and ``lexical``.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    bot: Bot
    k: int = Field(4, ge=1, le=SEARCH_K_MAX, description="documents returned")
    kind: Kind | None = Field(None, description="only entries of this kind")
    category: str | None = Field(None, description="only entries of this category")
    help_url: str = Field(HELP_PATH, description="the help page of an entry, with {id} for its id")

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **kwargs: Any) -> BeianRetriever:
        """A retriever over the index the settings name (the environment's by default), built if missing."""
        return cls(bot=Bot.from_settings(settings or get_settings()), **kwargs)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        hits = self.bot.search(query, k=k or self.k, kind=self.kind, category=self.category)
        return [
            Document(
                id=h.entry.id,
                page_content=answer_text(h.entry),
                metadata={
                    "id": h.entry.id,
                    "title": h.entry.title,
                    "kind": h.entry.kind,
                    "category": h.entry.category,
                    "url": self.help_url.format(id=h.entry.id),
                    "score": round(h.score, 4),
                    "dense": round(h.dense, 4),
                    "lexical": round(h.lexical, 4),
                },
            )
            for h in hits
        ]
