"""Request and response models of the admin API: curation, tickets, keys, webhook deliveries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

Kind = Literal["faq", "rejection", "troubleshooting"]
Title = Annotated[StrictStr, Field(min_length=1, max_length=200, pattern=r"\S")]
Text = Annotated[StrictStr, Field(max_length=10_000)]
Step = Annotated[StrictStr, Field(max_length=1000)]
Category = Annotated[StrictStr, Field(max_length=100)]
Question = Annotated[StrictStr, Field(min_length=1, max_length=500, pattern=r"\S")]
Steps = Annotated[list[Step], Field(max_length=50)]
Questions = Annotated[list[Question], Field(max_length=100)]
EntryId = Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
TicketId = Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class EntryCreate(BaseModel):
    """``POST /v1/admin/entries``."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    text: Text
    steps: Steps | None = None
    kind: Kind | None = None
    category: Category | None = None
    questions: Questions | None = None


class EntryPatch(BaseModel):
    """``PATCH /v1/admin/entries/{id}``: any of the fields; the others stay."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    text: Text | None = None
    steps: Steps | None = None
    kind: Kind | None = None
    category: Category | None = None
    questions: Questions | None = None

    def fields(self) -> dict[str, Any]:
        """The fields the caller sent (``category: null`` clears it; a null elsewhere leaves the field)."""
        sent = self.model_dump(exclude_unset=True)
        return {k: v for k, v in sent.items() if v is not None or k == "category"}


class QuestionAdd(BaseModel):
    """``POST /v1/admin/entries/{id}/questions``."""

    model_config = ConfigDict(extra="forbid")

    question: Question


class AdminEntryOut(BaseModel):
    """An entry as curation sees it, with its similar questions."""

    id: str
    title: str
    kind: Kind
    category: str | None
    text: str
    steps: list[str]
    questions: list[str]
    url: str


class ChangeOut(BaseModel):
    """One recorded change: who, when, the entry before and after."""

    id: int
    at: str
    actor: str
    action: Literal["create", "update", "retire", "add_question", "revert"]
    entry_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reverted_by: int | None


class UnansweredOut(BaseModel):
    """A question people asked and did not get answered, however they typed it."""

    question: str
    count: int
    last_asked: str
    sample_session: str | None


class TicketOut(BaseModel):
    """A handoff ticket with its transcript."""

    id: str
    at: float
    session_id: str
    note: str | None
    contact: str | None
    user_ref: str | None
    transcript: list[dict[str, Any]]
    status: Literal["open", "claimed", "closed"]
    claimed_by: str | None
    claimed_at: float | None
    closed_by: str | None
    closed_at: float | None
    resolution: str | None


class TicketClose(BaseModel):
    """``POST /v1/admin/handoff/{id}/close``."""

    model_config = ConfigDict(extra="forbid")

    resolution: Annotated[StrictStr, Field(max_length=2000)] | None = None


class KeyCreate(BaseModel):
    """``POST /v1/admin/keys``."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["agent", "admin"]
    name: Title


class KeyOut(BaseModel):
    """A key's record (never the key itself, except once in :class:`KeyCreated`)."""

    id: str
    name: str
    role: str
    created_at: float
    revoked_at: float | None
    last_used_at: float | None
    revoked: bool


class KeyCreated(KeyOut):
    """A new key: ``key`` is shown this once."""

    key: str


class DeliveryOut(BaseModel):
    """A ticket's webhook delivery."""

    id: int
    ticket_id: str
    created_at: str | None
    attempts: int
    next_at: str | None
    delivered_at: str | None
    last_error: str | None


class WhoAmI(BaseModel):
    """The caller's key: name and role."""

    name: str
    role: Literal["agent", "admin"]
