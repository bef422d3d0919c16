"""``GET /v1/search``: ranked hits with scores for support agents."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.deps import BotDep
from api.schemas import ErrorResponse, SearchHitOut, SearchResponse
from bot.answers import help_url

router = APIRouter(prefix="/v1", tags=["search"])


@router.get("/search", response_model=SearchResponse, responses={422: {"model": ErrorResponse}})
def search(
    bot: BotDep,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    k: Annotated[int, Query(ge=1, le=50)] = 10,
    kind: Annotated[Literal["faq", "rejection", "troubleshooting"] | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
) -> SearchResponse:
    """Entries ranked by the hybrid retriever, with the query terms each one matched."""
    hits = bot.search(q, k=k, kind=kind, category=category)
    return SearchResponse(
        query=q,
        hits=[
            SearchHitOut(
                id=h.entry.id,
                title=h.entry.title,
                text=h.entry.text,
                kind=h.entry.kind,
                category=h.entry.category,
                score=round(h.score, 4),
                dense=round(h.dense, 4),
                lexical=round(h.lexical, 4),
                matched=h.matched,
                steps=list(h.entry.steps),
                url=help_url(h.entry.id),
            )
            for h in hits
        ],
    )
