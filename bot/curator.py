"""Curation reaching the index: the overlay applied over the help files, rebuilt (embedding only new texts) and
swapped in within seconds of a change made here or through another replica."""

from __future__ import annotations

import logging
import threading
from typing import Any

from bot.config import Settings
from bot.curation import CurationStore, apply_overlay
from bot.errors import CorpusUnavailable
from bot.keys import Actor
from bot.live_index import LiveIndex, open_store
from bot.storage import Database
from corpus import CorpusError, Entry, load_corpus
from index import VectorEmbeddings

log = logging.getLogger("beian_bot")


def load_entries(settings: Settings, db: Database | None) -> tuple[int, list[Entry], list[Entry]]:
    """The curation version, the help files' entries, and those with the overlay applied."""
    try:
        base = load_corpus(settings.corpus or None)
    except CorpusError as exc:
        raise CorpusUnavailable(f"corpus cannot be loaded: {exc}") from exc
    if db is None:
        return 0, base, base
    store = CurationStore(db, lambda _id: None)
    version = store.version()  # read first: a change made meanwhile is picked up by the next sync
    return version, base, apply_overlay(base, store.rows())


class Curator:
    """The curation store plus the watcher that rebuilds the live index when the overlay changes."""

    def __init__(self, settings: Settings, embedder: VectorEmbeddings, db: Database, live: LiveIndex) -> None:
        self.settings = settings
        self.embedder = embedder
        self.db = db
        self.live = live
        self._base: dict[str, Entry] = {}
        self.store = CurationStore(db, self._base.get)
        self._synced = self.store.version()
        self._build_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def adopt(self, version: int, base: list[Entry]) -> None:
        """Record the curation version and file entries the live index was built from."""
        self._synced = version
        self._base.clear()
        self._base.update((e.id, e) for e in base)

    def entries(self) -> list[Entry]:
        """The help files with the overlay applied, as of now: what a (re)build indexes."""
        _, base, entries = load_entries(self.settings, self.db)
        self._base.clear()
        self._base.update((e.id, e) for e in base)
        return entries

    def reindex(self) -> dict[str, object]:
        """Rebuild from the help files and the overlay, then swap."""
        with self._build_lock:
            version = self.store.version()
            result = self.live.reindex(self.entries())
            self._synced = version
        return result

    def start(self) -> None:
        """Watch for changes (woken at once by changes made here; polled for other replicas')."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="curation-sync", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None

    def _watch(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=self.settings.curation_sync)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.sync()
            except Exception:  # keep answering from the index we have; try again next time
                log.exception("curation sync failed")

    def sync(self) -> bool:
        """Rebuild (embedding only new texts) and swap when curation changed since the live index was built;
        True when a new index was swapped in."""
        if self.store.version() == self._synced:
            return False
        with self._build_lock:
            version = self.store.version()
            if version == self._synced:
                return False
            manifest, built = open_store(self.settings).ensure(self.embedder, self.entries())
            self._synced = version
            log.info("curation applied", extra={"version": version, "built": built, "embedded": manifest.embedded})
        return self.live.refresh()

    def _changed(self, result: dict[str, Any]) -> dict[str, Any]:
        self._wake.set()
        return result

    def create(self, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
        """Add an entry; it answers once the index is rebuilt (seconds)."""
        return self._changed(self.store.create(actor, fields))

    def update(self, actor: Actor, entry_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Edit an entry, a file entry too (through the overlay)."""
        return self._changed(self.store.update(actor, entry_id, fields))

    def retire(self, actor: Actor, entry_id: str) -> dict[str, Any]:
        """Retire an entry: it stops answering."""
        return self._changed(self.store.retire(actor, entry_id))

    def add_question(self, actor: Actor, entry_id: str, question: str) -> dict[str, Any]:
        """Attach a similar question."""
        return self._changed(self.store.add_question(actor, entry_id, question))

    def revert(self, actor: Actor, change_id: int) -> dict[str, Any]:
        """Undo a change (recorded as a change)."""
        return self._changed(self.store.revert(actor, change_id))
