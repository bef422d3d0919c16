"""The Bot: the one object the API and the CLI talk to; each job it does lives in its own module."""

from __future__ import annotations

import logging

from bot import catalogue, wording
from bot.answers import Answer, SearchHit
from bot.config import Settings
from bot.contract import check_k, check_question, check_session_id, check_top_k
from bot.decide import Decider, load_offtopic
from bot.handoff import HandoffStore
from bot.intents import IntentClassifier, load_examples
from bot.live_index import LiveIndex, open_store
from bot.normalize import normalize
from bot.pipeline import LINK_DEPTH, Pipeline, Understood
from bot.question_log import QuestionLog
from bot.records import Records
from bot.retrieve import Mode
from bot.search import search_depth, search_hits
from bot.sessions import SessionStore, Turn
from bot.vectors import QuestionVectors, fixed_vectors
from corpus import Entry, load_corpus
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
        question_log: QuestionLog | None = None,
        tickets: HandoffStore | None = None,
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
        self.records = Records(question_log, tickets)

    @classmethod
    def from_settings(cls, settings: Settings, embedder: VectorEmbeddings | None = None) -> Bot:
        """Load the corpus, build the index when missing or stale (if allowed), open it."""
        embedder = embedder or get_embedder(
            settings.embedder, settings.embed_workers, settings.query_prefix, settings.passage_prefix
        )
        store = open_store(settings)
        if settings.build_on_start:
            entries = load_corpus(settings.corpus or None)
            manifest, built = store.ensure(embedder, entries)
            if built:
                log.info("index built", extra={"chunks": manifest.chunks, "entries": manifest.entries})
        return cls(
            settings,
            embedder,
            store.load(),
            question_log=QuestionLog(settings.data_dir),
            tickets=HandoffStore(settings.data_dir),
        )

    def _intent_classifier(self) -> IntentClassifier:
        examples = load_examples()
        texts = [normalize(e.text).text for e in examples]
        vectors = fixed_vectors(self.embedder, self.settings.index_dir, "intents", texts, "query")
        return IntentClassifier(vectors, [e.label for e in examples])

    def close(self) -> None:
        """Flush the question log and close the stores and the index."""
        self.records.close()
        self.live.close()

    # ---- the live index -------------------------------------------------------------------------

    @property
    def index(self) -> LoadedIndex:
        """The index answering now."""
        return self.live.index

    def reindex(self) -> dict[str, object]:
        """Rebuild from the configured corpus aside, then swap; answers keep flowing meanwhile."""
        return self.live.reindex()

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
    ) -> dict[str, object]:
        """Open a ticket for a person, carrying the conversation so far."""
        return self.records.handoff(self.sessions, session_id, note=note, contact=contact, user_ref=user_ref)

    def ticket(self, ticket_id: str) -> dict[str, object]:
        """One handoff ticket with its transcript."""
        return self.records.ticket(ticket_id)

    def tickets_list(self, limit: int = 50) -> list[dict[str, object]]:
        """The newest handoff tickets."""
        return self.records.tickets_list(limit)

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
