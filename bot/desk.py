"""The people side of the bot: tickets, feedback, curation and keys, over the shared database.

A mixin of :class:`bot.engine.Bot`: each method is the one call an admin route makes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from bot.conversations import DatabaseSessionStore
from bot.curation import CurationStore, apply_overlay
from bot.errors import InvalidInput, NotFound, Unavailable
from bot.feedback import FeedbackStore, question_key
from bot.handoff import HandoffStore
from bot.keys import Actor, KeyStore
from bot.outbox import Outbox
from bot.sessions import SessionStore
from bot.storage import Database, database_url
from bot.storage.legacy import import_legacy
from corpus import CorpusError, Entry, load_corpus

if TYPE_CHECKING:
    from bot.config import Settings
    from index import IndexStore, LoadedIndex, VectorEmbeddings

log = logging.getLogger("beian_bot")


def open_database(settings: Settings, upgrade: bool = True) -> Database:
    """The configured database, migrated to the newest schema (old SQLite files imported once)."""
    db = Database(
        database_url(settings.database_url, settings.data_dir),
        settings.database_pool_size,
        upgrade=False,
        max_overflow=settings.database_max_overflow,
        pool_timeout=settings.database_pool_timeout,
        connect_timeout=settings.database_connect_timeout,
        pre_ping=settings.database_pre_ping,
        pool_recycle=settings.database_pool_recycle,
    )
    if upgrade:

        def legacy(conn: Connection) -> None:
            import_legacy(conn, settings.data_dir, question_key)

        db.upgrade(after=legacy)
    return db


def open_sessions(settings: Settings, db: Database | None) -> SessionStore | DatabaseSessionStore:
    """Conversation memory: in the database (shared by replicas; the default with PostgreSQL), or in this
    process (the default with SQLite)."""
    bounds = (settings.session_max, settings.session_ttl, settings.session_turns)
    choice = settings.session_store
    if db is not None and (choice == "database" or (choice == "auto" and not db.is_sqlite)):
        return DatabaseSessionStore(db, *bounds)
    return SessionStore(*bounds)


def load_entries(settings: Settings, db: Database | None) -> tuple[int, list[Entry], list[Entry]]:
    """The curation version, the help files' entries, and those with the overlay applied."""
    try:
        base = load_corpus(settings.corpus or None)
    except CorpusError as exc:
        raise InvalidInput(f"corpus cannot be loaded: {exc}") from exc
    if db is None:
        return 0, base, base
    store = CurationStore(db, lambda _id: None)
    version = store.version()  # read first: a change made meanwhile is picked up by the next sync
    return version, base, apply_overlay(base, store.rows())


