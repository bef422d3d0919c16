"""``POST /v1/feedback``: was the answer helpful."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import BotDep
from api.schemas import ErrorResponse, FeedbackRequest, FeedbackResponse

router = APIRouter(prefix="/v1", tags=["feedback"])


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackResponse,
    responses={
        404: {"model": ErrorResponse, "description": "no such session, question in it, or entry"},
        409: {"model": ErrorResponse, "description": "this answer already has its vote"},
    },
)
def feedback(body: FeedbackRequest, bot: BotDep) -> FeedbackResponse:
    """Store a helpful / not helpful vote on an answer given in this session, with an optional comment."""
    vote_id = bot.feedback(
        body.helpful,
        session_id=body.session_id,
        question=body.question,
        entry_id=body.entry_id,
        comment=body.comment,
    )
    return FeedbackResponse(id=vote_id)
