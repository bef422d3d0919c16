"""``GET /v1/search``: ranked hits with scores for support agents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import BotDep
from api.schemas import ErrorResponse, SearchHitOut, SearchResponse
from bot.contract import QUESTION_MAX, SEARCH_K_MAX, Kind

router = APIRouter(prefix="/v1", tags=["search"])


@router.get("/search", response_model=SearchResponse, responses={422: {"model": ErrorResponse}})
def search(
    bot: BotDep,
    q: Annotated[str, Query(min_length=1, max_length=QUESTION_MAX)],
    k: Annotated[int, Query(ge=1, le=SEARCH_K_MAX)] = 10,
    kind: Annotated[Kind | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
) -> SearchResponse:
    """Entries ranked by the hybrid retriever, with the query terms each one matched."""
    hits = bot.search(q, k=k, kind=kind, category=category)
    return SearchResponse(query=q, hits=[SearchHitOut.of(h) for h in hits])
