"""Measure answers on labelled questions: hit@1, MRR@5, declines, routes; hybrid against each side alone."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine import Bot
from bot.errors import InvalidInput
from bot.normalize import normalize
from bot.retrieve import HybridRetriever

MODES = ("hybrid", "bm25", "dense")


@dataclass(frozen=True)
class Case:
    """One labelled question: phrases the right answer holds (none: must be declined), and its route."""

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
    route_total: int = 0
    route_right: int = 0
    misses: list[str] = field(default_factory=list)

    def row(self) -> dict[str, float | int | None]:
        """Rates for a table row."""
        return {
            "n": self.n_in + self.n_out,
            "hit@1": self.hits / self.n_in if self.n_in else None,
            "mrr@5": self.rr / self.n_in if self.n_in else None,
            "wrongly_declined": self.wrongly_declined / self.n_in if self.n_in else None,
            "ood_declined": self.declined / self.n_out if self.n_out else None,
            "route_acc": self.route_right / self.route_total if self.route_total else None,
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


def _holds(text: str, expect: list[str]) -> bool:
    return any(phrase in text for phrase in expect)


def evaluate(bot: Bot, cases: list[Case], mode: str = "hybrid") -> dict[str, Tally]:
    """Tallies per group (and "all") for one retrieval mode, with the bot's own decision rule."""
    retriever = HybridRetriever(bot.index, bot.embedder, mode=mode, lexical_weight=bot.settings.lexical_weight)
    hybrid = HybridRetriever(bot.index, bot.embedder, lexical_weight=bot.settings.lexical_weight)
    tallies: dict[str, Tally] = defaultdict(Tally)
    for case in cases:
        query = normalize(case.question)
        vector = bot.embedder.query_vector(query.text)
        retrieval = retriever.retrieve(query, 20, vector)
        # the answer/decline decision always reads the hybrid evidence, so modes differ in ranking only
        judged = retrieval if mode == "hybrid" else hybrid.retrieve(query, 20, vector)
        confident, _ = bot.decider.confident(case.question, judged, vector)
        routes = bot.routes(query, vector, retrieval, confident)
        for group in (case.group, "all"):
            t = tallies[group]
            if case.expect:
                t.n_in += 1
                texts = [f"{h.entry.title}\n{h.entry.text}" for h in retrieval.hits[:5]]
                rank = next((i for i, text in enumerate(texts, 1) if _holds(text, case.expect)), None)
                if rank == 1:
                    t.hits += 1
                elif group == "all":
                    t.misses.append(case.question)
                if rank:
                    t.rr += 1.0 / rank
                if not confident:
                    t.wrongly_declined += 1
            else:
                t.n_out += 1
                t.declined += int(not confident)
            t.route_total += 1
            expected = {case.route} if case.route else set()
            t.route_right += int(routes & {"rejection", "white_screen"} == expected)
    return dict(tallies)


def format_table(results: dict[str, dict[str, Tally]], title: str = "") -> str:
    """A Markdown table: one row per mode and group."""

    def pct(value: float | int | None) -> str:
        return "—" if value is None else f"{100 * value:.1f}%"

    lines = [f"### {title}" if title else "", ""]
    lines.append("| mode | group | n | hit@1 | MRR@5 | wrongly declined | off-topic declined | route accuracy |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for mode, tallies in results.items():
        groups = sorted(tallies, key=lambda g: (g == "all", g))
        for group in groups:
            r = tallies[group].row()
            mrr = "—" if r["mrr@5"] is None else f"{r['mrr@5']:.3f}"
            lines.append(
                f"| {mode} | {group} | {r['n']} | {pct(r['hit@1'])} | {mrr} | {pct(r['wrongly_declined'])} | "
                f"{pct(r['ood_declined'])} | {pct(r['route_acc'])} |"
            )
    return "\n".join(lines).strip()


def confidence_scores(bot: Bot, cases: list[Case]) -> list[tuple[float, bool]]:
    """(confidence, should answer) for each case: what the threshold is tuned on."""
    out = []
    for case in cases:
        query = normalize(case.question)
        vector = bot.embedder.query_vector(query.text)
        retrieval = bot._state.retriever.retrieve(query, 5, vector)
        out.append((bot.decider.confidence(retrieval, vector), bool(case.expect)))
    return out
