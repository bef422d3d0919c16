"""The one Chinese tokenizer: jieba with the filing domain dictionary."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import jieba
import opencc

USER_DICT = Path(__file__).parent / "data" / "userdict.txt"
# Function words that carry no topic: dropping them keeps BM25 from rewarding chatter.
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "哦",
        "么",
        "是",
        "在",
        "我",
        "我们",
        "你",
        "您",
        "他",
        "她",
        "它",
        "这",
        "那",
        "这个",
        "那个",
        "一个",
        "有",
        "和",
        "与",
        "及",
        "或",
        "就",
        "都",
        "也",
        "还",
        "要",
        "会",
        "能",
        "可以",
        "把",
        "被",
        "让",
        "给",
        "对",
        "从",
        "到",
        "为",
        "以",
        "之",
        "其",
        "中",
        "上",
        "下",
        "里",
        "请问",
        "请",
        "怎么",
        "怎样",
        "如何",
        "什么",
        "哪些",
        "哪里",
        "哪",
        "为什么",
        "多少",
        "吗",
        "嘛",
        "啦",
        "么",
        "个",
        "去",
        "来",
        "得",
        "地",
        "着",
        "过",
        "又",
        "很",
        "太",
        "需要",
        "需",
        "该",
        "应该",
        "一下",
        "下",
        "想",
        "问",
        "a",
        "an",
        "the",
        "is",
        "are",
        "do",
        "does",
        "i",
        "my",
        "me",
        "you",
        "your",
        "of",
        "to",
        "for",
        "in",
        "on",
        "at",
        "how",
        "what",
        "which",
        "can",
        "it",
    ]
)
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
_lock = threading.Lock()
_t2s = opencc.OpenCC("t2s")
# Taiwan's words for what the documents name otherwise (as t2s leaves them). OpenCC's own Taiwan table (tw2sp) is
# not used: it also turns words the documents use into others (查詢 → 查找, 資料 → 数据, 小程序 → 小进程).
_TAIWAN = {
    "简讯": "短信",
    "伺服器": "服务器",
    "网际网路": "互联网",
    "网路": "网络",
    "网域名称": "域名",
    "网域": "域名",
    "位址": "地址",
    "登入": "登录",
    "介面": "界面",
    "资讯": "信息",
    "软体": "软件",
    "程式": "程序",
    "档案": "文件",
    "行动电话": "手机",
    "身分证": "身份证",
    "工作天": "工作日",
}
_TAIWAN_RE = re.compile("|".join(sorted(map(re.escape, _TAIWAN), key=len, reverse=True)))
_tokenizer: jieba.Tokenizer | None = None


def _get() -> jieba.Tokenizer:
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.load_userdict(str(USER_DICT))
            tok.initialize()
            _tokenizer = tok
        return _tokenizer


def dictionary_digest() -> str:
    """A digest of the domain dictionary and of the words ``fold`` replaces: an index built with others segments
    its text differently."""
    return hashlib.sha256(USER_DICT.read_bytes() + repr(sorted(_TAIWAN.items())).encode()).hexdigest()


def tokenize(text: str) -> list[str]:
    """Segment text into lowercase search tokens (jieba search mode, domain words kept whole)."""
    return list(_tokenize_cached(text))


def fold(text: str) -> str:
    """NFKC (full-width to half-width), traditional to simplified, Taiwan's words to the mainland's (簡訊 → 短信,
    伺服器 → 服务器, 登入 → 登录), lowercase."""
    simple = str(_t2s.convert(unicodedata.normalize("NFKC", text)))
    return _TAIWAN_RE.sub(lambda m: _TAIWAN[m.group()], simple).lower()


@lru_cache(maxsize=4096)
def _tokenize_cached(text: str) -> tuple[str, ...]:
    text = fold(text)
    out: list[str] = []
    for token in _get().cut_for_search(text):
        token = token.strip()
        if not token or token in STOPWORDS or not _WORD.search(token):
            continue
        out.append(token)
    return tuple(out)


def word_frequency(word: str) -> int:
    """How often the dictionary (jieba's and the domain one) counts ``word``; 0 when unknown."""
    return int(_get().FREQ.get(word) or 0)


def words(text: str) -> list[str]:
    """Segment text into whole words (no search-mode sub-words), keeping every character."""
    return list(_get().cut(text))


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """The whole words of a text (as ``words``) with their start and end offsets in it."""
    spans, at = [], 0
    for word in words(text):
        spans.append((at, at + len(word), word))
        at += len(word)
    return spans


_NOUN_TAGS = ("n", "nz", "nr", "ns", "nt", "eng", "vn", "x")
_posseg_lock = threading.Lock()
_posseg: Any = None


def tagged(text: str) -> list[tuple[str, str]]:
    """Whole words of a folded text with their part-of-speech tags (jieba's)."""
    return list(_tagged_cached(fold(text)))


def topic_words(text: str) -> list[str]:
    """The nouns of a text (its topic, without the question around it), in order."""
    return [
        word
        for word, flag in _tagged_cached(fold(text))
        if flag.startswith(_NOUN_TAGS) and word not in STOPWORDS and _WORD.search(word)
    ]


@lru_cache(maxsize=4096)
def _tagged_cached(text: str) -> tuple[tuple[str, str], ...]:
    # tagging is the dearest step of reading a question (jieba's part-of-speech HMM runs in Python), and one
    # question is read several times (alone, with its topic, against the last answer)
    import jieba.posseg

    global _posseg
    with _posseg_lock:
        if _posseg is None:
            _posseg = jieba.posseg.POSTokenizer(_get())
    return tuple((pair.word.strip(), pair.flag) for pair in _posseg.cut(text) if pair.word.strip())


@lru_cache(maxsize=1)
def general_idf() -> dict[str, float]:
    """jieba's general-Chinese IDF table, read once from the file jieba ships (importing ``jieba.analyse`` would
    load a copy of its own)."""
    path = Path(jieba.__file__).parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, value = line.partition(" ")
        if value:
            table[word] = float(value)
    return table
