"""One set of rules for every entry and every file, whatever the format: what the API would accept."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from corpus.models import ENTRY_ID_PATTERN, KINDS, ROUTES, Entry

TITLE_MAX = 200
TEXT_MAX = 50_000
CATEGORY_MAX = 100  # the longest category GET /v1/entries takes as a filter
STEP_MAX = 1_000
STEPS_MAX = 100
QUESTION_MAX = 500  # a similar question is a question: the length POST /v1/ask accepts
QUESTIONS_MAX = 100
URL_MAX = 2_048

_ENTRY_ID = re.compile(ENTRY_ID_PATTERN)
# tab, line feed and carriage return are layout; every other C0/C1 control (NUL first of all) means the
# file is binary or damaged, and such text must never reach an index or a page
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")


def control_char(text: str) -> tuple[int, str] | None:
    """The line (1-based) and name of the first control character in ``text``, if any."""
    m = _CONTROL.search(text)
    if not m:
        return None
    line = text.count("\n", 0, m.start()) + 1
    return line, f"U+{ord(m.group()):04X}"


def file_problem(text: str) -> tuple[int, str] | None:
    """Why decoded file content is no help document: binary or control characters, or nothing at all."""
    found = control_char(text)
    if found:
        line, name = found
        kind = "binary content (NUL byte)" if name == "U+0000" else f"control character {name}"
        return line, f"{kind}: not a text help document"
    if not text.strip():
        return 0, "empty file: no help entries"
    return None


def is_entry_id(value: str) -> bool:
    """Whether ``value`` is an id the API serves at ``/help/{id}``."""
    return bool(_ENTRY_ID.match(value))


def is_web_url(value: str) -> bool:
    """An absolute http(s) URL with a host: the only kind of source link a page may show."""
    if len(value) > URL_MAX or value != value.strip() or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _text_problem(name: str, value: str, limit: int, *, one_line: bool) -> str | None:
    if not value.strip():
        return f"'{name}' is empty"
    if len(value) > limit:
        return f"'{name}' is longer than {limit} characters"
    found = control_char(value)
    if found:
        return f"'{name}' holds control character {found[1]}"
    if one_line and ("\n" in value or "\r" in value):
        return f"'{name}' must be one line"
    if value.count("\ufffd") > 0:
        return f"'{name}' holds U+FFFD (text damaged when it was decoded)"
    if all(unicodedata.category(ch)[0] in "CZ" for ch in value):
        return f"'{name}' holds no visible characters"
    return None


def entry_problem(entry: Entry) -> str | None:
    """The first rule ``entry`` breaks, or None when every field is what the API would accept."""
    if entry.id and not is_entry_id(entry.id):
        return f"'id' {entry.id[:80]!r} is not a valid entry id (letters, digits, '_', '.', '-'; at most 64)"
    if entry.kind not in KINDS:
        return f"'kind' must be one of {', '.join(KINDS)}"
    if entry.route is not None and entry.route not in ROUTES:
        return f"'route' must be one of {', '.join(ROUTES)}"
    checks: list[tuple[str, str, int, bool]] = [("title", entry.title, TITLE_MAX, True)]
    if entry.text:
        checks.append(("text", entry.text, TEXT_MAX, False))
    if entry.category is not None:
        checks.append(("category", entry.category, CATEGORY_MAX, True))
    if len(entry.steps) > STEPS_MAX:
        return f"more than {STEPS_MAX} steps"
    checks.extend(("steps", step, STEP_MAX, False) for step in entry.steps)
    if len(entry.questions) > QUESTIONS_MAX:
        return f"more than {QUESTIONS_MAX} similar questions"
    checks.extend(("questions", q, QUESTION_MAX, True) for q in entry.questions)
    for name, value, limit, one_line in checks:
        problem = _text_problem(name, value, limit, one_line=one_line)
        if problem:
            return problem
    if entry.source_url is not None and not is_web_url(entry.source_url):
        return f"'url' {entry.source_url[:80]!r} is not an http(s) URL"
    return None
