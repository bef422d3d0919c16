"""The question pipeline, written once: normalise -> embed -> retrieve -> judge coverage (with the last topic
if needed)."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
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
from bot.coverage import (
    ANSWERED,
    ASKING,
    COVERED,
    GUESSED_MAX,
    NOT_COVERED,
    OFF_TOPIC,
    PARTIAL,
    Signals,
    Term,
    by_kind,
    by_scope,
    clause_shares,
    distinctness,
    entry_gives,
    idf,
    meaning_pair,
    salient_terms,
    says_all,
    share,
    signals,
)
from bot.decide import Decider, asks_anything, load_offtopic
from bot.lexicon import LATIN_WORD, typed_in_pinyin
from bot.live_index import Snapshot
from bot.normalize import TABLES_DIGEST, Query, head_units, normalize
from bot.retrieve import Mode, Retrieval
from bot.sentences import (
    DEFAULT_SUBJECT,
    answer_type,
    asks,
    entry_subjects,
    is_question_like,
    subjects,
    value_kinds,
    without_subjects,
)
from bot.sessions import Turn
from bot.vectors import QuestionVectors, fixed_vectors
from corpus.tokenize import STOPWORDS, fold, tagged, tokenize, topic_words, word_frequency
from index import LoadedIndex

# Entries ranked per question: enough for the sources shown and the troubleshooting links drawn from them.
LINK_DEPTH = 20
# An agent passing on what the customer just told of asks ("他问多久有结果", "客户说还是不行").
_RELAY = r"^(他|她|客户|用户|对方)(又|还)?(问|说|想问|想知道)"
# Words that lean on the previous turn ("那要多久？", "app的呢？", "这个怎么弄", "也一样吗"), and a relayed question.
_FOLLOW_UP = re.compile(
    rf"^(那|那么|还有|另外|如果|要是|然后)|呢[?？!！。]*$|这个|那个|这块|那块|这是|那是|它|上面|刚才|一样|同样|{_RELAY}|"
    r"[这那](俩|两个|几个|些)|剩下|其余|"
    r"what about|how about|and if|^(and|also|then)\b"
)
# A turn asking how to get past a problem, or why it happens ("这个得找谁解决", "跟这个有关系吗", "重装了还这样").
_FIXING = re.compile(
    r"怎么办|咋办|怎么弄|咋弄|怎么处理|咋处理|如何处理|怎么解决|如何解决|找谁|为啥|为什么|原因|有关系|有关吗|怎么回事"
    r"|还这样|还是这样|还是不行|还不行|没用|\bwhy\b|\bfix\b"
)
# What comes of a matter told, asked after it ("多久能出结果" after "刚提交了认领"): no matter of its own.
_OUTCOME = frozenset(("结果", "消息", "回复", "下文", "回音", "出", "有", "等"))
# Words that only point back at what was said, or ask for more of it ("具体步骤是什么", "详细说说").
_POINTING = (
    *("那", "那要", "那是", "这", "这要", "这是", "它", "上面", "刚才"),
    *("about", "and", "if", "then", "that", "this", "one"),
)
_MORE = (
    "具体",
    "步骤",
    "详细",
    "详情",
    "细节",
    "操作",
    "流程",
    "过程",
    "方法",
    "办法",
    "说说",
    "讲讲",
    "处理",
    "解决",
    "办",
    "弄",
    "details",
    "steps",
)
_LEANING = frozenset((*_POINTING, *_MORE))
# How far down the ranking of a turn read with the last topic an entry about the kind of service that topic named
# may be and still answer it (as bot.compose.by_subject looks among the top three for a value).
SUBJECT_DEPTH = 3
# How far down a leaning turn's own ranking the entry it leans on is looked for (bot.pipeline.Pipeline._leaning_on).
LEANING_DEPTH = 1000
# How a follow-up that borrows the topic asks for the value the earlier question asked for.
KIND_WORDS = {
    "duration": "多久",
    "fee": "多少钱",
    "count": "几个",
    "contact": "电话",
    "address": "哪个网址",
    "comparison": "有什么区别",
    "next": "还要做什么",
}
# Work per question is bounded whatever its length. The embedder's cost grows faster than the text (a 500-character
# question cost ~65x a short one): only the first EMBED_MAX_UNITS of the normalised question are embedded, a unit
# being a Chinese character or a Latin word (bot.normalize.head_units); one labelled question in 3,900 is longer. BM25
# reads the first LEXICAL_MAX_UNITS (see bot/normalize.py). A follow-up borrows at most TOPIC_MAX_WORDS topic words,
# found in the first TOPIC_MAX_UNITS of the previous question (part-of-speech tagging cost ~1.7 ms a character on
# unknown text).
EMBED_MAX_UNITS = 80
TOPIC_MAX_UNITS = 80
TOPIC_MAX_WORDS = 8
# The question tables and the asking words decide what a question's words are: reference points measured with
# others are measured again (part of their cache key, made once).
READING = f"{TABLES_DIGEST}|{','.join(sorted(ASKING))}"


@dataclass(frozen=True)
class Understood:
    """A question run through the pipeline: the normalised query, its vector, the ranking and the judgement."""

    query: Query
    vector: np.ndarray
    retrieval: Retrieval
    confident: bool
    score: float
    index: LoadedIndex  # the index the ranking came from: one version per answer
    borrowed: str | None = None  # the earlier question whose topic this turn was read with
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
        self._on_scale: tuple[Rule, Calibration, Calibration] | None = None
        self._lock = threading.Lock()

    @property
    def rule(self) -> Rule:
        """The coverage rule (read on first use: scripts/fit_coverage.py runs the pipeline before one exists)."""
        if self._rule is None:
            self._rule = Rule.for_embedder(self.vectors.embedder.name)
        return self._rule

    def run(
        self,
        question: str,
        snapshot: Snapshot,
        depth: int = LINK_DEPTH,
        mode: Mode = "hybrid",
        timings: dict[str, float] | None = None,
        judge: bool = True,
        lead: str | None = None,
    ) -> Understood:
        """One question on its own. ``mode`` ranks by one side alone while the judgement reads the hybrid
        evidence; ``timings`` collects the seconds each step took; ``judge=False`` skips the coverage rule;
        ``lead`` is an entry to put first when ranked (the last answer's, for a turn that stays on it)."""
        t0 = time.perf_counter()
        query = normalize(question, snapshot.lexicon)
        t1 = time.perf_counter()
        vector = self.vectors.embed(embedded(question, query))
        t2 = time.perf_counter()
        retrieval = _retrieved(snapshot, query, vector, depth, mode)
        if lead is not None:
            retrieval = lead_with(retrieval, lead)
        judged = retrieval if mode == "hybrid" else _retrieved(snapshot, query, vector, depth)
        t3 = time.perf_counter()
        coverage, margin, found = self._judge(question, snapshot, query, vector, judged, judge)
        if timings is not None:
            t4 = time.perf_counter()
            for step, seconds in (
                ("normalize", t1 - t0),
                ("embed", t2 - t1),
                ("retrieve", t3 - t2),
                ("decide", t4 - t3),
            ):
                timings[step] = timings.get(step, 0.0) + seconds
        return Understood(
            query, vector, retrieval, coverage in ANSWERED, margin, snapshot.index, coverage=coverage, signals=found
        )

    def _judge(
        self,
        question: str,
        snapshot: Snapshot,
        query: Query,
        vector: np.ndarray,
        judged: Retrieval,
        judge: bool = True,
        leaning: bool = False,
    ) -> tuple[Coverage, float, Signals]:
        """The coverage of a question ranked as ``judged``, its margin and the signals the judgement read
        (``leaning``: see Rule.judge)."""
        _, margin = self.decider.confident(question, judged, vector)
        judging = judge and asks_anything(question) and bool(judged.hits)
        # read from the index only for a question the rule judges (not for an agent's search)
        pair = None
        if judging and self.rule.reads_pair:
            pair = meaning_pair(snapshot.index, judged.hits[0].entry.id, vector)
        found = signals(snapshot.catalogue, query, judged, margin, pair)
        coverage = OFF_TOPIC
        if judging:
            clauses = clause_shares(snapshot.catalogue, query, judged)
            coverage = self.rule.judge(
                found, self.calibration(snapshot), len(snapshot.index.entries), clauses, leaning=leaning
            )
        return coverage, margin, found

    def in_context(
        self, question: str, snapshot: Snapshot, history: Sequence[Turn], depth: int = LINK_DEPTH
    ) -> Understood:
        """One turn of a conversation, read in the light of the last topic only when it is about that topic.

        A turn that brings nothing beyond the last topic but question words, words leaning on it ("那",
        "这个") or a kind of service ("APP的呢？", "那要多久？") is read with the topic. A turn with words of
        its own borrows the topic only when it leans on it, is answerable alone, and the entry found with
        the topic holds all of its own words ("那结果怎么通知我"); else it is read alone, so a question
        with a topic of its own that is declined alone stays declined. A turn naming another kind of service
        asks the last question of it ("网站呢？" after "APP备案审核要多久"); one asking no value of its own asks
        the value the last one asked ("And for apps?" after "how long"). A turn after one that only told the
        situation ("变更备案已经提交了") leans on it, answered or not; its words need not be the entry's own when the
        coverage rule, reading the turn alone answered by that entry, judges it answered. After a turn about filing
        that found no answer, a turn leaning on it is judged as part of the conversation with its own first entry.
        """
        alone = self.run(question, snapshot, depth)
        # a last turn that asked nothing told the situation ("变更备案已经提交了"): the next one asks about it, as a
        # statement before a question in one message is its context, even when the statement found no answer
        told = bool(history) and not asks(history[-1].question)
        previous = history[-1] if told else next((t for t in reversed(history) if t.entry_id), None)
        if previous is None:
            leaning = self._after_declined(question, snapshot, alone, history[-1], depth) if history else None
            return leaning or alone
        read = self._read_in_context(question, snapshot, depth, alone, told, previous)
        if read.borrowed:
            read = self._by_topic(snapshot, alone, read, question)
        if told and previous.entry_id is None and not read.confident:
            # a statement that found no answer ("刚提交了备案申请") is followed as a declined question is
            return self._after_declined(question, snapshot, alone, previous, depth) or alone
        return self._on_subject(question, snapshot, depth, alone, read, history[-1]) or read

    def _on_subject(
        self, question: str, snapshot: Snapshot, depth: int, alone: Understood, read: Understood, last: Turn
    ) -> Understood | None:
        """A turn naming no kind of service after one that named a particular one ("我们要给APP做备案", then
        "提交后大概多久能出结果") asks of that kind: an entry about it near the top of the turn read with the last
        topic answers it, when the rule judges the turn read so answered by it; a turn declined so is asked of that
        kind (see _of_kind); None when the reading stands.

        The website filing is the default kind: an entry scoped to none is about it, and naming it says nothing."""
        named = subjects(last.resolved) - {DEFAULT_SUBJECT}
        if not named or subjects(question) or not read.retrieval.hits:
            return None
        if read.coverage not in ANSWERED:
            return self._of_kind(question, snapshot, depth, alone, named, last)
        top = read.retrieval.hits[0].entry
        if subjects(f"{top.title} {top.category or ''} {top.text}") & named:
            # an entry that speaks of that kind of service anywhere (the Android public key's) answers of it
            return None
        with_topic = self.run(f"{last_topic(last.resolved)} {question}", snapshot, depth)
        # a problem's entry is found by the problem's words, not by the kind of service it happens to name
        about = next(
            (
                h.entry.id
                for h in with_topic.retrieval.hits[:SUBJECT_DEPTH]
                if h.entry.kind != "troubleshooting" and entry_subjects(h.entry) & named
            ),
            None,
        )
        if about is None:
            return None
        led = lead_with(with_topic.retrieval, about)
        text = with_topic.query.text
        coverage, _, _ = self._judge(text, snapshot, with_topic.query, with_topic.vector, led, leaning=True)
        if coverage not in ANSWERED:
            return None
        return replace(with_topic, retrieval=led, confident=True, coverage=coverage, borrowed=last.question)

    def _of_kind(
        self, question: str, snapshot: Snapshot, depth: int, alone: Understood, named: frozenset[str], last: Turn
    ) -> Understood | None:
        """A turn declined as it stands, asked of the kind of service the last one named ("备之前都要准备什么材料" after
        how long an APP's review takes): answered as the one question naming that kind, when the rule judges it so,
        and the entry about that kind it finds is the one the turn finds first alone and says all the turn's words;
        None otherwise."""
        if not alone.retrieval.hits:
            return None
        first = alone.retrieval.hits[0].entry
        if not entry_subjects(first) & named or not says_all(snapshot.catalogue, alone.query, first.id):
            return None
        of_kind = self.run(f"{' '.join(sorted(named))} {question}", snapshot, depth)
        if not of_kind.confident or not of_kind.retrieval.hits or of_kind.retrieval.hits[0].entry.id != first.id:
            return None
        return replace(of_kind, borrowed=last.question)

    def _after_declined(
        self, question: str, snapshot: Snapshot, alone: Understood, last: Turn, depth: int
    ) -> Understood | None:
        """A turn after one that found no answer, judged as leaning on it when it asks of the same matter; None when
        it does not, or is not answered so."""
        if alone.confident or not alone.retrieval.hits:
            return None
        before = self.run(last.resolved, snapshot, depth)
        if before.coverage == OFF_TOPIC:
            # "明天呢？" after "今天天气怎么样？" leans on nothing about filing
            return None
        # a turn asks of the same matter when it leans on it ("去哪能查到这个号" after "APP备案通过后会给编号吗") or
        # finds first alone the entry nearest to that turn ("去哪查到的才算准" after "客户问他的备案号到底是多少")
        top = alone.retrieval.hits[0].entry.id
        nearest = before.retrieval.hits[0].entry.id if before.retrieval.hits else None
        if _FOLLOW_UP.search(alone.query.text) or nearest == top:
            coverage = self._leaning_on(question, snapshot, alone, top)
            if coverage is not None:
                return replace(alone, confident=True, coverage=coverage, borrowed=last.question)
        return None

    def _read_in_context(
        self,
        question: str,
        snapshot: Snapshot,
        depth: int,
        alone: Understood,
        told: bool,
        previous: Turn,
    ) -> Understood:
        """A turn read with ``previous``, the turn it may lean on; the turn alone when it does not lean on it."""
        if (
            alone.coverage == OFF_TOPIC
            and alone.signals
            and self.rule.above_everyday(alone.signals, self.calibration(snapshot))
        ):
            # "能加急吗" after an answer about filing asks about filing; "今天天气怎么样" does not
            alone = replace(alone, coverage=NOT_COVERED)
        fresh = new_terms(alone.query.text, previous.resolved)
        # "审核要多久" after an answer about claiming a filing asks about that claim's review, when that answer's
        # entry says every word of it and gives the kind of answer asked for
        stays = previous.entry_id is not None and says_all(snapshot.catalogue, alone.query, previous.entry_id)
        # "以哪个为准" after "怎么查ICP备案号" finds that answer's entry first on its own: it asks of that topic
        same = bool(alone.retrieval.hits) and alone.retrieval.hits[0].entry.id == previous.entry_id
        if alone.confident and stays and same:
            return alone
        # a turn leaning on the last one ("域名不是在华为云买的呢") is tried with its topic even when it is declined
        # alone; the entry found must then say most of its own words
        leans = told or bool(_FOLLOW_UP.search(alone.query.text))
        if fresh and not stays and not same and not leans:
            return alone
        topic = last_topic(previous.resolved)
        if subjects(question) - subjects(previous.resolved):
            # "网站呢？" after "APP备案审核要多久" asks that question of websites instead
            topic = head_units(without_subjects(previous.resolved), TOPIC_MAX_UNITS)
        if not value_kinds(question):
            # "APP的呢？" / "And for apps?" after "how long" asks how long too: the topic keeps the kind asked
            topic = " ".join([topic, *(KIND_WORDS[kind] for kind, _ in value_kinds(previous.resolved))])
        lead = previous.entry_id if stays else None
        with_topic = self.run(f"{topic} {question}", snapshot, depth, lead=lead)
        if not with_topic.retrieval.hits:
            return alone
        best = with_topic.retrieval.hits[0].entry
        on_problem = leans and best.title_only and best.id == previous.entry_id and previous.confident
        if on_problem and _FIXING.search(question):
            # how to fix or why a problem the documents only name ("重装过了还这样，怎么回他", "跟这个有关系吗"):
            # nothing in them says more of it, and the turn is answered as the problem was, with its troubleshooting
            # link and a person; a turn asking a matter of its own ("有没有加急通道") is not
            return replace(with_topic, confident=True, coverage=PARTIAL, borrowed=previous.question)
        # a word is said by the documents in the words the tables give for it: an English one in the glossary's
        # Chinese ("filing" is 备案), a colloquial one in the documents' own (别家 is 第三方)
        # a word inside a colloquial span is said by the head of the words the tables give for the span ("打开" of
        # "能正常打开" by the 访问 of 正常访问)
        forms = {
            w: (*t.forms, *(_head(f) for f in t.forms[1:]))
            for t in salient_terms(alone.query)
            for w in {*t.text.split(), *(tokenize(t.text) if len(t.forms) > 1 else ())}
        }
        # the corpus' own subject (备案) is said by nearly every entry: saying it shows nothing
        theme = snapshot.catalogue.theme
        own = {w for w in fresh if not theme(Term(w, 0.0, forms.get(w, (w,))))} if leans else fresh

        def says_own() -> bool:
            return not fresh or _says_own_words(fold(f"{best.title} {best.text}"), own, forms, most=leans)

        if not with_topic.confident:
            # a leaning turn answered alone by another entry, whose words the last answer's entry says, asks of
            # that entry ("要是域名不在华为云买的呢" after how to reach the site): the question and the topic read
            # together are unlike any one question the rule has seen, so it is not asked to judge them
            if leans and best.id == previous.entry_id and says_own():
                if alone.confident:
                    return replace(with_topic, confident=True, coverage=alone.coverage, borrowed=previous.question)
                # nothing of its own beyond the last topic ("要是不挂呢" after where the number goes): the last
                # answer's entry answers it, when it gives the kind of value asked
                kinds = value_kinds(question)
                if not fresh and previous.confident and entry_gives(snapshot.catalogue, best.id, kinds):
                    return replace(with_topic, confident=True, coverage=COVERED, borrowed=previous.question)
            if leans and best.id == previous.entry_id:
                coverage = self._leaning_on(question, snapshot, alone, best.id)
                if coverage is not None:
                    return replace(with_topic, confident=True, coverage=coverage, borrowed=previous.question)
            return alone
        if lead is not None and best.id == lead:
            return replace(with_topic, borrowed=previous.question)
        if told and all(w.lstrip("能会可要") in _OUTCOME for w in fresh):
            # asking what comes of the matter just told: the turn read with it finds that matter's entry, even where
            # the statement alone found another (a claim told with another account's filing finds an order in progress)
            return replace(with_topic, borrowed=previous.question)
        if not says_own():
            # a leaning turn whose words the entry found with its topic does not say literally ("审完了会用啥方式告诉我
            # 结果" after "取消接入的申请我已经提交了"): the rule judges the turn's own words answered by that entry,
            # unless the turn alone is answered by an entry saying all of them (a topic of its own)
            # a turn naming no thing of its own ("后面还要我做点什么", "下一步我要干啥") has no topic of its own
            own_answer = (
                alone.confident
                and names_any(question, fresh)
                and bool(alone.retrieval.hits)
                and says_all(snapshot.catalogue, alone.query, alone.retrieval.hits[0].entry.id)
            )
            if leans and not own_answer and self._leaning_on(question, snapshot, alone, best.id) is not None:
                return replace(with_topic, borrowed=previous.question)
            if same and best.id == previous.entry_id and _FOLLOW_UP.search(alone.query.text):
                # a turn pointing back ("那要提前准备些啥") that finds the last answer's entry first alone and surely
                # with its topic asks more of that entry, though the entry does not say all its words
                return replace(with_topic, borrowed=previous.question)
            return alone
        return replace(with_topic, borrowed=previous.question)

    def _by_topic(self, snapshot: Snapshot, alone: Understood, with_topic: Understood, question: str) -> Understood:
        """A turn asking a kind of value ("多久出结果") of the topic it is read with, led by the near entry giving that
        kind that says most of the topic's own words (the claim's review time after a claim, not the bureau's); one
        asking where to look, of a problem the documents only name, by the near entry with a body saying most of
        the topic's and the turn's words."""
        kinds = value_kinds(question)
        hits = with_topic.retrieval.hits
        # a problem the documents only name says nowhere to look: where to look is asked of an entry with a body
        where = bool(hits) and hits[0].entry.title_only and answer_type(question) == "where"
        if not (kinds or where) or not with_topic.confident or len(hits) < 2:
            return with_topic
        catalogue = snapshot.catalogue
        # the value is asked of the topic; where to look, of the topic and the thing looked for
        own = {t.text for t in salient_terms(alone.query)} if kinds else set()
        terms = [t for t in salient_terms(with_topic.query) if t.text not in own and not catalogue.theme(t)]
        if not terms:
            return with_topic

        def held(entry_id: str) -> float:
            hay = catalogue.hay[entry_id]
            return share(terms, [hay.holds(t) for t in terms])

        giving = [
            h.entry.id
            for h in hits[:SUBJECT_DEPTH]
            if not h.entry.title_only and (not kinds or entry_gives(catalogue, h.entry.id, kinds))
        ]
        if not giving:
            return with_topic
        pick = max(giving, key=held)
        if pick == hits[0].entry.id or held(pick) <= held(hits[0].entry.id):
            return with_topic
        return replace(with_topic, retrieval=lead_with(with_topic.retrieval, pick))

    def _leaning_on(self, question: str, snapshot: Snapshot, alone: Understood, entry_id: str) -> Coverage | None:
        """The coverage of a turn leaning on the conversation, judged on its own words with ``entry_id`` first in its
        own ranking (nothing normalised or embedded again; ranked again, deeper, only when the entry is not among
        the ranked ones), when answered; None when not, or when the entry is not in that ranking at all."""
        ranked = alone.retrieval
        if all(h.entry.id != entry_id for h in ranked.hits) and len(snapshot.index.entries) > len(ranked.hits):
            # among thousands of entries the one leant on may stand below the depth a turn is ranked to, where among
            # a few dozen it is always ranked: it is looked for further down the same ranking
            ranked = _retrieved(snapshot, alone.query, alone.vector, LEANING_DEPTH)
        led = lead_with(ranked, entry_id)
        if not led.hits or led.hits[0].entry.id != entry_id:
            return None
        coverage, _, _ = self._judge(question, snapshot, alone.query, alone.vector, led, leaning=True)
        return coverage if coverage in ANSWERED else None

    def calibration(self, snapshot: Snapshot) -> Calibration:
        """The reference points the rule reads this index's features with (``Rule.on_own_scale``)."""
        rule, measured = self.rule, self.measured_calibration(snapshot)
        last = self._on_scale
        if last is not None and last[0] is rule and last[1] is measured:
            return last[2]
        scaled = rule.on_own_scale(measured, self.vectors.embedder.name)
        # read for every judged question, made once per index and rule (one assignment: a race makes it twice)
        self._on_scale = (rule, measured, scaled)
        return scaled

    def measured_calibration(self, snapshot: Snapshot) -> Calibration:
        """The embedder's reference points on this index: measured once, then read from beside the index."""
        manifest = snapshot.index.manifest
        key = f"{CALIBRATION_VERSION}\n{READING}\n{self.vectors.embedder.name}\n{manifest.corpus_hash}"
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

        def distinct(text: str, found: Retrieval) -> float:
            return distinctness(snapshot.catalogue, normalize(text, snapshot.lexicon), found)

        return calibrate(self.decider, retrieve, titles, title_vectors, background_vectors, background, distinct)


# How deep the ranking is read for a general entry to go ahead of scoped ones: among thousands of entries scoped to
# a province or a kind of applicant, the general one a question asks of may stand below the first LINK_DEPTH.
SCOPE_DEPTH = 60


def embedded(question: str, query: Query) -> str:
    """What of a question is embedded: its normalised head, without the syllables of a question typed in pinyin that
    no document word was found for ("hai", "pei"), which the embedder reads as noise."""
    text = query.text
    if typed_in_pinyin(question):
        # nothing left when no syllable was found: the question is embedded as typed
        text = " ".join(LATIN_WORD.sub(" ", text).split()) or text
    return head_units(text, EMBED_MAX_UNITS)


def _wider(snapshot: Snapshot, depth: int) -> int:
    return max(depth, SCOPE_DEPTH) if snapshot.catalogue.scoped else depth


def _retrieved(snapshot: Snapshot, query: Query, vector: np.ndarray, depth: int, mode: Mode = "hybrid") -> Retrieval:
    # read wider than asked where entries are scoped, so that a general one below the depth can go ahead of them
    found = snapshot.retriever_for(mode).retrieve(query, _wider(snapshot, depth), vector)
    return _ranked(snapshot, query, found, depth)


def _ranked(snapshot: Snapshot, query: Query, retrieval: Retrieval, depth: int) -> Retrieval:
    # the general rule before one province's, then an entry giving the kind of value asked before one that does not
    general = by_scope(snapshot.catalogue, query, retrieval)
    return by_kind(snapshot.catalogue, query, replace(general, hits=general.hits[:depth]))


def lead_with(retrieval: Retrieval, entry_id: str) -> Retrieval:
    """The same ranking with one of its entries moved first, when it is there."""
    hits = retrieval.hits
    ranked = sorted(hits, key=lambda h: h.entry.id != entry_id)
    if not hits or hits[0].entry.id == entry_id or ranked[0].entry.id != entry_id:
        return retrieval
    return replace(retrieval, hits=ranked)


_NEGATION = re.compile(r"^[不没未别]")


# a character and a complement of its result (到, 完, 过, 好, 掉): 查到, 审完, 交过, 改好
_RESULT = re.compile(r"^[\u4e00-\u9fff][到完过好掉]$")


# The tagger's flags of words that name a thing: nouns, English words, verbal nouns, abbreviations.
_NAMING = ("n", "eng", "vn", "j")


def names_any(question: str, words: set[str]) -> bool:
    """Whether the question names a thing among ``words``: one of them is tagged a noun where it stands."""
    return any(w in words and flag.startswith(_NAMING) for w, flag in tagged(question))


def new_terms(question: str, topic: str) -> set[str]:
    """The words a turn brings beyond an earlier turn's topic: not question words, not words leaning on
    what was said ("那", "这个", "what about"), not a kind of service, not when or how something happened
    ("上礼拜", "先"), not the negation of a topic word ("不挂" after "挂在哪"); a verb with its result is the verb
    (查到 is 查)."""
    known = set(tokenize(topic))
    # who passes the question on is not what it asks: "他问要去哪看" brings no 问要
    terms = tokenize(without_subjects(re.sub(_RELAY, "", question)))
    # when and how something happened ("上周", "刚", "先") tells of the user's case, not of a matter of its own
    when = {w for w, flag in tagged(question) if flag in ("t", "d")}
    asking = {t for t in terms if t in _LEANING or t in ASKING or _FOLLOW_UP.search(t) or is_question_like(t)}
    asking |= when
    out = set()
    for term in terms:
        if term in known or _NEGATION.sub("", term) in known or term in asking:
            continue
        # a piece of a word that asks is no word of its own: 接下 and 下来 of 接下来
        if any(term in word for word in asking if len(word) > len(term)):
            continue
        if _RESULT.match(term) and word_frequency(term) <= GUESSED_MAX:
            # a verb with the result it reaches, glued by the segmenter, says the verb: 查到 is 查 ("去哪能查到" of an
            # entry on 查询); words of their own (通过, 收到, 找到) stay whole
            term = term[0]
            if term in known:
                continue
        out.add(term)
    return out


# The IDF-weighted share of a leaning turn's own words that the entry found with the last topic must say. Fitted
# on the tuning conversations: 0.6-0.65 answer one more than 0.7-0.75; 0.55 answers a not-covered one.
LEANING_SHARE = 0.65


def _says_own_words(
    text: str, fresh: set[str], forms: Mapping[str, tuple[str, ...]] | None = None, most: bool = False
) -> bool:
    """Whether a text says a turn's own words (an English one in any of its ``forms``): all of them, or for a
    turn leaning on the last one nearly all, weighed by rarity ("买" may be missing from an entry saying
    "注册域名", a rare word of the turn's may not)."""
    forms = forms or {}

    def said(word: str) -> bool:
        return any(f in text for f in forms.get(word, (word,)))

    if not most:
        return all(said(w) for w in fresh)
    total = sum(idf(w) for w in fresh)
    # no words of its own beyond the corpus' subject: nothing for the entry to lack
    return total == 0 or sum(idf(w) for w in fresh if said(w)) >= LEANING_SHARE * total


def _head(phrase: str) -> str:
    """The last word of a phrase, which names what it is (访问 of 正常访问, 所在地 of 非当前备案所在地)."""
    words = [w for w, _ in tagged(phrase) if len(w) > 1]
    return words[-1] if words else phrase


def last_topic(resolved: str) -> str:
    """The topic a follow-up borrows from the previous question: its first nouns and the verbs that name the
    matter rather than ask about it ("认领备案怎么操作" -> 认领 备案), bounded in length."""
    head = head_units(resolved, TOPIC_MAX_UNITS)
    nouns = set(topic_words(head))
    pairs = tagged(head)
    # what a statement tells came of the matter ("备案终于成功了", "审核通过了"): the word the 了 closes
    outcome = {w for (w, _), (after, flag) in itertools.pairwise(pairs) if flag == "ul" and after == "了"}
    words = [
        w
        for w, flag in pairs
        if w in nouns
        or (
            (flag == "v" or w in outcome)
            and len(w) > 1
            and w not in ASKING
            and w not in _LEANING
            and w not in STOPWORDS
        )
    ]
    return " ".join(list(dict.fromkeys(words))[:TOPIC_MAX_WORDS]) or head
