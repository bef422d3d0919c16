"""The answer to a question as the API returns it: reply text, sources, coverage, troubleshooting links."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from bot.answers import Answer, Link, Part, Source, Suggestion
from bot.compose import answer, by_subject, decline_answer, framing, join_parts, related_with_steps, title_only_answer
from bot.config import Settings
from bot.contract import Coverage
from bot.coverage import OFFERED
from bot.intents import IntentClassifier
from bot.pipeline import Understood
from bot.sentences import answer_type, asks, language
from corpus import Entry

# A question whose intent probability reaches this needs that troubleshooting, whatever entry answers it.
INTENT_THRESHOLD = 0.6
TOPICS = ("rejection", "white_screen")


def compose(
    understood: Understood,
    session_id: str,
    top_k: int,
    settings: Settings,
    intents: IntentClassifier,
    question: str | None = None,
    direct: Sequence[str] | None = None,
) -> Answer:
    """The reply: the direct sentence(s) (``direct`` when given), steps and the rest of the best entry when
    confident; a title-only topic said to have no steps, a person first and related steps; else a decline
    offering near topics."""
    question = question or understood.query.original
    fr = framing(language(question), settings.decline_text, settings.contact_text, settings.contact_url)
    # a follow-up asks its kind of answer ("要多久") of the topic it borrowed
    asked = question if answer_type(question) or not understood.borrowed else f"{understood.borrowed} {question}"
    hits = list(understood.retrieval.hits)
    ranked = [h.entry for h in hits]
    suggestions: list[Suggestion] = []
    if understood.confident and hits and hits[0].entry.title_only:
        topic = hits[0].entry
        reply = title_only_answer(topic, related_with_steps(topic, question, ranked), fr)
        coverage: Coverage = "partial"
    elif understood.confident and hits:
        lead, others = by_subject(asked, understood.query.lexical, ranked, understood.borrowed or "")
        hits.sort(key=lambda h: h.entry.id != lead.id)  # the entry answered from is cited first
        reply = answer(lead, asked, understood.query.lexical, fr, others, direct)
        coverage = understood.coverage
    else:
        suggestions = [Suggestion(h.entry.id, h.entry.title) for h in hits[:OFFERED]]
        coverage = understood.coverage
        # about filing, but not in the documents: say what was asked is not answered there
        unanswered = question if coverage == "not_covered" else None
        found = understood.signals
        names = [said_as(n, question) for n in found.names_missing] if found else []
        # a message telling the situation, or asking about nothing it names ("怎么办"), is asked what it is about
        vague = not asks(question) or (found is not None and not found.n_terms)
        told = coverage == "not_covered" and not names and not (found and found.kind_missing) and vague
        kinds = list(found.kinds_unoffered) if found else []
        reply = decline_answer(fr, [s.title for s in suggestions], unanswered, names, kinds, told)
    links = troubleshooting_links(understood, troubleshooting_topics(understood, intents), question)
    return Answer(
        answer=reply.text,
        confident=understood.confident,
        sources=[Source.of(h.entry, h.score) for h in hits[:top_k]],
        troubleshooting=links,
        session_id=session_id,
        suggestions=suggestions,
        confidence=round(understood.score, 4),
        resolved_question=understood.query.text,
        coverage=coverage,
        direct=reply.direct,
    )


def said_as(name: str, question: str) -> str:
    """A name as the question spells it (its case: "Singapore" for the folded "singapore")."""
    found = re.search(re.escape(name).replace(r"\ ", r"\s+"), question, re.IGNORECASE)
    return found.group() if found else name


def answer_text(entry: Entry) -> str:
    """A whole entry as one document: title, text, numbered steps (what a retriever hands a chain)."""
    parts = [entry.title]
    if entry.text and entry.text != entry.title:
        parts.append(entry.text)
    if entry.steps:
        parts.append("处理步骤：\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(entry.steps, 1)))
    return "\n".join(parts)


def one_message(
    message: str,
    parts: Sequence[tuple[str, Answer, Understood]],
    session_id: str,
    top_k: int,
    settings: Settings,
    intents: IntentClassifier,
) -> Answer:
    """The answer to a message, from the answers to its questions. Parts answered from the same entry are
    answered once, from all their words ("sub account wants to change the filing, which services can it select?
    any permission check?" asks one thing three ways). A message is about filing as a whole: a part that reads
    as off-topic alone ("要收费吗") is about filing but not covered when another part of it is about filing. A
    message none of whose parts is answered is declined once ("备案收费吗,要交多少钱" asks one thing twice)."""
    parts = _same_entry_joined(parts, session_id, top_k, settings, intents)
    if not all(u.coverage == "off_topic" for _, _, u in parts):
        parts = [
            (q, compose(replace(u, coverage="not_covered"), session_id, top_k, settings, intents, q), u)
            if u.coverage == "off_topic"
            else (q, a, u)
            for q, a, u in parts
        ]
    replies = [(q, a) for q, a, _ in parts]
    if len(replies) == 1:
        return replies[0][1]
    whole = None
    if not any(a.confident for _, a in replies):
        coverage: Coverage = "not_covered" if any(a.coverage == "not_covered" for _, a in replies) else "off_topic"
        whole = compose(replace(parts[0][2], coverage=coverage), session_id, top_k, settings, intents, message)
    return merge(message, replies, session_id, top_k, whole)


def _same_entry_joined(
    parts: Sequence[tuple[str, Answer, Understood]],
    session_id: str,
    top_k: int,
    settings: Settings,
    intents: IntentClassifier,
) -> list[tuple[str, Answer, Understood]]:
    """Answered parts whose best source is one entry, as one part asking all of their words of it."""
    tops = [a.sources[0].id if a.confident and a.sources else None for _, a, _ in parts]
    groups: dict[str, list[int]] = {}
    for i, top in enumerate(tops):
        if top is not None:
            groups.setdefault(top, []).append(i)
    if all(len(g) < 2 for g in groups.values()):
        return list(parts)
    out: list[tuple[str, Answer, Understood]] = []
    for i, ((q, a, u), top) in enumerate(zip(parts, tops, strict=True)):
        group = groups[top] if top is not None else []
        if len(group) < 2:
            out.append((q, a, u))
        elif i == group[0]:
            question = " ".join(parts[j][0] for j in group)
            lexical = " ".join(parts[j][2].query.lexical for j in group)
            joined = replace(u, query=replace(u.query, lexical=lexical))
            # each part's own direct sentence(s), once each, in the order they were asked
            direct = list(dict.fromkeys(s for j in group for s in (parts[j][1].direct or "").split("\n") if s))
            reply = compose(joined, session_id, top_k, settings, intents, question, direct or None)
            out.append((question, reply, joined))
    return out


def merge(
    question: str, answers: Sequence[tuple[str, Answer]], session_id: str, top_k: int, whole: Answer | None = None
) -> Answer:
    """One message that asked several questions: each answered under its own question, with its sources; or,
    when none is answered, the ``whole`` message declined once (each part's own answer stays in ``parts``)."""
    fr = framing(language(question))
    answered = [a for _, a in answers if a.confident]
    coverage: Coverage = (
        "covered"
        if all(a.coverage == "covered" for _, a in answers)
        else "partial"
        if answered
        else answers[0][1].coverage
    )
    # each answered part's best source first, then the rest in turn: what answered leads what only came near
    sources: dict[str, Source] = {}
    cited = answered + [a for _, a in answers if not a.confident]
    for rank in range(top_k):
        for a in cited:
            if rank < len(a.sources):
                sources.setdefault(a.sources[rank].id, a.sources[rank])
    links = {link.id: link for _, a in answers for link in a.troubleshooting}
    suggestions = {s.id: s for _, a in answers for s in a.suggestions}
    if whole is not None:
        return replace(
            whole,
            sources=list(sources.values())[:top_k],
            troubleshooting=list(links.values()),
            parts=[Part(q, a.answer, a.direct, a.confident, a.coverage, a.sources) for q, a in answers],
        )
    return Answer(
        answer=join_parts([(q, a.answer) for q, a in answers], fr),
        confident=bool(answered),
        sources=list(sources.values())[:top_k],
        troubleshooting=list(links.values()),
        session_id=session_id,
        suggestions=list(suggestions.values()),
        confidence=max(a.confidence for _, a in answers),
        resolved_question=" / ".join(a.resolved_question for _, a in answers),
        coverage=coverage,
        direct="\n".join(a.direct for a in answered if a.direct) or None,
        parts=[Part(q, a.answer, a.direct, a.confident, a.coverage, a.sources) for q, a in answers],
    )


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


def troubleshooting_links(understood: Understood, topics: set[str], question: str = "") -> list[Link]:
    """Links to the steps for each topic: the ranked rejection entries, the white-screen guide and its related
    steps; a confident troubleshooting answer links to itself."""
    hits = understood.retrieval.hits
    confident = understood.confident
    links: list[Link] = []
    ranked = [h.entry for h in hits]
    if "rejection" in topics:
        # a rejection whose fix the source cut has no steps to link to, unless it is the answer itself
        rejections = [e for e in ranked if e.kind == "rejection" and e.steps]
        if confident and hits and hits[0].entry.kind == "rejection":
            best = hits[0].entry
            rejections = [best, *[e for e in rejections if e.id != best.id]]
        links.extend(Link.of(e, "rejection") for e in rejections[:3])
    if "white_screen" in topics:
        screens = [e for e in understood.index.entries if e.route == "white_screen"]
        for screen in screens[:1]:
            links.append(Link.of(screen, "white_screen"))
            # a topic without steps links on to the nearest entries that have some
            related = related_with_steps(screen, question, ranked, limit=2) if screen.title_only else []
            links.extend(Link.of(e, "troubleshooting") for e in related)
    if not links and confident and hits and hits[0].entry.kind == "troubleshooting":
        links.append(Link.of(hits[0].entry, "troubleshooting"))
    return links
