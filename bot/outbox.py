"""The webhook outbox: each new ticket is POSTed to the helpdesk, retried with backoff until accepted."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from sqlalchemy import func, select, update

from bot.question_log import iso
from bot.storage import Database
from bot.storage.models import outbox

log = logging.getLogger("beian_bot.outbox")
TIMEOUT = 10.0
# a replica sending a row holds it this long; if it dies meanwhile, another replica retries it afterwards
LEASE = 60.0
BATCH = 20


class Outbox:
    """Delivers due rows; several replicas may run one each, a lease keeps them off each other's rows."""

    def __init__(self, db: Database, backoff: float = 2.0, backoff_max: float = 600.0) -> None:
        self.db = db
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Run deliveries in a background thread until :meth:`stop`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="webhook-outbox", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread; undelivered rows stay in the database for the next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT + 5)
            self._thread = None

    def wake(self) -> None:
        """Look for due rows now (a ticket was just made)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.deliver_due()
            except Exception:  # the database is away: try again shortly
                log.exception("outbox pass failed")
                wait = 5.0
            self._wake.wait(timeout=wait)
            self._wake.clear()

    def deliver_due(self) -> float:
        """Send every due row once; returns seconds until the next one is due (at most 5)."""
        now = time.time()
        with self.db.engine.connect() as conn:
            due = conn.execute(
                select(outbox.c.id, outbox.c.next_at)
                .where(outbox.c.delivered_at.is_(None), outbox.c.next_at <= now)
                .order_by(outbox.c.next_at)
                .limit(BATCH)
            ).all()
        for row in due:
            if self._stop.is_set():
                break
            self._deliver(row.id, row.next_at)
        with self.db.engine.connect() as conn:
            nxt = conn.execute(select(func.min(outbox.c.next_at)).where(outbox.c.delivered_at.is_(None))).scalar()
        return 5.0 if nxt is None else max(0.05, min(5.0, float(nxt) - time.time()))

    def _deliver(self, row_id: int, seen_next: float) -> None:
        now = time.time()
        with self.db.begin() as conn:
            # take the lease only if nobody else took it since we looked
            taken = conn.execute(
                update(outbox)
                .where(outbox.c.id == row_id, outbox.c.next_at == seen_next, outbox.c.delivered_at.is_(None))
                .values(next_at=now + LEASE)
            ).rowcount
            if not taken:
                return
            row = conn.execute(select(outbox).where(outbox.c.id == row_id)).mappings().one()
        error = _post(row["url"], row["payload"])
        attempts = int(row["attempts"]) + 1
        with self.db.begin() as conn:
            if error is None:
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == row_id)
                    .values(delivered_at=time.time(), attempts=attempts, last_error=None)
                )
                log.info("webhook delivered", extra={"ticket": row["ticket_id"], "attempts": attempts})
            else:
                delay = min(self.backoff_max, self.backoff * 2 ** (attempts - 1)) * random.uniform(0.9, 1.1)
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == row_id)
                    .values(attempts=attempts, last_error=error[:500], next_at=time.time() + delay)
                )
                log.warning("webhook failed: %s (retry in %.1f s)", error, delay)

    def list(self, delivered: bool | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Outbox rows, oldest first; ``delivered=False``: what the helpdesk has not accepted yet."""
        query = select(outbox).order_by(outbox.c.id).limit(limit)
        if delivered is not None:
            query = query.where(outbox.c.delivered_at.is_not(None) if delivered else outbox.c.delivered_at.is_(None))
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            {
                "id": r["id"],
                "ticket_id": r["ticket_id"],
                "created_at": iso(r["created_at"]),
                "attempts": r["attempts"],
                "next_at": None if r["delivered_at"] else iso(r["next_at"]),
                "delivered_at": iso(r["delivered_at"]),
                "last_error": r["last_error"],
            }
            for r in rows
        ]


def _post(url: str, payload: dict[str, Any]) -> str | None:
    """POST the payload as JSON; None when accepted (2xx), else what went wrong."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None if 200 <= status < 300 else f"HTTP {status}"
