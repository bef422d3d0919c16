"""What the coverage judgement and the pinyin lexicon cost per question, measured in one process.

    python scripts/bench_coverage.py [--passes 3] [--embed-cache 0]

Over the labelled questions (dev, own, tune), the steps take turns question by question (see
bench_latency.interleaved): (a) the floor, embedding the normalised question; (b) ``Bot.ask`` as shipped;
(c) the pipeline without the coverage judgement (``judge=False``: normalise with the lexicon, embed, rank,
measure the signals); (d) the judgement's own parts alone: the signals, and the clause shares with the rule.
Prints p50/p99 and the ratios to the floor. Wall-clock on a shared machine: the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent
for p in (ROOT, SCRIPTS):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_latency import interleaved, loadavg, questions, summary  # noqa: E402

SETS = [ROOT / "eval" / name for name in ("dev.jsonl", "own.jsonl", "tune.jsonl")]


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--embed-cache", type=int, default=0, help="question vectors remembered (0: none)")
    args = parser.parse_args()

    from bot.assistant import Bot
    from bot.config import Settings
    from bot.coverage import clause_shares, signals
    from bot.normalize import normalize

    index_dir = Path(os.environ.get("BEIAN_INDEX_DIR", ROOT / "var" / "index"))
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(index_dir=index_dir, data_dir=Path(data), embed_cache=args.embed_cache, rate_limit=0)
        bot = Bot.from_settings(settings)
        bot.records.question_log = None
        snapshot = bot.live.snapshot
        qs = questions(SETS)
        texts = [normalize(q, snapshot.lexicon).text for q in qs]
        found = {q: bot.understand(q, judge=False) for q in qs}
        calibration = bot.pipeline.calibration(snapshot)

        def judged(q: str) -> object:
            u = found[q]
            assert u.signals is not None
            shares = clause_shares(snapshot.catalogue, u.query, u.retrieval)
            return bot.pipeline.rule.judge(u.signals, calibration, len(snapshot.index.entries), shares)

        steps = {
            "floor (embed)": lambda q, t: bot.embedder.query_vector(t),
            "Bot.ask": lambda q, t: bot.ask(q),
            "pipeline, no judgement": lambda q, t: bot.understand(q, judge=False),
            "signals alone": lambda q, t: signals(snapshot.catalogue, found[q].query, found[q].retrieval, 0.0),
            "clauses + rule alone": lambda q, t: judged(q),
        }
        times = interleaved(steps, qs, texts, args.passes)
        bot.close()
    floor = summary(times["floor (embed)"])
    print(f"{len(qs)} questions x {args.passes} passes; load {loadavg()}")
    print("| step | p50 ms | p99 ms | p50 / floor |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        s = summary(values)
        print(f"| {name} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['p50_ms'] / floor['p50_ms']:.2f}x |")


if __name__ == "__main__":
    main()