class Desk:
    """Tickets, feedback, curation and keys; curation changes reach the index through :meth:`sync_curation`."""

    settings: Settings
    embedder: VectorEmbeddings
    db: Database | None
    journal: FeedbackStore | None
    tickets: HandoffStore | None
    keys: KeyStore | None
    curation: CurationStore | None
    outbox: Outbox | None
    sessions: SessionStore | DatabaseSessionStore

    if TYPE_CHECKING:

        @property
        def index(self) -> LoadedIndex: ...

        def _store(self) -> IndexStore: ...

        def refresh(self) -> bool: ...

    def _open_desk(self, db: Database | None) -> None:
        self.db = db
        self._base: dict[str, Entry] = {}
        self._build_lock = threading.Lock()
        self._sync_wake = threading.Event()
        self._sync_stop = threading.Event()
        self._sync_thread: threading.Thread | None = None
        s = self.settings
        self.journal = FeedbackStore(db) if db else None
        self.tickets = HandoffStore(db, s.handoff_webhook) if db else None
        self.keys = KeyStore(db, s.admin_api_key) if db else None
        self.curation = CurationStore(db, self._base.get) if db else None
        self.outbox = Outbox(db, s.webhook_backoff, s.webhook_backoff_max) if db else None
        self._synced = self.curation.version() if self.curation else 0

    def _close_desk(self) -> None:
        self._sync_stop.set()
        self._sync_wake.set()
        if self._sync_thread is not None:
            self._sync_thread.join(timeout=60)
        if self.outbox is not None:
            self.outbox.stop()
        if self.journal is not None:
            self.journal.close()
        if self.db is not None:
            self.db.close()

    def start_background(self) -> None:
        """Start the webhook deliveries and the curation watcher (the server does; one-shot commands do not)."""
        if self.outbox is not None and self.settings.handoff_webhook:
            self.outbox.start()
        if self.curation is not None and self._sync_thread is None:
            self._sync_thread = threading.Thread(target=self._watch, name="curation-sync", daemon=True)
            self._sync_thread.start()

    # ---- entries with the overlay ---------------------------------------------------------------

    def adopt(self, version: int, base: list[Entry]) -> None:
        """Record the curation version and file entries the live index was built from."""
        self._synced = version
        self._base.clear()
        self._base.update((e.id, e) for e in base)

    def curated_entries(self) -> list[Entry]:
        """The help files with the curation overlay applied: what the index is built from."""
        _, base, entries = load_entries(self.settings, self.db)
        self._base.clear()
        self._base.update((e.id, e) for e in base)
        return entries

    def _watch(self) -> None:
        while not self._sync_stop.is_set():
            self._sync_wake.wait(timeout=self.settings.curation_sync)
            self._sync_wake.clear()
            if self._sync_stop.is_set():
                return
            try:
                self.sync_curation()
            except Exception:  # keep answering from the index we have; try again next time
                log.exception("curation sync failed")

    def sync_curation(self) -> bool:
        """Rebuild (embedding only new texts) and swap when curation changed since the index was built,
        here or through another replica; True when a new index was swapped in."""
        if self.curation is None or self.curation.version() == self._synced:
            return False
        with self._build_lock:
            version = self.curation.version()
            if version == self._synced:
                return False
            entries = self.curated_entries()
            with self.shared_build():
                manifest, built = self._store().ensure(self.embedder, entries)
            self._synced = version
            log.info("curation applied", extra={"version": version, "built": built, "embedded": manifest.embedded})
        return self.refresh()

    def shared_build(self) -> contextlib.AbstractContextManager[None]:
        """Held around a build: with a shared Chroma server and PostgreSQL, replicas build one at a time, so
        a curation change is embedded once and the others find its vectors on the server."""
        if self.db is None or not self.settings.chroma_url:
            return contextlib.nullcontext()
        return self.db.build_lock()

    def _changed(self) -> None:
        self._sync_wake.set()

    def _need_curation(self) -> CurationStore:
        if self.curation is None:
            raise NotFound("curation is not configured")
        return self.curation

    def create_entry(self, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
        """Add an entry; it answers once the index is rebuilt (seconds)."""
        state = self._need_curation().create(actor, fields)
        self._changed()
        return state

    def update_entry(self, actor: Actor, entry_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Edit an entry, a file entry too (through the overlay)."""
        state = self._need_curation().update(actor, entry_id, fields)
        self._changed()
        return state

    def retire_entry(self, actor: Actor, entry_id: str) -> dict[str, Any]:
        """Retire an entry: it stops answering."""
        state = self._need_curation().retire(actor, entry_id)
        self._changed()
        return state

    def add_question(self, actor: Actor, entry_id: str, question: str) -> dict[str, Any]:
        """Attach a similar question to an entry."""
        state = self._need_curation().add_question(actor, entry_id, question)
        self._changed()
        return state

    def curated_entry(self, entry_id: str) -> dict[str, Any]:
        """An entry as curation sees it now (ahead of the index by a few seconds after a change)."""
        return self._need_curation().current(entry_id)

    def changes(self, limit: int = 100) -> list[dict[str, Any]]:
        """The change log, newest first."""
        return self._need_curation().changes(limit)

    def revert(self, actor: Actor, change_id: int) -> dict[str, Any]:
        """Undo a change (recorded as a change)."""
        change = self._need_curation().revert(actor, change_id)
        self._changed()
        return change

    # ---- the question log and feedback ------------------------------------------------------------

    def unanswered(self, limit: int = 50) -> list[dict[str, Any]]:
        """Declined and not-helpful questions really asked, grouped, most frequent first; a question attached
        to a live entry has its answer and drops out."""
        if self.journal is None:
            return []
        attached = {question_key(q) for e in self.index.entries for q in e.questions}
        return self.journal.unanswered(limit, exclude=attached)

    def feedback(
        self,
        helpful: bool,
        session_id: str | None = None,
        question: str | None = None,
        entry_id: str | None = None,
        comment: str | None = None,
    ) -> int:
        """Record whether an answer helped."""
        if self.journal is None:
            raise NotFound("feedback is not configured")
        if entry_id is not None and entry_id not in self.index.by_id:
            raise NotFound(f"no entry with id {entry_id!r}")
        return self.journal.add_feedback(session_id, question, entry_id, helpful, comment)

    def report(self, limit: int = 20) -> dict[str, object]:
        """What was asked and not answered, and which entries answer most."""
        if self.journal is None:
            return {"questions": 0, "declined": 0, "unanswered": [], "entry_hits": [], "feedback": {}}
        return self.journal.report(limit)

    # ---- tickets ------------------------------------------------------------------------------------

    def _need_tickets(self) -> HandoffStore:
        if self.tickets is None:
            raise NotFound("handoff is not configured")
        return self.tickets

    def handoff(
        self, session_id: str, note: str | None = None, contact: str | None = None, user_ref: str | None = None
    ) -> dict[str, Any]:
        """Open a ticket for a person, carrying the conversation so far (and send it to the webhook)."""
        tickets = self._need_tickets()
        turns = self.sessions.history(session_id)
        if not turns and self.sessions.degraded:
            raise Unavailable("the database cannot be reached right now; try again shortly")
        if not turns:
            raise NotFound("no conversation for this session_id (it may have expired)")
        ticket = tickets.create(session_id, turns, note=note, contact=contact, user_ref=user_ref)
        if self.outbox is not None:
            self.outbox.wake()
        return ticket

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        """One handoff ticket with its transcript."""
        return self._need_tickets().get(ticket_id)

    def tickets_list(self, limit: int = 50, status: str | None = None) -> list[dict[str, Any]]:
        """The newest handoff tickets, optionally in one status."""
        return [] if self.tickets is None else self.tickets.list(limit, status)

    def claim_ticket(self, actor: Actor, ticket_id: str) -> dict[str, Any]:
        """Take an open ticket."""
        return self._need_tickets().claim(ticket_id, actor.name)

    def close_ticket(self, actor: Actor, ticket_id: str, resolution: str | None = None) -> dict[str, Any]:
        """Close a ticket with an optional resolution."""
        return self._need_tickets().close(ticket_id, actor.name, resolution)

    def deliveries(self, delivered: bool | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Webhook deliveries (``delivered=False``: not accepted yet)."""
        return [] if self.outbox is None else self.outbox.list(delivered, limit)

    # ---- keys -----------------------------------------------------------------------------------------

    def authenticate(self, key: str | None, role: str) -> Actor:
        """The actor behind an X-API-Key, refused unless its role reaches ``role``."""
        if self.keys is None:
            raise NotFound("keys are not configured")
        actor = self.keys.authenticate(key)
        actor.require(role)
        return actor

    def list_keys(self) -> list[dict[str, Any]]:
        """Every key's record, newest first."""
        if self.keys is None:
            return []
        return self.keys.list()

    def create_key(self, role: str, name: str) -> dict[str, Any]:
        """A new key; the returned ``key`` is its only appearance."""
        if self.keys is None:
            raise NotFound("keys are not configured")
        key, row = self.keys.create(role, name)
        return {**row, "key": key}

    def revoke_key(self, key_id: str) -> dict[str, Any]:
        """Revoke a key."""
        if self.keys is None:
            raise NotFound("keys are not configured")
        return self.keys.revoke(key_id)
