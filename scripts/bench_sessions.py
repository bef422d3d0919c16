"""Memory held by conversations at the bound: ``session_max`` sessions x ``session_turns`` turns, worst case.

    python scripts/bench_sessions.py [--sessions 10000] [--turns 10]

Fills a ``SessionStore`` with distinct 500-character questions (the contract's longest), each answered with a
real entry's answer text, twice in one process (``tracemalloc``, bytes still allocated after the fill):

- as turns were kept before: the whole normalised question and an answer string of its own per turn;
- as ``Bot.ask`` keeps them now: the head of the normalised question (``TOPIC_MAX_UNITS``) and the answer
  interned (one string per distinct answer).

Prints MB for each and the ratio. Never assert on these in tests.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bot.normalize import head_units, normalize  # noqa: E402
from bot.pipeline import TOPIC_MAX_UNITS  # noqa: E402
from bot.sessions import SessionStore, Turn  # noqa: E402
from corpus import load_corpus  # noqa: E402


def fill(sessions: int, turns: int, make_turn: Callable[[str, str], Turn]) -> tuple[float, SessionStore]:
    """MB allocated by a store holding ``sessions`` x ``turns`` worst-case turns."""
    rng = random.Random(7)
    answers = [f"{e.title}\n{e.text}" for e in load_corpus()]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    store = SessionStore(sessions, ttl=3600, max_turns=turns)
    for s in range(sessions):
        sid = f"s{s}"
        for _ in range(turns):
            question = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(500))
            # a copy, as composing an answer makes a new string each time
            answer = "".join(list(rng.choice(answers)))
            store.append(sid, make_turn(question, answer))
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / 1e6, store


def main(argv: list[str] | None = None) -> int:
    """Run both and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--turns", type=int, default=10)
    args = parser.parse_args(argv)

    def before(question: str, answer: str) -> Turn:
        return Turn(question, normalize(question).text, answer, "faq-x", True)

    def now(question: str, answer: str) -> Turn:
        return Turn(question, head_units(normalize(question).text, TOPIC_MAX_UNITS), sys.intern(answer), "faq-x", True)

    old_mb, store = fill(args.sessions, args.turns, before)
    del store
    new_mb, _kept = fill(args.sessions, args.turns, now)
    per_turn = new_mb * 1e6 / (args.sessions * args.turns)
    print(f"{args.sessions} sessions x {args.turns} turns of 500-character questions")
    print(f"  kept as before: {old_mb:8.1f} MB")
    print(f"  kept now:       {new_mb:8.1f} MB  ({new_mb / old_mb:.2f}x; {per_turn:.0f} bytes a turn)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
