"""Answers a help desk would give: the direct reply first, then the steps, then the rest of the entry."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.sentences import (
    VALUE_KINDS,
    answer_type,
    answering,
    direct_sentences,
    entry_subjects,
    gives,
    subjects,
    weight,
)
from corpus import Entry
from corpus.tidy import ELLIPSIS, is_block_heading, is_caption, units
from corpus.tokenize import tokenize


@dataclass(frozen=True)
class Framing:
    """The words around the documents' text, in the language the question was asked in."""

    steps: str
    more: str
    cut: str
    differ: str
    title_only: str
    related: str
    decline: str
    not_covered: str
    told: str
    did_you_mean: str
    contact: str
    part: str
    not_named: str
    no_value: str
    # what a value of each kind is called, in "no_value"
    values: dict[str, str]
    joiner: str


FRAMINGS: dict[str, Framing] = {
    "zh": Framing(
        steps="处理步骤：",
        more="帮助文档原文（{title}）：",
        cut="（原文在此处不完整，完整内容请查看帮助条目“{title}”）",
        differ="不同条目的说法不同，请按您的情况参考：",
        title_only="帮助文档列出了这个问题，但没有给出处理步骤：{title}",
        related="以下相关条目有操作步骤，可以先参考：",
        decline="抱歉，帮助文档中没有找到与您的问题直接相关的内容。",
        not_covered="抱歉，帮助文档没有回答这个问题：“{question}”。",
        told="好的。请问您想了解哪方面？可以直接提问，也可以看看这些相关条目：",
        did_you_mean="您是不是想问：",
        contact="如需进一步帮助，可以转人工客服，我们会尽快为您处理。",
        part="问题{n}：{question}",
        not_named="帮助文档中没有提到{names}。",
        no_value="帮助文档中没有给出{what}。",
        values={
            "duration": "所需时长",
            "fee": "费用方面的说明",
            "count": "数量或上限",
            "contact": "联系方式",
            "address": "网址",
            "comparison": "两者的比较",
            "next": "之后还需要做的事",
        },
        joiner="、",
    ),
    "en": Framing(
        steps="Steps:",
        more="From the help document ({title}):",
        cut="(The source text is incomplete here; see the full entry “{title}”)",
        differ="The help documents give different answers depending on the case:",
        title_only="The help documents name this problem but give no steps for it: {title}",
        related="These related entries have steps you can try first:",
        decline="Sorry, the help documents do not cover this question.",
        not_covered="Sorry, the help documents do not answer this: “{question}”.",
        told="Got it. What would you like to know? Ask away, or see these related entries:",
        did_you_mean="Did you mean:",
        contact="A support agent can help you further: ask for a person and we will get back to you.",
        part="Question {n}: {question}",
        not_named="The help documents do not mention {names}.",
        no_value="The help documents do not give {what} for this.",
        values={
            "duration": "how long it takes",
            "fee": "any fee",
            "count": "a number or limit",
            "contact": "contact details",
            "address": "a web address",
            "comparison": "a comparison of the two",
            "next": "what is left to do after it",
        },
        joiner=", ",
    ),
}
LABELS = ("处理步骤：", "Steps:")
MORE_PREFIXES = ("帮助文档原文（", "From the help document (")


# one framing per language and deployment texts, made once: every reply is worded with one
@lru_cache(maxsize=64)
def framing(lang: str, decline: str | None = None, contact: str | None = None, contact_url: str = "") -> Framing:
    """The framing for a language; the deployment's own Chinese decline and contact texts where set."""
    base = FRAMINGS.get(lang, FRAMINGS["zh"])
    if lang == "zh":
        base = replace(base, decline=decline or base.decline, contact=contact or base.contact)
    if contact_url:
        opening, closing = ("（", "）") if lang == "zh" else (" (", ")")
        base = replace(base, contact=f"{base.contact}{opening}{contact_url}{closing}")
    return base


@dataclass(frozen=True)
class Reply:
    """What the user reads for one question, and the verbatim sentence(s) it leads with."""

    text: str
    direct: str | None


_SPACES = re.compile(r"\s{2,}")


