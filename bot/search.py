"""The agents' search: ranked entries with their scores and the query terms each one matched."""

from __future__ import annotations

from bot.answers import SearchHit
from bot.pipeline import Understood


def search_hits(
    understood: Understood, k: int, kind: str | None = None, category: str | None = None
) -> list[SearchHit]:
    """The first ``k`` hits of a ranking that pass the filters, each with the query terms it holds."""
    retrieval = understood.retrieval
    terms = list(dict.fromkeys(retrieval.terms))
    hits: list[SearchHit] = []
    for h in retrieval.hits:
        e = h.entry
        if (kind and e.kind != kind) or (category and e.category != category):
            continue
        haystack = f"{e.title}\n{e.text}".lower()
        matched = [t for t in terms if t in haystack]
        hits.append(SearchHit(e, h.score, h.dense, h.lexical, matched))
        if len(hits) >= k:
            break
    return hits


def search_depth(k: int, entries: int, filtered: bool) -> int:
    """How far down the ranking to look: unfiltered, the top k is all that is shown; a filter may have to look
    further down."""
    return entries if filtered else k
