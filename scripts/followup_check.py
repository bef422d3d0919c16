"""Measure whether a logistic check over sentence vectors tells wrong follow-up answers from right ones.

    python scripts/followup_check.py [--tsv out.tsv]

Each tuning follow-up the bot answers (covered or partial) is a row: right (an answerable turn answered from a right
entry) or not (a not-covered turn answered, or an answerable one answered from a wrong entry). The feature sets read
the turn's query vector, the vector of the direct reply it got and of the reply the turn before got. For each set a
logistic model is fitted on every group of rows but one and scores that group's rows, the groups being the files (a
set of conversations never seen) and then the entries answered from (an entry never seen: a model that only learnt
which matters of which entry go unanswered gains nothing there). The rows scored lowest are those such a check would
decline; the tables count, among the k lowest, the not-covered turns declined (gained) and the right answers lost.
Only tuning files are read: the test split is never used to choose a check.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

CUTS = (5, 10, 20, 40)
STRENGTHS = (0.1, 1.0, 10.0)


def with_bias(x: np.ndarray) -> np.ndarray:
    """The rows with a constant 1 appended, the bias' feature."""
    return np.c_[x, np.ones(len(x))]


def probability(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The logistic model's probability for rows ``a`` (bias column included) under weights ``w``."""
    return 1.0 / (1.0 + np.exp(-(a @ w)))


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float, steps: int = 50) -> np.ndarray:
    """Weights (bias last) of an L2-penalised logistic regression, ``c`` the inverse strength, by Newton's method."""
    a = with_bias(x)
    w = np.zeros(a.shape[1])
    penalty = np.eye(a.shape[1]) / c
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = probability(a, w)
        grad = a.T @ (p - y) + penalty @ w
        hess = (a * (p * (1 - p))[:, None]).T @ a + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return w


def held_out_scores(x: np.ndarray, y: np.ndarray, groups: list[str], c: float) -> np.ndarray:
    """Each row's probability of being right, from a model fitted on the rows of every other group."""
    scores = np.zeros(len(y))
    names = np.array(groups)
    for name in sorted(set(groups)):
        test = names == name
        if test.all() or len(set(y[~test])) < 2:
            scores[test] = 1.0  # nothing to fit on: kept
            continue
        mean, std = x[~test].mean(0), x[~test].std(0) + 1e-9
        w = fit_logistic((x[~test] - mean) / std, y[~test], c)
        scores[test] = probability(with_bias((x[test] - mean) / std), w)
    return scores


def cut_counts(scores: np.ndarray, right: np.ndarray, not_covered: np.ndarray) -> list[tuple[int, int]]:
    """Not-covered rows and right rows among the k lowest-scored rows, for each k of CUTS."""
    order = np.argsort(scores, kind="stable")
    return [(int(not_covered[order[:k]].sum()), int(right[order[:k]].sum())) for k in CUTS]


def main() -> None:
    """Print, per feature set and strength, the gain and loss of declining the k lowest-scored follow-ups."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tsv", help="also write every answered follow-up with its held-out scores")
    args = parser.parse_args()

    from bot.assistant import Bot
    from bot.cli import _bot
    from bot.evaluate import answered, is_right, load_cases

    bot = _bot(journal=False)
    assert isinstance(bot, Bot)
    files = [
        ROOT / "eval" / "tune.jsonl",
        *map(Path, sorted(glob.glob(str(ROOT / "eval" / "followups*-tune.jsonl")))),
    ]
    seen: set[tuple[object, ...]] = set()
    rows: list[tuple[str, str, str, str, str, bool, bool]] = []
    for path in files:
        for case in load_cases(path):
            key = (tuple(case.turns), case.question, tuple(case.expect))
            if not case.turns or key in seen:
                continue
            seen.add(key)
            sid, last = None, None
            for said in case.turns:
                last = bot.ask(said, session_id=sid)
                sid = last.session_id
            answer = bot.ask(case.question, session_id=sid)
            if not answered(answer) or not answer.direct or not answer.sources:
                continue
            good = case.answerable and is_right(bot, case, answer.sources[0].id)
            before = last.direct if last is not None and answered(last) and last.direct else ""
            rows.append(
                (path.name, case.question, answer.direct, before, answer.sources[0].id, good, not case.answerable)
            )
    embedder = bot.embedder
    turn = np.stack([embedder.query_vector(r[1]) for r in rows])
    reply = embedder.embed_passages([r[2] for r in rows])
    earlier = embedder.embed_passages([r[3] or r[2] for r in rows])
    cos, cos_before = (turn * reply).sum(1), (turn * earlier).sum(1)
    features = {
        "cosine of turn and reply": cos[:, None],
        "and of the reply before": np.c_[cos, cos_before, cos - cos_before],
        "turn × reply, per dimension": turn * reply,
        "turn × reply and the cosine": np.c_[turn * reply, cos],
        "turn's vector alone (which matters are asked)": turn,
    }
    right = np.array([r[5] for r in rows])
    not_covered = np.array([r[6] for r in rows])
    files_of = [r[0] for r in rows]
    print(
        f"{len(rows)} answered follow-ups in {len(set(files_of))} files, from {len({r[4] for r in rows})} entries: "
        f"{int(right.sum())} right, {int(not_covered.sum())} not covered, "
        f"{int((~right & ~not_covered).sum())} from a wrong entry"
    )
    kept: dict[str, np.ndarray] = {}
    # held out by file: a set of conversations unseen; by entry: an entry whose questions were never fitted on, so
    # a check that only learnt which matters of which entries go unanswered gains nothing there
    for held, groups in (("file", files_of), ("entry", [r[4] for r in rows])):
        print(f"\nheld out by {held}")
        print("| features | C | " + " | ".join(f"lowest {k}: gained / lost" for k in CUTS) + " |")
        print("|---|---:|" + "---:|" * len(CUTS))
        for name, x in features.items():
            for c in STRENGTHS:
                scores = held_out_scores(x.astype(np.float64), right.astype(np.float64), groups, c)
                kept[f"{name} C={c} by {held}"] = scores
                counts = " | ".join(f"+{g} / −{lost}" for g, lost in cut_counts(scores, right, not_covered))
                print(f"| {name} | {c:g} | {counts} |")
    if args.tsv:
        with open(args.tsv, "w", encoding="utf-8") as f:
            f.write("\t".join(["file", "question", "direct", "entry", "right", "not_covered", *kept]) + "\n")
            for i, r in enumerate(rows):
                values = [f"{kept[k][i]:.4f}" for k in kept]
                f.write("\t".join([r[0], r[1], r[2].replace("\n", " "), r[4], str(int(r[5])), str(int(r[6])), *values]))
                f.write("\n")


if __name__ == "__main__":
    main()
