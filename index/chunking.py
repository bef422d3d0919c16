"""Split entries into chunks on sentence and word boundaries, title carried with each."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from corpus import Entry
from corpus.text import sentences
from corpus.tokenize import words

MAX_CHARS = 240
# numbers, ranges, versions, domains and English words stay in one piece ("3-20", "1~2", "b.a.huaweicloud.com")
_ATOM = re.compile(r"[A-Za-z0-9]+(?:[-~.:/_][A-Za-z0-9]+)*")


def _atoms(sentence: str) -> list[str]:
    """Words of a sentence where ASCII runs are never cut."""
    out: list[str] = []
    pos = 0
    for m in _ATOM.finditer(sentence):
        if m.start() > pos:
            out.extend(words(sentence[pos : m.start()]))
        out.append(m.group())
        pos = m.end()
    if pos < len(sentence):
        out.extend(words(sentence[pos:]))
    return out


@dataclass(frozen=True)
class Chunk:
    """A piece of one entry: what is embedded and what BM25 scores."""

    id: str
    entry_id: str
    text: str

    @property
    def digest(self) -> str:
        """Content hash: a rebuild reuses the vector of an unchanged chunk."""
        return hashlib.sha1(self.text.encode()).hexdigest()


def _pieces(text: str, limit: int) -> list[str]:
    """Pack sentences into pieces of at most ``limit`` characters; split long sentences between words."""
    units: list[str] = []
    for sent in sentences(text.replace("\n", " ")):
        if len(sent) <= limit:
            units.append(sent)
            continue
        buf = ""
        for word in _atoms(sent):  # never cut inside a word or a number
            if buf and len(buf) + len(word) > limit:
                units.append(buf)
                buf = ""
            buf += word
        if buf:
            units.append(buf)
    pieces: list[str] = []
    buf = ""
    for unit in units:
        if buf and len(buf) + len(unit) + 1 > limit:
            pieces.append(buf)
            buf = ""
        buf = f"{buf} {unit}".strip() if buf else unit
    if buf:
        pieces.append(buf)
    return pieces


def question_chunks(entry: Entry) -> list[Chunk]:
    """One chunk per similar question (相似问法), on its own: a user's question is matched against it as asked."""
    seen = {entry.title.strip()}
    out: list[Chunk] = []
    for question in entry.questions:
        text = question.strip()
        if text and text not in seen:
            seen.add(text)
            out.append(Chunk(f"{entry.id}#q{len(out)}", entry.id, text))
    return out


def chunk_entry(entry: Entry, limit: int = MAX_CHARS) -> list[Chunk]:
    """Title + each piece of the body, then one chunk per similar question; all of them map to the entry.

    An entry with no body beyond its title has one body chunk.
    """
    body = entry.text if entry.text.strip() != entry.title.strip() else ""
    # steps already written out in the body (a fix section, a step section) are not indexed twice
    steps = " ".join(s for s in entry.steps if s not in body)
    if steps:
        body = f"{body} {steps}".strip()
    if not body:
        return [Chunk(f"{entry.id}#0", entry.id, entry.title), *question_chunks(entry)]
    pieces = [
        Chunk(f"{entry.id}#{i}", entry.id, f"{entry.title}\n{piece}") for i, piece in enumerate(_pieces(body, limit))
    ]
    # after the body: an entry's chunks stay one run, which the index's per-entry maximum relies on
    return [*pieces, *question_chunks(entry)]


def chunk_entries(entries: Iterable[Entry], limit: int = MAX_CHARS) -> list[Chunk]:
    """Chunks of every entry, in entry order."""
    return [chunk for entry in entries for chunk in chunk_entry(entry, limit)]
