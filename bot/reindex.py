"""One reindex at a time per process: its progress, a cancel, and how the last one ended."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from bot.errors import Conflict, CorpusTooLarge, NotFound, ReindexCancelled, VectorStoreUnavailable
from index import BuildControl, Cancelled, StoreUnavailable
from index import CorpusTooLarge as IndexTooLarge


class Reindexer:
    """Runs a rebuild under a single-flight lock, with a :class:`BuildControl` others can watch and cancel."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._control: BuildControl | None = None
        self._started = 0.0
        self.last: dict[str, Any] | None = None

    def run(self, rebuild: Callable[[BuildControl], dict[str, Any]]) -> dict[str, Any]:
        """Run ``rebuild`` unless one is running (:class:`Conflict`); its index errors become the bot's."""
        if not self._lock.acquire(blocking=False):
            raise Conflict("a reindex is already running; see GET /v1/admin/reindex, or cancel it")
        control = BuildControl()
        self._control, self._started = control, time.time()
        outcome: dict[str, Any] = {"outcome": "failed"}
        try:
            result = rebuild(control)
            outcome = {"outcome": "done", **result}
            return result
        except Cancelled as exc:
            outcome = {"outcome": "cancelled", "message": str(exc)}
            raise ReindexCancelled(str(exc)) from exc
        except StoreUnavailable as exc:
            outcome = {"outcome": "unavailable", "message": str(exc)}
            raise VectorStoreUnavailable(f"{exc}; the previous index stays live") from exc
        except IndexTooLarge as exc:
            outcome = {"outcome": "refused", "message": str(exc)}
            raise CorpusTooLarge(str(exc)) from exc
        except Exception as exc:
            outcome = {"outcome": "failed", "message": str(exc)}
            raise
        finally:
            self.last = {**outcome, "started": self._started, "seconds": round(time.time() - self._started, 3)}
            self._control = None
            self._lock.release()

    def status(self) -> dict[str, Any]:
        """Whether a reindex runs, its phase and progress, and how the last one ended."""
        control = self._control
        out: dict[str, Any] = {"running": control is not None, "last": self.last}
        if control is not None:
            out.update(
                phase=control.phase,
                done=control.done,
                total=control.total,
                started=self._started,
                seconds=round(time.time() - self._started, 3),
                cancelling=control.cancel.is_set(),
            )
        return out

    def cancel(self) -> dict[str, Any]:
        """Ask the running reindex to stop at its next batch (:class:`NotFound` when none runs)."""
        control = self._control
        if control is None:
            raise NotFound("no reindex is running")
        control.cancel.set()
        return self.status()
