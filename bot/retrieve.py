"""Hybrid retrieval: each entry's best dense cosine (an exact scan, or Chroma's graph on large indexes) and its
BM25 score, fused into one ranking."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from bot.normalize import Query
from bot.sentences import value_kinds
from corpus import Entry, tokenize
from index import LoadedIndex, VectorEmbeddings, top_positions

DENSE_CANDIDATES = 50
Mode = Literal["hybrid", "dense", "bm25"]


@dataclass(frozen=True)
class Hit:
    """One entry in a ranking, with the evidence behind its place."""

    entry: Entry
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class Retrieval:
    """A ranking of entries plus the whole-query evidence the answer/decline decision uses."""

    hits: list[Hit]
    dense_top: float
    lexical_top: float
    terms: list[str]
    # how far the best entry's cosine stands above the corpus' typical entry (the median): a question the
    # documents answer singles one entry out; one they do not lifts many a little (see bot.coverage)
    dense_lead: float = 0.0


ASKING_WORDS = Path(__file__).parent / "data" / "asking.txt"


def read_words(path: Path) -> frozenset[str]:
    """A list of words, one a line (# starts a comment line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


# Words that ask rather than name a topic: the kind of answer wanted, not what it is about.
ASKING = read_words(ASKING_WORDS)
# Of those, the ones that ask for no kind of value ("怎么办", "为什么", "如何"). An entry whose title is phrased as a
# question ("提示小程序未安装怎么办") shares them with every question asked that way, which says nothing of its topic:
# they do not count in the lexical ranking. A word asking for a value ("多久", "几个") still finds the entries that
# give one.
ONLY_ASKING = frozenset(w for w in ASKING if not value_kinds(w))


class HybridRetriever:
    """Fuses the dense and the BM25 ranking of entries; ``mode`` picks one side for comparisons."""

    def __init__(
        self,
        index: LoadedIndex,
        embedder: VectorEmbeddings,
        mode: Mode = "hybrid",
        lexical_weight: float = 1.0,
    ) -> None:
        if mode not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"unknown retrieval mode {mode!r}")
        self.index = index
        self.embedder = embedder
        self.mode = mode
        self.lexical_weight = lexical_weight

    def retrieve(self, query: Query, k: int = 5, vector: np.ndarray | None = None) -> Retrieval:
        """Rank entries for a normalised query; ``vector`` skips embedding when already known."""
        idx = self.index
        n = len(idx.entries)
        dense = np.zeros(n, dtype=np.float32)
        exact = False
        if self.mode != "bm25":
            vec = self.embedder.query_vector(query.text) if vector is None else vector
            if idx.exact:
                exact = True
                dense = idx.per_entry(idx.similarities(vec), fill=-1.0)
            else:
                for pos, cos in idx.dense(vec, DENSE_CANDIDATES):
                    e = idx.chunk_entry[pos]
                    dense[e] = max(dense[e], cos)
        terms = tokenize(query.lexical)
        lexical = np.zeros(n, dtype=np.float32)
        if self.mode != "dense":
            # a question of asking words alone ("怎么办") is still ranked by them
            lexical = idx.per_entry(idx.lexical([t for t in terms if t not in ONLY_ASKING] or terms))
        typical = 0.0
        if self.mode != "bm25" and n:
            # how close the corpus' typical entry is; on a graph-searched index only the nearest entries have a
            # cosine, so it is sampled
            typical = float(np.median(dense)) if exact else idx.typical(vec)
        fused = self._fuse(dense, lexical, exact, typical)
        top = top_positions(fused, max(k, 1))
        # the few ranked values read as Python numbers at once (numpy's scalars are slow to read one by one)
        rows = zip(top.tolist(), fused[top].tolist(), dense[top].tolist(), lexical[top].tolist(), strict=True)
        hits = [Hit(idx.entries[i], score, d, lex) for i, score, d, lex in rows if score > 0]
        lead = float(dense.max()) - typical if self.mode != "bm25" and n else 0.0
        return Retrieval(hits, float(dense.max(initial=0.0)), float(lexical.max(initial=0.0)), terms, lead)

    def _fuse(self, dense: np.ndarray, lexical: np.ndarray, exact: bool, typical: float) -> np.ndarray:
        if self.mode == "dense":
            return dense
        if self.mode == "bm25":
            return lexical
        # convex combination of normalised scores; unlike rank fusion it keeps how far ahead the leader is
        dense_n = np.zeros_like(dense)
        if exact and len(dense):
            # Cosines are scaled from the corpus' typical entry (the median) up to the best one. e5 puts every
            # passage in a narrow cone, so the top candidates alone span only a few hundredths at 10k entries:
            # stretching that band to [0, 1] let noise outvote a clear BM25 match.
            floor, high = typical, float(dense.max())
            if high > floor:
                dense_n = np.clip((dense - floor) / (high - floor), 0.0, None)
        elif not exact:
            # only the HNSW candidates have a cosine; the rest stay at 0
            found = dense > 0
            if found.any():
                low, high = float(dense[found].min()), float(dense.max())
                dense_n[found] = (dense[found] - low) / (high - low) if high > low else 1.0
        high_l = float(lexical.max(initial=0.0))
        lexical_n = lexical / high_l if high_l > 0 else lexical
        return (dense_n + self.lexical_weight * lexical_n) / (1.0 + self.lexical_weight)
