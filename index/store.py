"""The index folder on disk: builds (entries, chunks, vectors, BM25, Chroma, manifest) and ``CURRENT``."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from corpus import Entry, corpus_hash, tokenize
from corpus.tokenize import dictionary_digest
from index.chroma import CHROMA_TIMEOUT, chroma_client, chroma_errors, close_client, probe, write_collection
from index.chunking import Chunk, chunk_entries
from index.control import MAX_CORPUS_BYTES, MAX_ENTRIES, BuildControl, check_limits
from index.embeddings import VectorEmbeddings
from index.loaded import EXACT_SEARCH_MAX, LoadedIndex, read_lines
from index.manifest import INDEX_VERSION, IndexLoadError, Manifest

EMBED_BATCH = 32
KEEP_BUILDS = 2


def index_digest(entries: Iterable[Entry]) -> str:
    """What a build reads: the corpus and the dictionary that segments it."""
    return hashlib.sha256(f"{corpus_hash(entries)}\n{dictionary_digest()}".encode()).hexdigest()


class IndexStore:
    """The index folder: builds under ``builds/``, the live one named by ``CURRENT``."""

    def __init__(
        self,
        root: str | Path,
        chroma_url: str | None = None,
        exact_max: int = EXACT_SEARCH_MAX,
        chroma_timeout: float = CHROMA_TIMEOUT,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_CORPUS_BYTES,
    ) -> None:
        self.root = Path(root)
        self.chroma_url = chroma_url or None
        self.exact_max = exact_max
        self.chroma_timeout = chroma_timeout
        self.max_entries = max_entries
        self.max_bytes = max_bytes

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
            embedder.name, embedder.dimension, index_digest(entries), self.chroma_url
        )

    def load(self) -> LoadedIndex:
        """Open the live build."""
        manifest = self.current()
        if manifest is None:
            raise IndexLoadError(f"no index at {self.root}: run 'beian-bot index build'")
        return LoadedIndex(self.builds / manifest.build_id, manifest, self.exact_max, self.chroma_timeout)

    def ensure(self, embedder: VectorEmbeddings, entries: list[Entry], progress: bool = False) -> tuple[Manifest, bool]:
        """Build when missing or stale; returns the live manifest and whether it was built now."""
        if self.is_fresh(embedder, entries):
            manifest = self.current()
            assert manifest is not None
            return manifest, False
        return self.build(embedder, entries, progress=progress), True

    @contextlib.contextmanager
    def _lock(self, control: BuildControl | None = None) -> Iterator[None]:
        """The build lock, shared by every process on this index folder; a cancel stops the wait for it."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".build.lock", "w") as fh:
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | (fcntl.LOCK_NB if control is not None else 0))
                    break
                except BlockingIOError:
                    assert control is not None
                    control.check()
                    time.sleep(0.2)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def check_limits(self, entries: list[Entry]) -> None:
        """Raise :class:`CorpusTooLarge` when the corpus is over this store's limits."""
        check_limits(entries, self.max_entries, self.max_bytes)

    def clean_stale(self) -> int:
        """Remove what builds that died part-way left (``builds/.tmp-*``), unless a build holds the lock now.

        Returns how many folders were removed. Safe at any time: a build in progress, in this process or
        another, holds the lock, and then nothing is touched.
        """
        if not self.builds.exists():
            return 0
        with open(self.root / ".build.lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0
            try:
                return self._remove_partial()
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _remove_partial(self) -> int:
        # only called with the lock held: no build is writing, every .tmp-* folder is a dead build's
        removed = 0
        for path in self.builds.glob(".tmp-*"):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
        return removed

    def build(
        self,
        embedder: VectorEmbeddings,
        entries: list[Entry],
        progress: bool = False,
        on_batch: Callable[[int, int], None] | None = None,
        control: BuildControl | None = None,
    ) -> Manifest:
        """Build aside, then swap ``CURRENT`` in one rename; a crash or a cancel leaves the old build live.

        Refused up front (:class:`CorpusTooLarge`) past the limits, and (:class:`StoreUnavailable`) when the
        Chroma server does not answer; ``control`` reports progress and can cancel between batches.
        """
        self.check_limits(entries)
        control = control or BuildControl()
        control.enter("waiting for the build lock")
        with self._lock(control):
            self._remove_partial()
            if self.chroma_url:
                control.enter("checking the Chroma server")
                probe(self.chroma_url, self.chroma_timeout)
            digest = index_digest(entries)
            # microseconds in the id: builds are pruned oldest first by name, and several fit in one second
            now = time.time()
            stamp = f"{time.strftime('%Y%m%d%H%M%S', time.gmtime(now))}{int(now % 1 * 1e6):06d}"
            build_id = f"{stamp}-{digest[:8]}-{uuid.uuid4().hex[:6]}"
            self.builds.mkdir(parents=True, exist_ok=True)
            tmp = self.builds / f".tmp-{build_id}"
            tmp.mkdir()
            try:
                manifest = self._write(tmp, build_id, embedder, entries, digest, progress, on_batch, control)
                control.enter("swapping")
                final = self.builds / build_id
                os.rename(tmp, final)
                _atomic_write(self.root / "CURRENT", build_id)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            self._prune(keep=build_id)
            control.phase = "done"
            return manifest

    def saved_vectors(self, embedder: VectorEmbeddings | None = None) -> dict[str, np.ndarray]:
        """Chunk digest -> vector of the live build (only if made by ``embedder``, when given); {} if unreadable."""
        manifest = self.current()
        if manifest is None:
            return {}
        if embedder is not None and (manifest.embedder != embedder.name or manifest.dimension != embedder.dimension):
            return {}
        folder = self.builds / manifest.build_id
        try:
            chunks = [Chunk(**json.loads(line)) for line in read_lines(folder / "chunks.jsonl")]
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
        with chroma_errors(self.chroma_url):
            client = chroma_client(None, self.chroma_url, self.chroma_timeout)
            try:
                name = self._collection_name(embedder, digest)
                if name not in {getattr(c, "name", c) for c in client.list_collections()}:
                    return {}  # not there yet: nothing to reuse
                collection = client.get_collection(name)
                if collection.count() != len(chunks):
                    return {}
                got = collection.get(ids=[c.id for c in chunks], include=["embeddings"])
            finally:
                close_client(client)
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
        control: BuildControl,
    ) -> Manifest:
        control.enter("chunking", len(entries))
        chunks = chunk_entries(entries)
        _write_jsonl(tmp / "entries.jsonl", [e.to_dict() for e in entries])
        _write_jsonl(tmp / "chunks.jsonl", [asdict(c) for c in chunks])
        # embed only chunks whose text the previous build (or a replica, on a shared server) did not have
        control.enter("reusing vectors", len(chunks))
        known = self.saved_vectors(embedder)
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

        control.enter("embedding", len(todo))

        def embed() -> None:
            for start in range(0, len(todo), EMBED_BATCH):
                control.check()
                batch = todo[start : start + EMBED_BATCH]
                vectors[batch] = embedder.embed_passages([chunks[i].text for i in batch])
                control.done = start + len(batch)
                if bar is not None:
                    bar.update(len(batch))
                if on_batch is not None:
                    on_batch(start + len(batch), len(todo))

        # Embedding runs in native code without the GIL; the BM25 index (jieba) and Chroma's import are
        # Python work that overlaps it instead of waiting for it.
        with ThreadPoolExecutor(1, thread_name_prefix="build-embed") as pool:
            embedding = pool.submit(embed)
            try:
                tokens = [tokenize(c.text) or ["\u2205"] for c in chunks]
                retriever = bm25s.BM25()
                retriever.index(tokens, show_progress=False)
                retriever.save(str(tmp / "bm25"), show_progress=False)
                import chromadb  # noqa: F401  (loaded now, used below)

                embedding.result()
            except BaseException:
                control.cancel.set()  # Ctrl-C or a failure here: stop the embedding thread at its next batch
                raise
            finally:
                if bar is not None:
                    bar.close()
        np.save(tmp / "vectors.npy", vectors)

        control.enter("writing vectors", len(chunks))
        collection = self._write_vectors(tmp, chunks, vectors, embedder, digest, control)
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
        self,
        tmp: Path,
        chunks: list[Chunk],
        vectors: np.ndarray,
        embedder: VectorEmbeddings,
        digest: str,
        control: BuildControl,
    ) -> str:
        name = self._collection_name(embedder, digest) if self.chroma_url else "beian-chunks"
        with chroma_errors(self.chroma_url):
            client = chroma_client(None if self.chroma_url else tmp / "chroma", self.chroma_url, self.chroma_timeout)
            try:
                write_collection(
                    client,
                    name,
                    [c.id for c in chunks],
                    vectors,
                    [{"entry_id": c.entry_id} for c in chunks],
                    control.check,
                )
            finally:
                close_client(client)  # a build's own client would otherwise hold threads and files for good
        return name

    def _prune(self, keep: str) -> None:
        if not self.builds.exists():
            return
        done = sorted(p for p in self.builds.iterdir() if p.is_dir() and not p.name.startswith("."))
        old = [p for p in done if p.name != keep][: max(0, len(done) - KEEP_BUILDS)]
        for path in old:
            shutil.rmtree(path, ignore_errors=True)


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
