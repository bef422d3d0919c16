"""Build, persist and load an index: Chroma vectors, a BM25 index and a manifest, swapped in whole."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import bm25s
import numpy as np

from corpus import Entry, corpus_hash, tokenize
from index.chunking import Chunk, chunk_entries
from index.embeddings import VectorEmbeddings

INDEX_VERSION = 5  # 5: similar questions are chunks of their entry
EMBED_BATCH = 32
KEEP_BUILDS = 2
# Below this many chunks the dense side is an exact scan of the build's vectors: at 10k chunks Chroma's HNSW
# (default settings) returned the exact nearest chunk for only 67% of the labelled questions, and a scan of
# 50k x 384 floats costs a few milliseconds. Above it, Chroma's HNSW answers, built with the settings below.
EXACT_SEARCH_MAX = 50_000
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}


class IndexError_(RuntimeError):
    """The index is missing, stale or unreadable."""


@dataclass(frozen=True)
class Manifest:
    """What a built index was made from; a mismatch means it must be rebuilt."""

    version: int
    embedder: str
    dimension: int
    corpus_hash: str
    build_id: str
    collection: str
    chroma_url: str | None
    chunks: int
    entries: int
    created: float
    embedded: int = 0

    def matches(self, embedder: str, dimension: int, digest: str, chroma_url: str | None) -> bool:
        """Whether this index answers for that embedder, corpus and vector store."""
        return (
            self.version == INDEX_VERSION
            and self.embedder == embedder
            and self.dimension == dimension
            and self.corpus_hash == digest
            and self.chroma_url == chroma_url
        )


def chroma_client(path: Path | None, url: str | None) -> Any:
    """A Chroma client with telemetry off: a server when ``url`` is set, else embedded at ``path``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        parsed = urlparse(url)
        return chromadb.HttpClient(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or (443 if parsed.scheme == "https" else 8000),
            ssl=parsed.scheme == "https",
            settings=settings,
        )
    assert path is not None
    return chromadb.PersistentClient(path=str(path), settings=settings)


