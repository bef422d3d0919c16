"""The Bot: the one object the API and the CLI talk to; each job it does lives in its own module."""

from __future__ import annotations

import logging
from typing import Any

from bot import catalogue, wording
from bot.answers import Answer, SearchHit
from bot.config import Settings
from bot.contract import check_k, check_question, check_session_id, check_top_k
from bot.curation import CURATED
from bot.curator import Curator, load_entries
from bot.decide import Decider, load_offtopic
from bot.errors import CorpusUnavailable, NotFound
from bot.handoff import HandoffStore
from bot.intents import IntentClassifier, load_examples
from bot.keys import Actor, KeyStore
from bot.live_index import LiveIndex, open_store
from bot.normalize import normalize
from bot.outbox import Outbox
from bot.pipeline import LINK_DEPTH, Pipeline, Understood
from bot.question_log import QuestionLog
from bot.records import Records
from bot.retrieve import Mode
from bot.search import search_depth, search_hits
from bot.sessions import SessionStore, Turn
from bot.storage import Database
from bot.storage.setup import open_database
from bot.vectors import QuestionVectors, fixed_vectors
from corpus import Entry
from index import LoadedIndex, VectorEmbeddings, get_embedder

log = logging.getLogger("beian_bot")


class Bot:
    """Answers questions from the help entries of one live index, remembering conversations."""

    def __init__(
        self,
        settings: Settings,
        embedder: VectorEmbeddings,
        index: LoadedIndex,
        decider: Decider | None = None,
        intents: IntentClassifier | None = None,
        db: Database | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.live = LiveIndex(settings, embedder, index)
        self.decider = decider or Decider(
            fixed_vectors(embedder, settings.index_dir, "offtopic", load_offtopic(), "passage"), settings.min_confidence
        )
        self.intents = intents or self._intent_classifier()
        self.pipeline = Pipeline(QuestionVectors(embedder, settings.embed_cache), self.decider, settings.index_dir)
        # coverage reference points are measured before an index answers, never inside a request
        self.live.prepare = self.pipeline.calibration
        self.pipeline.calibration(self.live.snapshot)
        self.sessions = SessionStore(settings.session_max, settings.session_ttl, settings.session_turns)
        self.db = db
        self.records = Records(
            QuestionLog(db) if db else None,
            HandoffStore(db, settings.handoff_webhook) if db else None,
            Outbox(db, settings.webhook_backoff, settings.webhook_backoff_max) if db else None,
        )
        self.keys = KeyStore(db, settings.admin_api_key) if db else None
        self.curator = Curator(settings, embedder, db, self.live) if db else None

    @classmethod
    def from_settings(cls, settings: Settings, embedder: VectorEmbeddings | None = None) -> Bot:
        """Open the database (migrating it), load the corpus with the curation overlay, build the index when
        missing or stale (if allowed), open it."""
        embedder = embedder or get_embedder(
            settings.embedder,
            settings.embed_workers,
            settings.embed_lone_threads,
            settings.query_prefix,
            settings.passage_prefix,
        )
        store = open_store(settings)
        db = open_database(settings)
        try:
            if settings.build_on_start:
                version, base, entries = load_entries(settings, db)
                manifest, built = store.ensure(embedder, entries)
                if built:
                    log.info("index built", extra={"chunks": manifest.chunks, "entries": manifest.entries})
            bot = cls(settings, embedder, store.load(), db=db)
        except BaseException:
            db.close()
            raise
        assert bot.curator is not None
        if not settings.build_on_start:
            # serve the index as it is, even when the corpus cannot be read now; the index's entries stand in
            # for the files (an entry without an overlay row is exactly its file entry)
            try:
                version, base, _ = load_entries(settings, db)
            except CorpusUnavailable:
                version, base = bot.curator.store.version(), list(bot.index.entries)
        bot.curator.adopt(version, base)
        return bot

    def start_background(self) -> None:
        """Start webhook deliveries and the curation watcher (the server does; one-shot commands need not)."""
        if self.records.outbox is not None and self.settings.handoff_webhook:
            self.records.outbox.start()
        if self.curator is not None:
            self.curator.start()

    def _intent_classifier(self) -> IntentClassifier:
        examples = load_examples()
        texts = [normalize(e.text).text for e in examples]
        vectors = fixed_vectors(self.embedder, self.settings.index_dir, "intents", texts, "query")
        return IntentClassifier(vectors, [e.label for e in examples])

    def close(self) -> None:
        """Stop the background work, flush the question log, close the database and the index."""
        if self.curator is not None:
            self.curator.stop()
        self.records.close()
        if self.db is not None:
            self.db.close()
        self.live.close()

    # ---- the live index -------------------------------------------------------------------------

    @property
    def index(self) -> LoadedIndex:
        """The index answering now."""
        return self.live.index

    def reindex(self) -> dict[str, object]:
        """Rebuild from the configured corpus (and the curation overlay) aside, then swap; answers keep flowing
        meanwhile."""
        return self.curator.reindex() if self.curator is not None else self.live.reindex()

    def refresh(self) -> bool:
        """Swap to the build another process made, if any; True when swapped."""
        return self.live.refresh()

    # ---- the catalogue --------------------------------------------------------------------------

    def entries(self, kind: str | None = None, category: str | None = None) -> list[Entry]:
        """Every entry, optionally filtered by kind and category."""
        return catalogue.list_entries(self.index, kind, category)

    def entry(self, entry_id: str) -> Entry:
        """One entry by id."""
        return catalogue.find_entry(self.index, entry_id)

    def related(self, entry: Entry, limit: int = 5) -> list[Entry]:
        """The entries an entry names as related."""
        return catalogue.related_entries(self.index, entry, limit)

    # ---- questions ------------------------------------------------------------------------------

    def understand(
        self,
        question: str,
        depth: int = LINK_DEPTH,
        mode: Mode = "hybrid",
        timings: dict[str, float] | None = None,
        judge: bool = True,
    ) -> Understood:
        """Run one question through the pipeline (normalise, embed, retrieve, decide) on the live index.

        ``mode`` ranks by one side alone; the decision still reads the hybrid evidence, so modes differ in
        ranking only.
        """
        return self.pipeline.run(check_question(question), self.live.snapshot, depth, mode, timings, judge)

    def ask(self, question: str, session_id: str | None = None, top_k: int | None = None) -> Answer:
        """Answer one question, remembering it in the session."""
        question = check_question(question)
        session_id = check_session_id(session_id)
        top_k = check_top_k(top_k, self.settings.top_k)
        sid = session_id or self.sessions.new_id()
        history = self.sessions.history(sid)
        understood = self.pipeline.in_context(question, self.live.snapshot, history, max(top_k, LINK_DEPTH))
        answer = wording.compose(understood, sid, top_k, self.settings, self.intents)
        best = understood.retrieval.hits[0].entry if understood.retrieval.hits and understood.confident else None
        top = best.id if best else None
        self.sessions.append(sid, Turn(question, understood.query.text, answer.answer, top, understood.confident))
        self.records.log(sid, question, answer, top, best.title if best else None)
        return answer

    def troubleshooting_topics(self, understood: Understood) -> set[str]:
        """The troubleshooting a question needs ("rejection", "white_screen")."""
        return wording.troubleshooting_topics(understood, self.intents)

    def search(self, q: str, k: int = 10, kind: str | None = None, category: str | None = None) -> list[SearchHit]:
        """Ranked entries for support agents, with scores and the query terms each matched."""
        q = check_question(q)
        k = check_k(k)
        snapshot = self.live.snapshot
        depth = search_depth(k, len(snapshot.index.entries), bool(kind or category))
        understood = self.pipeline.run(q, snapshot, depth, judge=False)
        return search_hits(understood, k, kind, category)

    # ---- people ---------------------------------------------------------------------------------

    def handoff(
        self, session_id: str, note: str | None = None, contact: str | None = None, user_ref: str | None = None
    ) -> dict[str, Any]:
        """Open a ticket for a person, carrying the conversation so far."""
        return self.records.handoff(self.sessions, session_id, note=note, contact=contact, user_ref=user_ref)

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        """One handoff ticket with its transcript."""
        return self.records.ticket(ticket_id)

    def tickets_list(self, limit: int = 50, status: str | None = None) -> list[dict[str, Any]]:
        """The newest handoff tickets, optionally in one status."""
        return self.records.tickets_list(limit, status)

    def feedback(
        self,
        helpful: bool,
        session_id: str | None = None,
        question: str | None = None,
        entry_id: str | None = None,
        comment: str | None = None,
    ) -> int:
        """Record whether an answer helped."""
        return self.records.feedback(lambda i: i in self.index.by_id, helpful, session_id, question, entry_id, comment)

    def report(self, limit: int = 20) -> dict[str, object]:
        """What was asked and not answered, and which entries answer most."""
        return self.records.report(limit)

    def unanswered(self, limit: int = 50) -> list[dict[str, Any]]:
        """Declined and not-helpful questions really asked, grouped, most frequent first; a question attached
        to a live entry, or the title of an entry agents wrote, has its answer and drops out."""
        answered = [q for e in self.index.entries for q in (*e.questions, *([e.title] if e.source == CURATED else []))]
        return self.records.unanswered(answered, limit)

    # ---- curation and keys ----------------------------------------------------------------------

    @property
    def curation(self) -> Curator:
        """Entries added, edited and retired over the help files, with the change log."""
        if self.curator is None:
            raise NotFound("curation is not configured")
        return self.curator

    @property
    def key_store(self) -> KeyStore:
        """The API keys."""
        if self.keys is None:
            raise NotFound("keys are not configured")
        return self.keys

    def authenticate(self, key: str | None, role: str) -> Actor:
        """The actor behind an X-API-Key, refused unless its role reaches ``role``."""
        actor = self.key_store.authenticate(key)
        actor.require(role)
        return actor
