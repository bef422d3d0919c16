"""The limits and literals of the HTTP contract, defined once: the API's schemas and the bot check the same."""

from __future__ import annotations

import re
from typing import Literal

from bot.errors import InvalidInput
from corpus import Kind

__all__ = [
    "HELP_PATH",
    "QUESTION_MAX",
    "SEARCH_K_MAX",
    "SESSION_ID_MAX",
    "SESSION_ID_PATTERN",
    "TOP_K_MAX",
    "Coverage",
    "Kind",
    "LinkKind",
    "check_k",
    "check_question",
    "check_session_id",
    "check_top_k",
    "question_problem",
]

QUESTION_MAX = 500
SESSION_ID_MAX = 128
SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]+$"
TOP_K_MAX = 20
SEARCH_K_MAX = 50
# every `url` in a response: the entry's help page on the server that answered
HELP_PATH = "/help/{id}"
LinkKind = Literal["rejection", "white_screen", "troubleshooting"]
# covered: the entry answers what was asked; partial: part of it; not_covered: about filing, not in the
# documents; off_topic: not about filing at all. ``confident`` is true exactly for the first two.
Coverage = Literal["covered", "partial", "not_covered", "off_topic"]

_SESSION_ID = re.compile(SESSION_ID_PATTERN)


def question_problem(stripped: str) -> str | None:
    """What is wrong with a stripped question, or None: it must be 1 to ``QUESTION_MAX`` characters."""
    if not stripped:
        return "must not be empty"
    if len(stripped) > QUESTION_MAX:
        return f"must be at most {QUESTION_MAX} characters"
    return None


def check_question(question: object) -> str:
    """The question stripped; :class:`InvalidInput` unless it is 1 to ``QUESTION_MAX`` characters."""
    if not isinstance(question, str):
        raise InvalidInput("question must be a string")
    question = question.strip()
    problem = question_problem(question)
    if problem:
        raise InvalidInput(f"question {problem}")
    return question


def check_session_id(session_id: str | None) -> str | None:
    """A caller's session id: None, or 1 to ``SESSION_ID_MAX`` characters of ``[A-Za-z0-9_-]``."""
    if session_id is not None and not (len(session_id) <= SESSION_ID_MAX and _SESSION_ID.match(session_id)):
        raise InvalidInput(f"session_id must be 1 to {SESSION_ID_MAX} characters of A-Z, a-z, 0-9, '_' or '-'")
    return session_id


def check_top_k(top_k: int | None, default: int) -> int:
    """Sources to return: ``default`` when unset, else 1 to ``TOP_K_MAX``."""
    top_k = top_k or default
    if not 1 <= top_k <= TOP_K_MAX:
        raise InvalidInput(f"top_k must be between 1 and {TOP_K_MAX}")
    return top_k


def check_k(k: int) -> int:
    """Hits for the agents' search: 1 to ``SEARCH_K_MAX``."""
    if not 1 <= k <= SEARCH_K_MAX:
        raise InvalidInput(f"k must be between 1 and {SEARCH_K_MAX}")
    return k
