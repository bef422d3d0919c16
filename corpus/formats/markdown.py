"""Markdown help pages through a CommonMark parser (markdown-it-py): headings, lists and plain text."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token
from selectolax.lexbor import LexborHTMLParser

from corpus.formats.sections import Block, PageMeta, SectionError, build_entries
from corpus.models import KINDS, Entry

_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


class MarkdownError(ValueError):
    """A Markdown page that cannot be read; carries the line."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(message)


def inline_text(token: Token) -> str:
    """The reader's text of an inline token: link text without the URL, no emphasis marks."""
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "html_inline":
            continue  # an inline tag (<br>, <span>) is markup, never text
    return "".join(out).strip()


def _html_text(html: str) -> str:
    body = LexborHTMLParser(html).body
    return body.text(separator=" ").strip() if body is not None else ""


def _list_items(tokens: list[Token], start: int) -> tuple[tuple[str, ...], int]:
    """Items of the list opening at ``start`` (nested lists fold into their item); index past its close."""
    depth = 0
    items: list[str] = []
    parts: list[str] = []
    item_depth = 0
    pos = start
    while pos < len(tokens):
        tok = tokens[pos]
        if tok.type in ("ordered_list_open", "bullet_list_open"):
            depth += 1
        elif tok.type in ("ordered_list_close", "bullet_list_close"):
            depth -= 1
            if depth == 0:
                return tuple(items), pos + 1
        elif tok.type == "list_item_open" and depth == 1:
            parts, item_depth = [], depth
        elif tok.type == "list_item_close" and depth == item_depth == 1:
            text = " ".join(p for p in parts if p)
            if text:
                items.append(text)
        elif tok.type == "inline":
            parts.append(inline_text(tok))
        elif tok.type in ("fence", "code_block"):
            parts.append(tok.content.strip())
        pos += 1
    return tuple(items), pos


def markdown_blocks(text: str, first_line: int = 1) -> list[Block]:
    """Blocks of a Markdown text in reading order; ``first_line`` is the file line the text starts on."""
    tokens = _MD.parse(text)
    blocks: list[Block] = []
    pos = 0
    row: list[str] = []
    while pos < len(tokens):
        tok = tokens[pos]
        line = (tok.map[0] if tok.map else 0) + first_line
        if tok.type == "heading_open":
            blocks.append(Block("heading", line, inline_text(tokens[pos + 1]), level=int(tok.tag[1])))
            pos += 3
            continue
        if tok.type in ("ordered_list_open", "bullet_list_open"):
            items, pos = _list_items(tokens, pos)
            if items:
                blocks.append(Block("ordered" if tok.type == "ordered_list_open" else "bullet", line, items=items))
            continue
        if tok.type == "paragraph_open":
            content = inline_text(tokens[pos + 1])
            if content:
                blocks.append(Block("para", line, content))
            pos += 3
            continue
        if tok.type in ("fence", "code_block") and tok.content.strip():
            blocks.append(Block("code", line, tok.content.rstrip("\n")))
        elif tok.type == "html_block" and (content := _html_text(tok.content)):
            blocks.append(Block("para", line, content))
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "inline":  # table cells: the only inline tokens not consumed above
            row.append(inline_text(tok))
        elif tok.type == "tr_close" and any(row):
            blocks.append(Block("para", line, " | ".join(row)))
        pos += 1
    return blocks


def front_matter(lines: list[str]) -> tuple[dict[str, str | list[str]], int]:
    """The ``---`` block's ``key: value`` lines (a key with an empty value may take ``- item`` lines)."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    meta: dict[str, str | list[str]] = {}
    last: str | None = None
    for idx in range(1, len(lines)):
        line = lines[idx].strip()
        if line == "---":
            kind = meta.get("kind")
            if kind is not None and kind not in KINDS:
                raise MarkdownError(1, f"front matter 'kind' must be one of {', '.join(KINDS)}")
            return meta, idx + 1
        if not line:
            continue
        items = meta.get(last) if last else None
        if line.startswith("- ") and isinstance(items, list):
            items.append(line[2:].strip())
            continue
        if ":" not in line:
            raise MarkdownError(idx + 1, "front matter lines are 'key: value'")
        key, value = (part.strip() for part in line.split(":", 1))
        # other keys (title, date, tags of a static site generator) are the site's business
        meta[key] = value if value else []
        last = key
    raise MarkdownError(1, "front matter is not closed with '---'")


def parse_markdown(text: str, source: str) -> list[Entry]:
    """Headings split entries; the enclosing heading is the category, an ordered list the steps.

    An optional front matter block (``---`` lines) may set ``category``, ``kind`` and ``questions``.
    """
    lines = text.splitlines()
    meta, start = front_matter(lines)
    questions = meta.get("questions") or []
    if isinstance(questions, str):
        questions = [q.strip() for q in questions.split("|") if q.strip()]
    category, kind = meta.get("category"), meta.get("kind")
    page = PageMeta(
        category=category if isinstance(category, str) and category else None,
        kind=kind if isinstance(kind, str) and kind else None,
        questions=tuple(questions),
    )
    blocks = markdown_blocks("\n".join(lines[start:]), start + 1)
    try:
        return build_entries(blocks, page, source)
    except SectionError as exc:
        raise MarkdownError(exc.line, exc.message) from exc