def rest_of(entry: Entry, direct: Sequence[str]) -> str:
    """The entry's text without the sentences already given as the direct reply, nor a heading or caption
    they leave last."""
    rest = entry.text
    for sentence in direct:
        rest = rest.replace(sentence, " ", 1)
    rest = _SPACES.sub(" ", rest).strip()
    # a heading or a figure's caption left last introduces what was taken out for the direct reply
    tail = units(rest)
    while tail and (is_block_heading(tail[-1]) or is_caption(tail[-1])) and not tail[-1].endswith(ELLIPSIS):
        rest = rest[: rest.rfind(tail.pop().strip())].rstrip()
    return "" if rest in ("", ELLIPSIS) else rest


def answer(
    entry: Entry,
    question: str,
    terms: str,
    fr: Framing,
    others: Sequence[tuple[str, str]] = (),
    direct: Sequence[str] | None = None,
) -> Reply:
    """The reply from one entry: its direct sentence(s) (chosen for the question unless given), the other cases
    labelled, its steps, then the rest of its text under a label (the widget folds it away). Cut text ends in "…"
    and points to the entry."""
    direct = list(direct) if direct is not None else direct_sentences(question, terms, entry)
    pointer = fr.cut.format(title=entry.title) + (f" {entry.source_url}" if entry.source_url else "")
    if others:
        # entries that disagree: each case under its label, the direct sentence among them
        lines = [fr.differ, *(f"· {label}：{sentence}" for label, sentence in others)]
        shown = [sentence for _, sentence in others]
    else:
        lines = list(direct)
        shown = list(direct)
    pointed = any(s.endswith(ELLIPSIS) for s in shown)
    if pointed:
        lines.append(pointer)
    # a direct reply that is the sentence the steps were drawn from has said them already
    if entry.steps and not all(step in "".join(shown) for step in entry.steps):
        lines.append(fr.steps)
        lines.extend(f"{i}. {s}" for i, s in enumerate(entry.steps, 1))
    rest = rest_of(entry, direct)
    if rest:
        lines.append(fr.more.format(title=entry.title))
        lines.append(rest)
    if entry.cut_tail and not pointed:
        lines.append(pointer)
    return Reply("\n".join(lines), "\n".join(direct) or None)


def related_with_steps(topic: Entry, question: str, pool: Sequence[Entry], limit: int = 3) -> list[Entry]:
    """Entries near a title-only topic that do say what to do: ranked by the topic's and the question's
    telling terms they hold; only entries with steps, and none whose steps are all listed already."""
    wanted = set(tokenize(f"{topic.title} {question}"))
    scored = []
    seen = {topic.id}
    for entry in pool:
        if entry.id in seen or entry.title_only or not entry.steps:
            continue
        seen.add(entry.id)
        own = set(tokenize(f"{entry.title} {entry.text}"))
        overlap = sum(weight(t) for t in wanted & own)
        if overlap > 0:
            scored.append((round(overlap, 3), entry))
    # on a tie, the entry the source kept whole, then the one with more to follow
    scored.sort(key=lambda pair: (-pair[0], pair[1].cut_tail, -len(pair[1].steps)))
    chosen: list[Entry] = []
    shown: set[str] = set()
    for overlap, entry in scored:
        # an entry sharing half as much with the topic as the nearest one is not about it
        if len(chosen) == limit or overlap < scored[0][0] / 2:
            break
        # steps already listed under another entry (two pages with the same first steps) are not listed twice;
        # an entry going on from steps listed already takes the place of the one listing them
        steps = set(entry.steps)
        if steps <= shown:
            continue
        within = next((i for i, c in enumerate(chosen) if set(c.steps) <= steps), None)
        if within is None:
            chosen.append(entry)
        else:
            chosen[within] = entry
        shown.update(steps)
    return chosen


def title_only_answer(topic: Entry, related: Sequence[Entry], fr: Framing) -> Reply:
    """A topic the documents name without a body: say so, offer a person first, then entries with steps."""
    lines = [fr.title_only.format(title=topic.title), fr.contact]
    if related:
        lines.append(fr.related)
        for entry in related:
            lines.append(f"· {entry.title}")
            lines.extend(f"  {i}. {s}" for i, s in enumerate(entry.steps, 1))
    return Reply("\n".join(lines), None)


