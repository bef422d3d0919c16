"""What the bot hands back: answers, sources, troubleshooting links, search hits."""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus import Entry


def help_url(entry_id: str) -> str:
    """The path of an entry's help page on this server."""
    return f"/help/{entry_id}"


@dataclass(frozen=True)
class Source:
    """An entry cited by an answer."""

    id: str
    title: str
    text: str
    kind: str
    category: str | None
    score: float
    url: str

    @classmethod
    def of(cls, entry: Entry, score: float) -> Source:
        """Cite an entry with its retrieval score."""
        return cls(entry.id, entry.title, entry.text, entry.kind, entry.category, round(score, 4), help_url(entry.id))


@dataclass(frozen=True)
class Link:
    """A troubleshooting link: the steps to follow for a rejection or a white screen."""

    id: str
    title: str
    kind: str
    url: str
    steps: list[str]

    @classmethod
    def of(cls, entry: Entry, kind: str) -> Link:
        """Link to an entry's help page, carrying its steps."""
        return cls(entry.id, entry.title, kind, help_url(entry.id), list(entry.steps))


@dataclass(frozen=True)
class Suggestion:
    """A nearby topic offered when the bot declines ("您是不是想问")."""

    id: str
    title: str
    url: str


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
    coverage: str = "covered"


@dataclass(frozen=True)
class SearchHit:
    """A ranked entry for the agents' search, with the query terms it matched."""

    entry: Entry
    score: float
    dense: float
    lexical: float
    matched: list[str]
