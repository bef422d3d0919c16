"""Load help documents from files and folders: the seed line format, Markdown, HTML, Word and JSONL."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

from corpus.formats.docx import DocxError, docx_entries
from corpus.formats.html import HtmlError, NoArticle, declared_charset, html_entries
from corpus.formats.markdown import MarkdownError, parse_markdown
from corpus.models import KINDS, Entry, stable_id
from corpus.seed import parse_seed
from corpus.text import classify, white_screen
from corpus.tidy import tidy
from corpus.validate import entry_problem, file_problem

DATA_DIR = Path(__file__).parent / "data"
SUFFIXES = (".txt", ".md", ".markdown", ".jsonl", ".html", ".htm", ".docx")
log = logging.getLogger("beian_bot")
_JSONL_FIELDS = {"id", "question", "answer", "category", "kind", "steps", "url", "route", "questions"}


class CorpusError(ValueError):
    """A help document that cannot be read; names the file and line."""

    def __init__(self, path: str | Path, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}")


class ListingPage(CorpusError):
    """An HTML page with no article: an error named alone, passed over inside a saved help-centre folder."""


def default_sources() -> list[Path]:
    """The corpus shipped with the package."""
    return [DATA_DIR / "seed.txt"]


def load_corpus(sources: Sequence[str | Path] | None = None) -> list[Entry]:
    """Read every source (files or folders) into entries with stable ids; all or nothing."""
    paths = _expand(sources or default_sources())
    named = {Path(src) for src in sources or ()}
    drafts: list[Entry] = []
    for path in paths:
        try:
            drafts.extend(load_file(path))
        except ListingPage:
            if path in named:
                raise
            # a saved help centre holds index and listing pages beside its articles
            log.warning("passed over a page with no article", extra={"path": str(path)})
    if not drafts:
        raise CorpusError(paths[0] if paths else "<none>", 0, "no entries found")
    return finalize(drafts)


def _expand(sources: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for src in sources:
        path = Path(src)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if _is_document(p, path))
            if not found:
                raise CorpusError(path, 0, f"no help documents ({', '.join(SUFFIXES)}) in folder")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise CorpusError(path, 0, "no such file or folder")
    return out


def _is_document(path: Path, root: Path) -> bool:
    """A help document in a folder; hidden files and a saved page's asset folder ("x_files") are not."""
    if not path.is_file() or path.suffix.lower() not in SUFFIXES:
        return False
    for folder in path.relative_to(root).parents:
        name = folder.name
        if name.startswith("."):
            return False
        if name.endswith("_files") and any(
            (root / folder.parent / f"{name[: -len('_files')]}{ext}").is_file() for ext in (".html", ".htm")
        ):
            return False
    return not path.name.startswith((".", "~$"))


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 text (a byte-order mark dropped); a saved page may declare another charset (GBK) instead."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        charset = declared_charset(data) if path.suffix.lower() in (".html", ".htm") else None
        if charset:
            try:
                return data.decode(charset)
            except (LookupError, UnicodeDecodeError):
                pass
        raise CorpusError(path, 0, f"not UTF-8 text ({exc.reason})") from exc


def load_file(path: Path) -> list[Entry]:
    """Parse one file by its suffix; entries come back without ids. Every format fails alike when empty."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(path, 0, f"cannot read: {exc.strerror}") from exc
    suffix = path.suffix.lower()
    if suffix == ".docx":
        if not data:
            raise CorpusError(path, 0, "empty file: no help entries")
        try:
            entries = docx_entries(data, str(path))
        except (DocxError, HtmlError) as exc:
            raise CorpusError(path, getattr(exc, "line", 0), getattr(exc, "message", str(exc))) from exc
    else:
        text = _decode(path, data)
        problem = file_problem(text)
        if problem:
            raise CorpusError(path, *problem)
        try:
            entries = _parse_text(suffix, text, path)
        except NoArticle as exc:
            raise ListingPage(path, exc.line, exc.message) from exc
        except (MarkdownError, HtmlError) as exc:
            raise CorpusError(path, exc.line, exc.message) from exc
    if not entries:
        raise CorpusError(path, 0, "no help entries in file")
    for entry in entries:
        broken = entry_problem(entry)
        if broken:
            line = entry.source.rsplit(":", 1)[-1]
            raise CorpusError(path, int(line) if line.isdigit() else 0, f"entry '{entry.title[:40]}': {broken}")
    return entries


def _parse_text(suffix: str, text: str, path: Path) -> list[Entry]:
    if suffix == ".jsonl":
        return parse_jsonl(text, str(path))
    if suffix in (".md", ".markdown"):
        return parse_markdown(text, str(path))
    if suffix in (".html", ".htm"):
        return html_entries(text, str(path))
    return parse_seed(text, path.name)


def parse_jsonl(text: str, source: str) -> list[Entry]:
    """One JSON object a line: question, answer, and optional id, category, kind, steps, url, questions."""
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
    lists: dict[str, list[str]] = {}
    for key in ("steps", "questions"):
        value = obj.get(key) or []
        if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
            raise CorpusError(source, lineno, f"'{key}' must be a list of non-empty strings")
        lists[key] = [s.strip() for s in value]
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
        steps=tuple(lists["steps"]),
        route=route,
        source=f"{source}:{lineno}",
        source_url=obj.get("url"),
        questions=list(dict.fromkeys(lists["questions"])),
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
