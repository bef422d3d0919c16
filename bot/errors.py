"""Errors the bot raises; the API maps each to one HTTP status in one place."""

from __future__ import annotations


class BotError(Exception):
    """Base of every error the bot reports to a caller."""

    code = "bot_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(BotError):
    """The caller sent something the bot cannot work with."""

    code = "invalid_request"


class CorpusUnavailable(BotError):
    """The configured help documents cannot be read: a fault on the server's side, not the caller's."""

    code = "corpus_error"


class NotFound(BotError):
    """No such entry, session or ticket."""

    code = "not_found"


class NotReady(BotError):
    """The index is still loading or being built."""

    code = "not_ready"


class Unauthorized(BotError):
    """A missing or wrong admin key."""

    code = "unauthorized"


class Forbidden(BotError):
    """A valid key whose role may not do this."""

    code = "forbidden"


class Conflict(BotError):
    """The request clashes with the current state (a ticket already closed, an entry edited since)."""

    code = "conflict"
