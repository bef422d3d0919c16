"""Word documents (.docx) through mammoth's HTML: headings, numbered lists and paragraphs as on a page."""

from __future__ import annotations

import io
import zipfile

import mammoth

from corpus.formats.html import html_entries
from corpus.models import Entry

# Word's document title (style "Title") is the top heading; Heading 1-5 sit under it, so a document's
# title becomes the category of its sections as an enclosing Markdown heading would.
STYLE_MAP = "\n".join(
    ["p[style-name='Title'] => h1:fresh", *(f"p[style-name='Heading {n}'] => h{n + 1}:fresh" for n in range(1, 6))]
)


class DocxError(ValueError):
    """A file that is not a readable Word document."""


def docx_entries(data: bytes, source: str) -> list[Entry]:
    """Entries of one Word document: Title and Heading 1-5 split entries, numbered lists are the steps."""
    try:
        result = mammoth.convert_to_html(io.BytesIO(data), style_map=STYLE_MAP)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocxError(f"not a Word document (.docx): {exc}") from exc
    # a Word file has no site chrome: the whole body is the article
    return html_entries(result.value, source, chrome=False)
