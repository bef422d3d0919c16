"""The Bot: the one object the API and the CLI talk to; each job it does lives in its own module."""

from __future__ import annotations

import logging
import sys
from typing import Any

from bot import catalogue, wording
from bot.answers import Answer, SearchHit
from bot.compose import related_with_steps
from bot.config import Settings
from bot.contract import check_k, check_question, check_session_id, check_top_k
from bot.conversations import open_sessions
from bot.curation import CURATED
from bot.curator import Curator, load_entries
from bot.decide import Decider, load_offtopic
from bot.errors import CorpusUnavailable, InvalidInput, NotFound
from bot.handoff import HandoffStore
from bot.intents import IntentClassifier, load_examples
from bot.keys import Actor, KeyStore
from bot.live_index import LiveIndex, open_store
from bot.normalize import head_units, normalize
from bot.outbox import Outbox
from bot.pipeline import LINK_DEPTH, TOPIC_MAX_UNITS, Pipeline, Understood
from bot.question_log import QuestionLog
from bot.records import Records
from bot.retrieve import Mode
from bot.search import search_depth, search_hits
from bot.sentences import offers_alternative, split_questions, weight
from bot.sessions import Turn
from bot.storage import Database
from bot.storage.setup import open_database
from bot.vectors import QuestionVectors, fixed_vectors
from corpus import CorpusError, Entry, load_corpus
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
        self.sessions = open_sessions(settings, db)
        self.db = db
        self.records = Records(
            QuestionLog(db) if db else None,
            HandoffStore(db, settings.handoff_webhook) if db else None,
            Outbox(db, settings.webhook_backoff, settings.webhook_backoff_max) if db else None,
        )
        self.keys = KeyStore(db, settings.admin_api_key) if db else None
        self.curator = Curator(settings, embedder, db, self.live) if db else None
        weight("备案")  # the word weights the reply is worded with load now, not on the first question

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
        removed = store.clean_stale()
        if removed:
            log.info("removed partial builds", extra={"removed": removed})
        db = open_database(settings)
        stale = None
        loaded: tuple[int, list[Entry]] | None = None
        try:
            if settings.build_on_start:
                try:
                    version, base, entries = load_entries(settings, db)
                    loaded = (version, base)
                    manifest, built = store.ensure(embedder, entries)
                    if built:
                        log.info("index built", extra={"chunks": manifest.chunks, "entries": manifest.entries})
                except Exception as exc:
                    if store.current() is None:
                        raise
                    # a broken corpus file or a Chroma server that is down must not take answering away
                    stale = f"{type(exc).__name__}: {exc}"
                    log.warning("serving the last good build", extra={"reason": stale})
            bot = cls(settings, embedder, store.load(), db=db)
        except BaseException:
            db.close()
            raise
        assert bot.curator is not None
        bot.live.stale = stale
        if loaded is None:
            # serve the index as it is, even when the corpus cannot be read now; the index's entries stand in
            # for the files (an entry without an overlay row is exactly its file entry)
            try:
                loaded = load_entries(settings, db)[:2]
            except CorpusUnavailable:
                loaded = (bot.curator.store.version(), list(bot.index.entries))
        bot.curator.adopt(*loaded)
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

    @property
    def stale(self) -> str | None:
        """Why the index answering is not the configured corpus' (the build failed); None when it is."""
        return self.live.stale

    def catch_up(self) -> bool:
        """After a failed start: read the corpus (and the curation overlay) again, rebuild when the live build
        does not match it, else follow ``CURRENT``; True once current (``stale`` cleared), else raises why not."""
        if self.curator is not None:
            entries = self.curator.entries()
        else:
            try:
                entries = load_corpus(self.settings.corpus or None)
            except CorpusError as exc:
                raise CorpusUnavailable(f"corpus cannot be loaded: {exc}") from exc
        if not open_store(self.settings).is_fresh(self.embedder, entries):
            self.reindex()
        else:
            self.refresh()  # built meanwhile by another process (beian-bot index build)
        self.live.stale = None
        return True

    def reindex_status(self) -> dict[str, object]:
        """The running reindex's phase and progress, and how the last one ended."""
        return self.live.reindexer.status()

    def cancel_reindex(self) -> dict[str, object]:
        """Stop the running reindex at its next batch; the live index stays as it is."""
        return self.live.reindexer.cancel()

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
        """The entries an entry names as related; for a topic the documents give no body, the nearest
        entries that have steps come first."""
        named = catalogue.related_entries(self.index, entry, limit)
        if not entry.title_only:
            return named
        ranked = [h.entry for h in self.understand(entry.title).retrieval.hits]
        with_steps = related_with_steps(entry, "", ranked)
        return [*with_steps, *(e for e in named if e not in with_steps)][:limit]

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
        # a new conversation has no history: no look-up (in the database, with PostgreSQL) for a first question
        history = list(self.sessions.history(sid)) if session_id else []
        snapshot = self.live.snapshot  # one index version for every part of the message
        answers: list[tuple[str, Answer, Understood]] = []
        for at, part in enumerate(split_questions(question)):
            # a later part of a message is read as a turn of its own: it leans on the part before it, or past one that
            # found no answer on the conversation's last answer ("现在是啥时候开始要的?每个省都要吗" after a word on the
            # SMS check asks every province of that check); one offering another answer to the part before it asks
            # of that part alone ("is there an expiry date? or must we renew it?")
            context = history[-1:] if at and offers_alternative(part) else history
            understood = self.pipeline.in_context(part, snapshot, context, max(top_k, LINK_DEPTH))
            answer = wording.compose(understood, sid, top_k, self.settings, self.intents, part)
            top = answer.sources[0].id if answer.confident and answer.sources else None
            # a later part may lean on an earlier one ("管局审核要多久？APP的呢？")
            history.append(
                Turn(part, head_units(understood.query.text, TOPIC_MAX_UNITS), answer.answer, top, answer.confident)
            )
            answers.append((part, answer, understood))
        answer = wording.one_message(question, answers, sid, top_k, self.settings, self.intents)
        turns = history[-len(answers) :]
        topic = next((t.entry_id for t in reversed(turns) if t.entry_id), None)
        # a turn keeps what a follow-up and a transcript need, bounded: the topic's head, the answer interned
        self.sessions.append(
            sid, Turn(question, turns[-1].resolved, sys.intern(answer.answer), topic, answer.confident)
        )
        best = answer.sources[0] if answer.confident and answer.sources else None
        self.records.log(sid, question, answer, best.id if best else None, best.title if best else None)
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
        """Record whether an answer helped. It must be about a question really asked in that session (the latest
        one when ``question`` is not given), once per answer: nobody can write into the gap report otherwise."""
        if session_id is None:
            raise InvalidInput("session_id: feedback needs the session_id of the conversation it is about")
        check_session_id(session_id)
        if entry_id is not None and entry_id not in self.index.by_id:
            raise NotFound(f"no entry with id {entry_id!r}")
        asked = question.strip() if question is not None else None
        voted: Turn | None = None
        try:
            voted = self.sessions.vote(session_id, asked)
            asked = voted.question
        except NotFound:
            # asked through another replica: the shared question log knows (one vote per answer is kept in memory)
            if asked is None or not self.records.was_asked(session_id, asked):
                raise
        try:
            return self.records.feedback(lambda i: i in self.index.by_id, helpful, session_id, asked, entry_id, comment)
        except BaseException:
            # nothing was recorded (the database is away): the user may vote again once it is back
            if voted is not None:
                self.sessions.unvote(session_id, voted)
            raise

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
