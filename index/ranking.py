"""Score arithmetic shared by search and benchmarks: the k best positions, per-entry maxima, unit rows."""

from __future__ import annotations

import numpy as np


def top_positions(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` best scores, best first, ties by position; without sorting everything."""
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    # everything strictly above the k-th best, then as many of its ties as fit, lowest positions first
    kth = np.partition(scores, len(scores) - k)[len(scores) - k]
    above = np.flatnonzero(scores > kth)
    tied = np.flatnonzero(scores == kth)[: k - len(above)]
    chosen = np.concatenate([above, tied])
    return chosen[np.argsort(-scores[chosen], kind="stable")]


def per_entry_max(chunk_scores: np.ndarray, chunk_entry: np.ndarray, entries: int, fill: float = 0.0) -> np.ndarray:
    """Each entry's best chunk score, given each chunk's entry position; ``fill`` for an entry without chunks."""
    out = np.full(entries, fill, dtype=np.float32)
    np.maximum.at(out, chunk_entry, np.asarray(chunk_scores, dtype=np.float32))
    return out


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, so that a dot product is the cosine whatever the embedder returned."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
