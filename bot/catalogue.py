"""The catalogue: the live index's entries, listed, filtered, looked up by id, and their related topics."""

from __future__ import annotations

from bot.errors import NotFound
from corpus import Entry
from index import LoadedIndex


def list_entries(index: LoadedIndex, kind: str | None = None, category: str | None = None) -> list[Entry]:
    """Every entry, optionally filtered by kind and category."""
    return [
        e for e in index.entries if (kind is None or e.kind == kind) and (category is None or e.category == category)
    ]


def find_entry(index: LoadedIndex, entry_id: str) -> Entry:
    """One entry by id; :class:`NotFound` when there is none."""
    found = index.by_id.get(entry_id)
    if found is None:
        raise NotFound(f"no entry with id {entry_id!r}")
    return found


def related_entries(index: LoadedIndex, entry: Entry, limit: int = 5) -> list[Entry]:
    """The entries an entry names as related, those the index still holds, in its order."""
    return [index.by_id[r] for r in entry.related if r in index.by_id][:limit]
