"""Load help documents from files and folders: the seed line format, Markdown and JSONL."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

from corpus.models import KINDS, Entry, stable_id
from corpus.seed import parse_seed
from corpus.text import classify, split_steps, white_screen
from corpus.tidy import tidy

DATA_DIR = Path(__file__).parent / "data"
SUFFIXES = (".txt", ".md", ".markdown", ".jsonl")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_ORDERED = re.compile(r"^\s*\d+[.)、]\s+(.+)$")
_JSONL_FIELDS = {"id", "question", "answer", "category", "kind", "steps", "url", "route"}


class CorpusError(ValueError):
    """A help document that cannot be read; names the file and line."""

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}")


def default_sources() -> list[Path]:
    """The corpus shipped with the package."""
    return [DATA_DIR / "seed.txt"]


def load_corpus(sources: Sequence[str | Path] | None = None) -> list[Entry]:
    """Read every source (files or folders) into entries with stable ids; all or nothing."""
    paths = _expand(sources or default_sources())
    drafts: list[Entry] = []
    for path in paths:
        drafts.extend(load_file(path))
    if not drafts:
        raise CorpusError(paths[0] if paths else "<none>", 0, "no entries found")
    return finalize(drafts)


def _expand(sources: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for src in sources:
        path = Path(src)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            if not found:
                raise CorpusError(path, 0, f"no help documents ({', '.join(SUFFIXES)}) in folder")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise CorpusError(path, 0, "no such file or folder")
    return out


def load_file(path: Path) -> list[Entry]:
    """Parse one file by its suffix; entries come back without ids."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(path, 0, f"not UTF-8 text ({exc.reason})") from exc
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return parse_jsonl(text, str(path))
    if suffix in (".md", ".markdown"):
        return parse_markdown(text, str(path))
    return parse_seed(text, path.name)


def parse_jsonl(text: str, source: str) -> list[Entry]:
    """One JSON object a line: question, answer, and optional category, kind, steps, url."""
    entries: list[Entry] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CorpusError(source, lineno, f"invalid JSON: {exc.msg}") from exc
        if not isinstance(obj, dict):
            raise CorpusError(source, lineno, "expected a JSON object")
        entries.append(_jsonl_entry(obj, source, lineno))
    return entries


