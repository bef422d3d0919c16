"""What a reader must be told about an entry: text cut by the source, dead link words, title-only topics."""

from __future__ import annotations

import re
from dataclasses import replace

from corpus.models import Entry
from corpus.text import segments, strip_end

ELLIPSIS = "…"
# What may close a finished sentence, with closing quotes and brackets allowed after it.
_FINISHED = re.compile(r"[。！？!?；;…]['\"”’」』）)\]】]*$")
_TERMINAL = "。！？!?；;…"
# A block that ends in clause punctuation runs on into the next block.
_RUNS_ON = re.compile(r"[,，、:：(（“‘《/]$")
_LIST_MARK = re.compile(r"^(\d{1,2}[.、)]?|[-*•·]|[图表]\s*\d+)$")
_LIST_LINE = re.compile(r"^\s*(\d{1,2}[.、)]|[-*•·])\s+")
_FIGURE = re.compile(r"^(图|表)\s*\d+")
# Words that never close a Chinese sentence: prepositions, conjunctions, modal verbs, structural particles.
_OPEN_ENDING = re.compile(
    r"(如|和|与|及|或|并|将|把|被|对|从|向|于|为|能够|可以|需要|应当|以及|或者|如果|因为|例如|包括|通过|根据|按照|等同于)$"
)
# A fragment of a domain or path at the very start: the window opened inside a URL.
_URL_TAIL = re.compile(r"^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}\b[)）]?")
_OPENS_BADLY = re.compile(r"^[)）\]】、，,。.:：;；!！?？]|^[a-z]")
# Link words whose link the plain text no longer carries; what follows them still reads as an instruction.
_DEAD_CLICK = re.compile(r"(请)?(单击|点击|点)(这里|此处|此链接|该链接)")
_DEAD_ENTRY = re.compile(r"[:：]\s*(查询|访问|下载|购买|申请|登录)?入口(?=[。.]?$|[。.;；\s])")
_DEAD_FIGURE = re.compile(r"[,，]?\s*(具体)?(请)?(以|见|参见|详见|如)(下)?(表|图)\s*\d+(为准|所示)?(?=[。.;；,，]|$)")
HEAD_CLAUSE = 8  # a window opening on a clause this short opened inside a sentence
STEP_HEADING = re.compile(r"(步骤|操作如下|步骤如下|方法如下|如下)[:：]?$")


def units(text: str) -> list[str]:
    """Split text into what a reader sees as sentences: terminated sentences, and layout blocks
    (headings, captions, statements without a full stop) that stand on their own line or block."""
    out: list[str] = []
    for line in text.splitlines():
        blocks = segments(line)
        joined: list[str] = []
        for block in blocks:
            lead_in = bool(joined) and bool(STEP_HEADING.search(joined[-1]))
            last = joined[-1] if joined else ""
            runs_on = bool(last) and bool(_RUNS_ON.search(last) or _LIST_MARK.match(last) or _in_quote(last))
            if runs_on and not lead_in:
                # "变更类操作: 变更服务/变更备案, 需要做鉴权" is one sentence laid out in blocks
                joined[-1] = f"{joined[-1]} {block}"
            else:
                joined.append(block)
        for block in joined:
            buf = ""
            for i, ch in enumerate(block):
                buf += ch
                nxt = block[i + 1] if i + 1 < len(block) else ""
                opening = ch == ELLIPSIS and buf == ch  # a text the source cut at its start opens with "…"
                if ch in _TERMINAL and not opening and nxt not in _TERMINAL and nxt not in '"”’」』）)]】':
                    if buf.strip():
                        out.append(buf.strip())
                    buf = ""
            if buf.strip():
                out.append(buf.strip())
    return out


_QUOTES = (("“", "”"), ("「", "」"), ("《", "》"))


def _in_quote(text: str) -> bool:
    # a menu path quoted with spaces in it ("“我的备案 > 正在备案中的订单”") is one name, not two blocks
    return any(text.count(left) > text.count(right) for left, right in _QUOTES)


def is_finished(unit: str) -> bool:
    """Whether a unit closes with a sentence end."""
    return bool(_FINISHED.search(unit.strip()))


