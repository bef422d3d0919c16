"""Answer or decline: how far the best entry stands above everyday off-topic text."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from bot.retrieve import Retrieval

OFFTOPIC = Path(__file__).parent / "data" / "offtopic.txt"
# BM25 evidence adds to the margin, saturating: shared domain words matter, a long match no more.
LEXICAL_GAIN = 0.01
LEXICAL_CAP = 5.0
_CONTENT = re.compile(r"[\u4e00-\u9fff]|[a-zA-Z]{2,}")


def asks_anything(question: str) -> bool:
    """Whether a question has words at all: digits and punctuation alone ask nothing the documents answer."""
    return bool(_CONTENT.search(question))


def load_offtopic(path: Path = OFFTOPIC) -> list[str]:
    """The background sentences, one a line, comments skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


class Decider:
    """Confidence = best entry's cosine minus the best off-topic cosine, plus a little BM25."""

    def __init__(self, background: np.ndarray, threshold: float) -> None:
        # embedded in passage mode: the background competes with the help entries on the same footing
        self.background = background
        self.threshold = threshold

    def confidence(self, retrieval: Retrieval, vector: np.ndarray | None) -> float:
        """A margin around zero: positive means closer to the help documents than to small talk."""
        if not retrieval.hits:
            return -1.0
        if vector is None or not len(self.background):
            dense_margin = 0.0
        else:
            dense_margin = retrieval.dense_top - float((self.background @ vector).max())
        return dense_margin + LEXICAL_GAIN * min(retrieval.lexical_top, LEXICAL_CAP)

    def confident(self, question: str, retrieval: Retrieval, vector: np.ndarray | None) -> tuple[bool, float]:
        """Whether to answer, and the confidence it rests on."""
        if not asks_anything(question):
            return False, -1.0
        score = self.confidence(retrieval, vector)
        return score >= self.threshold, score