def _jsonl_entry(obj: dict[str, Any], source: str, lineno: int) -> Entry:
    unknown = sorted(set(obj) - _JSONL_FIELDS)
    if unknown:
        raise CorpusError(source, lineno, f"unknown field(s): {', '.join(unknown)}")
    for key in ("question", "answer"):
        if not isinstance(obj.get(key), str) or not obj[key].strip():
            raise CorpusError(source, lineno, f"'{key}' must be a non-empty string")
    for key in ("category", "kind", "url", "id", "route"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise CorpusError(source, lineno, f"'{key}' must be a string")
    steps = obj.get("steps") or []
    if not isinstance(steps, list) or not all(isinstance(s, str) and s.strip() for s in steps):
        raise CorpusError(source, lineno, "'steps' must be a list of non-empty strings")
    title, answer = obj["question"].strip(), obj["answer"].strip()
    category = (obj.get("category") or "").strip() or None
    kind = obj.get("kind") or classify(category, answer, title)
    if kind not in KINDS:
        raise CorpusError(source, lineno, f"'kind' must be one of {', '.join(KINDS)}")
    route = obj.get("route")
    if route is None and kind == "troubleshooting" and white_screen(title, answer):
        route = "white_screen"
    return Entry(
        id=(obj.get("id") or "").strip(),
        title=title,
        kind=kind,
        text=answer,
        category=category,
        steps=tuple(s.strip() for s in steps),
        route=route,
        source=f"{source}:{lineno}",
        source_url=obj.get("url"),
    )


def parse_markdown(text: str, source: str) -> list[Entry]:
    """Headings split entries; the enclosing heading is the category, an ordered list the steps.

    An optional front matter block (``---`` lines) may set ``category`` and ``kind`` for the page.
    """
    lines = text.splitlines()
    meta, start = _front_matter(lines, source)
    blocks: list[tuple[int, int, str, list[str]]] = []  # (line, level, heading, body lines)
    for idx in range(start, len(lines)):
        line = lines[idx]
        m = _HEADING.match(line)
        if m:
            blocks.append((idx + 1, len(m.group(1)), m.group(2).strip(), []))
        elif blocks:
            blocks[-1][3].append(line)
        elif line.strip():
            raise CorpusError(source, idx + 1, "text before the first heading belongs to no entry")
    if not blocks:
        raise CorpusError(source, 1, "no headings: every entry starts with a Markdown heading")
    entries: list[Entry] = []
    ancestors: dict[int, str] = {}
    for pos, (lineno, level, heading, body) in enumerate(blocks):
        ancestors = {lvl: h for lvl, h in ancestors.items() if lvl < level}
        has_children = pos + 1 < len(blocks) and blocks[pos + 1][1] > level
        body_text = "\n".join(body).strip()
        if body_text:
            category = ancestors[max(ancestors)] if ancestors else meta.get("category")
            entries.append(_markdown_entry(heading, body, category, meta, source, lineno))
        elif not has_children:
            raise CorpusError(source, lineno, f"heading '{heading}' has no text")
        ancestors[level] = heading
    return entries


def _front_matter(lines: list[str], source: str) -> tuple[dict[str, str], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    meta: dict[str, str] = {}
    for idx in range(1, len(lines)):
        line = lines[idx].strip()
        if line == "---":
            if "kind" in meta and meta["kind"] not in KINDS:
                raise CorpusError(source, 1, f"front matter 'kind' must be one of {', '.join(KINDS)}")
            return meta, idx + 1
        if not line:
            continue
        if ":" not in line:
            raise CorpusError(source, idx + 1, "front matter lines are 'key: value'")
        key, value = line.split(":", 1)
        meta[key.strip()] = value.strip()
    raise CorpusError(source, 1, "front matter is not closed with '---'")


def _markdown_entry(
    heading: str, body: list[str], category: str | None, meta: dict[str, str], source: str, lineno: int
) -> Entry:
    steps = [m.group(1).strip() for line in body if (m := _ORDERED.match(line))]
    prose = [line.strip() for line in body if line.strip()]
    text = "\n".join(prose)
    if not steps:
        fix = re.search(r"修改措施[:：]\s*(.+)", text)
        steps = split_steps(fix.group(1)) if fix else []
    kind = meta.get("kind") or classify(category, text, heading)
    return Entry(
        id="",
        title=heading,
        kind=kind,
        text=text,
        category=category,
        steps=tuple(steps),
        route="white_screen" if kind == "troubleshooting" and white_screen(heading, text) else None,
        source=f"{source}:{lineno}",
    )


def finalize(drafts: list[Entry]) -> list[Entry]:
    """Give every entry a stable id and link related topics; ids never depend on order elsewhere."""
    seen: dict[str, str] = {}
    with_ids: list[Entry] = []
    for entry in map(tidy, drafts):
        entry_id = entry.id or stable_id(entry.kind, entry.title)
        if entry_id in seen and not entry.id:
            # same title twice: tell them apart by their own text
            entry_id = stable_id(entry.kind, entry.title, salt=entry.text)
        if entry_id in seen:
            raise CorpusError(entry.source, 0, f"duplicate entry id {entry_id} (also at {seen[entry_id]})")
        seen[entry_id] = entry.source
        with_ids.append(replace(entry, id=entry_id))
    by_group: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for entry in with_ids:
        by_group[(entry.kind, entry.category)].append(entry.id)
    return [
        # islice: the first six of the group, without walking the whole group for every entry (quadratic)
        replace(entry, related=tuple(islice((i for i in by_group[(entry.kind, entry.category)] if i != entry.id), 6)))
        for entry in with_ids
    ]
