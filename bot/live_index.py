"""The live index: the build answering now, swapped whole on reindex or refresh, old ones retired later."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Settings
from bot.coverage import Catalogue
from bot.errors import CorpusUnavailable
from bot.lexicon import Lexicon
from bot.reindex import Reindexer
from bot.retrieve import HybridRetriever, Mode
from corpus import CorpusError, Entry, load_corpus
from index import BuildControl, IndexStore, LoadedIndex, VectorEmbeddings

log = logging.getLogger("beian_bot")

# A swapped-out index is closed this long after the swap: requests that began on it have long finished.
RETIRE_AFTER = 30.0


def open_store(settings: Settings) -> IndexStore:
    """The index folder (and Chroma server, if any) the settings name, with the build limits."""
    return IndexStore(
        settings.index_dir,
        settings.chroma_url,
        settings.exact_search_max,
        chroma_timeout=settings.chroma_timeout,
        max_entries=settings.max_entries,
        max_bytes=settings.max_corpus_bytes,
    )


@dataclass(frozen=True)
class Snapshot:
    """One built index and its retriever: what a request reads from start to end, whatever is swapped meanwhile.

    With them, the index's words by sound (typos and typed pinyin) and by entry (what each entry says)."""

    index: LoadedIndex
    retriever: HybridRetriever
    lexicon: Lexicon
    catalogue: Catalogue

    def retriever_for(self, mode: Mode) -> HybridRetriever:
        """The hybrid retriever, or one that ranks by one side alone (for comparisons)."""
        if mode == "hybrid":
            return self.retriever
        return HybridRetriever(self.index, self.retriever.embedder, mode=mode)


class LiveIndex:
    """Holds the snapshot answering now; reindex builds aside and swaps, refresh follows ``CURRENT``."""

    def __init__(self, settings: Settings, embedder: VectorEmbeddings, index: LoadedIndex) -> None:
        self.settings = settings
        self.embedder = embedder
        # run on every new snapshot before it answers (the bot measures its coverage reference points there)
        self.prepare: Callable[[Snapshot], object] | None = None
        self._snapshot = self._snap(index)
        self._swap_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._retired: list[tuple[float, LoadedIndex]] = []
        self.reindexer = Reindexer()
        # why the build answering is not the configured corpus' (a failed start or build); None when it is
        self.stale: str | None = None

    def _snap(self, index: LoadedIndex) -> Snapshot:
        return Snapshot(
            index,
            HybridRetriever(index, self.embedder, lexical_weight=self.settings.lexical_weight),
            Lexicon.from_entries(index.entries),
            Catalogue(index.entries),
        )

    @property
    def snapshot(self) -> Snapshot:
        """The index and retriever answering now."""
        return self._snapshot

    @property
    def index(self) -> LoadedIndex:
        """The index answering now."""
        return self._snapshot.index

    def reindex(self, entries: list[Entry] | None = None) -> dict[str, object]:
        """Rebuild from these entries (the configured corpus by default) aside, then swap; answers keep flowing
        meanwhile. One at a time (:class:`Conflict`), within the build limits, cancellable through
        :attr:`reindexer`."""
        result = self.reindexer.run(lambda control: self._rebuild(control, entries))
        self.stale = None
        return result

    def _rebuild(self, control: BuildControl, entries: list[Entry] | None) -> dict[str, object]:
        if entries is None:
            control.enter("reading the corpus")
            try:
                entries = load_corpus(self.settings.corpus or None)
            except CorpusError as exc:
                raise CorpusUnavailable(f"corpus cannot be loaded: {exc}") from exc
        manifest = open_store(self.settings).build(self.embedder, entries, control=control)
        self.refresh()
        return {
            "build": manifest.build_id,
            "entries": manifest.entries,
            "chunks": manifest.chunks,
            "embedded": manifest.embedded,
        }

    def refresh(self) -> bool:
        """Swap to the build ``CURRENT`` names if it is not the one answering (``beian-bot index build`` in
        another process, or :meth:`reindex`); True when swapped.

        Loads are serialised and always read ``CURRENT`` afresh, so a slow load can never swap an older
        build in over a newer one.
        """
        self.close_retired()
        with self._reload_lock:
            store = open_store(self.settings)
            current = store.current()
            if current is None or current.build_id == self.index.manifest.build_id:
                return False
            self.swap(store.load())
            return True

    def swap(self, index: LoadedIndex) -> None:
        """Start answering from another index; requests already running finish on the old one."""
        snapshot = self._snap(index)
        if self.prepare is not None:
            self.prepare(snapshot)
        with self._swap_lock:
            old = self._snapshot
            self._snapshot = snapshot
            self._retired.append((time.monotonic(), old.index))
        log.info("index swapped", extra={"build": index.manifest.build_id, "previous": old.index.manifest.build_id})

    def close_retired(self, force: bool = False) -> None:
        """Close swapped-out indexes once no request can still be using them (their Chroma clients hold
        threads and open files: without this every reindex would leak them)."""
        now = time.monotonic()
        with self._swap_lock:
            due = [ix for at, ix in self._retired if force or now - at >= RETIRE_AFTER]
            self._retired = [(at, ix) for at, ix in self._retired if not (force or now - at >= RETIRE_AFTER)]
        for index in due:
            with contextlib.suppress(Exception):
                index.close()

    def close(self) -> None:
        """Close every index, the live one included."""
        self.close_retired(force=True)
        self.index.close()
