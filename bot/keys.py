"""API keys with roles, stored hashed: ``bb_<id>_<secret>``, the id finding the row, sha256 checking the secret."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from bot.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from bot.storage import Database
from bot.storage.models import api_keys

ROLES = ("agent", "admin")
RANK = {"agent": 1, "admin": 2}
MAX_KEY = 1024
MAX_NAME = 200
# "last used" is written at most this often (seconds): an admin call is not also a write each time
USED_EVERY = 60.0
_KEY = re.compile(r"^bb_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")


@dataclass(frozen=True)
class Actor:
    """Who is calling: the key's name (recorded in the change log) and role."""

    name: str
    role: str
    key_id: str | None = None

    def require(self, role: str) -> None:
        """Refuse unless this actor's role is ``role`` or above."""
        if RANK[self.role] < RANK[role]:
            raise Forbidden(f"this needs the {role} role")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyStore:
    """Keys in the database plus the bootstrap admin key from the settings."""

    def __init__(self, db: Database, bootstrap: str | None = None) -> None:
        self.db = db
        self.bootstrap = (bootstrap or "").encode()

    def create(self, role: str, name: str) -> tuple[str, dict[str, Any]]:
        """A new key: the key itself (shown once, never stored) and its row."""
        if role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            raise InvalidInput(f"name must be 1 to {MAX_NAME} characters")
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        row = {"id": key_id, "name": name, "role": role, "hash": _digest(secret), "created_at": time.time()}
        with self.db.begin() as conn:
            conn.execute(insert(api_keys).values(**row))
        return f"bb_{key_id}_{secret}", self.get(key_id)

    def get(self, key_id: str) -> dict[str, Any]:
        """One key's row, without its hash."""
        with self.db.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).mappings().first()
        if row is None:
            raise NotFound(f"no key {key_id!r}")
        return _public(dict(row))

    def list(self) -> list[dict[str, Any]]:
        """Every key, newest first, without hashes."""
        with self.db.engine.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at.desc())).mappings().all()
        return [_public(dict(r)) for r in rows]

    def revoke(self, key_id: str) -> dict[str, Any]:
        """Stop a key working; revoking twice is harmless."""
        with self.db.begin() as conn:
            conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=time.time())
            )
        return self.get(key_id)

    def authenticate(self, key: str | None) -> Actor:
        """The actor a key stands for; any failure is the same 401, so a caller learns nothing about keys."""
        denied = Unauthorized("a valid X-API-Key header is required")
        given = (key or "").encode("utf-8", "surrogateescape")
        if not given or len(given) > MAX_KEY:
            raise denied
        if self.bootstrap and hmac.compare_digest(given, self.bootstrap):
            return Actor("admin", "admin")
        match = _KEY.match(key or "")
        if match is None:
            raise denied
        key_id, secret = match.groups()
        with self.db.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).mappings().first()
        if row is None or row["revoked_at"] is not None or not hmac.compare_digest(_digest(secret), row["hash"]):
            raise denied
        now = time.time()
        if row["last_used_at"] is None or now - row["last_used_at"] > USED_EVERY:
            with self.db.begin() as conn:
                conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=now))
        return Actor(str(row["name"]), str(row["role"]), key_id)


def _public(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("hash", None)
    row["revoked"] = row.get("revoked_at") is not None
    return row
