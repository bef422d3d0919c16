"""Shared text heuristics for parsers: segments, headings, steps, kinds."""

from __future__ import annotations

import re

# The help centre separates blocks with a space; a space between two ASCII words ("APK signature")
# belongs to the text, not to the layout.
_SEGMENT_SPLIT = re.compile(r"(?<![A-Za-z0-9])\s+|\s+(?![A-Za-z0-9])")
_SENTENCE_END = "。！？!?；;"
_CLAUSE_SPLIT = re.compile(r"[，,、]")
_QUESTION_END = re.compile(r"(怎么办|怎么处理|吗|呢|多久|多长时间|[?？])$")
_QUESTION_START = re.compile(r"^(如何|怎么|怎样|为什么|为何|是否|能否|可以)")
_FIGURE = re.compile(r"^(图|表)\s*\d+$")
SECTION_LABELS = ("修改措施", "父主题", "操作步骤", "注意事项", "说明")
REASON_LABELS = ("驳回原因", "问题原因", "原因", "问题", "问题描述", "现象")
TITLE_MAX = 40


def segments(line: str) -> list[str]:
    """Split one snippet line into its layout blocks."""
    return [s for s in _SEGMENT_SPLIT.split(line.strip()) if s]


def sentences(text: str) -> list[str]:
    """Split text into sentences, keeping their closing punctuation."""
    out: list[str] = []
    buf = ""
    for ch in text:
        buf += ch
        if ch in _SENTENCE_END:
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def strip_end(text: str) -> str:
    """Drop closing punctuation and colons from a heading."""
    return text.strip().rstrip("。.:：;；,，").strip()


def is_heading(seg: str) -> bool:
    """A short block with no inner clause punctuation: a heading or topic line."""
    core = strip_end(seg)
    if not 4 <= len(core) <= 25 or _FIGURE.match(core):
        return False
    if any(core.startswith(label) for label in SECTION_LABELS) or core.endswith("步骤"):
        return False
    if re.search(r"[，,。；;]", core):
        return False
    if not re.search(r"[\u4e00-\u9fff]", core):
        return False
    # a block that opens with a closing bracket or a lowercase continuation is a cut sentence
    return not re.match(r"^[)）\]】、a-z]", core)


def is_question(seg: str) -> bool:
    """A block phrased as a question, which opens a new question-and-answer pair."""
    core = seg.strip().rstrip("。")
    if not 4 <= len(core) <= 30:
        return False
    return bool(_QUESTION_END.search(core) or _QUESTION_START.match(core))


def colon_heading(seg: str) -> str | None:
    """The label of a "标签:正文" block, when the label is short."""
    m = re.match(r"^([^,，。:：]{2,14})[:：](.+)$", seg)
    if m and m.group(2).strip():
        label = m.group(1).strip()
        if any(label.startswith(s) for s in SECTION_LABELS):
            return None
        return label
    return None


def clause_title(sentence: str, limit: int = TITLE_MAX) -> str:
    """A title from a sentence: whole clauses up to ``limit`` characters."""
    core = strip_end(sentence)
    if len(core) <= limit:
        return core
    clauses = _CLAUSE_SPLIT.split(core)
    out = clauses[0]
    for clause in clauses[1:]:
        if len(out) + 1 + len(clause) > limit:
            break
        out = f"{out},{clause}"
    return out[:limit]


def split_steps(text: str) -> list[str]:
    """Turn a run of instructions into short steps: one per sentence or action clause."""
    steps: list[str] = []
    for sent in sentences(text):
        for clause in re.split(r"[，,]", sent):
            clause = clause.strip().rstrip("。；;").strip()
            clause = re.sub(r"^(并且|并|然后|再|之后)", "", clause).strip()
            if not clause:
                continue
            # a very short clause ("选择后") reads better joined to the step before it
            if steps and len(clause) < 5:
                steps[-1] = f"{steps[-1]},{clause}"
            else:
                steps.append(clause)
    return steps


def classify(category: str | None, text: str, title: str = "") -> str:
    """The entry kind from where it sits in the help centre and how it opens."""
    cat = category or ""
    if "故障排除" in cat or "故障排查" in cat:
        return "troubleshooting"
    if "驳回" in cat or text.startswith("驳回原因") or title.startswith("驳回原因"):
        return "rejection"
    return "faq"


def white_screen(title: str, text: str) -> bool:
    """Whether a troubleshooting topic is about a blank (white) screen."""
    probe = f"{title} {text}"
    return any(word in probe for word in ("白屏", "空白", "blank screen", "white screen"))
