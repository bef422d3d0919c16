"""Measure answers on labelled questions: hit@1, MRR@5, declines, troubleshooting topics; per retrieval mode."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.assistant import Bot
from bot.errors import InvalidInput
from bot.retrieve import Mode
from corpus import Entry

MODES: tuple[Mode, ...] = ("hybrid", "bm25", "dense")


@dataclass(frozen=True)
class Case:
    """One labelled question: phrases the right answer holds (none: must be declined), and the troubleshooting
    topic it needs ("rejection", "white_screen"; the file's ``route`` field)."""

    question: str
    expect: list[str]
    group: str
    route: str | None


@dataclass
class Tally:
    """Counts for one group under one retrieval mode."""

    n_in: int = 0
    hits: int = 0
    rr: float = 0.0
    wrongly_declined: int = 0
    n_out: int = 0
    declined: int = 0
    topic_total: int = 0
    topic_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, expect: Sequence[str], ranked: Sequence[str], declined: bool) -> int | None:
        """Score one question from the texts of its ranked entries (best first) and whether it was declined;
        returns the rank of the first right entry within the top five."""
        if not expect:
            self.n_out += 1
            self.declined += int(declined)
            return None
        self.n_in += 1
        rank = next((i for i, text in enumerate(ranked[:5], 1) if holds(text, expect)), None)
        self.hits += int(rank == 1)
        if rank:
            self.rr += 1.0 / rank
        self.wrongly_declined += int(declined)
        return rank

    def row(self) -> dict[str, float | int | None]:
        """Rates for a table row."""
        return {
            "n": self.n_in + self.n_out,
            "hit@1": self.hits / self.n_in if self.n_in else None,
            "mrr@5": self.rr / self.n_in if self.n_in else None,
            "wrongly_declined": self.wrongly_declined / self.n_in if self.n_in else None,
            "ood_declined": self.declined / self.n_out if self.n_out else None,
            "topic_acc": self.topic_right / self.topic_total if self.topic_total else None,
        }


def load_cases(path: str | Path) -> list[Case]:
    """Read a labelled JSONL file (question, expect, group, route)."""
    cases = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            cases.append(
                Case(row["question"], list(row.get("expect") or []), row.get("group", "all"), row.get("route"))
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(f"{path}:{lineno}: not a labelled question ({exc})") from exc
    return cases


def holds(text: str, expect: Sequence[str]) -> bool:
    """The rule for a right answer: the entry's title + text holds one of the expected phrases."""
    return any(phrase in text for phrase in expect)


def entry_text(entry: Entry) -> str:
    """What an entry is judged on."""
    return f"{entry.title}\n{entry.text}"


def evaluate(bot: Bot, cases: list[Case], mode: Mode = "hybrid") -> dict[str, Tally]:
    """Tallies per group (and "all") for one retrieval mode, with the bot's own decision rule."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for case in cases:
        understood = bot.understand(case.question, mode=mode)
        topics = bot.troubleshooting_topics(understood)
        ranked = [entry_text(h.entry) for h in understood.retrieval.hits]
        expected = {case.route} if case.route else set()
        for group in (case.group, "all"):
            t = tallies[group]
            rank = t.add(case.expect, ranked, not understood.confident)
            if case.expect and rank != 1 and group == "all":
                t.misses.append(case.question)
            t.topic_total += 1
            t.topic_right += int(topics == expected)
    return dict(tallies)


def format_table(results: dict[str, dict[str, Tally]], title: str = "") -> str:
    """A Markdown table: one row per mode and group."""

    def pct(value: float | int | None) -> str:
        return "—" if value is None else f"{100 * value:.1f}%"

    lines = [f"### {title}" if title else "", ""]
    lines.append(
        "| mode | group | n | hit@1 | MRR@5 | wrongly declined | off-topic declined | troubleshooting topics right |"
    )
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for mode, tallies in results.items():
        groups = sorted(tallies, key=lambda g: (g == "all", g))
        for group in groups:
            r = tallies[group].row()
            mrr = "—" if r["mrr@5"] is None else f"{r['mrr@5']:.3f}"
            lines.append(
                f"| {mode} | {group} | {r['n']} | {pct(r['hit@1'])} | {mrr} | {pct(r['wrongly_declined'])} | "
                f"{pct(r['ood_declined'])} | {pct(r['topic_acc'])} |"
            )
    return "\n".join(lines).strip()
