"""The bot: question in, cited answer out, with troubleshooting links and conversation memory."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answers import Answer, Link, SearchHit, Source, Suggestion, help_url
from bot.calibrate import Calibration, Rule, cached_calibration, calibrate, sample_titles
from bot.config import Settings
from bot.coverage import ANSWERED, OFF_TOPIC, Assessment, Catalogue, clause_shares, own_share, signals
from bot.decide import Decider, asks_anything, load_offtopic
from bot.errors import InvalidInput, NotFound
from bot.feedback import FeedbackStore
from bot.handoff import HandoffStore
from bot.intents import IntentClassifier, load_examples
from bot.lexicon import Lexicon
from bot.normalize import Query, normalize
from bot.retrieve import HybridRetriever, Retrieval
from bot.sessions import SessionStore, Turn
from corpus import CorpusError, Entry, load_corpus
from corpus.tokenize import topic_words
from index import IndexStore, LoadedIndex, VectorEmbeddings, get_embedder

log = logging.getLogger("beian_bot")

MAX_QUESTION = 500
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
ROUTE_THRESHOLD = 0.6
LINK_DEPTH = 20
# A follow-up borrows the last topic only when the entry it then finds says this much of what the turn names.
FOLLOW_SHARE = 0.8
# Words that lean on the previous turn ("那要多久？", "app的呢？", "这个怎么弄").
_FOLLOW_UP = re.compile(r"^(那|那么|还有|另外|如果|要是|然后)|呢[?？!！。]*$|这个|那个|它|上面|刚才|what about|and if")
# A swapped-out index is closed this long after the swap: requests that began on it have long finished.
RETIRE_AFTER = 30.0


def open_store(settings: Settings) -> IndexStore:
    """The index folder (and Chroma server, if any) the settings name."""
    return IndexStore(settings.index_dir, settings.chroma_url, settings.exact_search_max)


@dataclass
class _State:
    """Everything tied to one built index; swapped as a whole on reindex."""

    index: LoadedIndex
    retriever: HybridRetriever
    lexicon: Lexicon
    catalogue: Catalogue
    calibration: Calibration | None = None

    @classmethod
    def of(cls, index: LoadedIndex, embedder: VectorEmbeddings, lexical_weight: float) -> _State:
        return cls(
            index,
            HybridRetriever(index, embedder, lexical_weight=lexical_weight),
            Lexicon.from_entries(index.entries),
            Catalogue(index.entries),
        )


class Bot:
    """Answers questions from the help entries of one index."""

    def __init__(
        self,
        settings: Settings,
        embedder: VectorEmbeddings,
        index: LoadedIndex,
        decider: Decider | None = None,
        intents: IntentClassifier | None = None,
        journal: FeedbackStore | None = None,
        tickets: HandoffStore | None = None,
    ) -> None:
        self.settings = settings
        self.journal = journal
        self.tickets = tickets
        self.embedder = embedder
        self._state = _State.of(index, embedder, settings.lexical_weight)
        self.decider = decider or Decider(
            self._vector_cache("offtopic", load_offtopic(), "passage"), settings.min_confidence
        )
        self.intents = intents or self._cached_intents()
        self._rule: Rule | None = None
        self.sessions = SessionStore(settings.session_max, settings.session_ttl, settings.session_turns)
        self._swap_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._retired: list[tuple[float, LoadedIndex]] = []
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._vectors_lock = threading.Lock()

    def embed(self, text: str) -> np.ndarray:
        """The query vector of a normalised question; the most recent ones are remembered.

        Help desks hear the same questions again and again, and embedding is most of an answer's cost.
        """
        size = self.settings.embed_cache
        if size <= 0:
            return self.embedder.query_vector(text)
        with self._vectors_lock:
            hit = self._vectors.get(text)
            if hit is not None:
                self._vectors.move_to_end(text)
                return hit
        vector = self.embedder.query_vector(text)
        vector.setflags(write=False)
        with self._vectors_lock:
            self._vectors[text] = vector
            while len(self._vectors) > size:
                self._vectors.popitem(last=False)
        return vector

    # ---- construction -------------------------------------------------------------------------

    @classmethod
    def from_settings(cls, settings: Settings, embedder: VectorEmbeddings | None = None) -> Bot:
        """Load the corpus, build the index when missing or stale (if allowed), open it."""
        embedder = embedder or get_embedder(settings.embedder, settings.embed_workers)
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
            journal=FeedbackStore(settings.data_dir),
            tickets=HandoffStore(settings.data_dir),
        )

    def close(self) -> None:
        """Flush the question log and close the stores and the index."""
        if self.journal is not None:
            self.journal.close()
        if self.tickets is not None:
            self.tickets.close()
        self._close_retired(force=True)
        self.index.close()

    def _vector_cache(self, name: str, texts: list[str], mode: str) -> np.ndarray:
        """Embeddings of fixed texts, cached on disk beside the index by embedder and content."""
        key = hashlib.sha1("\n".join([self.embedder.name, mode, *texts]).encode()).hexdigest()[:16]
        path = Path(self.settings.index_dir) / "cache" / f"{name}-{key}.npy"
        try:
            cached = np.load(path)
            if cached.shape == (len(texts), self.embedder.dimension):
                return cached
        except (OSError, ValueError):
            pass
        if mode == "passage":
            vectors = self.embedder.embed_passages(texts)
        else:
            vectors = np.stack([self.embedder.query_vector(t) for t in texts])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, vectors)
            tmp.replace(path)
        except OSError:
            log.warning("could not cache vectors at %s", path)
        return vectors

    def _cached_intents(self) -> IntentClassifier:
        examples = load_examples()
        texts = [normalize(e.text).text for e in examples]
        vectors = self._vector_cache("intents", texts, "query")
        return IntentClassifier(vectors, [e.label for e in examples])

    # ---- index ------------------------------------------------------------------------------

    @property
    def index(self) -> LoadedIndex:
        """The index answering now."""
        return self._state.index

    @property
    def lexicon(self) -> Lexicon:
        """The words of the index answering now, by sound."""
        return self._state.lexicon

    def _store(self) -> IndexStore:
        return open_store(self.settings)

    def reindex(self) -> dict[str, object]:
        """Rebuild from the configured corpus aside, then swap; answers keep flowing meanwhile."""
        try:
            entries = load_corpus(self.settings.corpus or None)
        except CorpusError as exc:
            raise InvalidInput(f"corpus cannot be loaded: {exc}") from exc
        manifest = self._store().build(self.embedder, entries)
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
        self._close_retired()
        with self._reload_lock:
            store = self._store()
            current = store.current()
            if current is None or current.build_id == self.index.manifest.build_id:
                return False
            self.swap(store.load())
            return True

    def swap(self, index: LoadedIndex) -> None:
        """Start answering from another index; requests already running finish on the old one."""
        state = _State.of(index, self.embedder, self.settings.lexical_weight)
        with self._swap_lock:
            old = self._state
            self._state = state
            self._retired.append((time.monotonic(), old.index))
        log.info("index swapped", extra={"build": index.manifest.build_id, "previous": old.index.manifest.build_id})

    def _close_retired(self, force: bool = False) -> None:
        """Close swapped-out indexes once no request can still be using them (their Chroma clients hold
        threads and open files: without this every reindex would leak them)."""
        now = time.monotonic()
        with self._swap_lock:
            due = [ix for at, ix in self._retired if force or now - at >= RETIRE_AFTER]
            self._retired = [(at, ix) for at, ix in self._retired if not (force or now - at >= RETIRE_AFTER)]
        for index in due:
            with contextlib.suppress(Exception):
                index.close()

    # ---- entries ----------------------------------------------------------------------------

    def entries(self, kind: str | None = None, category: str | None = None) -> list[Entry]:
        """Every entry, optionally filtered by kind and category."""
        return [
            e
            for e in self.index.entries
            if (kind is None or e.kind == kind) and (category is None or e.category == category)
        ]

    def entry(self, entry_id: str) -> Entry:
        """One entry by id."""
        found = self.index.by_id.get(entry_id)
        if found is None:
            raise NotFound(f"no entry with id {entry_id!r}")
        return found

    def categories(self) -> list[str]:
        """Categories in corpus order, each once."""
        return list(dict.fromkeys(e.category for e in self.index.entries if e.category))

    # ---- answering --------------------------------------------------------------------------

    def assess(self, question: str, depth: int = LINK_DEPTH, judge: bool = True) -> Assessment:
        """Normalise, embed, rank and judge coverage for one question (no session, nothing logged)."""
        return self._assess(self._state, question, depth, judge)

    def _assess(self, state: _State, question: str, depth: int, judge: bool = True) -> Assessment:
        query = normalize(question, state.lexicon)
        vector = self.embed(query.text)
        retrieval = state.retriever.retrieve(query, depth, vector)
        _, margin = self.decider.confident(question, retrieval, vector)
        found = signals(state.catalogue, query, retrieval, margin)
        clauses = clause_shares(state.catalogue, query, retrieval)
        coverage = OFF_TOPIC
        if judge and asks_anything(question) and retrieval.hits:
            coverage = self.rule.judge(found, self._calibration(state), len(state.index.entries), clauses)
        return Assessment(query, vector, retrieval, margin, found, clauses, coverage)

    @property
    def rule(self) -> Rule:
        """The coverage rule (read on first use: scripts/fit_coverage.py runs the bot before one exists)."""
        if self._rule is None:
            self._rule = Rule.load()
        return self._rule

    def _calibration(self, state: _State) -> Calibration:
        """The embedder's reference points on this index: measured once, then read from beside the index."""
        if state.calibration is None:
            titles = sample_titles([e.title for e in state.index.entries])
            background = load_offtopic()
            key = f"{self.embedder.name}\n{state.index.manifest.corpus_hash}"

            def measure() -> Calibration:
                title_vectors = self._vector_cache(
                    "titles", [normalize(t, state.lexicon).text for t in titles], "query"
                )
                background_vectors = self._vector_cache("background", [normalize(t).text for t in background], "query")

                def retrieve(text: str, vector: np.ndarray) -> Retrieval:
                    return state.retriever.retrieve(normalize(text, state.lexicon), LINK_DEPTH, vector)

                return calibrate(self.decider, retrieve, titles, title_vectors, background_vectors, background)

            state.calibration = cached_calibration(Path(self.settings.index_dir) / "cache", key, measure)
        return state.calibration

    def ask(self, question: str, session_id: str | None = None, top_k: int | None = None) -> Answer:
        """Answer one question, remembering it in the session."""
        question = _check_question(question)
        if session_id is not None and not SESSION_ID.match(session_id):
            raise InvalidInput("session_id must be 1 to 128 characters of A-Z, a-z, 0-9, '_' or '-'")
        top_k = top_k or self.settings.top_k
        if not 1 <= top_k <= 20:
            raise InvalidInput("top_k must be between 1 and 20")
        sid = session_id or self.sessions.new_id()
        state = self._state
        history = self.sessions.history(sid)

        depth = max(top_k, LINK_DEPTH)
        found = self._assess(state, question, depth)
        confident = found.coverage in ANSWERED

        previous = next((t for t in reversed(history) if t.entry_id), None)
        leans = _looks_follow_up(found.query)
        if previous is not None and (leans or (not confident and found.coverage != OFF_TOPIC)):
            # read the turn in the light of the last topic
            topic = " ".join(topic_words(previous.resolved)) or previous.resolved
            in_context = self._assess(state, f"{topic} {question}", depth)
            # borrowing may resolve what the turn leaves unsaid, never what it names that the entry lacks
            if (
                in_context.coverage in ANSWERED
                and own_share(state.catalogue, found.query, in_context.retrieval) >= FOLLOW_SHARE
            ):
                found, confident = in_context, True

        query, vector, retrieval, score = found.query, found.vector, found.retrieval, found.margin
        answer = self._compose(query, vector, retrieval, confident, score, sid, top_k, state.index)
        answer.coverage = found.coverage
        top = retrieval.hits[0].entry.id if retrieval.hits and confident else None
        self.sessions.append(sid, Turn(question, query.text, answer.answer, top, confident))
        if self.journal is not None:
            title = retrieval.hits[0].entry.title if top else None
            self.journal.log_question(sid, question, confident, top, title)
        return answer

    def _compose(
        self,
        query: Query,
        vector: np.ndarray,
        retrieval: Retrieval,
        confident: bool,
        score: float,
        sid: str,
        top_k: int,
        index: LoadedIndex | None = None,
    ) -> Answer:
        sources = [Source.of(h.entry, h.score) for h in retrieval.hits[:top_k]]
        links = self._links(query, vector, retrieval, confident, index)
        if confident:
            best = retrieval.hits[0].entry
            text = _answer_text(best)
            suggestions: list[Suggestion] = []
        else:
            suggestions = [Suggestion(h.entry.id, h.entry.title, help_url(h.entry.id)) for h in retrieval.hits[:3]]
            text = self._decline_text(suggestions)
        return Answer(
            answer=text,
            confident=confident,
            sources=sources,
            troubleshooting=links,
            session_id=sid,
            suggestions=suggestions,
            confidence=round(score, 4),
            resolved_question=query.text,
        )

    def _decline_text(self, suggestions: Sequence[Suggestion]) -> str:
        lines = [self.settings.decline_text]
        if suggestions:
            lines.append("您是不是想问：")
            lines.extend(f"· {s.title}" for s in suggestions)
        contact = self.settings.contact_text
        if self.settings.contact_url:
            contact = f"{contact}（{self.settings.contact_url}）"
        lines.append(contact)
        return "\n".join(lines)

    def routes(self, query: Query, vector: np.ndarray, retrieval: Retrieval, confident: bool) -> set[str]:
        """The troubleshooting a question needs: from what it says and from the entry that answers it."""
        probs = self.intents.probabilities(vector)
        routes = {label for label in ("rejection", "white_screen") if probs[label] >= ROUTE_THRESHOLD}
        if confident and retrieval.hits:
            best = retrieval.hits[0].entry
            if best.kind == "rejection":
                routes.add("rejection")
            if best.route == "white_screen":
                routes.add("white_screen")
        return routes

    def _links(
        self, query: Query, vector: np.ndarray, retrieval: Retrieval, confident: bool, index: LoadedIndex | None = None
    ) -> list[Link]:
        index = index or self.index  # the index the retrieval came from: one version per answer
        routes = self.routes(query, vector, retrieval, confident)
        links: list[Link] = []
        ranked = [h.entry for h in retrieval.hits]
        if "rejection" in routes:
            rejections = [e for e in ranked if e.kind == "rejection"]
            if confident and retrieval.hits and retrieval.hits[0].entry.kind == "rejection":
                best = retrieval.hits[0].entry
                rejections = [best, *[e for e in rejections if e.id != best.id]]
            links.extend(Link.of(e, "rejection") for e in rejections[:3])
        if "white_screen" in routes:
            screens = [e for e in index.entries if e.route == "white_screen"]
            for screen in screens[:1]:
                links.append(Link.of(screen, "white_screen"))
                related = [e for e in ranked if e.id in screen.related and e.kind == "troubleshooting"]
                links.extend(Link.of(e, "troubleshooting") for e in related[:2])
        if not links and confident and retrieval.hits and retrieval.hits[0].entry.kind == "troubleshooting":
            links.append(Link.of(retrieval.hits[0].entry, "troubleshooting"))
        return links

    # ---- people ----------------------------------------------------------------------------

    def handoff(
        self,
        session_id: str,
        note: str | None = None,
        contact: str | None = None,
        user_ref: str | None = None,
    ) -> dict[str, object]:
        """Open a ticket for a person, carrying the conversation so far."""
        if self.tickets is None:
            raise NotFound("handoff is not configured")
        turns = self.sessions.history(session_id)
        if not turns:
            raise NotFound("no conversation for this session_id (it may have expired)")
        return self.tickets.create(session_id, turns, note=note, contact=contact, user_ref=user_ref)

    def ticket(self, ticket_id: str) -> dict[str, object]:
        """One handoff ticket with its transcript."""
        if self.tickets is None:
            raise NotFound("handoff is not configured")
        return self.tickets.get(ticket_id)

    def tickets_list(self, limit: int = 50) -> list[dict[str, object]]:
        """The newest handoff tickets."""
        return [] if self.tickets is None else self.tickets.list(limit)

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

    # ---- search -----------------------------------------------------------------------------

    def search(self, q: str, k: int = 10, kind: str | None = None, category: str | None = None) -> list[SearchHit]:
        """Ranked entries for support agents, with scores and the query terms each matched."""
        q = _check_question(q)
        if not 1 <= k <= 50:
            raise InvalidInput("k must be between 1 and 50")
        state = self._state
        query = normalize(q, state.lexicon)
        # unfiltered, the top k is all that is shown; a filter may have to look further down the ranking
        depth = len(state.index.entries) if (kind or category) else k
        retrieval = state.retriever.retrieve(query, depth)
        hits: list[SearchHit] = []
        for h in retrieval.hits:
            e = h.entry
            if (kind and e.kind != kind) or (category and e.category != category):
                continue
            haystack = f"{e.title}\n{e.text}".lower()
            matched = [t for t in dict.fromkeys(retrieval.terms) if t in haystack]
            hits.append(SearchHit(e, h.score, h.dense, h.lexical, matched))
            if len(hits) >= k:
                break
        return hits


def _check_question(question: str) -> str:
    if not isinstance(question, str):
        raise InvalidInput("question must be a string")
    question = question.strip()
    if not question:
        raise InvalidInput("question must not be empty")
    if len(question) > MAX_QUESTION:
        raise InvalidInput(f"question must be at most {MAX_QUESTION} characters")
    return question


def _looks_follow_up(query: Query) -> bool:
    return bool(_FOLLOW_UP.search(query.text))


def _answer_text(entry: Entry) -> str:
    parts = [entry.title]
    if entry.text and entry.text != entry.title:
        parts.append(entry.text)
    if entry.steps:
        parts.append("处理步骤：\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(entry.steps, 1)))
    return "\n".join(parts)
