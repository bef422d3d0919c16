"""Paths on this server that responses and pages link to."""

from __future__ import annotations

from bot.contract import HELP_PATH


def help_url(entry_id: str) -> str:
    """The path of an entry's help page on this server."""
    return HELP_PATH.format(id=entry_id)
