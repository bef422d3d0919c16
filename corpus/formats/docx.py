"""Word documents (.docx) through mammoth's HTML: headings, numbered lists and paragraphs as on a page."""

from __future__ import annotations

import io
import zipfile

import mammoth

from corpus.formats.html import html_entries
from corpus.models import Entry


class DocxError(ValueError):
    """A file that is not a readable Word document."""


def docx_entries(data: bytes, source: str) -> list[Entry]:
    """Entries of one Word document: Heading 1-6 split entries, numbered lists are the steps."""
    try:
        result = mammoth.convert_to_html(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocxError(f"not a Word document (.docx): {exc}") from exc
    # a Word file has no site chrome: the whole body is the article
    return html_entries(result.value, source, chrome=False)
