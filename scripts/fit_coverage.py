"""Fit the coverage rule on the tuning split and write bot/data/coverage.json.

    python scripts/fit_coverage.py [eval/tune.jsonl]

Single-turn questions only. Answerable questions are the positives, questions about filing that the documents
do not answer the negatives (a logistic regression over bot.calibrate.FEATURES); the answering threshold is the
highest that wrongly declines at most MAX_WRONGLY_DECLINED of the positives, set halfway to the next score
below so that it does not sit on a tuning question. Off-topic questions place the off-topic margin.
Never run it on the test split.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

MAX_WRONGLY_DECLINED = 0.02
L2 = 1.0
# a clause whose salient words the top entries hold less than this share of is not answered
PARTIAL_SHARE = 0.5


def logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 5000) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression on standardised features."""
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        w -= 0.5 * (x.T @ (p - y) / len(y) + l2 * w / len(y))
        b -= 0.5 * float(np.mean(p - y))
    return w, b


def main() -> None:
    """Measure the features of every tuning question, fit, write the rule."""
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", default=str(ROOT / "eval" / "tune.jsonl"))
    args = parser.parse_args()
    if "test" in Path(args.file).name:
        raise SystemExit("the rule is never fitted on the test split")

    from bot.assistant import Bot
    from bot.calibrate import FEATURES, RULE, features
    from bot.cli import _bot
    from bot.evaluate import load_cases

    bot = _bot(journal=False)
    assert isinstance(bot, Bot)
    calibration = bot.pipeline.calibration(bot.live.snapshot)
    rows, labels, margins = [], [], []
    for case in load_cases(args.file):
        if case.turns:
            continue
        found = bot.understand(case.question, judge=False).signals
        assert found is not None
        x = features(found, calibration, len(bot.index.entries))
        margins.append((x[1], case.coverage != "off_topic"))
        if case.coverage == "off_topic":
            continue
        rows.append(x)
        labels.append(1.0 if case.answerable else 0.0)
    x = np.array(rows)
    y = np.array(labels)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    w, b = logistic((x - mean) / scale, y)
    scores = ((x - mean) / scale) @ w + b
    positives = np.sort(scores[y == 1])
    allowed = int(MAX_WRONGLY_DECLINED * len(positives))
    keep_from = positives[allowed]
    below = scores[scores < keep_from]
    threshold = float((keep_from + below.max()) / 2) if below.size else float(keep_from - 1.0)
    # off-topic: the margin that best separates off-topic questions from questions about filing
    ordered = sorted(margins)
    best = (-1, 0.0)
    for i in range(1, len(ordered)):
        cut = (ordered[i - 1][0] + ordered[i][0]) / 2
        right = sum((m < cut) != domain for m, domain in ordered)
        if right > best[0]:
            best = (right, float(cut))
    rule = {
        "features": list(FEATURES),
        "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(),
        "weights": w.round(6).tolist(),
        "bias": round(b, 6),
        "threshold": round(threshold, 6),
        "off_topic_margin": round(best[1], 6),
        "partial_share": PARTIAL_SHARE,
        "fitted_on": Path(args.file).name,
        "embedder": bot.embedder.name,
        "calibration": calibration.to_dict(),
    }
    RULE.write_text(json.dumps(rule, indent=1) + "\n", encoding="utf-8")
    answered = scores >= threshold
    print(f"calibration {calibration}")
    print(f"weights {dict(zip(FEATURES, w.round(3), strict=True))} bias {b:.3f} threshold {threshold:.3f}")
    print(
        f"tune: answerable kept {answered[y == 1].mean():.3f}, not covered declined {1 - answered[y == 0].mean():.3f}, "
        f"off-topic margin {best[1]:.3f} ({best[0]}/{len(ordered)} right)"
    )


if __name__ == "__main__":
    main()
