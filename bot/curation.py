"""Curation: an overlay of entries in the database, applied over the read-only help files at index time.

Every change is recorded with who, when, and the entry before and after, and can be reverted.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from bot.errors import Conflict, InvalidInput, NotFound
from bot.keys import Actor
from bot.question_log import iso, question_key
from bot.storage import Database
from bot.storage.models import changes, overlay
from corpus import KINDS, Entry
from corpus.tidy import is_title_only

FIELDS = ("title", "text", "steps", "kind", "category", "questions")
LIMITS = {"title": 200, "text": 10_000, "step": 1000, "steps": 50, "category": 100, "question": 500, "questions": 100}
CURATED = "curation"  # the source of entries agents wrote (not from a help file)
PREFIX = {"faq": "faq", "rejection": "rej", "troubleshooting": "ts"}


def entry_state(entry: Entry) -> dict[str, Any]:
    """What curation edits of an entry (and what the change log shows)."""
    return {
        "id": entry.id,
        "title": entry.title,
        "kind": entry.kind,
        "category": entry.category,
        "text": entry.text,
        "steps": list(entry.steps),
        "questions": list(entry.questions),
    }


def apply_overlay(base: list[Entry], rows: Mapping[str, dict[str, Any] | None]) -> list[Entry]:
    """The entries readers see: file entries with curated ones replacing them, retired ones left out, and the
    entries agents wrote appended (by id, so the order never depends on when they were edited)."""
    out: list[Entry] = []
    for entry in base:
        if entry.id not in rows:
            out.append(entry)
        elif (state := rows[entry.id]) is not None:
            out.append(_merge(entry, state))
    known = {e.id for e in base}
    for entry_id in sorted(set(rows) - known):
        state = rows[entry_id]
        if state is not None:
            out.append(_merge(Entry(entry_id, state["title"], state["kind"], "", source=CURATED), state))
    return out


def _merge(entry: Entry, state: dict[str, Any]) -> Entry:
    text = state.get("text") or ""
    # what the file's text told the reader (cut by the source, dead links) holds only while that text stays;
    # a topic that had no body is answered once an agent writes one
    kept = text == entry.text
    merged = replace(
        entry,
        title=state["title"],
        kind=state["kind"],
        category=state.get("category"),
        text=text,
        steps=tuple(state.get("steps") or ()),
        questions=list(state.get("questions") or ()),
        title_derived=False,
        cut_head=entry.cut_head and kept,
        cut_tail=entry.cut_tail and kept,
        dead_links=entry.dead_links if kept else (),
    )
    return replace(merged, title_only=is_title_only(merged))


def validate(fields: dict[str, Any], partial: bool) -> dict[str, Any]:
    """Checked and trimmed fields; ``partial`` for a PATCH, where every field is optional."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(sorted(unknown))}")
    missing = [] if partial else [name for name in ("title", "text") if name not in fields]
    if missing:
        raise InvalidInput(f"{missing[0]} is required")
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name in ("steps", "questions"):
            out[name] = _strings(name, value)
        elif name == "category" and value is None:
            out[name] = None  # clears it
        elif not isinstance(value, str):
            raise InvalidInput(f"{name} must be a string")
        elif name in LIMITS and len(value.strip()) > LIMITS[name]:
            raise InvalidInput(f"{name} must be at most {LIMITS[name]} characters")
        else:
            out[name] = value.strip()
    if "title" in out and not out["title"]:
        raise InvalidInput("title must not be empty")
    if "kind" in out and out["kind"] not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}")
    if out.get("category") == "":
        out["category"] = None
    return out


def _strings(name: str, value: Any) -> list[str]:
    """A list of non-empty strings within the limits; similar questions typed alike kept once."""
    item = name[:-1]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{name} must be a list of strings")
    items = [v.strip() for v in value if v.strip()]
    if len(items) > LIMITS[name] or any(len(v) > LIMITS[item] for v in items):
        raise InvalidInput(f"{name}: at most {LIMITS[name]} of at most {LIMITS[item]} characters each")
    if name == "questions":
        items = list({question_key(v) or v: v for v in items}.values())
    return items


