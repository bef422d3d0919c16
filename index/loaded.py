"""A built index opened for queries: entries, chunks, exact vectors or Chroma's graph, and BM25."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from corpus import Entry
from index.chroma import CHROMA_TIMEOUT, chroma_client, chroma_errors, close_client
from index.chunking import Chunk
from index.manifest import IndexLoadError, Manifest
from index.ranking import per_entry_max, top_positions, unit_rows

# Below this many chunks the dense side is an exact scan of the build's vectors: at 10k chunks Chroma's HNSW
# (default settings) returned the exact nearest chunk for only 67% of the labelled questions, and a scan of
# 50k x 384 floats costs a few milliseconds. Above it, Chroma's HNSW answers, built with the settings in
# index/chroma.py.
EXACT_SEARCH_MAX = 50_000
# Entries whose vectors stand for the whole corpus on a graph-searched index (see LoadedIndex.typical).
TYPICAL_SAMPLE = 1024


class LoadedIndex:
    """A built index opened for queries: entries, chunks, the Chroma collection and BM25."""

    def __init__(
        self, folder: Path, manifest: Manifest, exact_max: int = EXACT_SEARCH_MAX, timeout: float = CHROMA_TIMEOUT
    ) -> None:
        self.folder = folder
        self.manifest = manifest
        self.entries = [Entry.from_dict(json.loads(line)) for line in read_lines(folder / "entries.jsonl")]
        self.chunks = [Chunk(**json.loads(line)) for line in read_lines(folder / "chunks.jsonl")]
        self.by_id = {e.id: e for e in self.entries}
        entry_pos = {e.id: i for i, e in enumerate(self.entries)}
        self.entry_pos = entry_pos
        self.chunk_entry = np.array([entry_pos[c.entry_id] for c in self.chunks], dtype=np.int64)
        # chunks are written entry by entry: then each entry's chunks are one run, and a per-entry maximum is
        # one reduceat instead of a (much slower) unbuffered maximum.at
        starts = np.flatnonzero(np.diff(self.chunk_entry, prepend=-1) != 0)
        in_runs = len(starts) > 0 and np.array_equal(self.chunk_entry[starts], np.arange(len(self.entries)))
        self._starts = starts if in_runs else None
        self.chunk_pos = {c.id: i for i, c in enumerate(self.chunks)}
        self.bm25 = bm25s.BM25.load(str(folder / "bm25"), load_corpus=False)
        self._vocab: dict[str, int] = dict(self.bm25.vocab_dict)
        self.client: Any = None
        self.collection: Any = None
        self.vectors: np.ndarray | None = None
        # a graph-searched index keeps its vectors on disk, opened once and read row by row
        self._on_disk: np.ndarray | None = None
        self._sample = np.zeros((0, manifest.dimension), dtype=np.float32)
        self._sample_entry = np.zeros(0, dtype=np.int64)
        if len(self.chunks) <= exact_max:
            # answering scans these vectors and never asks Chroma: a Chroma server that is down does not matter
            self.vectors = unit_rows(np.load(folder / "vectors.npy"))
            if self.vectors.shape != (len(self.chunks), manifest.dimension):
                raise IndexLoadError(f"vectors.npy has shape {self.vectors.shape}, expected {len(self.chunks)} rows")
            return
        # the graph gives cosines of the nearest chunks only; how close the corpus' typical entry is comes from
        # the vectors of an even sample of entries, read without loading the rest
        every = self._on_disk = np.load(folder / "vectors.npy", mmap_mode="r")
        step = max(1, len(self.entries) // TYPICAL_SAMPLE)
        rows = np.flatnonzero(self.chunk_entry % step == 0)
        self._sample = unit_rows(np.asarray(every[rows], dtype=np.float32))
        self._sample_entry = self.chunk_entry[rows]
        path = None if manifest.chroma_url else folder / "chroma"
        with chroma_errors(manifest.chroma_url):
            self.client = chroma_client(path, manifest.chroma_url, timeout)
            self.collection = self.client.get_collection(manifest.collection)
            count = self.collection.count()
        if count != manifest.chunks:
            raise IndexLoadError(f"collection {manifest.collection} holds {count} chunks, expected {manifest.chunks}")

    @property
    def exact(self) -> bool:
        """Whether dense search scans every vector (True) or asks Chroma's HNSW graph."""
        return self.vectors is not None

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        """Cosine of every chunk to the vector; only on an exact index (see :attr:`exact`)."""
        if self.vectors is None:
            raise IndexLoadError("this index searches through Chroma's HNSW graph: no exact similarities")
        return self.vectors @ np.asarray(vector, dtype=np.float32)

    def typical(self, vector: np.ndarray) -> float:
        """The median entry's cosine to the vector: over every entry on an exact index, else over a sample."""
        vector = np.asarray(vector, dtype=np.float32)
        if self.vectors is not None:
            return float(np.median(self.per_entry(self.similarities(vector), fill=-1.0)))
        best = per_entry_max(self._sample @ vector, self._sample_entry, len(self.entries), -np.inf)
        return float(np.median(best[np.isfinite(best)]))

    def dense(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Nearest chunks by cosine similarity, as (chunk position, cosine)."""
        k = max(1, min(k, len(self.chunks)))
        if self.vectors is not None:
            scores = self.similarities(vector)
            return [(int(i), float(scores[i])) for i in top_positions(scores, k)]
        with chroma_errors(self.manifest.chroma_url):
            res = self.collection.query(query_embeddings=[vector], n_results=k, include=["distances"])
        ids, dists = res["ids"][0], res["distances"][0]
        return [(self.chunk_pos[i], 1.0 - float(d)) for i, d in zip(ids, dists, strict=True) if i in self.chunk_pos]

    def per_entry(self, chunk_scores: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """Each entry's best chunk score; ``fill`` for an entry without chunks."""
        scores = np.asarray(chunk_scores, dtype=np.float32)
        if self._starts is not None:
            return np.maximum.reduceat(scores, self._starts)
        return per_entry_max(scores, self.chunk_entry, len(self.entries), fill)

    def best_chunk_vector(self, entry: int, vector: np.ndarray) -> np.ndarray:
        """The unit vector of the entry's chunk nearest the query vector (read from disk on a graph-searched
        index, which keeps no vectors in memory)."""
        if self._starts is not None:
            end = int(self._starts[entry + 1]) if entry + 1 < len(self._starts) else len(self.chunks)
            rows = np.arange(int(self._starts[entry]), end)
        else:
            rows = np.flatnonzero(self.chunk_entry == entry)
        if self.vectors is not None:
            block = self.vectors[rows]
        else:
            assert self._on_disk is not None
            block = unit_rows(np.asarray(self._on_disk[rows], dtype=np.float32))
        return np.asarray(block[int(np.argmax(block @ vector))], dtype=np.float32)

    def lexical(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for the query tokens."""
        known = [t for t in tokens if t in self._vocab]
        if not known:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def close(self) -> None:
        """Release this index's Chroma client.

        ``Client.close`` is reference-counted: another index open on the same path keeps the shared system
        alive; the process-wide cache is never cleared wholesale.
        """
        self.collection = None
        if self.client is not None:
            close_client(self.client)


def read_lines(path: Path) -> list[str]:
    """The non-blank lines of a build file."""
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
