"""Vectors the bot keeps: the recent questions' (an LRU in memory) and fixed texts' (a cache on disk)."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Literal

import numpy as np

from index import VectorEmbeddings

log = logging.getLogger("beian_bot")


class QuestionVectors:
    """Query vectors of normalised questions; the ``size`` most recent ones are remembered (0: none).

    Help desks hear the same questions again and again, and embedding is most of an answer's cost.
    """

    def __init__(self, embedder: VectorEmbeddings, size: int) -> None:
        self.embedder = embedder
        self.size = size
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, text: str) -> np.ndarray:
        """The query vector of a normalised question (read-only when remembered)."""
        if self.size <= 0:
            return self.embedder.query_vector(text)
        with self._lock:
            hit = self._recent.get(text)
            if hit is not None:
                self._recent.move_to_end(text)
                return hit
        vector = self.embedder.query_vector(text)
        vector.setflags(write=False)
        with self._lock:
            self._recent[text] = vector
            while len(self._recent) > self.size:
                self._recent.popitem(last=False)
        return vector

    def __len__(self) -> int:
        return len(self._recent)


def fixed_vectors(
    embedder: VectorEmbeddings, folder: Path, name: str, texts: list[str], mode: Literal["query", "passage"]
) -> np.ndarray:
    """Embeddings of fixed texts, cached on disk under ``folder`` by embedder and content."""
    key = hashlib.sha1("\n".join([embedder.name, mode, *texts]).encode()).hexdigest()[:16]
    path = Path(folder) / "cache" / f"{name}-{key}.npy"
    try:
        cached = np.load(path)
        if cached.shape == (len(texts), embedder.dimension):
            return cached
    except (OSError, ValueError):
        pass
    if mode == "passage":
        vectors = embedder.embed_passages(texts)
    else:
        vectors = np.stack([embedder.query_vector(t) for t in texts])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, vectors)
        tmp.replace(path)
    except OSError:
        log.warning("could not cache vectors at %s", path)
    return vectors
