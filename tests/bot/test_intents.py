"""The intent classifier: logistic regression over real question vectors, trained on the bundled phrasings."""

from __future__ import annotations

import numpy as np
import pytest

from bot import Bot
from bot.intents import LABELS, IntentClassifier, load_examples
from bot.normalize import normalize


def test_the_bundled_examples_cover_every_label() -> None:
    examples = load_examples()
    counts = {label: sum(e.label == label for e in examples) for label in LABELS}
    assert counts == {"other": 55, "rejection": 29, "white_screen": 20}


def test_every_training_phrasing_gets_its_own_label(bot: Bot) -> None:
    for example in load_examples():
        probs = bot.intents.probabilities(bot.embedder.query_vector(normalize(example.text).text))
        assert set(probs) == set(LABELS)
        assert sum(probs.values()) == pytest.approx(1.0)
        assert max(probs, key=probs.__getitem__) == example.label, example.text


def test_a_classifier_fitted_on_a_few_real_vectors(bot: Bot) -> None:
    texts = {
        "rejection": ["备案被驳回了", "初审没有通过怎么办", "管局退回了我的申请"],
        "white_screen": ["页面打开是白屏", "小程序一片空白", "app打开什么都不显示"],
        "other": ["管局审核多久", "备案号在哪里查", "怎么取消接入"],
    }
    rows = [(label, t) for label, ts in texts.items() for t in ts]
    vectors = np.stack([bot.embedder.query_vector(t) for _, t in rows])
    classifier = IntentClassifier(vectors, [label for label, _ in rows])
    assert classifier.labels == LABELS
    for label, text in rows:
        probs = classifier.probabilities(bot.embedder.query_vector(text))
        assert max(probs, key=probs.__getitem__) == label, text