class CurationStore:
    """The overlay and the change log; ``base`` finds a file entry by id (the read-only help documents)."""

    def __init__(self, db: Database, base: Callable[[str], Entry | None]) -> None:
        self.db = db
        self.base = base

    def version(self) -> int:
        """The newest change's id: an index built at another version is behind."""
        with self.db.engine.connect() as conn:
            return int(conn.execute(select(func.max(changes.c.id))).scalar() or 0)

    def rows(self) -> dict[str, dict[str, Any] | None]:
        """Every overlay row: entry id to its state, None when retired."""
        with self.db.engine.connect() as conn:
            return {r.entry_id: r.data for r in conn.execute(select(overlay.c.entry_id, overlay.c.data))}

    def current(self, entry_id: str) -> dict[str, Any]:
        """An entry as curation sees it now (the overlay wins over the file); NotFound when retired or unknown."""
        with self.db.engine.connect() as conn:
            state = self._state(conn, entry_id)
        if state is None:
            raise NotFound(f"no entry with id {entry_id!r}")
        return state

    def _state(self, conn: Connection, entry_id: str) -> dict[str, Any] | None:
        row = conn.execute(select(overlay.c.data).where(overlay.c.entry_id == entry_id).with_for_update()).first()
        if row is not None:
            return dict(row.data) if row.data is not None else None
        entry = self.base(entry_id)
        return None if entry is None else entry_state(entry)

    def _row(self, conn: Connection, entry_id: str) -> dict[str, Any] | None:
        """The overlay row wrapped ({"data": state or None}), or None when there is no row."""
        row = conn.execute(select(overlay.c.data).where(overlay.c.entry_id == entry_id)).first()
        return None if row is None else {"data": row.data}

    def _write(
        self,
        conn: Connection,
        actor: Actor,
        action: str,
        entry_id: str,
        before: dict[str, Any] | None,
        after_row: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> int:
        previous = self._row(conn, entry_id)
        now = time.time()
        if previous is not None:
            conn.execute(delete(overlay).where(overlay.c.entry_id == entry_id))
        if after_row is not None:
            conn.execute(insert(overlay).values(entry_id=entry_id, data=after_row["data"], updated_at=now))
        result = conn.execute(
            insert(changes)
            .values(
                at=now,
                actor=actor.name,
                action=action,
                entry_id=entry_id,
                before=before,
                after=after,
                overlay_before=previous,
                overlay_after=after_row,
                had_overlay=previous is not None,
            )
            .returning(changes.c.id)
        )
        return int(result.scalar_one())

    def create(self, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
        """A new entry written by an agent; returns its state (with its new id)."""
        values = validate(fields, partial=False)
        kind = values.get("kind") or "faq"
        state = {
            "id": f"{PREFIX[kind]}-c{secrets.token_hex(5)}",
            "title": values["title"],
            "kind": kind,
            "category": values.get("category"),
            "text": values["text"],
            "steps": values.get("steps", []),
            "questions": values.get("questions", []),
        }
        with self.db.begin() as conn:
            self._write(conn, actor, "create", state["id"], None, {"data": state}, state)
        return state

    def update(self, actor: Actor, entry_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Edit any fields of an entry, a file entry included (its overlay row wins)."""
        values = validate(fields, partial=True)
        with self.db.begin() as conn:
            before = self._state(conn, entry_id)
            if before is None:
                raise NotFound(f"no entry with id {entry_id!r}")
            after = {**before, **{k: v for k, v in values.items() if k != "kind" or v}}
            if after != before:
                self._write(conn, actor, "update", entry_id, before, {"data": after}, after)
        return after

    def add_question(self, actor: Actor, entry_id: str, question: str) -> dict[str, Any]:
        """Attach a similar question; one already there (typed any way) changes nothing."""
        if not isinstance(question, str) or not question.strip() or len(question.strip()) > LIMITS["question"]:
            raise InvalidInput(f"question must be 1 to {LIMITS['question']} characters")
        question = question.strip()
        with self.db.begin() as conn:
            before = self._state(conn, entry_id)
            if before is None:
                raise NotFound(f"no entry with id {entry_id!r}")
            if question_key(question) in {question_key(q) for q in before["questions"]}:
                return before
            if len(before["questions"]) >= LIMITS["questions"]:
                raise InvalidInput(f"an entry holds at most {LIMITS['questions']} similar questions")
            after = {**before, "questions": [*before["questions"], question]}
            self._write(conn, actor, "add_question", entry_id, before, {"data": after}, after)
        return after

    def retire(self, actor: Actor, entry_id: str) -> dict[str, Any]:
        """Retire an entry: it stops answering (the file stays as it is). Returns the state it had."""
        with self.db.begin() as conn:
            before = self._state(conn, entry_id)
            if before is None:
                raise NotFound(f"no entry with id {entry_id!r}")
            self._write(conn, actor, "retire", entry_id, before, {"data": None}, None)
        return before

    def changes(self, limit: int = 100) -> list[dict[str, Any]]:
        """The change log, newest first."""
        query = select(changes).order_by(changes.c.id.desc()).limit(limit)
        with self.db.engine.connect() as conn:
            return [_change(dict(r)) for r in conn.execute(query).mappings()]

    def revert(self, actor: Actor, change_id: int) -> dict[str, Any]:
        """Undo one change, recorded as a change of its own; refused when the entry has changed since."""
        with self.db.begin() as conn:
            row = conn.execute(select(changes).where(changes.c.id == change_id).with_for_update()).mappings().first()
            if row is None:
                raise NotFound(f"no change {change_id}")
            if row["reverted_by"] is not None:
                raise Conflict(f"change {change_id} was already reverted by change {row['reverted_by']}")
            entry_id = row["entry_id"]
            if self._row(conn, entry_id) != row["overlay_after"]:
                raise Conflict(f"entry {entry_id} has changed since change {change_id}; revert the later change first")
            restored = row["overlay_before"]
            if restored is not None:
                after = restored["data"]
            else:
                base = self.base(entry_id)
                after = None if base is None else entry_state(base)
            new_id = self._write(conn, actor, "revert", entry_id, row["after"], restored, after)
            conn.execute(update(changes).where(changes.c.id == change_id).values(reverted_by=new_id))
            created = conn.execute(select(changes).where(changes.c.id == new_id)).mappings().one()
        return _change(dict(created))


def _change(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "at": iso(row["at"]),
        "actor": row["actor"],
        "action": row["action"],
        "entry_id": row["entry_id"],
        "before": row["before"],
        "after": row["after"],
        "reverted_by": row["reverted_by"],
    }
