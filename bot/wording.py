"""The wording of an answer: the entry's text, the decline with suggestions and a person, troubleshooting links."""

from __future__ import annotations

from collections.abc import Sequence

from bot.answers import Answer, Link, Source, Suggestion
from bot.config import Settings
from bot.intents import IntentClassifier
from bot.pipeline import Understood
from corpus import Entry

# A question whose intent probability reaches this needs that troubleshooting, whatever entry answers it.
INTENT_THRESHOLD = 0.6
TOPICS = ("rejection", "white_screen")


def compose(
    understood: Understood, session_id: str, top_k: int, settings: Settings, intents: IntentClassifier
) -> Answer:
    """The reply: the best entry's text when confident, else a decline offering near topics and a person."""
    retrieval = understood.retrieval
    sources = [Source.of(h.entry, h.score) for h in retrieval.hits[:top_k]]
    links = troubleshooting_links(understood, troubleshooting_topics(understood, intents))
    if understood.confident:
        text = answer_text(retrieval.hits[0].entry)
        suggestions: list[Suggestion] = []
    else:
        suggestions = [Suggestion(h.entry.id, h.entry.title) for h in retrieval.hits[:3]]
        text = decline_text(settings, suggestions)
    return Answer(
        answer=text,
        confident=understood.confident,
        sources=sources,
        troubleshooting=links,
        session_id=session_id,
        suggestions=suggestions,
        confidence=round(understood.score, 4),
        resolved_question=understood.query.text,
        coverage=understood.coverage,
    )


def answer_text(entry: Entry) -> str:
    """An entry as the answer reads: title, text, numbered steps."""
    parts = [entry.title]
    if entry.text and entry.text != entry.title:
        parts.append(entry.text)
    if entry.steps:
        parts.append("处理步骤：\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(entry.steps, 1)))
    return "\n".join(parts)


def decline_text(settings: Settings, suggestions: Sequence[Suggestion]) -> str:
    """Says the documents do not answer it, offers the nearest topics, then a person."""
    lines = [settings.decline_text]
    if suggestions:
        lines.append("您是不是想问：")
        lines.extend(f"· {s.title}" for s in suggestions)
    contact = settings.contact_text
    if settings.contact_url:
        contact = f"{contact}（{settings.contact_url}）"
    lines.append(contact)
    return "\n".join(lines)


def troubleshooting_topics(understood: Understood, intents: IntentClassifier) -> set[str]:
    """The troubleshooting topics a question needs ("rejection", "white_screen"): from what it says and from
    the entry that answers it."""
    probs = intents.probabilities(understood.vector)
    topics = {label for label in TOPICS if probs[label] >= INTENT_THRESHOLD}
    hits = understood.retrieval.hits
    if understood.confident and hits:
        best = hits[0].entry
        if best.kind == "rejection":
            topics.add("rejection")
        if best.route == "white_screen":
            topics.add("white_screen")
    return topics


def troubleshooting_links(understood: Understood, topics: set[str]) -> list[Link]:
    """Links to the steps for each topic: the ranked rejection entries, the white-screen guide and its related
    steps; a confident troubleshooting answer links to itself."""
    hits = understood.retrieval.hits
    confident = understood.confident
    links: list[Link] = []
    ranked = [h.entry for h in hits]
    if "rejection" in topics:
        rejections = [e for e in ranked if e.kind == "rejection"]
        if confident and hits and hits[0].entry.kind == "rejection":
            best = hits[0].entry
            rejections = [best, *[e for e in rejections if e.id != best.id]]
        links.extend(Link.of(e, "rejection") for e in rejections[:3])
    if "white_screen" in topics:
        screens = [e for e in understood.index.entries if e.route == "white_screen"]
        for screen in screens[:1]:
            links.append(Link.of(screen, "white_screen"))
            related = [e for e in ranked if e.id in screen.related and e.kind == "troubleshooting"]
            links.extend(Link.of(e, "troubleshooting") for e in related[:2])
    if not links and confident and hits and hits[0].entry.kind == "troubleshooting":
        links.append(Link.of(hits[0].entry, "troubleshooting"))
    return links
