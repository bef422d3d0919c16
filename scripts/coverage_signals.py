"""Measure each coverage signal on a labelled set: how well it separates answerable from not-covered questions,
and filing questions from off-topic ones (ROC AUC), with every question's values in a TSV.

    python scripts/coverage_signals.py eval/tune.jsonl [--tsv out.tsv]
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def auc(pos: list[float], neg: list[float]) -> float:
    """Probability that a positive scores above a negative (ties count half)."""
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def main() -> None:
    """Print one AUC row per signal."""
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--tsv")
    args = parser.parse_args()

    from bot.assistant import Bot
    from bot.cli import _bot
    from bot.evaluate import load_cases

    bot = _bot(journal=False)
    assert isinstance(bot, Bot)
    rows = []
    for case in load_cases(args.file):
        if case.turns:
            continue
        found = bot.understand(case.question, judge=False).signals
        assert found is not None
        label = "in" if case.answerable else (case.coverage or "off_topic")
        rows.append((case.question, label, asdict(found)))
    names = list(rows[0][2])
    print("| signal | answerable vs not covered | filing vs off-topic |")
    print("|---|---:|---:|")
    for name in names:
        values = {lab: [float(r[2][name]) for r in rows if r[1] == lab] for lab in ("in", "not_covered", "off_topic")}
        filing = values["in"] + values["not_covered"]
        print(f"| {name} | {auc(values['in'], values['not_covered']):.3f} | {auc(filing, values['off_topic']):.3f} |")
    if args.tsv:
        with open(args.tsv, "w", encoding="utf-8") as f:
            f.write("\t".join(["question", "label", *names]) + "\n")
            for q, lab, sig in rows:
                f.write("\t".join([q, lab, *(f"{float(sig[n]):.3f}" for n in names)]) + "\n")


if __name__ == "__main__":
    main()
