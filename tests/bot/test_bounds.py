"""Work per question is bounded whatever its length: what is embedded, what BM25 reads, what a follow-up
borrows; with the real embedder, recording what reaches it."""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
import pytest

from bot import Bot
from bot.normalize import LEXICAL_MAX_CHARS, normalize
from bot.pipeline import EMBED_MAX_CHARS, TOPIC_MAX_CHARS, TOPIC_MAX_WORDS, last_topic
from corpus import tokenize
from index import VectorEmbeddings

RNG = random.Random(13)


def random_cjk(n: int) -> str:
    return "".join(chr(RNG.randint(0x4E00, 0x9FA5)) for _ in range(n))


class Recording:
    """The real embedder, noting the length of every question text it embeds."""

    def __init__(self, inner: VectorEmbeddings) -> None:
        self.inner = inner
        self.name = inner.name  # calibration is cached per embedder
        self.lengths: list[int] = []

    def query_vector(self, text: str) -> np.ndarray:
        self.lengths.append(len(text))
        return self.inner.query_vector(text)


@pytest.fixture
def recorded(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recording]:
    rec = Recording(bot.pipeline.vectors.embedder)
    monkeypatch.setattr(bot.pipeline.vectors, "embedder", rec)
    yield rec


def test_a_long_question_embeds_a_bounded_head(bot: Bot, recorded: Recording) -> None:
    long = "管局审核多长时间" + random_cjk(492)
    answer = bot.ask(long)
    assert recorded.lengths and max(recorded.lengths) <= EMBED_MAX_CHARS, recorded.lengths
    # the topic stated first still ranks first (whether 492 random characters are "covered" is the coverage
    # decision's call, not this bound's)
    assert answer.sources[0].title.startswith("管局审核")
    # a short question is embedded whole, as before
    recorded.lengths.clear()
    bot.ask("如何查询ICP备案号")
    assert recorded.lengths == [len(normalize("如何查询ICP备案号").text)]


def test_a_long_follow_up_embeds_at_most_two_bounded_texts(bot: Bot, recorded: Recording) -> None:
    first = bot.ask("管局审核多长时间")
    assert first.confident
    recorded.lengths.clear()
    bot.ask("那" + random_cjk(498) + "呢", session_id=first.session_id)
    assert 1 <= len(recorded.lengths) <= 2 and max(recorded.lengths) <= EMBED_MAX_CHARS, recorded.lengths
    # what the session keeps of each turn for the next follow-up is bounded too
    assert all(len(t.resolved) <= TOPIC_MAX_CHARS for t in bot.sessions.history(first.session_id))


def test_topic_words_read_a_bounded_head(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.pipeline as pipeline

    seen: list[int] = []
    real = pipeline.topic_words

    def recording(text: str) -> list[str]:
        seen.append(len(text))
        return real(text)

    monkeypatch.setattr(pipeline, "topic_words", recording)
    topic = last_topic("备案 管局 接入商 域名 小程序 核验 驳回 白屏 材料 证件 " * 20 + random_cjk(300))
    assert seen == [TOPIC_MAX_CHARS]
    assert 1 <= len(topic.split()) <= TOPIC_MAX_WORDS
    assert topic.split()[:3] == ["备案", "管局", "接入商"]


def test_bm25_reads_a_bounded_head_plus_the_expansions() -> None:
    query = normalize("备案被退回了" + "域名" * 400)
    head, _, extra = query.lexical.partition(" ")
    assert len(query.text) > LEXICAL_MAX_CHARS
    assert len(head) <= LEXICAL_MAX_CHARS and "驳回" in extra.split()
    assert len(tokenize(query.lexical)) <= LEXICAL_MAX_CHARS
