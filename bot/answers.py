"""What the bot hands back: answers, sources, troubleshooting links, search hits (the API adds their URLs)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.contract import Coverage, LinkKind
from corpus import Entry


@dataclass(frozen=True)
class Source:
    """An entry cited by an answer."""

    id: str
    title: str
    text: str
    kind: str
    category: str | None
    score: float

    @classmethod
    def of(cls, entry: Entry, score: float) -> Source:
        """Cite an entry with its retrieval score."""
        return cls(entry.id, entry.title, entry.text, entry.kind, entry.category, round(score, 4))


@dataclass(frozen=True)
class Link:
    """A troubleshooting link: the steps to follow for a rejection or a white screen."""

    id: str
    title: str
    kind: LinkKind
    steps: list[str]

    @classmethod
    def of(cls, entry: Entry, kind: LinkKind) -> Link:
        """Link to an entry, carrying its steps."""
        return cls(entry.id, entry.title, kind, list(entry.steps))


@dataclass(frozen=True)
class Suggestion:
    """A nearby topic offered when the bot declines ("您是不是想问")."""

    id: str
    title: str


@dataclass(frozen=True)
class Part:
    """The answer to one of several questions asked in one message."""

    question: str
    answer: str
    direct: str | None
    confident: bool
    coverage: Coverage
    sources: list[Source]


@dataclass
class Answer:
    """The reply to one question."""

    answer: str
    confident: bool
    sources: list[Source]
    troubleshooting: list[Link]
    session_id: str
    suggestions: list[Suggestion] = field(default_factory=list)
    confidence: float = 0.0
    resolved_question: str = ""
    # covered / partial / not_covered / off_topic: see bot.coverage; confident is true for the first two
    coverage: Coverage = "off_topic"
    direct: str | None = None
    parts: list[Part] = field(default_factory=list)


@dataclass(frozen=True)
class SearchHit:
    """A ranked entry for the agents' search, with the query terms it matched."""

    entry: Entry
    score: float
    dense: float
    lexical: float
    matched: list[str]
