"""The question pipeline, written once: normalise -> embed -> retrieve -> decide (with the last topic if needed)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.decide import Decider
from bot.normalize import Query, normalize
from bot.retrieve import HybridRetriever, Retrieval
from bot.sentences import is_question_like, subjects
from bot.sessions import Turn
from bot.vectors import QuestionVectors
from corpus.tokenize import fold, tokenize, topic_words
from index import LoadedIndex

# Entries ranked per question: enough for the sources shown and the troubleshooting links drawn from them.
LINK_DEPTH = 20
# Words that lean on the previous turn ("那要多久？", "app的呢？", "这个怎么弄").
_FOLLOW_UP = re.compile(r"^(那|那么|还有|另外|如果|要是|然后)|呢[?？!！。]*$|这个|那个|它|上面|刚才|what about|and if")
# Words that only point back at what was said.
_LEANING = frozenset(
    ["那", "那要", "这", "这要", "它", "上面", "刚才", "about", "and", "if", "then", "that", "this", "one"]
)
# Work per question is bounded whatever its length. The embedder's cost grows faster than the text (a 500-character
# question cost ~65x a short one): only the first EMBED_MAX_CHARS of the normalised question are embedded; every
# labelled question is shorter (the longest normalises to 65). BM25 reads the first LEXICAL_MAX_CHARS (see
# bot/normalize.py). A follow-up borrows at most TOPIC_MAX_WORDS topic words, found in the first TOPIC_MAX_CHARS
# of the previous question (part-of-speech tagging cost ~1.7 ms a character on unknown text).
EMBED_MAX_CHARS = 80
TOPIC_MAX_CHARS = 80
TOPIC_MAX_WORDS = 8


@dataclass(frozen=True)
class Understood:
    """A question run through the pipeline: the normalised query, its vector, the ranking and the decision."""

    query: Query
    vector: np.ndarray
    retrieval: Retrieval
    confident: bool
    score: float
    index: LoadedIndex  # the index the ranking came from: one version per answer
    borrowed: str | None = None  # the earlier question whose topic this turn was read with


class Pipeline:
    """Runs questions through the shared steps; the retriever comes from the caller's snapshot of the index."""

    def __init__(self, vectors: QuestionVectors, decider: Decider) -> None:
        self.vectors = vectors
        self.decider = decider

    def run(
        self,
        question: str,
        retriever: HybridRetriever,
        depth: int = LINK_DEPTH,
        judge: HybridRetriever | None = None,
        timings: dict[str, float] | None = None,
    ) -> Understood:
        """One question on its own. ``judge`` (default: ``retriever``) supplies the evidence the decision
        reads, so a one-sided ranking can be compared under the bot's own decision; ``timings`` collects
        the seconds each step took."""
        t0 = time.perf_counter()
        query = normalize(question)
        t1 = time.perf_counter()
        vector = self.vectors.embed(query.text[:EMBED_MAX_CHARS])
        t2 = time.perf_counter()
        retrieval = retriever.retrieve(query, depth, vector)
        judged = retrieval if judge is None or judge is retriever else judge.retrieve(query, depth, vector)
        t3 = time.perf_counter()
        confident, score = self.decider.confident(question, judged, vector)
        if timings is not None:
            t4 = time.perf_counter()
            for step, seconds in (
                ("normalize", t1 - t0),
                ("embed", t2 - t1),
                ("retrieve", t3 - t2),
                ("decide", t4 - t3),
            ):
                timings[step] = timings.get(step, 0.0) + seconds
        return Understood(query, vector, retrieval, confident, score, retriever.index)

    def in_context(
        self, question: str, retriever: HybridRetriever, history: Sequence[Turn], depth: int = LINK_DEPTH
    ) -> Understood:
        """One turn of a conversation, read in the light of the last topic only when it is about that topic.

        A turn that brings nothing beyond the last topic but question words, words leaning on it ("那",
        "这个") or a kind of service ("APP的呢？", "那要多久？") is read with the topic. A turn with words of
        its own borrows the topic only when it leans on it, is answerable alone, and the entry found with
        the topic holds all of its own words ("那结果怎么通知我"); else it is read alone, so a question
        with a topic of its own that is declined alone stays declined.
        """
        alone = self.run(question, retriever, depth)
        previous = next((t for t in reversed(history) if t.entry_id), None)
        if previous is None:
            return alone
        fresh = new_terms(question, previous.resolved)
        if fresh and not (alone.confident and _FOLLOW_UP.search(alone.query.text)):
            return alone
        topic = last_topic(previous.resolved)
        with_topic = self.run(f"{topic} {question}", retriever, depth)
        if not with_topic.confident or not with_topic.retrieval.hits:
            return alone
        best = with_topic.retrieval.hits[0].entry
        if fresh and not all(term in fold(f"{best.title} {best.text}") for term in fresh):
            return alone
        return replace(with_topic, borrowed=previous.question)


def new_terms(question: str, topic: str) -> set[str]:
    """The words a turn brings beyond an earlier turn's topic: not question words, not words leaning on
    what was said ("那", "这个", "what about"), not a kind of service."""
    known = set(tokenize(topic))
    out = set()
    for term in tokenize(question):
        if term in known or term in _LEANING or _FOLLOW_UP.search(term) or is_question_like(term):
            continue
        if subjects(term):
            continue
        out.add(term)
    return out


def last_topic(resolved: str) -> str:
    """The topic a follow-up borrows from the previous question: its first nouns, bounded in length."""
    head = resolved[:TOPIC_MAX_CHARS]
    return " ".join(topic_words(head)[:TOPIC_MAX_WORDS]) or head
