"""Parser for the help centre's search-result dump: one snippet a line."""

from __future__ import annotations

import re

from corpus.models import Entry
from corpus.text import (
    REASON_LABELS,
    classify,
    clause_title,
    colon_heading,
    is_heading,
    is_question,
    segments,
    sentences,
    split_steps,
    strip_end,
    white_screen,
)

# Site chrome that the dump carries along with the snippets; matched on whole lines only, so a real
# snippet that merely mentions these words is never dropped.
BOILERPLATE = (
    re.compile(r"^检测到您已登录.{0,40}账号.*(建议您访问|访问国际站)"),
    re.compile(r"^不再显示此消息$"),
    re.compile(r"^(上一篇|下一篇|文档反馈|意见反馈|返回顶部|分享|打印)[:：]?.{0,30}$"),
    re.compile(r"^(该文档|此文档|本文)(对您)?是否有帮助[?？]?.{0,20}$"),
)
TROUBLESHOOTING_HEADINGS = ("故障排除", "故障排查", "常见故障")
_PARENT = re.compile(r"\s*父主题[:：]\s*(.+?)\s*$")
_FIX = re.compile(r"修改措施[:：]\s*(.+?)$")
_ACTION = re.compile(r"(请|可在|需要|需先|单击|点击|登录|登陆|查看|上传|提交)")


def is_boilerplate(line: str) -> bool:
    """Whether a whole line is site chrome rather than help content."""
    return any(p.search(line.strip()) for p in BOILERPLATE)


def parse_seed(text: str, source: str) -> list[Entry]:
    """Parse the line format into entries without ids (the loader assigns them)."""
    entries: list[Entry] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or is_boilerplate(line):
            continue
        entries.extend(parse_snippet(line, f"{source}:{lineno}"))
    return entries


def parse_snippet(line: str, source: str) -> list[Entry]:
    """One snippet to one entry, or several where it holds a topic list or a second question."""
    category: str | None = None
    parent = _PARENT.search(line)
    if parent:
        category = parent.group(1)
        line = line[: parent.start()].strip()
    segs = segments(line)
    if not segs:
        return []
    if strip_end(segs[0]) in TROUBLESHOOTING_HEADINGS and len(segs) > 1:
        heading = strip_end(segs[0])
        return [_topic(seg, category or heading, source) for seg in segs[1:]]
    parts: list[list[str]] = [[]]
    for i, seg in enumerate(segs):
        # a question after a finished sentence starts the snippet's second question-and-answer pair
        if i > 0 and is_question(seg) and parts[-1] and parts[-1][-1][-1:] in "。！？!?":
            parts.append([])
        parts[-1].append(seg)
    return [_entry(part, category, source) for part in parts]


def _topic(seg: str, category: str, source: str) -> Entry:
    title = strip_end(seg)
    return Entry(
        id="",
        title=title,
        kind="troubleshooting",
        text=seg,
        category=category,
        route="white_screen" if white_screen(title, seg) else None,
        source=source,
    )


def _pick_title(segs: list[str]) -> tuple[str, list[str], bool]:
    """The title, the blocks that form the body, and whether the title was derived."""
    first = segs[0]
    label = colon_heading(first)
    if strip_end(first) in REASON_LABELS and len(segs) > 1:
        return clause_title(sentences(" ".join(segs[1:]))[0]), segs, False
    if label in REASON_LABELS:
        return clause_title(sentences(first.split(":", 1)[-1].split("：", 1)[-1])[0]), segs, False
    if is_heading(first) or is_question(first):
        return strip_end(first), segs[1:] or segs, False
    if label and len(first) > 25:
        return label, segs, False
    # the snippet starts mid-sentence: prefer a heading close to its start
    for seg in segs[1:4]:
        # inside a snippet a block that ends a sentence is prose, not a heading
        if is_heading(seg) and not seg.endswith(("。", "！", "!")):
            return strip_end(seg), segs, True
        inner = colon_heading(seg)
        if inner and is_heading(inner):
            return inner, segs, True
    sents = sentences(" ".join(segs))
    # the leading sentence is usually a cut-off tail; the first whole sentence names the topic better
    pick = sents[1] if len(sents) > 1 else sents[0]
    return clause_title(pick), segs, True


def _entry(segs: list[str], category: str | None, source: str) -> Entry:
    title, body, derived = _pick_title(segs)
    text = " ".join(body)
    kind = classify(category, text, title)
    steps: list[str] = []
    fix = _FIX.search(text)
    if fix:
        steps = split_steps(fix.group(1))
    elif kind == "rejection":
        # no explicit fix section: the instructions in the text are the steps
        steps = [clause for clause in split_steps(text) if _ACTION.search(clause)]
    return Entry(
        id="",
        title=title,
        kind=kind,
        text=text,
        category=category,
        steps=tuple(steps),
        source=source,
        title_derived=derived,
    )
