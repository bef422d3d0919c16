"""A build seen from outside: its limits, its progress, and a way to cancel it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from corpus import Entry

# What one build may take on, checked before anything is embedded: a cold build embeds ~17 entries a second on
# two cores (10k entries: ~10 minutes), and the vectors of every chunk are held in memory until written.
MAX_ENTRIES = 20_000
MAX_CORPUS_BYTES = 20_000_000


class CorpusTooLarge(RuntimeError):
    """The corpus is over a build's configured limits; nothing was built."""


class Cancelled(RuntimeError):
    """The build was cancelled; nothing of it was kept."""


@dataclass
class BuildControl:
    """A running build seen from outside: where it is, and a way to stop it between batches."""

    cancel: threading.Event = field(default_factory=threading.Event)
    phase: str = "waiting"
    done: int = 0
    total: int = 0

    def check(self) -> None:
        """Raise :class:`Cancelled` once a cancel was asked for."""
        if self.cancel.is_set():
            raise Cancelled("the build was cancelled; the live index is unchanged")

    def enter(self, phase: str, total: int = 0) -> None:
        """Start a phase (after checking for a cancel)."""
        self.check()
        self.phase, self.done, self.total = phase, 0, total


def check_limits(entries: list[Entry], max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_CORPUS_BYTES) -> None:
    """Raise :class:`CorpusTooLarge` when the corpus has more entries, or bytes of entry text, than a build takes."""
    if len(entries) > max_entries:
        raise CorpusTooLarge(
            f"the corpus has {len(entries):,} entries; a build takes at most {max_entries:,} (BEIAN_MAX_ENTRIES)"
        )
    size = sum(len(f"{e.title}{e.text}{''.join(e.steps)}".encode()) for e in entries)
    if size > max_bytes:
        raise CorpusTooLarge(
            f"the corpus holds {size:,} bytes of text; a build takes at most {max_bytes:,} (BEIAN_MAX_CORPUS_BYTES)"
        )
