"""Headings and blocks to entries: the rules shared by Markdown, HTML and Word documents."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from corpus.models import Entry
from corpus.text import classify, split_steps, strip_end, white_screen

# A sub-heading with one of these names is a part of the entry above it ("操作步骤" of an article),
# never a topic of its own.
PART_HEADINGS = frozenset(
    (
        "操作步骤",
        "前提条件",
        "注意事项",
        "说明",
        "修改措施",
        "背景信息",
        "操作场景",
        "约束与限制",
        "相关操作",
        "处理方法",
        "解决方法",
        "解决方案",
        "问题原因",
        "原因",
    )
)
QUESTION_LABELS = ("相似问法", "相似问题", "similar questions")
_QUESTION_LABEL = re.compile(r"^\s*(相似问法|相似问题|similar questions)\s*[:：]?\s*(.*)$", re.IGNORECASE)
_INLINE_STEP = re.compile(r"^\s*\d+\s*[.)、．]\s*(.+)$")
_FIX = re.compile(r"修改措施[:：]\s*(.+)")


class SectionError(ValueError):
    """A document whose headings and blocks make no entries; carries the line."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Block:
    """One piece of a document in reading order: a heading, a paragraph, a list or code."""

    kind: str  # "heading" | "para" | "ordered" | "bullet" | "code"
    line: int
    text: str = ""
    level: int = 0
    items: tuple[str, ...] = ()


@dataclass
class _Section:
    level: int
    heading: str
    line: int
    blocks: list[Block] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PageMeta:
    """What a whole document says about its entries: front matter, breadcrumb, canonical URL."""

    category: str | None = None
    kind: str | None = None
    questions: tuple[str, ...] = ()
    source_url: str | None = None
    # a page's own title (HTML <title>) for text that comes before its first heading
    title: str | None = None


def question_label(text: str) -> tuple[str] | tuple[str, str] | None:
    """("label",) for a bare "相似问法:" line, ("label", rest) when questions follow on the same line."""
    m = _QUESTION_LABEL.match(text)
    if not m:
        return None
    rest = m.group(2).strip()
    return (m.group(1), rest) if rest else (m.group(1),)


def _inline_questions(rest: str) -> list[str]:
    return [q.strip() for q in re.split(r"[；;|]", rest) if q.strip()]


def _sections(blocks: Sequence[Block], meta: PageMeta) -> list[_Section]:
    sections: list[_Section] = []
    for block in blocks:
        if block.kind == "heading":
            sections.append(_Section(block.level, block.text, block.line))
        elif sections:
            sections[-1].blocks.append(block)
        elif meta.title:
            sections.append(_Section(0, meta.title, block.line, [block]))
        else:
            raise SectionError(block.line, "text before the first heading belongs to no entry")
    if not sections:
        raise SectionError(1, "no headings: every entry starts with a heading")
    return sections


def _is_part(heading: str) -> bool:
    core = strip_end(heading)
    return core in PART_HEADINGS or core.lower() in QUESTION_LABELS


def _fold_parts(sections: list[_Section]) -> list[_Section]:
    """Fold part headings ("操作步骤", "相似问法") into the entry they belong to."""
    out: list[_Section] = []
    for sec in sections:
        # the nearest heading above it: "## 注意事项" after "## 问题一" under "# 页面" belongs to the page
        parent = next((o for o in reversed(out) if o.level < sec.level), None)
        if parent is not None and _is_part(sec.heading):
            if strip_end(sec.heading).lower() in QUESTION_LABELS:
                parent.questions.extend(i for b in sec.blocks for i in (b.items or tuple(b.text.splitlines())))
            else:
                parent.blocks.append(Block("para", sec.line, strip_end(sec.heading)))
                parent.blocks.extend(sec.blocks)
            continue
        out.append(sec)
    return out


def _take_questions(sec: _Section) -> list[Block]:
    """Move a "相似问法:" paragraph and the list under it out of the body into the questions."""
    body: list[Block] = []
    pending = False
    for block in sec.blocks:
        label = question_label(block.text) if block.kind == "para" else None
        if label is not None:
            if len(label) == 2:
                sec.questions.extend(_inline_questions(label[1]))
            else:
                pending = True
            continue
        if pending and block.kind in ("ordered", "bullet"):
            sec.questions.extend(block.items)
            pending = False
            continue
        pending = False
        body.append(block)
    return body


def _render(blocks: Sequence[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if block.kind == "ordered":
            lines.extend(f"{n}. {item}" for n, item in enumerate(block.items, 1))
        elif block.kind == "bullet":
            lines.extend(f"- {item}" for item in block.items)
        else:
            lines.extend(line.strip() for line in block.text.splitlines() if line.strip())
    return "\n".join(lines)


def _steps(blocks: Sequence[Block], text: str) -> list[str]:
    steps = [item for block in blocks if block.kind == "ordered" for item in block.items]
    if steps:
        return steps
    # "1、..." lines that no list syntax marked, as today's plain-text help documents write steps
    paras = [line for b in blocks if b.kind == "para" for line in b.text.splitlines()]
    lines = [m.group(1).strip() for line in paras if (m := _INLINE_STEP.match(line))]
    if len(lines) >= 2:
        return lines
    fix = _FIX.search(text)
    return split_steps(fix.group(1)) if fix else []


def build_entries(blocks: Sequence[Block], meta: PageMeta, source: str) -> list[Entry]:
    """Each heading with text is an entry; the enclosing heading is its category, an ordered list its steps.

    Raises :class:`SectionError` for text before the first heading, a heading with neither text nor
    sub-headings, or a document without headings.
    """
    sections = _fold_parts(_sections(blocks, meta))
    entries: list[Entry] = []
    ancestors: dict[int, str] = {}
    for pos, sec in enumerate(sections):
        ancestors = {lvl: h for lvl, h in ancestors.items() if lvl < sec.level}
        has_children = pos + 1 < len(sections) and sections[pos + 1].level > sec.level
        body = _take_questions(sec)
        text = _render(body)
        if text:
            category = ancestors[max(ancestors)] if ancestors else meta.category
            # the page's place in the help centre decides the kind as much as the heading above
            where = " ".join(p for p in (meta.category, *ancestors.values()) if p)
            kind = meta.kind or classify(where or None, text, sec.heading)
            entries.append(
                Entry(
                    id="",
                    title=sec.heading,
                    kind=kind,
                    text=text,
                    category=category,
                    steps=tuple(_steps(body, text)),
                    route="white_screen" if kind == "troubleshooting" and white_screen(sec.heading, text) else None,
                    source=f"{source}:{sec.line}",
                    source_url=meta.source_url,
                    questions=list(dict.fromkeys(sec.questions)),
                )
            )
        elif not has_children:
            raise SectionError(sec.line, f"heading '{sec.heading}' has no text")
        ancestors[sec.level] = sec.heading
    if meta.questions:
        if len(entries) != 1:
            raise SectionError(1, "page-wide similar questions need a page with exactly one entry")
        only = entries[0]
        only.questions.extend(q for q in meta.questions if q not in only.questions)
    return entries
