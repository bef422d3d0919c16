"""Measure the bot end to end on labelled questions: right entry first, declines, coverage, routes, follow-ups."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.answers import Answer
from bot.assistant import Bot
from bot.coverage import ANSWERED
from bot.errors import InvalidInput
from bot.retrieve import Mode
from corpus import Entry

MODES: tuple[Mode, ...] = ("hybrid", "bm25", "dense")


@dataclass(frozen=True)
class Case:
    """One labelled question: phrases (and ids) of the right entry (none: must be declined), route, coverage."""

    question: str
    expect: list[str]
    group: str
    route: str | None
    entry: list[str] = field(default_factory=list)
    coverage: str | None = None
    turns: list[str] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        """Whether some entry answers it."""
        return bool(self.expect or self.entry)


@dataclass
class Tally:
    """Counts for one group."""

    n_in: int = 0
    hits: int = 0
    ranked_first: int = 0
    rr: float = 0.0
    wrongly_declined: int = 0
    n_near: int = 0
    near_declined: int = 0
    n_far: int = 0
    far_declined: int = 0
    route_total: int = 0
    route_right: int = 0
    n_follow: int = 0
    follow_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, expect: Sequence[str], ranked: Sequence[str], declined: bool) -> int | None:
        """Score one question of a system without conversations or coverage labels (the benchmarks' baselines)
        from the texts of its ranked entries and whether it declined; the rank of the first right one."""
        if not expect:
            self.n_far += 1
            self.far_declined += int(declined)
            return None
        self.n_in += 1
        rank = next((i for i, text in enumerate(ranked[:5], 1) if holds(text, expect)), None)
        self.ranked_first += int(rank == 1)
        self.hits += int(rank == 1 and not declined)
        self.rr += 1.0 / rank if rank else 0.0
        self.wrongly_declined += int(declined)
        return rank

    def row(self) -> dict[str, float | int | None]:
        """Rates for a table row (None where the group has no such question)."""

        def rate(a: float, b: int) -> float | None:
            return a / b if b else None

        return {
            "n": self.n_in + self.n_near + self.n_far,
            "hit@1": rate(self.hits, self.n_in),
            "ranked_first": rate(self.ranked_first, self.n_in),
            "mrr@5": rate(self.rr, self.n_in),
            "wrongly_declined": rate(self.wrongly_declined, self.n_in),
            "not_covered_declined": rate(self.near_declined, self.n_near),
            "off_topic_declined": rate(self.far_declined, self.n_far),
            "ood_declined": rate(self.far_declined + self.near_declined, self.n_far + self.n_near),
            "route_acc": rate(self.route_right, self.route_total),
            "follow_ups": rate(self.follow_right, self.n_follow),
        }


def load_cases(path: str | Path) -> list[Case]:
    """Read a labelled JSONL file (question, expect, group, route; optionally entry, coverage, turns)."""
    cases = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            expect = list(row.get("expect") or [])
            coverage = row.get("coverage") or (None if expect else "off_topic")
            cases.append(
                Case(
                    row["question"],
                    expect,
                    row.get("group", "all"),
                    row.get("route"),
                    list(row.get("entry") or []),
                    coverage,
                    list(row.get("turns") or []),
                )
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


def is_right(bot: Bot, case: Case, entry_id: str) -> bool:
    """Whether an entry is a right answer: one of the listed ids, or it holds an expected phrase."""
    if entry_id in case.entry:
        return True
    entry = bot.index.by_id.get(entry_id)
    return entry is not None and holds(entry_text(entry), case.expect)


def ask_turns(bot: Bot, case: Case) -> str | None:
    """Ask the case's earlier turns in one fresh session; its id (None for a case without turns)."""
    sid = None
    for turn in case.turns:
        sid = bot.ask(turn, session_id=sid).session_id
    return sid


def ask_case(bot: Bot, case: Case) -> Answer:
    """Ask the case's earlier turns, then the question, in one fresh session."""
    return bot.ask(case.question, session_id=ask_turns(bot, case))


def answered(answer: Answer) -> bool:
    """Whether the bot answered (covered or partial) rather than declined."""
    return answer.coverage in ANSWERED


def _route_right(bot: Bot, case: Case, answer: Answer) -> bool:
    links = [link for link in answer.troubleshooting if link.kind == case.route]
    if not links:
        return False
    if case.route == "rejection":
        # the rejection asked about must lead the links
        return is_right(bot, case, links[0].id)
    return True


def evaluate(bot: Bot, cases: list[Case]) -> dict[str, Tally]:
    """Tallies per group (and "all") of the bot's own answers: a decline is a miss for hit@1."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for case in cases:
        answer = ask_case(bot, case)
        said = answered(answer)
        ids = [s.id for s in answer.sources[:5]]
        rank = next((i for i, entry_id in enumerate(ids, 1) if is_right(bot, case, entry_id)), None)
        for group in (case.group, "all"):
            t = tallies[group]
            if case.answerable:
                t.n_in += 1
                t.ranked_first += int(rank == 1)
                t.rr += 1.0 / rank if rank else 0.0
                hit = said and rank == 1
                t.hits += int(hit)
                t.wrongly_declined += int(not said)
                if not hit and group == "all":
                    t.misses.append(f"{case.question} -> {answer.coverage} {ids[:1]}")
                right = hit
            else:
                far = case.coverage == "off_topic"
                if far:
                    t.n_far += 1
                    t.far_declined += int(not said)
                else:
                    t.n_near += 1
                    t.near_declined += int(not said)
                right = not said
                if said and group == "all":
                    t.misses.append(f"{case.question} -> {answer.coverage} {ids[:1]}")
            if case.route:
                t.route_total += 1
                t.route_right += int(_route_right(bot, case, answer))
            if case.turns:
                t.n_follow += 1
                t.follow_right += int(right)
    return dict(tallies)


def ranking(bot: Bot, cases: list[Case], mode: Mode) -> dict[str, Tally]:
    """Ranking alone (no decision, no conversation) for one retrieval mode: the baselines."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for case in cases:
        if not case.answerable or case.turns:
            continue
        ids = [h.entry.id for h in bot.understand(case.question, mode=mode).retrieval.hits[:5]]
        rank = next((i for i, entry_id in enumerate(ids, 1) if is_right(bot, case, entry_id)), None)
        for group in (case.group, "all"):
            t = tallies[group]
            t.n_in += 1
            t.ranked_first += int(rank == 1)
            t.hits += int(rank == 1)
            t.rr += 1.0 / rank if rank else 0.0
    return dict(tallies)


def _pct(value: float | int | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def format_table(tallies: dict[str, Tally], title: str = "") -> str:
    """A Markdown table of the end-to-end figures, one row per group, "all" last."""
    lines = [f"### {title}" if title else "", ""]
    lines.append(
        "| group | n | hit@1 | ranked first | MRR@5 | wrongly declined | not covered declined "
        "| off-topic declined | route accuracy | follow-ups right |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for group in sorted(tallies, key=lambda g: (g == "all", g)):
        r = tallies[group].row()
        mrr = "—" if r["mrr@5"] is None else f"{r['mrr@5']:.3f}"
        lines.append(
            f"| {group} | {r['n']} | {_pct(r['hit@1'])} | {_pct(r['ranked_first'])} | {mrr} | "
            f"{_pct(r['wrongly_declined'])} | {_pct(r['not_covered_declined'])} | {_pct(r['off_topic_declined'])} | "
            f"{_pct(r['route_acc'])} | {_pct(r['follow_ups'])} |"
        )
    return "\n".join(lines).strip()


def format_baselines(results: dict[str, dict[str, Tally]], title: str = "") -> str:
    """A Markdown table of ranking alone per retrieval mode (answerable questions, no follow-ups)."""
    lines = [f"### {title}" if title else "", ""]
    lines.append("| retrieval | n | ranked first | MRR@5 |")
    lines.append("|---|---:|---:|---:|")
    for mode, tallies in results.items():
        r = tallies["all"].row() if "all" in tallies else Tally().row()
        mrr = "—" if r["mrr@5"] is None else f"{r['mrr@5']:.3f}"
        lines.append(f"| {mode} | {r['n']} | {_pct(r['ranked_first'])} | {mrr} |")
    return "\n".join(lines).strip()
