"""What users read, counted over labelled questions: direct replies and what they hold, cut text, title-only answers.

    python scripts/answer_shape.py eval/dev.jsonl [more.jsonl ...]

Every question is asked of the real bot (bundled corpus, its own index in a temporary folder). The same
top entries are also worded the way answers read before (title, whole text, steps, from entries without
the corpus' cut/link-word marking) as the baseline, so both columns rest on the same retrieval.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bot.assistant as assistant  # noqa: E402
import corpus.loaders as loaders  # noqa: E402
from bot import Answer, Bot, Settings  # noqa: E402
from bot.evaluate import ask_turns, holds, is_right, load_cases  # noqa: E402
from bot.wording import answer_text  # noqa: E402
from corpus import Entry, load_corpus  # noqa: E402
from corpus.tidy import units  # noqa: E402

LINK_WORDS = ("单击这里", "点击这里", "查询入口")


def raw_entries() -> dict[str, Entry]:
    """The corpus as parsed without the reader's marks (no "…", link words kept, steps as parsed)."""
    tidy = loaders.tidy
    loaders.tidy = lambda entry: entry  # type: ignore[assignment]
    try:
        return {e.id: e for e in load_corpus()}
    finally:
        loaders.tidy = tidy


def cut_fragments(raw: dict[str, Entry], marked: dict[str, Entry]) -> set[str]:
    """The last sentence of every text the source cut, as the source has it."""
    return {units(raw[i].text)[-1] for i, e in marked.items() if e.cut_tail and units(raw[i].text)}


def shows_cut(text: str, steps: list[str], fragments: set[str]) -> bool:
    """Whether text or steps show a cut sentence as if finished (without "…")."""
    lines = text.split("\n") + steps
    return any(line.rstrip().endswith(f) and not line.rstrip().endswith("…") for line in lines for f in fragments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sets", nargs="+", type=Path)
    args = parser.parse_args()
    raw = raw_entries()
    wording_ms: list[float] = []
    compose = assistant.wording.compose

    def timed(*args: object, **kwargs: object) -> Answer:
        t0 = time.perf_counter()
        out = compose(*args, **kwargs)  # type: ignore[arg-type]
        wording_ms.append(1000 * (time.perf_counter() - t0))
        return out

    assistant.wording.compose = timed  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        bot = Bot.from_settings(Settings(index_dir=Path(tmp) / "index", data_dir=Path(tmp) / "data", rate_limit=0))
        marked = {e.id: e for e in bot.index.entries}
        fragments = cut_fragments(raw, marked)
        for path in args.sets:
            cases = load_cases(path)
            tally = {k: 0 for k in ("asked", "answered", "direct", "partial", "multi")}
            new_bad = {"cut shown as finished": 0, "link words shown": 0, "title only": 0}
            old_bad = dict.fromkeys(new_bad, 0)
            ask_ms: list[float] = []
            old_ms: list[float] = []
            wording_ms.clear()
            right = holding = 0
            for case in cases:
                session = ask_turns(bot, case)
                t0 = time.perf_counter()
                answer: Answer = bot.ask(case.question, session_id=session)
                ask_ms.append(1000 * (time.perf_counter() - t0))
                tally["asked"] += 1
                if not answer.confident:
                    continue
                tally["answered"] += 1
                tally["direct"] += answer.direct is not None
                tally["partial"] += answer.coverage == "partial"
                tally["multi"] += bool(answer.parts)
                if case.expect and answer.direct is not None and is_right(bot, case, answer.sources[0].id):
                    # the reply a help desk gives: the sentence(s) shown first hold what the asker wanted
                    right += 1
                    shown = " ".join([answer.direct, *(part.direct or "" for part in answer.parts)])
                    holding += holds(shown, case.expect)
                steps = [s for link in answer.troubleshooting for s in link.steps]
                new_bad["cut shown as finished"] += shows_cut(answer.answer, steps, fragments)
                new_bad["link words shown"] += any(w in answer.answer for w in LINK_WORDS)
                best = raw[answer.sources[0].id]
                new_bad["title only"] += answer.answer.strip() == best.title.strip()
                t0 = time.perf_counter()
                old = answer_text(best)
                old_ms.append(1000 * (time.perf_counter() - t0))
                old_steps = [s for link in answer.troubleshooting for s in raw[link.id].steps]
                old_bad["cut shown as finished"] += shows_cut(old, old_steps, fragments)
                old_bad["link words shown"] += any(w in old for w in LINK_WORDS)
                old_bad["title only"] += old.strip() == best.title.strip()
            print(f"## {path}")
            print(
                f"asked {tally['asked']}, answered {tally['answered']}: with a direct sentence {tally['direct']}, "
                f"title-only topics answered as partial (person first, related steps) {tally['partial']}, "
                f"several questions {tally['multi']}"
            )
            print(
                f"right answers with a direct reply {right}: an expected phrase in the direct reply {holding} "
                f"({100 * holding / max(right, 1):.1f}%)"
            )
            print("| answered questions showing | before | now |\n|---|---:|---:|")
            for key in new_bad:
                print(f"| {key} | {old_bad[key]} | {new_bad[key]} |")
            print(
                f"Bot.ask p50 {statistics.median(ask_ms):.2f} ms (first asking: the question is embedded); "
                f"the answer's wording (wording.compose, per question) mean {statistics.fmean(wording_ms):.3f} ms, "
                f"p99 {sorted(wording_ms)[int(0.99 * (len(wording_ms) - 1))]:.3f} ms; "
                f"the old wording of the top entry mean {statistics.fmean(old_ms or [0.0]):.4f} ms"
            )
            print()
        bot.close()


if __name__ == "__main__":
    main()
