"""The question pipeline, written once: normalise -> embed -> retrieve -> judge coverage (with the last topic
if needed)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.calibrate import (
    CALIBRATION_VERSION,
    Calibration,
    Rule,
    cached_calibration,
    calibrate,
    half_title,
    sample_titles,
)
from bot.contract import Coverage
from bot.coverage import ANSWERED, OFF_TOPIC, Signals, clause_shares, own_share, signals
from bot.decide import Decider, asks_anything, load_offtopic
from bot.live_index import Snapshot
from bot.normalize import Query, normalize
from bot.retrieve import Mode, Retrieval
from bot.sessions import Turn
from bot.vectors import QuestionVectors, fixed_vectors
from corpus.tokenize import topic_words
from index import LoadedIndex

# Entries ranked per question: enough for the sources shown and the troubleshooting links drawn from them.
LINK_DEPTH = 20
# Words that lean on the previous turn ("那要多久？", "app的呢？", "这个怎么弄").
_FOLLOW_UP = re.compile(r"^(那|那么|还有|另外|如果|要是|然后)|呢[?？!！。]*$|这个|那个|它|上面|刚才|what about|and if")
# A follow-up borrows the last topic only when the entry it then finds says this much of what the turn names.
FOLLOW_SHARE = 0.8


@dataclass(frozen=True)
class Understood:
    """A question run through the pipeline: the normalised query, its vector, the ranking and the judgement."""

    query: Query
    vector: np.ndarray
    retrieval: Retrieval
    confident: bool
    score: float
    index: LoadedIndex  # the index the ranking came from: one version per answer
    coverage: Coverage = OFF_TOPIC
    signals: Signals | None = None


class Pipeline:
    """Runs questions through the shared steps on the caller's snapshot of the index."""

    def __init__(self, vectors: QuestionVectors, decider: Decider, index_dir: Path) -> None:
        self.vectors = vectors
        self.decider = decider
        self.index_dir = Path(index_dir)
        self._rule: Rule | None = None
        self._calibrations: dict[str, Calibration] = {}
        self._lock = threading.Lock()

    @property
    def rule(self) -> Rule:
        """The coverage rule (read on first use: scripts/fit_coverage.py runs the pipeline before one exists)."""
        if self._rule is None:
            self._rule = Rule.load()
        return self._rule

    def run(
        self,
        question: str,
        snapshot: Snapshot,
        depth: int = LINK_DEPTH,
        mode: Mode = "hybrid",
        timings: dict[str, float] | None = None,
        judge: bool = True,
    ) -> Understood:
        """One question on its own. ``mode`` ranks by one side alone while the judgement reads the hybrid
        evidence; ``timings`` collects the seconds each step took; ``judge=False`` skips the coverage rule."""
        t0 = time.perf_counter()
        query = normalize(question, snapshot.lexicon)
        t1 = time.perf_counter()
        vector = self.vectors.embed(query.text)
        t2 = time.perf_counter()
        retrieval = snapshot.retriever_for(mode).retrieve(query, depth, vector)
        judged = retrieval if mode == "hybrid" else snapshot.retriever.retrieve(query, depth, vector)
        t3 = time.perf_counter()
        _, margin = self.decider.confident(question, judged, vector)
        found = signals(snapshot.catalogue, query, judged, margin)
        coverage = OFF_TOPIC
        if judge and asks_anything(question) and judged.hits:
            clauses = clause_shares(snapshot.catalogue, query, judged)
            coverage = self.rule.judge(found, self.calibration(snapshot), len(snapshot.index.entries), clauses)
        if timings is not None:
            t4 = time.perf_counter()
            for step, seconds in (
                ("normalize", t1 - t0),
                ("embed", t2 - t1),
                ("retrieve", t3 - t2),
                ("decide", t4 - t3),
            ):
                timings[step] = timings.get(step, 0.0) + seconds
        return Understood(query, vector, retrieval, coverage in ANSWERED, margin, snapshot.index, coverage, found)

    def in_context(
        self, question: str, snapshot: Snapshot, history: Sequence[Turn], depth: int = LINK_DEPTH
    ) -> Understood:
        """One turn of a conversation: read in the light of the last topic when it leans on it or is not
        answered on its own, and the topic's entry then says what the turn itself names."""
        alone = self.run(question, snapshot, depth)
        previous = next((t for t in reversed(history) if t.entry_id), None)
        if previous is None:
            return alone
        leans = bool(_FOLLOW_UP.search(alone.query.text))
        if not (leans or (not alone.confident and alone.coverage != OFF_TOPIC)):
            return alone
        topic = " ".join(topic_words(previous.resolved)) or previous.resolved
        with_topic = self.run(f"{topic} {question}", snapshot, depth)
        # borrowing may resolve what the turn leaves unsaid, never what it names that the entry lacks
        named = own_share(snapshot.catalogue, alone.query, with_topic.retrieval)
        return with_topic if with_topic.confident and named >= FOLLOW_SHARE else alone

    def calibration(self, snapshot: Snapshot) -> Calibration:
        """The embedder's reference points on this index: measured once, then read from beside the index."""
        manifest = snapshot.index.manifest
        key = f"{CALIBRATION_VERSION}\n{self.vectors.embedder.name}\n{manifest.corpus_hash}"
        with self._lock:
            found = self._calibrations.get(key)
            if found is None:
                found = cached_calibration(self.index_dir / "cache", key, lambda: self._measure(snapshot))
                # the index answering and the one about to replace it
                self._calibrations = {**dict(list(self._calibrations.items())[-1:]), key: found}
        return found

    def _measure(self, snapshot: Snapshot) -> Calibration:
        embedder = self.vectors.embedder
        titles = [half_title(t) for t in sample_titles([e.title for e in snapshot.index.entries])]
        background = load_offtopic()
        asked = [normalize(t, snapshot.lexicon).text for t in titles]
        title_vectors = fixed_vectors(embedder, self.index_dir, "titles", asked, "query")
        background_vectors = fixed_vectors(
            embedder, self.index_dir, "background", [normalize(t).text for t in background], "query"
        )

        def retrieve(text: str, vector: np.ndarray) -> Retrieval:
            return snapshot.retriever.retrieve(normalize(text, snapshot.lexicon), LINK_DEPTH, vector)

        return calibrate(self.decider, retrieve, titles, title_vectors, background_vectors, background)
