"""The corpus vocabulary by sound: homophone typos and typed pinyin brought back to the documents' words."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from pypinyin import lazy_pinyin

from corpus import Entry
from corpus.tokenize import fold, tagged, tokenize, word_frequency, word_spans, words

_HAN = re.compile(r"[\u4e00-\u9fff]")
_UNIT = re.compile(r"[\u4e00-\u9fff]|[a-z]+")
# Longest corpus word considered, in syllables: domain terms are short (管局, 备案号, 真实性核验).
MAX_SYLLABLES = 5
# Dictionary words rarer than this (jieba's counts) are as good as unknown: 注消 and 不存 are typos' leftovers.
RARE = 10


@lru_cache(maxsize=65536)
def syllables(text: str) -> tuple[str, ...]:
    """Toneless pinyin of each Chinese character of ``text`` (other characters dropped)."""
    return tuple(lazy_pinyin("".join(_HAN.findall(text))))


@lru_cache(maxsize=1)
def _pinyin_syllables() -> frozenset[str]:
    # every toneless syllable of the common CJK block; the lone consonants (嗯 "n", 呣 "m") would let most
    # abbreviations pass for pinyin
    found = lazy_pinyin("".join(map(chr, range(0x4E00, 0x9FA6))))
    return frozenset(s for s in found if s.isascii() and s.isalpha() and s not in {"n", "m", "ng", "hm", "hng"})


def is_pinyin(word: str) -> bool:
    """Whether a Latin word reads as toneless pinyin syllables ("shenhe", "tian"), not a name ("docker")."""
    known = _pinyin_syllables()
    ends = [True] + [False] * len(word)
    for i in range(1, len(word) + 1):
        ends[i] = any(ends[j] and word[j:i] in known for j in range(max(0, i - 6), i))
    return ends[-1]


# a run of Latin letters in a folded (lowercase) text: a word typed in pinyin or in English
LATIN_WORD = re.compile(r"[a-z]+")


def typed_in_pinyin(text: str) -> bool:
    """Whether a text has Latin words and every one of them reads as pinyin ("wangzhan beian yao duojiu")."""
    found = LATIN_WORD.findall(text.lower())
    return bool(found) and all(is_pinyin(w) for w in found)


class Lexicon:
    """Words of the help entries keyed by their toneless pinyin, joined ("guanju" -> 管局)."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        counts = Counter(w for w in vocabulary if len(w) >= 2 and all(_HAN.match(c) for c in w))
        self.words = frozenset(counts)
        by_sound: dict[str, str] = {}
        # most frequent first, so where two words sound alike the documents' usual one wins
        for word, _ in counts.most_common():
            key = "".join(syllables(word))
            if len(syllables(word)) <= MAX_SYLLABLES:
                by_sound.setdefault(key, word)
        self.by_sound = by_sound

    @classmethod
    def from_entries(cls, entries: Iterable[Entry]) -> Lexicon:
        """The vocabulary of entries' titles and texts, as the tokenizer cuts them."""
        vocabulary: list[str] = []
        for entry in entries:
            found = words(fold(f"{entry.title}\n{entry.text}"))
            vocabulary.extend(found)
            # the common words inside the documents' compounds are typed alone too: 实名 of 实名认证 ("域名没有实明")
            for word in found:
                if len(word) >= 3:
                    vocabulary.extend(p for p in tokenize(word) if p != word and word_frequency(p) >= RARE)
        return cls(vocabulary)

    def correct(self, text: str) -> tuple[str, list[str]]:
        """``text`` with sound-alike spans replaced by corpus words, and the words brought in.

        A span is a run of characters and typed pinyin whose sound is a corpus word's and whose spelling is
        not. It may not cut a word of the text in two ("初审和管局" keeps 审和 apart), and a single whole word
        is replaced only when the dictionary does not know it (or hardly): a real word that merely sounds
        like a corpus word is what the user meant. Where spans overlap, those mending more of what the
        dictionary does not know win: "网站被注消了" is 被 注销, not 备注 消, in a corpus that says 备注 too.
        """
        units = _units(text)
        if not units:
            return text, []
        by_sound = self.by_sound
        # spans sounding like a corpus word they do not spell, found first: most questions have none, and then
        # the text need not be segmented at all
        found: list[tuple[int, int, int, int, str]] = []
        for i, (start, _, first) in enumerate(units):
            sound = ""
            heard: list[tuple[int, str]] = []
            for j in range(i + 1, min(len(units), i + MAX_SYLLABLES) + 1):
                # a word is not typed across punctuation, digits or a space between characters ("备案,系统" is
                # not 备案系统, "个-1是" not 格式); typed pinyin may be spaced ("beian hao")
                if j > i + 1 and not _joins(text, units[j - 2], units[j - 1]):
                    break
                sound += units[j - 1][2]
                word = by_sound.get(sound)
                if word:
                    heard.append((j, word))
            if not heard:
                continue
            # one character alone is never a typo of a word; one run of typed pinyin may be a whole word
            shortest = i + 1 if not _HAN.match(first) else i + 2
            # the longest span first, as the spans are weighed
            for j, word in reversed(heard):
                if j < shortest:
                    continue
                end = units[j - 1][1]
                span = text[start:end]
                if word != span and word not in span:
                    found.append((i, j, start, end, word))
        if not found:
            return text, []
        # cuts inside a word the dictionary knows well are not allowed; jieba's guesses at unknown runs are
        inside: set[int] = set()
        known: set[tuple[int, int]] = set()
        familiar: set[int] = set()  # where a word the dictionary knows well starts or runs, single ones too
        rare: list[tuple[int, int]] = []  # words the dictionary has, but hardly
        for start, end, piece in word_spans(text):
            if len(piece) >= 2 and _HAN.search(piece) and 0 < word_frequency(piece) < RARE:
                rare.append((start, end))
            # a word the documents themselves say is no typo, however rare in general Chinese (无法访问)
            if _HAN.search(piece) and (word_frequency(piece) >= RARE or piece in self.words):
                familiar.update(range(start, end))
                if len(piece) >= 2:
                    inside.update(range(start + 1, end))
                    known.add((start, end))
        if rare and any(a < f[2] < b or a < f[3] < b for a, b in rare for f in found):
            # a thing the dictionary names, however rarely, is not cut by a typo of another word: "是建" of 是 建站 is
            # no 时间 (a rare verb may be the segmenter's guess around a typo: 不存 of "不存再")
            nouns = _nouns(text)
            inside.update(i for a, b in rare if (a, b) in nouns for i in range(a + 1, b))
        # a conjunction the tagger reads joining two words begins no typo: "咖啡和茶" is 咖啡 and 茶, not 咖啡 核查
        # (where 和 is a slip, "审和", "和验", the tagger reads it as part of a word)
        joining = _conjunctions(text) if any(text[f[2]] in _JOINING for f in found) else set()
        candidates: list[list[tuple[int, int, str, int]]] = [[] for _ in units]
        for i, j, start, end, word in found:
            if start in inside or end in inside or (start, end) in known or start in joining:
                continue
            unfamiliar = sum(1 for u in units[i:j] if u[0] not in familiar)
            # a span of words the dictionary knows well, one of them longer than a character, is what the user
            # meant: "备案好了" is 备案 好了, not 备案号 (实明认证 is mended: 实明 is no word)
            if not unfamiliar and any(start <= a and b <= end for a, b in known):
                continue
            candidates[i].append((j, end, word, (j - i) + 2 * unfamiliar))
        replaced = _best_spans(units, candidates)
        if not replaced:
            return text, []
        out: list[str] = []
        last = 0
        for start, end, word in replaced:
            out.extend((text[last:start], word))
            last = end
        out.append(text[last:])
        return "".join(out), [w for _, _, w in replaced]