def is_caption(unit: str) -> bool:
    """A figure or table caption ("图4 主体单位信息"): its picture is not in the text."""
    return bool(_FIGURE.match(unit.strip()))


def is_block_heading(unit: str) -> bool:
    """A short unterminated block with no clause inside: a heading, never a statement."""
    core = unit.strip()
    return not is_finished(core) and len(core) <= 25 and not re.search(r"[,，、;；:：。]", core)


def cut_tail(text: str, head_cut: bool = False) -> bool:
    """Whether the source stopped mid-sentence: the last line runs on, or ends unterminated after prose
    (or after a head that was cut: such a text is a window, and an unterminated end is its other edge)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    last = lines[-1].strip()
    if is_finished(last) or _LIST_LINE.match(last):
        return False
    if head_cut or _RUNS_ON.search(last) or _OPEN_ENDING.search(last):
        return True
    # prose in this document closes its sentences: an unterminated tail after them is where the window ended
    return any(is_finished(u) for u in units(last)[:-1])


def cut_head(text: str, title_derived: bool) -> bool:
    """Whether the source started mid-sentence: it opens on a fragment of a word, URL or clause."""
    core = text.strip()
    if not core or core.startswith(ELLIPSIS):
        return False
    if _OPENS_BADLY.match(core) or _URL_TAIL.match(core):
        return True
    if not title_derived:
        return False
    # no heading opened the window: a very short first clause is the tail of a sentence begun before it
    first = re.split(r"[,，、。；;!！?？\s]", core, maxsplit=1)[0]
    return len(first) <= HEAD_CLAUSE and len(core) > len(first) + 1


def drop_dead_links(text: str) -> tuple[str, tuple[str, ...]]:
    """Text without link words whose link is gone, and the words dropped."""
    dropped: list[str] = []

    def note(m: re.Match[str]) -> str:
        dropped.append(m.group(0).strip(" ,，:："))
        return ""

    out = _DEAD_CLICK.sub(note, text)
    out = _DEAD_ENTRY.sub(note, out)
    out = _DEAD_FIGURE.sub(note, out)
    return out, tuple(dropped)


def is_title_only(entry: Entry) -> bool:
    """An entry that names a topic and says nothing more."""
    body = strip_end(entry.text)
    return not entry.steps and (not body or body == strip_end(entry.title))


def steps_from_sections(text: str) -> list[str]:
    """Steps under a "…步骤" heading or an "…如下:" lead-in: the finished sentences that follow it."""
    seq = units(text)
    for i, unit in enumerate(seq):
        core = unit.strip()
        if not (is_block_heading(core) or core.endswith((":", "："))) or not STEP_HEADING.search(core):
            continue
        steps: list[str] = []
        for nxt in seq[i + 1 :]:
            if is_caption(nxt):
                continue
            if not is_finished(nxt) or nxt.endswith(ELLIPSIS):
                break
            steps.append(nxt.rstrip("。；;").strip())
        if len(steps) >= 2:
            return steps
    return []


def tidy(entry: Entry) -> Entry:
    """The entry as a reader should get it: cut ends marked "…", dead link words dropped, cut steps
    removed, steps taken from its own step sections, and the flags the answer is written from."""
    if is_title_only(entry):
        return replace(entry, title_only=True)
    text, dead = drop_dead_links(entry.text)
    steps = [drop_dead_links(s)[0].strip() for s in entry.steps]
    head = cut_head(text, entry.title_derived)
    tail = cut_tail(text, head)
    if tail:
        fragment = units(text)[-1] if units(text) else ""
        # a step the window stopped inside is not an instruction anyone can follow
        steps = [s for s in steps if not fragment.endswith(s)]
        text = text.rstrip(" ,，、:：(（“‘《/") + ELLIPSIS
    if head:
        text = ELLIPSIS + text.lstrip()
    if not steps:
        steps = steps_from_sections(text)
    return replace(entry, text=text, steps=tuple(s for s in steps if s), cut_head=head, cut_tail=tail, dead_links=dead)
