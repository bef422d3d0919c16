"""What the documents cover: whether the best entry answers what was asked, part of it, or nothing of it."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from statistics import median

import numpy as np

from bot.contract import Coverage
from bot.lexicon import is_pinyin, syllables
from bot.normalize import EXPANSIONS_RUNS, GLOSSARY_RUNS, Query, head_units, in_documents_words
from bot.retrieve import ASKING, Hit, Retrieval, read_words
from bot.sentences import (
    ANOTHER_MATTER,
    DEFAULT_SUBJECT,
    NUMBERED,
    asks,
    clauses,
    entry_subjects,
    language,
    subjects,
    value_kinds,
)
from corpus import Entry
from corpus.tidy import ELLIPSIS, is_block_heading, units
from corpus.tokenize import STOPWORDS, fold, general_idf, tagged, tokenize, word_frequency, word_spans
from index import LoadedIndex

COVERED: Coverage = "covered"
PARTIAL: Coverage = "partial"
NOT_COVERED: Coverage = "not_covered"
OFF_TOPIC: Coverage = "off_topic"
OUTCOMES = (COVERED, PARTIAL, NOT_COVERED, OFF_TOPIC)
ANSWERED = (COVERED, PARTIAL)
NAMES = Path(__file__).parent / "data" / "names.txt"
PROVINCES = Path(__file__).parent / "data" / "provinces.txt"
APPLICANTS = Path(__file__).parent / "data" / "applicants.txt"
EVERYDAY_EN = Path(__file__).parent / "data" / "everyday_en.txt"


def _read_names(path: Path) -> tuple[tuple[str, ...], ...]:
    """A list of named things, one a line with its spellings separated by commas (# starts a comment line)."""
    return tuple(
        tuple(f.strip() for f in line.split(",") if f.strip())
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


def _named_pattern(name: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(rf"(?<![a-z]){re.escape(f)}(?![a-z])" if f.isascii() else re.escape(f) for f in name))


def _any_of(names: Sequence[tuple[str, ...]]) -> re.Pattern[str]:
    """One pattern finding any spelling of any of the names, the longest spelling first."""
    return _named_pattern(tuple(sorted({f for name in names for f in name}, key=len, reverse=True)))


def _spelt(names: Sequence[tuple[str, ...]]) -> re.Pattern[str]:
    """Any spelling of any of the names, wherever it stands: a text it finds nothing in holds none of the names
    (``_any_of`` finds fewer), and it is quickly read (the pattern has no look-arounds)."""
    return re.compile("|".join(re.escape(f) for name in names for f in name))


_PROVINCES_RE = _any_of(_read_names(PROVINCES))
_PROVINCES_SPELT = _spelt(_read_names(PROVINCES))


def provinces(text: str) -> frozenset[str]:
    """The provinces of the mainland a text names, as it spells them (folded first)."""
    return _provinces_in(fold(text))


def _provinces_in(folded: str) -> frozenset[str]:
    if not _PROVINCES_SPELT.search(folded):
        return frozenset()
    return frozenset(m.group() for m in _PROVINCES_RE.finditer(folded))


_APPLICANT_NAMES = _read_names(APPLICANTS)
_APPLICANTS_SPELT = _spelt(_APPLICANT_NAMES)
# each spelling read as its kind's first one: "公司" and "企业" name one kind of applicant
_APPLICANT_OF = {fold(f): name[0] for name in _APPLICANT_NAMES for f in name}
_APPLICANTS_RE = _any_of(_APPLICANT_NAMES)


# 个人 before these is a person's things, not an individual applicant: 个人信息, 个人中心
_NOT_APPLICANT = re.compile(r"信息|中心|资料|隐私|主页|账号|帐号|账户|设置|空间")


def scopes(text: str) -> frozenset[str]:
    """The provinces and the kinds of applicant (企业, 个人, 社会团体 ...) a text names (folded first)."""
    folded = fold(text)
    found = _provinces_in(folded)
    if not _APPLICANTS_SPELT.search(folded):
        return found
    kinds = {
        _APPLICANT_OF[m.group()]
        for m in _APPLICANTS_RE.finditer(folded)
        if not (m.group() == "个人" and _NOT_APPLICANT.match(folded, m.end()))
    }
    return found | kinds


_HAN = re.compile(r"[\u4e00-\u9fff]")
# An English word outside the glossary: it may name the topic or merely phrase the question; weigh it as a
# common Chinese word rather than a rare one.
EN_WEIGHT = 0.0
_EN = re.compile(r"[a-z][a-z0-9]+")
_LATIN = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    """jieba's general-Chinese IDF table and its median (what jieba gives a word it has not seen)."""
    table = general_idf()
    return table, median(table.values())


# Weight of a word general Chinese has never seen: mostly jieba's guesses at colloquial runs and typos
# ("没挂", "白白的"), which say little about the topic; named things the documents lack are usually real words.
UNSEEN = 0.5


def idf(word: str) -> float:
    """How rare a word is in general Chinese; unseen words weigh ``UNSEEN`` times the median."""
    table, mid = _idf()
    return table.get(word, UNSEEN * mid)


@dataclass(frozen=True)
class Term:
    """A salient word of a question and the words that stand for it in the documents."""

    text: str
    weight: float
    forms: tuple[str, ...]
    # a compound (注销主体) also counts as said when each of its parts is said
    parts: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """What decides whether an entry says the term: its forms and parts, not its weight or spelling."""
        return "\n".join((*self.forms, "|", *self.parts))


# Part-of-speech tagging costs ~1.7 ms a character on unknown text: the terms are read from the question's head, the
# same length that is embedded (bot.pipeline.EMBED_MAX_UNITS), whatever the question's length.
TERMS_MAX_UNITS = 80


def salient_terms(query: Query) -> list[Term]:
    """The words that say what a question is about, weighted by IDF (asking words and chatter dropped)."""
    terms, english = _tabled(head_units(query.text, TERMS_MAX_UNITS))
    for word in _EN.findall(english):
        if word not in ASKING:
            terms.append(Term(word, EN_WEIGHT, (word,)))
    seen: set[str] = set()
    for word, flag in _glued(_joined(tagged(_LATIN.sub(" ", english)))):
        if not _HAN.search(word) or word in STOPWORDS or word in ASKING or word in seen:
            continue
        seen.add(word)
        pieces = [p for p in tokenize(word) if p != word] if len(word) > 2 else []
        # only words that make up the whole of it: 备案号 is not said by 备案 alone
        whole = all(len(p) >= 2 for p in pieces) and sum(map(len, pieces)) >= len(word)
        parts = tuple(pieces) if len(pieces) > 1 and whole else ()
        terms.append(Term(word, idf(word) * _pos_weight(flag), (word,), parts))
    return terms


# Characters that do the grammar of a clause (auxiliaries, negation, particles, pronouns, place after a verb):
# the tagger's guesses glue them to the next or last word ("后会" in "通过后会给啥", "要交", "没加", "了能").
_FUNCTION_CHARS = frozenset("要能会得想没不了个在的我你他有给就还也都再先后前上下里那这是被把让")
# a pair the segmentation dictionary counts at most this often is a guess, not a word
GUESSED_MAX = 3


def _glued(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Two-character guesses of the tagger that hold a grammatical character: the content character alone."""
    out: list[tuple[str, str]] = []
    for word, flag in pairs:
        if len(word) == 2 and _HAN.match(word) and word_frequency(word) <= GUESSED_MAX:
            rest = "".join(c for c in word if c not in _FUNCTION_CHARS)
            if len(rest) < 2:
                if rest:
                    out.append((rest, flag))
                continue
        out.append((word, flag))
    return out


# a word the segmenter split into single characters ("年审" as 年 / 审) that general Chinese knows as one reads as
# that word, a noun: one character of it alone would be found in unrelated words (审 in 审核)
_JOINED_FLAG = "n"
# only a noun or number character (m) followed by content characters: after a verb, adverb, measure word or
# particle, or before one, it is a phrase, not a word ("交了", "还能", "干啥", "这句话", "问下")
_AFTER = ("n", "v", "a")


def _joined(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Adjacent single characters put back together where general Chinese has them as one word."""
    table, _ = _idf()
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(pairs):
        first, flag = pairs[i]
        if len(first) != 1 or not (flag == "m" or flag.startswith("n")) or not _HAN.match(first):
            # no run can start here
            out.append(pairs[i])
            i += 1
            continue
        for n in (3, 2):
            run = pairs[i : i + n]
            word = "".join(w for w, _ in run)
            if (
                len(run) == n
                and all(len(w) == 1 and _HAN.match(w) for w, _ in run)
                and (run[0][1] == "m" or run[0][1].startswith("n"))
                and all(f.startswith(_AFTER) for _, f in run[1:])
                and word in table
            ):
                out.append((word, _JOINED_FLAG))
                i += n
                break
        else:
            out.append(pairs[i])
            i += 1
    return out


@lru_cache(maxsize=4096)
def _word_starts(text: str) -> frozenset[int]:
    return frozenset(start for start, _, _ in word_spans(text))


def _tabled(text: str) -> tuple[list[Term], str]:
    """The terms the expansion and glossary tables find in a text (the colloquial and English ways of saying the
    documents' words), and what of the text they leave."""
    terms: list[Term] = []
    original = text
    # a run of rows finding nothing in the text as it stands leaves it as it is (bot.normalize.runs)
    for run, rows in EXPANSIONS_RUNS:
        if not run.search(text):
            continue
        for pattern, chinese in rows:
            # a way of saying that starts inside a word of the question is not said ("审过了" in "初审过了")
            found = [m for m in pattern.finditer(text) if m.start() in _word_starts(original)]
            if found:
                terms += [_said(m.group(), (m.group(), *chinese.split())) for m in found]
                text = _blanked(text, found)
    for run, rows in GLOSSARY_RUNS if _EN.search(text) else ():
        if not run.search(text):
            continue
        for pattern, chinese in rows:
            found = list(pattern.finditer(text))
            if found:
                terms += [_said(m.group(), tuple(chinese.split())) for m in found]
                text = _blanked(text, found)
    return terms, text


def _said(spelling: str, forms: tuple[str, ...]) -> Term:
    """A term a table found: weighed as the rarest of the words that stand for it."""
    return Term(spelling, max(idf(w) for w in forms), forms)


def _blanked(text: str, found: Sequence[re.Match[str]]) -> str:
    """The text with what was found blanked out to its length, so that places in it stay where they were."""
    for m in found:
        text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    return text


# Nouns name what a question is about; verbs and the rest mostly phrase it ("没挂", "替换", "白白的").
NOUN_TAGS = ("n", "nz", "nr", "ns", "nt", "eng", "vn", "j", "l")
VERB_WEIGHT = 0.5
OTHER_WEIGHT = 0.25


def _pos_weight(flag: str) -> float:
    if flag.startswith(NOUN_TAGS):
        return 1.0
    return VERB_WEIGHT if flag.startswith("v") else OTHER_WEIGHT


def said_text(entry: Entry) -> str:
    """The entry's text without a heading the source cut after ("IOS平台APP特征信息基本概念…"): that section is
    not there, so the entry does not answer what its heading names."""
    if not entry.cut_tail:
        return entry.text
    found = units(entry.text)
    last = found[-1].rstrip(ELLIPSIS) if found else ""
    at = entry.text.rfind(last) if last else -1
    return entry.text[:at] if at > 0 and is_block_heading(last) else entry.text


# all of a thing: "所有IP地址", "全部域名"; the thing is named within a few characters after
_EVERY = re.compile(r"所有|全部|每一?个")
EVERY_REACH = 6


class Haystack:
    """An entry's text as the coverage tests look at it: folded characters and toneless pinyin."""

    def __init__(self, entry: Entry) -> None:
        # the similar questions agents attached say what the entry answers, as much as its own text does; so do
        # the words of a link the source lost ("查询入口"): the entry is about that, only the link is gone
        # and so does the section it is filed under ("备案审核驳回FAQ": the entry is about a rejection)
        lines = [entry.title, entry.category or "", said_text(entry), *entry.steps, *entry.questions, *entry.dead_links]
        if not entry_subjects(entry):
            # an entry about no kind of service in particular is about the website filing, the default one
            lines.append(DEFAULT_SUBJECT)
        text = fold("\n".join(lines))
        # the entry read in the words questions are rewritten to: "备案号" is said by an entry saying 备案编号
        self.text = in_documents_words(text)
        # whether the text shows an answer of a kind, by the kind's pattern: looked up question after question
        self._shows: dict[re.Pattern[str], bool] = {}

    @cached_property
    def sound(self) -> str:
        """The text's toneless pinyin, made when first asked for (only the entries that rank first need it)."""
        return " " + " ".join(syllables(self.text)) + " "

    def gives(self, kinds: Sequence[tuple[str, re.Pattern[str]]]) -> bool:
        """Whether the entry shows an answer of each kind asked for (a duration, a fee, ...)."""
        return all(self._gives(shows) for _, shows in kinds)

    def _gives(self, shows: re.Pattern[str]) -> bool:
        found = self._shows.get(shows)
        if found is None:
            # a plain dict: a race looks twice and finds the same
            found = self._shows[shows] = bool(shows.search(self.text))
        return found

    def every(self, terms: Sequence[Term], theme: Callable[[Term], bool]) -> bool:
        """Whether the entry speaks of all of one of the question's own things ("所有IP地址" for "IP要填几个"): that
        answers how many. The corpus' own subject (所有备案) is no thing of the question's."""
        return any(t.text in after for after in self._every_ahead for t in terms if not theme(t))

    @cached_property
    def _every_ahead(self) -> list[str]:
        # what follows each "所有" / "全部": read once per entry, not for every question asking how many
        return [self.text[m.end() : m.end() + EVERY_REACH] for m in _EVERY.finditer(self.text)]

    def holds(self, term: Term) -> bool:
        """Whether the entry says the term, spelt alike or sounding alike (a homophone typo)."""
        return _says(self.text, self.sound, term)


class Catalogue:
    """Every entry's haystack, and which question words the documents use anywhere."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        entries = list(entries)
        self.hay = {e.id: Haystack(e) for e in entries}
        # the provinces and kinds of applicant an entry is scoped to, by its title and section
        # ("山东地区新增接入有什么特殊要求", "社会团体办理首次备案的流程")
        self.scope = {e.id: scopes(f"{e.title} {e.category or ''}") for e in entries}
        # whether any entry is scoped at all: a corpus with none needs no deeper ranking for by_scope
        self.scoped = any(self.scope.values())
        self.all_text = "\n".join(h.text for h in self.hay.values())
        self._df: dict[str, int] = {}
        self._foreign: dict[str, bool] = {}
        self._theme: dict[str, bool] = {}

    def df(self, term: Term) -> int:
        """How many entries say the term, counted once per term and remembered (a corpus-wide scan)."""
        key = term.key
        if key not in self._df:
            # a plain dict: a race computes the same count twice, never a wrong one
            self._df[key] = sum(h.holds(term) for h in self.hay.values())
        return self._df[key]

    @cached_property
    def unmentioned(self) -> frozenset[str]:
        """Every spelling of the named things (bot/data/names.txt) that no entry mentions in any spelling."""
        return frozenset(f for name in NAMED if not _named_pattern(name).search(self.all_text) for f in name)

    def theme(self, term: Term) -> bool:
        """Whether most entries say the term: the corpus' own subject (备案 in a filing help centre), which an entry
        that never spells it out is about all the same. Not a kind of service: an APP entry is not about 网站."""
        if len(self.hay) < THEME_MIN_ENTRIES or subjects(term.text):
            return False
        # read on an even sample of a large corpus: a share needs no full count, and a new word costs little
        sample = self._sample
        return _remembered(
            self._theme, term.key, lambda: sum(h.holds(term) for h in sample) >= THEME_SHARE * len(sample)
        )

    @cached_property
    def _sample(self) -> list[Haystack]:
        hays = list(self.hay.values())
        step = max(1, len(hays) // THEME_SAMPLE)
        return hays[::step]

    def foreign(self, word: str) -> bool:
        """Whether a Latin word of a Chinese question names something no entry mentions ("docker", "cdn"): not an
        asking word, everyday English (bot/data/everyday_en.txt), a kind of service or typed pinyin, not spelt
        anywhere in the documents, and not a word the glossary gives in words the documents say ("dns" is 解析)."""
        return _remembered(
            self._foreign,
            word,
            lambda: (
                len(word) >= FOREIGN_MIN_LETTERS
                and word not in ASKING
                and not _everyday(word)
                and not subjects(word)
                and not is_pinyin(word)
                and not any(form in self.all_text for form in _translated(word))
                and not re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", self.all_text)
            ),
        )

    def anywhere(self, term: Term) -> bool:
        """Whether some entry spells the term (the sound of the whole corpus is not kept)."""
        return any(form in self.all_text for form in term.forms) or bool(
            term.parts and all(part in self.all_text for part in term.parts)
        )


_EVERYDAY = read_words(EVERYDAY_EN)


def _everyday(word: str) -> bool:
    """Whether a Latin word is everyday English typed inside a Chinese question ("copy", "values"), not a name."""
    return word in _EVERYDAY or (word.endswith("s") and word[:-1] in _EVERYDAY)


def _translated(word: str) -> list[str]:
    """The Chinese the glossary gives for a Latin word ("dns" is 解析): typed inside a Chinese question
    ("dns解析怎么配") it is that word, which the documents may say."""
    return [
        form
        for _, rows in GLOSSARY_RUNS
        for pattern, chinese in rows
        if pattern.fullmatch(word)
        for form in chinese.split()
    ]


def _remembered(memo: dict[str, bool], key: str, verdict: Callable[[], bool]) -> bool:
    """A verdict on a user's word, kept in ``memo``: users' words are unbounded, so the memo is emptied when full."""
    if key not in memo:
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[key] = verdict()
    return memo[key]


# Platforms, stores, other providers and places outside the mainland, each with its spellings.
NAMED = _read_names(NAMES)
_NAMED_RE = _any_of(NAMED)
_NAMED_SPELT = _spelt(NAMED)


# A word said by at least this share of the entries is what the whole corpus is about; a corpus of a few entries
# has no such theme to speak of.
THEME_SHARE = 0.5
THEME_MIN_ENTRIES = 10
THEME_SAMPLE = 500
# words remembered per corpus (the verdicts on users' words; cleared when full)
MEMO_SIZE = 4096
# Shorter Latin runs are mostly abbreviations of words the documents spell out ("id", "ip").
FOREIGN_MIN_LETTERS = 3


def unnamed(catalogue: Catalogue, text: str) -> list[str]:
    """The platforms, providers and places a (folded) question names that no entry mentions in any spelling, and
    in a Chinese question the Latin words no entry spells ("CDN", "Docker"), as the question spells them."""
    spelt = bool(_NAMED_SPELT.search(text))
    named = dict.fromkeys(m.group() for m in _whole_names(text)) if spelt else {}
    said = [form for form in named if form in catalogue.unmentioned]
    if _HAN.search(text) and _EN.search(text) and language(text) == "zh":
        # an English question is phrased in words the documents never use; a Chinese one writes names in Latin
        _, rest = _tabled(_NAMED_RE.sub(" ", text) if spelt else text)
        said += [w for w in dict.fromkeys(_EN.findall(rest)) if catalogue.foreign(w)]
    return said


# A word said by at most this fraction of the entries (1 / ASIDE_RARITY) names something of its own.
ASIDE_RARITY = 4


def _told_aside(catalogue: Catalogue, text: str, names: Sequence[str], hay: Haystack) -> bool:
    """Whether every name no entry mentions is told in a clause that asks nothing, while the clauses that ask (the
    last one, where none does by its words) say something of their own that the best entry says all of
    ("法人常年在国外,能找人代替不": where the person is tells of the case; "能备案吗" says nothing of its own)."""
    parts = clauses(text)
    asking = [c for c in parts if asks(c)] or parts[-1:]
    if any(name in clause for clause in asking for name in names):
        return False
    terms = [t for clause in asking for t in salient_terms(Query(clause, clause, clause)) if not catalogue.theme(t)]
    # something of its own: a word few entries say (网站 and 备案 are said by most)
    rare = any(catalogue.df(t) * ASIDE_RARITY <= len(catalogue.hay) for t in terms)
    return rare and all(hay.holds(t) for t in terms)


def _whole_names(text: str) -> list[re.Match[str]]:
    """The names a text spells as words of its own: 新网 (a registrar) is no name in 新网站 (a new website)."""
    found = list(_NAMED_RE.finditer(text))
    if not any(_HAN.match(m.group()) for m in found):
        return found
    spans = word_spans(text)
    starts, ends = {a for a, _, _ in spans}, {b for _, b, _ in spans}
    return [m for m in found if not _HAN.match(m.group()) or (m.start() in starts and m.end() in ends)]


def _says(text: str, sound: str, term: Term) -> bool:
    def one(form: str) -> bool:
        if form in text:
            return True
        heard = syllables(form)
        return len(heard) >= 2 and f" {' '.join(heard)} " in sound

    return any(one(f) for f in term.forms) or bool(term.parts and all(one(p) for p in term.parts))


@dataclass(frozen=True)
class Signals:
    """The evidence a coverage decision rests on."""

    margin: float
    best_share: float
    corpus_share: float
    unknown: float
    best_missing: float
    kind_missing: bool
    n_terms: int
    spread: float = 0.0
    dense_gap: float = 0.0
    lexical_gap: float = 0.0
    distinct: float = 0.0
    # the platforms, providers or places the question names that no entry mentions (支付宝, 新加坡)
    names_missing: tuple[str, ...] = ()
    # the question asks for a kind of value (a duration, a fee) and the best entry gives one
    kind_given: bool = False
    # the kinds of value asked for that none of the entries a decline offers gives: what the documents lack
    kinds_unoffered: tuple[str, ...] = ()
    # the question's vector times the vector of the best entry's nearest chunk, dimension by dimension: what the
    # two share by meaning (set by the pipeline where the rule reads it)
    pair: np.ndarray | None = field(default=None, compare=False)

    @property
    def name_missing(self) -> bool:
        """Whether the question names something no entry mentions."""
        return bool(self.names_missing)


# The near entries a decline offers instead of an answer.
OFFERED = 3


def entry_gives(catalogue: Catalogue, entry_id: str, kinds: Sequence[tuple[str, re.Pattern[str]]]) -> bool:
    """Whether an entry shows an answer of each kind asked for (a duration, a fee, ...)."""
    hay = catalogue.hay.get(entry_id)
    return hay is not None and hay.gives(kinds)


def share(terms: Sequence[Term], found: Sequence[bool]) -> float:
    """The IDF-weighted share of terms found (1.0 for a question with no salient term). Terms that all weigh
    nothing (an English name alone: "ios的呢") count alike: an entry that says none of them does not cover them."""
    total = sum(t.weight for t in terms)
    if not total:
        return sum(found) / len(terms) if terms else 1.0
    return sum(t.weight for t, f in zip(terms, found, strict=True) if f) / total


def signals(
    catalogue: Catalogue, query: Query, retrieval: Retrieval, margin: float, pair: np.ndarray | None = None
) -> Signals:
    """Measure how much of the question the best entry and the corpus cover (``pair``: see ``Signals.pair``)."""
    hits = retrieval.hits
    best = hits[0].entry if hits else None
    terms = salient_terms(query)
    hay = catalogue.hay.get(best.id) if best is not None else None
    in_best = [bool(hay and (hay.holds(t) or catalogue.theme(t))) for t in terms]
    anywhere = [b or catalogue.anywhere(t) for t, b in zip(terms, in_best, strict=True)]
    unknown = max((t.weight for t, a in zip(terms, anywhere, strict=True) if not a), default=0.0)
    best_missing = max((t.weight for t, b in zip(terms, in_best, strict=True) if not b), default=0.0)
    kinds = value_kinds(query.text)
    if kinds and hay is not None and any(k == "count" for k, _ in kinds) and hay.every(terms, catalogue.theme):
        # "IP要填几个" is answered by "填写…所有IP地址": every one of what is counted
        kinds = [(k, shows) for k, shows in kinds if k != "count"]
    kind_missing = bool(kinds) and (hay is None or not hay.gives(kinds))
    names_missing = tuple(unnamed(catalogue, query.text))
    if names_missing and hay is not None and _told_aside(catalogue, query.text, names_missing, hay):
        names_missing = ()
    if best is not None and best.questions and fold(query.text) in _asked(tuple(best.questions)):
        # an agent attached this very question to the entry: it answers it
        kind_missing, names_missing = False, ()
    dense_gap = hits[0].dense - max((h.dense for h in hits[1:]), default=0.0) if hits else 0.0
    lex1 = hits[0].lexical if hits else 0.0
    # an entry that does not give the kind of value asked for (a duration, a fee) is no rival for the answer
    rivals = [h for h in hits[1:] if not kinds or entry_gives(catalogue, h.entry.id, kinds)]
    lex2 = max((h.lexical for h in rivals), default=0.0)
    distinct = _distinct(catalogue, terms, in_best)
    # a question asking what is left to do after filing may find the claim's entry first, and the entry offered
    # third says it: the documents lack only the kinds none of the offered entries gives
    offered = [h.entry.id for h in hits[:OFFERED]]
    unoffered = (
        tuple(k for k, shows in kinds if not any(entry_gives(catalogue, e, [(k, shows)]) for e in offered))
        if kind_missing
        else ()
    )
    return Signals(
        margin,
        share(terms, in_best),
        share(terms, anywhere),
        unknown,
        best_missing,
        kind_missing,
        len(terms),
        retrieval.dense_lead,
        dense_gap,
        (lex1 - lex2) / lex1 if lex1 > 0 else 0.0,
        distinct,
        names_missing,
        bool(kinds) and not kind_missing,
        unoffered,
        pair,
    )


@lru_cache(maxsize=4096)
def _asked(questions: tuple[str, ...]) -> frozenset[str]:
    """The questions agents attached to an entry, folded once rather than for every question it ranks first for."""
    return frozenset(fold(q) for q in questions)


def meaning_pair(index: LoadedIndex, entry_id: str, vector: np.ndarray) -> np.ndarray:
    """The question's vector times the vector of the entry's nearest chunk, dimension by dimension (Signals.pair)."""
    return vector * index.best_chunk_vector(index.entry_pos[entry_id], vector)


def _distinct(catalogue: Catalogue, terms: Sequence[Term], in_best: Sequence[bool]) -> float:
    n = len(catalogue.hay)
    return max((math.log(n / max(1, catalogue.df(t))) for t, b in zip(terms, in_best, strict=True) if b), default=0.0)


def distinctness(catalogue: Catalogue, query: Query, retrieval: Retrieval) -> float:
    """How few entries say the rarest question word the best entry says: log(n / df) over log(n), 0 to 1."""
    hay = catalogue.hay.get(retrieval.hits[0].entry.id) if retrieval.hits else None
    terms = salient_terms(query)
    found = _distinct(catalogue, terms, [bool(hay and hay.holds(t)) for t in terms])
    return found / math.log(max(len(catalogue.hay), 2))


_CLAUSE = re.compile(rf"[？?；;。！!]|{ANOTHER_MATTER}|{NUMBERED}")


def clause_shares(catalogue: Catalogue, query: Query, retrieval: Retrieval, depth: int = 3) -> list[float]:
    """For a message asking several things: how much of each one the best of the top entries says."""
    parts = [c for c in _CLAUSE.split(query.text) if c.strip()]
    if len(parts) < 2:
        return []
    hays = [catalogue.hay[h.entry.id] for h in retrieval.hits[:depth] if h.entry.id in catalogue.hay]
    out = []
    for clause in parts:
        terms = salient_terms(Query(clause, clause, clause))
        if not terms:
            continue
        kinds = value_kinds(clause)
        # a part asking for a kind of answer (a duration, a fee) that an entry does not show is not answered by it
        out.append(
            max(
                (share(terms, [h.holds(t) for t in terms]) for h in hays if h.gives(kinds)),
                default=0.0,
            )
        )
    return out if len(out) >= 2 else []


# A salient word's weight below which it hardly says what a question is about (a fifth of a typical noun's).
SLIGHT_WEIGHT = 1.5


def says_all(catalogue: Catalogue, query: Query, entry_id: str) -> bool:
    """Whether an entry says every salient word of a question and gives each kind of answer it asks for (a
    question of asking words alone, "需要多久", needs a kind of answer to ask for)."""
    hay = catalogue.hay.get(entry_id)
    terms = salient_terms(query)
    kinds = value_kinds(query.text)
    if hay is None or not (terms or kinds):
        return False
    # a word as common as "等" or "点" does not make a question ask of something else
    return hay.gives(kinds) and all(hay.holds(t) for t in terms if t.weight >= SLIGHT_WEIGHT)


# Entries near the best one that an entry giving the kind of answer asked for may overtake (a share of the best
# fused score): "几天能审完" wants the entry that gives a duration, not the one sharing the most words.
KIND_REACH = 0.7


def by_kind(catalogue: Catalogue, query: Query, retrieval: Retrieval) -> Retrieval:
    """The ranking with entries that give each kind of answer asked for (a duration, a fee, a contact) moved
    ahead of near entries that do not."""
    kinds = value_kinds(query.text)
    if not kinds or len(retrieval.hits) < 2:
        return retrieval
    return _ahead(retrieval, KIND_REACH, lambda h: not entry_gives(catalogue, h.entry.id, kinds))


def _ahead(retrieval: Retrieval, reach: float, behind: Callable[[Hit], bool]) -> Retrieval:
    """The ranking with the entries within ``reach`` of the best score that ``behind`` holds for moved behind
    the others there, each side in its order."""
    hits = retrieval.hits
    near = [h for h in hits if h.score >= hits[0].score * reach]
    ordered = sorted(near, key=behind)
    if ordered[0] is hits[0]:
        return retrieval
    return replace(retrieval, hits=[*ordered, *hits[len(near) :]])


# Entries near the best one among which an entry about no province goes ahead of one scoped to a province the
# question does not name (a share of the best fused score).
SCOPE_REACH = 0.7


def by_scope(catalogue: Catalogue, query: Query, retrieval: Retrieval) -> Retrieval:
    """The ranking with entries scoped to a province or a kind of applicant the question does not name moved
    behind near entries that are not: "负责人需要本人到场吗" asks of the general rule, not of one province's or
    of a foundation's."""
    hits = retrieval.hits
    if len(hits) < 2:
        return retrieval
    asked = scopes(query.text)

    def narrower(hit: Hit) -> bool:
        return bool(catalogue.scope.get(hit.entry.id, frozenset()) - asked)

    if not narrower(hits[0]):
        return retrieval
    return _ahead(retrieval, SCOPE_REACH, narrower)