# characters that may be a conjunction: only a span starting at one needs the (slower) tagger
_JOINING = frozenset("和与跟及或同并而且")


def _tagged_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, tag) of each word the tagger reads in a folded text."""
    out: list[tuple[int, int, str]] = []
    at = 0
    for word, flag in tagged(text):
        found = text.find(word, at)
        if found < 0:
            break
        out.append((found, found + len(word), flag))
        at = found + len(word)
    return out


def _conjunctions(text: str) -> set[int]:
    """Where the tagger reads a conjunction of one character in a folded text."""
    return {start for start, end, flag in _tagged_spans(text) if flag == "c" and end - start == 1}


def _nouns(text: str) -> set[tuple[int, int]]:
    """Where the tagger reads a noun in a folded text, as (start, end)."""
    return {(start, end) for start, end, flag in _tagged_spans(text) if flag.startswith("n")}


def _best_spans(
    units: Sequence[tuple[int, int, str]], candidates: Sequence[Sequence[tuple[int, int, str, int]]]
) -> list[tuple[int, int, str]]:
    """The non-overlapping replacements of greatest total gain (each candidate: its end unit, end offset,
    word and gain), in order; ties go to the longer span starting first, as a left-to-right reading would."""
    n = len(units)
    best: list[tuple[int, list[tuple[int, int, str]]]] = [(0, [])] * (n + 1)
    for i in range(n - 1, -1, -1):
        choice: tuple[int, list[tuple[int, int, str]]] | None = None
        for j, end, word, gain in candidates[i]:
            total = gain + best[j][0]
            if choice is None or total > choice[0]:
                choice = (total, [(units[i][0], end, word), *best[j][1]])
        skip = best[i + 1]
        best[i] = choice if choice is not None and choice[0] >= skip[0] else skip
    return best[0][1]


def _joins(text: str, before: tuple[int, int, str], after: tuple[int, int, str]) -> bool:
    """Whether two neighbouring units may be read as one word: nothing between them, or only spaces between two
    runs of typed pinyin."""
    gap = text[before[1] : after[0]]
    return not gap or (gap.isspace() and not _HAN.match(text[before[0]]) and not _HAN.match(text[after[0]]))


def _units(text: str) -> list[tuple[int, int, str]]:
    """(start, end, sound) per Chinese character or run of latin letters."""
    units = []
    for m in _UNIT.finditer(text):
        token = m.group()
        # a unit is one Chinese character or a run of Latin letters, which all sort before the Chinese block
        sound = syllables(token)[0] if token >= "\u4e00" else token
        units.append((m.start(), m.end(), sound))
    return units
