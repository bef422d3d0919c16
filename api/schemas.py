"""Request and response models of the HTTP contract."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

from api.urls import help_url
from bot import Answer, SearchHit
from bot.answers import Source
from bot.contract import (
    QUESTION_MAX,
    SESSION_ID_MAX,
    SESSION_ID_PATTERN,
    TOP_K_MAX,
    Coverage,
    Kind,
    LinkKind,
    question_problem,
)
from corpus import Entry
from corpus.models import ENTRY_ID_MAX, ENTRY_ID_PATTERN
from corpus.validate import is_web_url


class ModelJSON(Response):
    """A response model serialised by pydantic alone, for the hot path: FastAPI would validate the model it is
    handed once more before encoding it (about 0.14 ms of a 3 KB answer, 15 times pydantic's own encoding)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """The model as JSON."""
        return bytes(content.model_dump_json(), "utf-8")


EntryId = Annotated[str, Path(max_length=ENTRY_ID_MAX, pattern=ENTRY_ID_PATTERN)]
SessionId = Annotated[StrictStr, Field(min_length=1, max_length=SESSION_ID_MAX, pattern=SESSION_ID_PATTERN)]


class AskRequest(BaseModel):
    """``POST /v1/ask``."""

    model_config = ConfigDict(extra="forbid")

    # the raw string may carry surrounding whitespace; the limit applies after stripping
    question: StrictStr = Field(
        max_length=4 * QUESTION_MAX, description=f"1 to {QUESTION_MAX} characters after stripping"
    )
    session_id: SessionId | None = None
    top_k: Annotated[StrictInt, Field(ge=1, le=TOP_K_MAX)] | None = None

    @field_validator("question")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        problem = question_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class SourceOut(BaseModel):
    """A cited entry."""

    id: str
    title: str
    text: str
    kind: Kind
    category: str | None
    score: float
    url: str


class LinkOut(BaseModel):
    """A troubleshooting link with its steps."""

    id: str
    title: str
    kind: LinkKind
    url: str
    steps: list[str]


class SuggestionOut(BaseModel):
    """A nearby topic offered with a declined answer."""

    id: str
    title: str
    url: str


class PartOut(BaseModel):
    """The answer to one of several questions in one message."""

    question: str
    answer: str
    direct: str | None
    confident: bool
    coverage: Coverage
    sources: list[SourceOut]


class AskResponse(BaseModel):
    """The answer to one question."""

    answer: str
    confident: bool
    sources: list[SourceOut]
    troubleshooting: list[LinkOut]
    session_id: str
    suggestions: list[SuggestionOut] = Field(default_factory=list)
    coverage: Coverage = Field(description="covered, partial (say which part is not), not_covered, off_topic")
    direct: str | None = Field(
        description="the sentence(s) of the best entry that answer the question, verbatim, one a line"
    )
    parts: list[PartOut] = Field(default_factory=list, description="one per question when a message asks several")

    @classmethod
    def of(cls, answer: Answer) -> AskResponse:
        """The contract's view of an answer; every cited entry gets its help page URL."""
        return cls(
            answer=answer.answer,
            confident=answer.confident,
            sources=_sources(answer.sources),
            troubleshooting=[LinkOut(**vars(link), url=help_url(link.id)) for link in answer.troubleshooting],
            session_id=answer.session_id,
            suggestions=[SuggestionOut(**vars(s), url=help_url(s.id)) for s in answer.suggestions],
            coverage=answer.coverage,
            direct=answer.direct,
            parts=[
                PartOut(
                    question=p.question,
                    answer=p.answer,
                    direct=p.direct,
                    confident=p.confident,
                    coverage=p.coverage,
                    sources=_sources(p.sources),
                )
                for p in answer.parts
            ],
        )


def _sources(sources: list[Source]) -> list[SourceOut]:
    return [SourceOut(**vars(s), url=help_url(s.id)) for s in sources]


class EntryOut(BaseModel):
    """A help entry."""

    id: str
    title: str
    kind: Kind
    category: str | None
    text: str
    steps: list[str]
    url: str
    source_url: str | None = Field(None, description="The original page in the help centre (http/https), if known.")

    @classmethod
    def of(cls, entry: Entry) -> EntryOut:
        """The contract's entry JSON."""
        return cls(
            id=entry.id,
            title=entry.title,
            kind=entry.kind,
            category=entry.category,
            text=entry.text,
            steps=list(entry.steps),
            url=help_url(entry.id),
            source_url=entry.source_url if entry.source_url and is_web_url(entry.source_url) else None,
        )


class SearchHitOut(BaseModel):
    """A ranked entry for agents."""

    id: str
    title: str
    text: str
    kind: Kind
    category: str | None
    score: float
    dense: float
    lexical: float
    matched: list[str]
    steps: list[str]
    url: str

    @classmethod
    def of(cls, hit: SearchHit) -> SearchHitOut:
        """A search hit with its entry's fields flattened in."""
        e = hit.entry
        return cls(
            id=e.id,
            title=e.title,
            text=e.text,
            kind=e.kind,
            category=e.category,
            score=round(hit.score, 4),
            dense=round(hit.dense, 4),
            lexical=round(hit.lexical, 4),
            matched=hit.matched,
            steps=list(e.steps),
            url=help_url(e.id),
        )


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

    @classmethod
    def of(cls, ticket: dict[str, Any]) -> HandoffResponse:
        """The contract's view of a stored ticket."""
        return cls(
            ticket_id=str(ticket["id"]),
            session_id=str(ticket["session_id"]),
            turns=len(ticket["transcript"]),
            status=str(ticket["status"]),
        )


class FeedbackRequest(BaseModel):
    """``POST /v1/feedback``: about a question asked in session ``session_id`` (its latest when ``question`` is
    left out), once per answer."""

    model_config = ConfigDict(extra="forbid")

    helpful: StrictBool
    session_id: SessionId
    question: Annotated[StrictStr, Field(max_length=QUESTION_MAX)] | None = None
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
