"""Work per question is bounded whatever its length: what is embedded, what BM25 reads, what a follow-up
borrows; with the real embedder, recording what reaches it."""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
import pytest

from bot import Bot
from bot.normalize import LEXICAL_MAX_UNITS, head_units, normalize
from bot.pipeline import EMBED_MAX_UNITS, TOPIC_MAX_UNITS, TOPIC_MAX_WORDS, embedded, last_topic
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
        self.texts: list[str] = []

    def query_vector(self, text: str) -> np.ndarray:
        self.lengths.append(len(text))
        self.texts.append(text)
        return self.inner.query_vector(text)


@pytest.fixture
def recorded(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recording]:
    rec = Recording(bot.pipeline.vectors.embedder)
    monkeypatch.setattr(bot.pipeline.vectors, "embedder", rec)
    yield rec


def test_a_long_question_embeds_a_bounded_head(bot: Bot, recorded: Recording) -> None:
    long = "管局审核多长时间" + random_cjk(492)
    answer = bot.ask(long)
    assert recorded.texts and all(head_units(t, EMBED_MAX_UNITS) == t for t in recorded.texts), recorded.lengths
    # the topic stated first still ranks first (whether 492 random characters are "covered" is the coverage
    # decision's call, not this bound's)
    assert answer.sources[0].title.startswith("管局审核")
    # a short question is embedded whole, as before
    recorded.lengths.clear()
    recorded.texts.clear()
    bot.ask("如何查询ICP备案号")
    assert recorded.lengths == [len(normalize("如何查询ICP备案号").text)]


def test_a_long_follow_up_embeds_at_most_two_bounded_texts(bot: Bot, recorded: Recording) -> None:
    first = bot.ask("管局审核多长时间")
    assert first.confident
    recorded.lengths.clear()
    recorded.texts.clear()
    bot.ask("那" + random_cjk(498) + "呢", session_id=first.session_id)
    assert 1 <= len(recorded.texts) <= 2, recorded.lengths
    assert all(head_units(t, EMBED_MAX_UNITS) == t for t in recorded.texts), recorded.lengths
    # what the session keeps of each turn for the next follow-up is bounded too
    assert all(len(t.resolved) <= TOPIC_MAX_UNITS for t in bot.sessions.history(first.session_id))


def test_topic_words_read_a_bounded_head(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.pipeline as pipeline

    seen: list[str] = []
    real = pipeline.topic_words

    def recording(text: str) -> list[str]:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(pipeline, "topic_words", recording)
    said = "备案 管局 接入商 域名 小程序 核验 驳回 白屏 材料 证件 " * 20 + random_cjk(300)
    topic = last_topic(said)
    # 80 characters, the spaces between them not counted
    assert len(seen) == 1 and said.startswith(seen[0])
    assert len(seen[0].replace(" ", "")) == TOPIC_MAX_UNITS
    assert 1 <= len(topic.split()) <= TOPIC_MAX_WORDS
    assert topic.split()[:3] == ["备案", "管局", "接入商"]


def test_bm25_reads_a_bounded_head_plus_the_expansions() -> None:
    query = normalize("备案被退回了" + "域名" * 400)
    head, _, extra = query.lexical.partition(" ")
    assert len(query.text) > LEXICAL_MAX_UNITS
    assert len(head) <= LEXICAL_MAX_UNITS and "驳回" in extra.split()
    assert len(tokenize(query.lexical)) <= LEXICAL_MAX_UNITS


def test_a_latin_word_counts_as_one_unit_as_a_chinese_character_does() -> None:
    assert head_units("管局审核要多久", 4) == "管局审核"
    assert head_units("how long does the review take", 3) == "how long does"
    assert head_units("APP备案 review", 3) == "APP备案"
    assert head_units("短的", 80) == "短的"


def test_a_long_english_question_is_read_past_its_first_fifteen_words(bot: Bot) -> None:
    # the error message comes after 80 characters: a bound in characters cut it off
    question = (
        "When I tap the website filing entry in the Huawei Cloud app, it pops up saying the mini program is "
        "not installed. What am I supposed to install?"
    )
    assert "mini program" in embedded(question, normalize(question, bot.live.snapshot.lexicon))
    assert bot.ask(question).sources[0].title == "提示“小程序未安装”怎么办"
