"""The Entry record every later stage works on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

Kind = Literal["faq", "rejection", "troubleshooting"]
KINDS: tuple[str, ...] = get_args(Kind)
ROUTES: tuple[str, ...] = ("white_screen",)
# The one shape of an entry id, for files and for the API's paths alike: it has to survive a URL path
# segment untouched (no "/", no leading dot, nothing a browser would treat as a scheme).
ENTRY_ID_MAX = 64
ENTRY_ID_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,{ENTRY_ID_MAX - 1}}}$"


@dataclass(frozen=True)
class Entry:
    """One help entry: a question or topic with its answer text and fix steps."""

    id: str
    title: str
    kind: str
    text: str
    category: str | None = None
    steps: tuple[str, ...] = ()
    route: str | None = None
    source: str = ""
    source_url: str | None = None
    title_derived: bool = False
    related: tuple[str, ...] = field(default=())
    # similar questions (相似问法) this entry answers: indexed as extra chunks of the entry
    questions: list[str] = field(default_factory=list, hash=False)
    # set when the corpus is finalised (corpus.tidy): what a reader must be told about the text
    title_only: bool = False
    cut_head: bool = False
    cut_tail: bool = False
    dead_links: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict of every field."""
        data = asdict(self)
        data["steps"] = list(self.steps)
        data["related"] = list(self.related)
        data["questions"] = list(self.questions)
        data["dead_links"] = list(self.dead_links)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Entry:
        """Inverse of :meth:`to_dict`."""
        values = dict(data)
        values["steps"] = tuple(values.get("steps") or ())
        values["related"] = tuple(values.get("related") or ())
        values["questions"] = list(values.get("questions") or ())
        values["dead_links"] = tuple(values.get("dead_links") or ())
        return cls(**values)

    @property
    def full_text(self) -> str:
        """Title and text as one string (steps are not included)."""
        parts = [self.title, self.text]
        return "\n".join(p for p in parts if p)


def stable_id(kind: str, title: str, salt: str = "") -> str:
    """An id derived from the entry's own kind and title, so edits elsewhere never move it."""
    prefix = {"faq": "faq", "rejection": "rej", "troubleshooting": "ts"}[kind]
    digest = hashlib.sha1(f"{title.strip()}\x00{salt}".encode()).hexdigest()[:10]
    return f"{prefix}-{digest}"


def corpus_hash(entries: Iterable[Entry]) -> str:
    """A digest of the whole corpus content, used to tell a stale index."""
    h = hashlib.sha256()
    for entry in entries:
        h.update(json.dumps(entry.to_dict(), ensure_ascii=False, sort_keys=True).encode())
        h.update(b"\n")
    return h.hexdigest()
