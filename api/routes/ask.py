"""``POST /v1/ask``: a question in, a cited answer out."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import BotDep
from api.metrics import ANSWERS
from api.schemas import AskRequest, AskResponse, ErrorResponse, ModelJSON

router = APIRouter(prefix="/v1", tags=["ask"])


@router.post(
    "/ask",
    response_model=AskResponse,
    responses={422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
)
def ask(body: AskRequest, bot: BotDep) -> ModelJSON:
    """Answer a question from the help documents, with sources and troubleshooting links."""
    answer = bot.ask(body.question, session_id=body.session_id, top_k=body.top_k)
    ANSWERS.labels("true" if answer.confident else "false").inc()
    return ModelJSON(AskResponse.of(answer))