class LoadedIndex:
    """A built index opened for queries: entries, chunks, the Chroma collection and BM25."""

    def __init__(self, folder: Path, manifest: Manifest, exact_max: int = EXACT_SEARCH_MAX) -> None:
        self.folder = folder
        self.manifest = manifest
        self.entries = [Entry.from_dict(json.loads(line)) for line in _lines(folder / "entries.jsonl")]
        self.chunks = [Chunk(**json.loads(line)) for line in _lines(folder / "chunks.jsonl")]
        self.by_id = {e.id: e for e in self.entries}
        entry_pos = {e.id: i for i, e in enumerate(self.entries)}
        self.chunk_entry = np.array([entry_pos[c.entry_id] for c in self.chunks], dtype=np.int64)
        # chunks are written entry by entry: then each entry's chunks are one run, and a per-entry maximum is
        # one reduceat instead of a (much slower) unbuffered maximum.at
        starts = np.flatnonzero(np.diff(self.chunk_entry, prepend=-1) != 0)
        in_runs = len(starts) > 0 and np.array_equal(self.chunk_entry[starts], np.arange(len(self.entries)))
        self._starts = starts if in_runs else None
        self.chunk_pos = {c.id: i for i, c in enumerate(self.chunks)}
        self.bm25 = bm25s.BM25.load(str(folder / "bm25"), load_corpus=False)
        self._vocab: dict[str, int] = dict(self.bm25.vocab_dict)
        path = None if manifest.chroma_url else folder / "chroma"
        self.client = chroma_client(path, manifest.chroma_url)
        self.collection = self.client.get_collection(manifest.collection)
        count = self.collection.count()
        if count != manifest.chunks:
            raise IndexError_(f"collection {manifest.collection} holds {count} chunks, expected {manifest.chunks}")
        self.vectors: np.ndarray | None = None
        if len(self.chunks) <= exact_max:
            self.vectors = _unit_rows(np.load(folder / "vectors.npy"))
            if self.vectors.shape != (len(self.chunks), manifest.dimension):
                raise IndexError_(f"vectors.npy has shape {self.vectors.shape}, expected {len(self.chunks)} rows")

    @property
    def exact(self) -> bool:
        """Whether dense search scans every vector (True) or asks Chroma's HNSW graph."""
        return self.vectors is not None

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        """Cosine of every chunk to the vector; only on an exact index (see :attr:`exact`)."""
        if self.vectors is None:
            raise IndexError_("this index searches through Chroma's HNSW graph: no exact similarities")
        return self.vectors @ np.asarray(vector, dtype=np.float32)

    def dense(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Nearest chunks by cosine similarity, as (chunk position, cosine)."""
        k = max(1, min(k, len(self.chunks)))
        if self.vectors is not None:
            scores = self.similarities(vector)
            return [(int(i), float(scores[i])) for i in top_positions(scores, k)]
        res = self.collection.query(query_embeddings=[vector], n_results=k, include=["distances"])
        ids, dists = res["ids"][0], res["distances"][0]
        return [(self.chunk_pos[i], 1.0 - float(d)) for i, d in zip(ids, dists, strict=True) if i in self.chunk_pos]

    def per_entry(self, chunk_scores: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """Each entry's best chunk score; ``fill`` for an entry without chunks."""
        scores = np.asarray(chunk_scores, dtype=np.float32)
        if self._starts is not None:
            return np.maximum.reduceat(scores, self._starts)
        out = np.full(len(self.entries), fill, dtype=np.float32)
        np.maximum.at(out, self.chunk_entry, scores)
        return out

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
        _close_client(self.client)


class IndexStore:
    """The index folder: builds under ``builds/``, the live one named by ``CURRENT``."""

    def __init__(self, root: str | Path, chroma_url: str | None = None, exact_max: int = EXACT_SEARCH_MAX) -> None:
        self.root = Path(root)
        self.chroma_url = chroma_url or None
        self.exact_max = exact_max

    @property
    def builds(self) -> Path:
        """Folder holding each build."""
        return self.root / "builds"

    def current(self) -> Manifest | None:
        """The manifest of the live build, or None when there is none or it is unreadable."""
        try:
            build_id = (self.root / "CURRENT").read_text().strip()
            data = json.loads((self.builds / build_id / "manifest.json").read_text())
            return Manifest(**data)
        except (OSError, ValueError, TypeError):
            return None

    def is_fresh(self, embedder: VectorEmbeddings, entries: list[Entry]) -> bool:
        """Whether the live build matches this embedder and corpus."""
        manifest = self.current()
        return manifest is not None and manifest.matches(
            embedder.name, embedder.dimension, corpus_hash(entries), self.chroma_url
        )

    def load(self) -> LoadedIndex:
        """Open the live build."""
        manifest = self.current()
        if manifest is None:
            raise IndexError_(f"no index at {self.root}: run 'beian-bot index build'")
        return LoadedIndex(self.builds / manifest.build_id, manifest, self.exact_max)

    def ensure(self, embedder: VectorEmbeddings, entries: list[Entry], progress: bool = False) -> tuple[Manifest, bool]:
        """Build when missing or stale; returns the live manifest and whether it was built now."""
        if self.is_fresh(embedder, entries):
            manifest = self.current()
            assert manifest is not None
            return manifest, False
        return self.build(embedder, entries, progress=progress), True

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".build.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def build(
        self,
        embedder: VectorEmbeddings,
        entries: list[Entry],
        progress: bool = False,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> Manifest:
        """Build aside, then swap ``CURRENT`` in one rename; a crash leaves the old build live."""
        with self._lock():
            digest = corpus_hash(entries)
            build_id = f"{time.strftime('%Y%m%d%H%M%S')}-{digest[:8]}-{uuid.uuid4().hex[:6]}"
            self.builds.mkdir(parents=True, exist_ok=True)
            tmp = self.builds / f".tmp-{build_id}"
            tmp.mkdir()
            try:
                manifest = self._write(tmp, build_id, embedder, entries, digest, progress, on_batch)
                final = self.builds / build_id
                os.rename(tmp, final)
                _atomic_write(self.root / "CURRENT", build_id)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            self._prune(keep=build_id)
            return manifest

    def _previous_vectors(self, embedder: VectorEmbeddings) -> dict[str, np.ndarray]:
        manifest = self.current()
        if manifest is None or manifest.embedder != embedder.name or manifest.dimension != embedder.dimension:
            return {}
        folder = self.builds / manifest.build_id
        try:
            chunks = [Chunk(**json.loads(line)) for line in _lines(folder / "chunks.jsonl")]
            vectors = np.load(folder / "vectors.npy")
        except (OSError, ValueError, TypeError):
            return {}
        if len(chunks) != len(vectors):
            return {}
        return {c.digest: vectors[i] for i, c in enumerate(chunks)}

    def _collection_name(self, embedder: VectorEmbeddings, digest: str) -> str:
        # content-addressed: replicas building the same corpus share one collection on the server
        key = f"{INDEX_VERSION}|{embedder.name}|{digest}"
        return f"beian-{hashlib.sha1(key.encode()).hexdigest()[:24]}"

    def _server_vectors(self, embedder: VectorEmbeddings, digest: str, chunks: list[Chunk]) -> dict[str, np.ndarray]:
        if not self.chroma_url:
            return {}
        client = chroma_client(None, self.chroma_url)
        try:
            try:
                collection = client.get_collection(self._collection_name(embedder, digest))
            except Exception:  # not there yet: nothing to reuse
                return {}
            if collection.count() != len(chunks):
                return {}
            got = collection.get(ids=[c.id for c in chunks], include=["embeddings"])
        finally:
            _close_client(client)
        vectors = dict(zip(got["ids"], got["embeddings"], strict=True))
        return {c.digest: np.asarray(vectors[c.id], dtype=np.float32) for c in chunks if c.id in vectors}

    def _write(
        self,
        tmp: Path,
        build_id: str,
        embedder: VectorEmbeddings,
        entries: list[Entry],
        digest: str,
        progress: bool,
        on_batch: Callable[[int, int], None] | None,
    ) -> Manifest:
        chunks = chunk_entries(entries)
        _write_jsonl(tmp / "entries.jsonl", [e.to_dict() for e in entries])
        _write_jsonl(tmp / "chunks.jsonl", [asdict(c) for c in chunks])
        # embed only chunks whose text the previous build (or a replica, on a shared server) did not have
        known = self._previous_vectors(embedder)
        known.update(self._server_vectors(embedder, digest, chunks))
        vectors = np.zeros((len(chunks), embedder.dimension), dtype=np.float32)
        todo = []
        for i, chunk in enumerate(chunks):
            if chunk.digest in known:
                vectors[i] = known[chunk.digest]
            else:
                todo.append(i)
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), desc="embedding chunks", unit="chunk")

        def embed() -> None:
            for start in range(0, len(todo), EMBED_BATCH):
                batch = todo[start : start + EMBED_BATCH]
                vectors[batch] = embedder.embed_passages([chunks[i].text for i in batch])
                if bar is not None:
                    bar.update(len(batch))
                if on_batch is not None:
                    on_batch(start + len(batch), len(todo))

        # Embedding runs in native code without the GIL; the BM25 index (jieba) and Chroma's import are
        # Python work that overlaps it instead of waiting for it.
        with ThreadPoolExecutor(1, thread_name_prefix="build-embed") as pool:
            embedding = pool.submit(embed)
            tokens = [tokenize(c.text) or ["\u2205"] for c in chunks]
            retriever = bm25s.BM25()
            retriever.index(tokens, show_progress=False)
            retriever.save(str(tmp / "bm25"), show_progress=False)
            import chromadb  # noqa: F401  (loaded now, used below)

            embedding.result()
        if bar is not None:
            bar.close()
        np.save(tmp / "vectors.npy", vectors)

        collection = self._write_vectors(tmp, chunks, vectors, embedder, digest)
        manifest = Manifest(
            version=INDEX_VERSION,
            embedder=embedder.name,
            dimension=embedder.dimension,
            corpus_hash=digest,
            build_id=build_id,
            collection=collection,
            chroma_url=self.chroma_url,
            chunks=len(chunks),
            entries=len(entries),
            created=time.time(),
            embedded=len(todo),
        )
        _atomic_write(tmp / "manifest.json", json.dumps(asdict(manifest), indent=2))
        return manifest

    def _write_vectors(
        self, tmp: Path, chunks: list[Chunk], vectors: np.ndarray, embedder: VectorEmbeddings, digest: str
    ) -> str:
        if self.chroma_url:
            name = self._collection_name(embedder, digest)
            client = chroma_client(None, self.chroma_url)
        else:
            name = "beian-chunks"
            client = chroma_client(tmp / "chroma", None)
        try:
            collection = client.get_or_create_collection(
                name, configuration={"hnsw": dict(HNSW)}, embedding_function=None
            )
            if collection.count() != len(chunks):
                batch = 4096
                for start in range(0, len(chunks), batch):
                    part = chunks[start : start + batch]
                    collection.upsert(
                        ids=[c.id for c in part],
                        embeddings=vectors[start : start + len(part)],
                        metadatas=[{"entry_id": c.entry_id} for c in part],
                    )
        finally:
            _close_client(client)  # a build's own client would otherwise hold threads and files for good
        return name

    def _prune(self, keep: str) -> None:
        if not self.builds.exists():
            return
        done = sorted(p for p in self.builds.iterdir() if p.is_dir() and not p.name.startswith("."))
        old = [p for p in done if p.name != keep][: max(0, len(done) - KEEP_BUILDS)]
        for path in old:
            shutil.rmtree(path, ignore_errors=True)
        for path in self.builds.glob(".tmp-*"):
            # a build that died part-way; only ones older than an hour, a live build may be writing
            if time.time() - path.stat().st_mtime > 3600:
                shutil.rmtree(path, ignore_errors=True)


def _close_client(client: Any) -> None:
    close = getattr(client, "close", None)
    if close is not None:
        with contextlib.suppress(Exception):
            close()


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


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, so that a dot product is the cosine whatever the embedder returned."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}")
    tmp.write_text(text, encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
