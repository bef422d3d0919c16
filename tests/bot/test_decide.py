"""Answer or decline: the best entry's cosine over the off-topic background, plus capped BM25 evidence."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bot import Bot
from bot.decide import LEXICAL_CAP, LEXICAL_GAIN, Decider, load_offtopic
from bot.retrieve import Retrieval


def test_the_margin_is_the_best_entry_over_the_background_plus_bm25(bot: Bot) -> None:
    understood = bot.understand("管局审核多长时间")
    retrieval, vector = understood.retrieval, understood.vector
    background = bot.decider.background
    assert background.shape == (len(load_offtopic()), bot.embedder.dimension)
    expected = retrieval.dense_top - float((background @ vector).max()) + LEXICAL_GAIN * retrieval.lexical_top
    assert 0 < retrieval.lexical_top < LEXICAL_CAP
    assert bot.decider.confidence(retrieval, vector) == pytest.approx(expected, abs=1e-6)
    assert understood.score == pytest.approx(expected, abs=1e-6) and understood.confident


def test_bm25_evidence_saturates(bot: Bot) -> None:
    understood = bot.understand("管局审核多长时间")
    retrieval, vector = understood.retrieval, understood.vector
    at_cap = dataclasses.replace(retrieval, lexical_top=LEXICAL_CAP)
    beyond = dataclasses.replace(retrieval, lexical_top=40.0)
    none = dataclasses.replace(retrieval, lexical_top=0.0)
    assert bot.decider.confidence(beyond, vector) == bot.decider.confidence(at_cap, vector)
    gain = bot.decider.confidence(at_cap, vector) - bot.decider.confidence(none, vector)
    assert gain == pytest.approx(LEXICAL_GAIN * LEXICAL_CAP, abs=1e-6)


def test_in_domain_answers_and_small_talk_declines(bot: Bot) -> None:
    assert bot.understand("管局审核多长时间").confident
    small_talk = bot.understand("明天会下雨吗")
    assert not small_talk.confident and small_talk.score < 0
    # the nearest entry is still far closer than nothing: what declines it is the background
    assert small_talk.retrieval.dense_top > 0.5


def test_the_threshold_is_the_setting(bot: Bot) -> None:
    understood = bot.understand("管局审核多长时间")
    strict = Decider(bot.decider.background, threshold=understood.score + 0.01)
    lenient = Decider(bot.decider.background, threshold=understood.score)
    assert strict.confident("管局审核多长时间", understood.retrieval, understood.vector) == (False, understood.score)
    assert lenient.confident("管局审核多长时间", understood.retrieval, understood.vector) == (True, understood.score)


def test_digits_and_punctuation_alone_ask_nothing(bot: Bot) -> None:
    understood = bot.understand("123？")
    assert understood.retrieval.hits  # something matched, but there is nothing to answer
    assert (understood.confident, understood.score) == (False, -1.0)


def test_no_match_at_all_is_the_lowest_confidence(bot: Bot) -> None:
    empty = Retrieval(hits=[], dense_top=0.0, lexical_top=0.0, terms=[])
    vector = bot.embedder.query_vector("管局审核多长时间")
    assert bot.decider.confidence(empty, vector) == -1.0
    assert bot.decider.confident("管局审核多长时间", empty, vector) == (False, -1.0)


def test_without_a_background_only_bm25_counts(bot: Bot) -> None:
    understood = bot.understand("管局审核多长时间")
    bare = Decider(np.zeros((0, bot.embedder.dimension), dtype=np.float32), threshold=0.0)
    expected = LEXICAL_GAIN * understood.retrieval.lexical_top
    assert bare.confidence(understood.retrieval, understood.vector) == pytest.approx(expected, abs=1e-6)