def decline_answer(
    fr: Framing,
    suggestions: Sequence[str],
    unanswered: str | None = None,
    names: Sequence[str] = (),
    kinds: Sequence[str] = (),
    told: bool = False,
) -> Reply:
    """No entry answers: say so (naming the question when it is about filing but not in the documents, and what
    the documents lack: the ``names`` they never mention, the ``kinds`` of value they never give), offer the
    nearest topics, then a person. A message that asks nothing (``told``: "变更备案已经提交了"), or names nothing it
    asks about ("怎么办"), is not a question left unanswered: the reply asks what the user would like to know."""
    if told:
        # its own line introduces the entries
        lines = [fr.told]
    else:
        if unanswered and len(unanswered) > 60:
            unanswered = unanswered[:60] + ELLIPSIS
        lines = [fr.not_covered.format(question=unanswered) if unanswered else fr.decline]
        if unanswered and names:
            lines.append(fr.not_named.format(names=fr.joiner.join(f"“{n}”" for n in names)))
        elif unanswered and kinds:
            lines.append(fr.no_value.format(what=fr.values.get(kinds[0], kinds[0])))
        if suggestions:
            lines.append(fr.did_you_mean)
    lines.extend(f"· {title}" for title in suggestions)
    lines.append(fr.contact)
    return Reply("\n".join(lines), None)


def label_of(entry: Entry) -> str:
    """How an entry is told apart from another that answers differently: its subject, else its title."""
    found = entry_subjects(entry)
    return "、".join(sorted(found)) if found else entry.title


def by_subject(
    question: str, terms: str, ranked: Sequence[Entry], context: str = "", depth: int = 3
) -> tuple[Entry, list[tuple[str, str]]]:
    """The entry to answer from, and the labelled sentences of near entries that answer with other values.

    Only for questions asking a value (a duration, a fee) that near entries give. When the question (or
    the turn it follows, ``context``) names a subject (APP, 网站, ...) an entry about that subject answers
    alone, before entries about another subject; when it names none, an entry about no particular subject
    leads and entries giving different values are each shown under their label.
    """
    best = ranked[0]
    kind = answer_type(question)
    if kind not in VALUE_KINDS:
        return best, []
    asked = subjects(question) or subjects(context)
    if context and not asked:
        # a follow-up read with its topic: the entry found with it answers alone
        return best, []
    found: list[tuple[Entry, str, str]] = []
    for entry in ranked[:depth]:
        if entry.title_only:
            continue
        sentences = answering(kind, terms, entry, limit=1)
        value = gives(kind, sentences[0]) if sentences else None
        if value:
            found.append((entry, sentences[0], value))
    if not found:
        return best, []
    if asked:
        same = [e for e, _, _ in found if entry_subjects(e) & asked]
        if same:
            return same[0], []
        if entry_subjects(best) - asked:
            # the best entry is about another subject: an entry about none answers before it
            neutral = [e for e, _, _ in found if not entry_subjects(e)]
            return (neutral[0] if neutral else best), []
        return best, []
    # a question naming no subject asks of the default one (a website filing): an entry scoped to another
    # subject does not lead while one scoped to none gives the value
    lead = next((f for f in found if not entry_subjects(f[0])), None) if entry_subjects(best) else None
    lead = lead or next((f for f in found if f[0].id == best.id), None)
    if lead is None or len({value for _, _, value in found}) < 2:
        # the best entry gives no such value of its own, or all agree: the ranking's best answers alone
        return best, []
    others = [(label_of(e), s) for e, s, v in found if e.id != lead[0].id and v != lead[2]]
    return lead[0], ([(label_of(lead[0]), lead[1]), *others] if others else [])


def join_parts(parts: Sequence[tuple[str, str]], fr: Framing) -> str:
    """Several questions in one message: each answer under its question."""
    return "\n\n".join(f"{fr.part.format(n=i, question=q)}\n{text}" for i, (q, text) in enumerate(parts, 1))
