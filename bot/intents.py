"""Which troubleshooting a question needs: a small classifier over question embeddings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).parent / "data" / "intents.jsonl"
LABELS = ("other", "rejection", "white_screen")


@dataclass(frozen=True)
class Example:
    """A labelled phrasing."""

    text: str
    label: str


def load_examples(path: Path = EXAMPLES) -> list[Example]:
    """Labelled phrasings, one JSON object a line."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Example(r["text"], r["label"]) for r in rows]


class IntentClassifier:
    """Multinomial logistic regression on e5 query vectors, trained at start-up in milliseconds."""

    def __init__(self, vectors: np.ndarray, labels: list[str], l2: float = 1e-3, epochs: int = 400) -> None:
        self.labels = LABELS
        y = np.array([self.labels.index(label) for label in labels])
        x = _features(vectors)
        w = np.zeros((x.shape[1], len(self.labels)), dtype=np.float64)
        onehot = np.eye(len(self.labels))[y]
        # class weights: the "other" class is larger and must not drown the two troubleshooting topics
        counts = onehot.sum(axis=0)
        weight = (len(y) / (len(self.labels) * np.maximum(counts, 1)))[y][:, None]
        lr = 0.5
        for _ in range(epochs):
            p = _softmax(x @ w)
            grad = x.T @ ((p - onehot) * weight) / len(y) + l2 * w
            w -= lr * grad
        self.weights = w

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        """Probability of each label for one question vector."""
        p = _softmax(_features(vector[None, :]) @ self.weights)[0]
        return {label: float(p[i]) for i, label in enumerate(self.labels)}


def _features(vectors: np.ndarray) -> np.ndarray:
    # e5 vectors share a large common component; scaling spreads them so a linear model can separate
    x = np.asarray(vectors, dtype=np.float64) * 10.0
    return np.hstack([x, np.ones((x.shape[0], 1))])


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
