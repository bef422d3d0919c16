"""Request and response models of the HTTP contract."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

Coverage = Literal["covered", "partial", "not_covered", "off_topic"]
SessionId = Annotated[StrictStr, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class AskRequest(BaseModel):
    """``POST /v1/ask``."""

    model_config = ConfigDict(extra="forbid")

    question: StrictStr = Field(max_length=2000, description="1 to 500 characters after stripping")
    session_id: SessionId | None = None
    top_k: Annotated[StrictInt, Field(ge=1, le=20)] | None = None

    @field_validator("question")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be empty")
        if len(value) > 500:
            raise ValueError("must be at most 500 characters")
        return value


class SourceOut(BaseModel):
    """A cited entry."""

    id: str
    title: str
    text: str
    kind: Literal["faq", "rejection", "troubleshooting"]
    category: str | None
    score: float
    url: str


class LinkOut(BaseModel):
    """A troubleshooting link with its steps."""

    id: str
    title: str
    kind: Literal["rejection", "white_screen", "troubleshooting"]
    url: str
    steps: list[str]


class SuggestionOut(BaseModel):
    """A nearby topic offered with a declined answer."""

    id: str
    title: str
    url: str


class AskResponse(BaseModel):
    """The answer to one question."""

    answer: str
    confident: bool
    sources: list[SourceOut]
    troubleshooting: list[LinkOut]
    session_id: str
    suggestions: list[SuggestionOut] = Field(default_factory=list)
    coverage: Coverage = Field(
        description="covered: the entry answers what was asked; partial: part of it; not_covered: about ICP "
        "filing but not in the documents; off_topic: not about filing. confident is true for the first two."
    )


class EntryOut(BaseModel):
    """A help entry."""

    id: str
    title: str
    kind: Literal["faq", "rejection", "troubleshooting"]
    category: str | None
    text: str
    steps: list[str]
    url: str


class SearchHitOut(BaseModel):
    """A ranked entry for agents."""

    id: str
    title: str
    text: str
    kind: str
    category: str | None
    score: float
    dense: float
    lexical: float
    matched: list[str]
    steps: list[str]
    url: str


class SearchResponse(BaseModel):
    """``GET /v1/search``."""

    query: str
    hits: list[SearchHitOut]


class HandoffRequest(BaseModel):
    """``POST /v1/handoff``."""

    model_config = ConfigDict(extra="forbid")

    session_id: SessionId
    note: Annotated[StrictStr, Field(max_length=1000)] | None = None
    contact: Annotated[StrictStr, Field(max_length=200)] | None = None


class HandoffResponse(BaseModel):
    """A recorded ticket."""

    ticket_id: str
    session_id: str
    turns: int
    status: str


class FeedbackRequest(BaseModel):
    """``POST /v1/feedback``."""

    model_config = ConfigDict(extra="forbid")

    helpful: StrictBool
    session_id: SessionId | None = None
    question: Annotated[StrictStr, Field(max_length=500)] | None = None
    entry_id: Annotated[StrictStr, Field(max_length=64)] | None = None
    comment: Annotated[StrictStr, Field(max_length=1000)] | None = None


class FeedbackResponse(BaseModel):
    """A stored vote."""

    id: int


class ErrorDetail(BaseModel):
    """What went wrong."""

    code: str
    message: str


class ErrorResponse(BaseModel):
    """Every 4xx body."""

    error: ErrorDetail
