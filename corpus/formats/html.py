"""Saved help-centre pages (HTML): the article only, with its title, breadcrumb and canonical URL."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from corpus.formats.sections import Block, PageMeta, SectionError, build_entries
from corpus.models import Entry
from corpus.validate import is_web_url

# Never article text, whatever the page puts in them.
_DROP_TAGS = "script, style, noscript, template, iframe, object, svg, canvas, form, button, select, input, textarea"
_CHROME_TAGS = "nav, footer, aside"
_CHROME_ROLES = "[role=navigation], [role=banner], [role=contentinfo], [role=complementary], [role=search]"
# class/id words that site templates give their chrome; compared word by word ("doc-sidebar" -> doc, sidebar).
# Not "header": an article's own header holds its title, and a question section's header its question.
_CHROME_WORDS = frozenset(
    (
        "breadcrumb",
        "breadcrumbs",
        "crumbs",
        "sidebar",
        "menu",
        "toc",
        "nav",
        "navbar",
        "navigation",
        "footer",
        "feedback",
        "pager",
        "pagination",
        "cookie",
        "share",
        "toolbar",
        "meta",
        "related",
        "recommend",
        "ads",
        "copyright",
    )
)
_MAIN = "article, main, [role=main], [itemprop=articleBody]"
_MAIN_WORDS = frozenset(("content", "article", "markdown", "doc", "document", "post", "main", "body"))
_BREADCRUMB = "[class*=breadcrumb], [id*=breadcrumb], [aria-label*=breadcrumb], [itemtype*=BreadcrumbList], .crumbs"
_BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "main", "li", "ul", "ol", "table", "tr", "td", "th"}
    | {"dl", "dt", "dd", "blockquote", "pre", "figure", "figcaption", "br", "hr"}
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_PARAS = ("p", "dt", "dd", "figcaption")
_HOLDS_BLOCKS = "h1, h2, h3, h4, h5, h6, p, div, section, ul, ol, table, pre, blockquote, dl"
_TITLE_SEPARATORS = re.compile(r"\s+[-|–—]\s+|_|｜")
_SPACE = re.compile(r"\s+")
_HEADING_TAG = re.compile(r"<h[1-6][\s>]", re.IGNORECASE)


class HtmlError(ValueError):
    """A page with no article in it; carries the line (0: the page as a whole)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(message)


class NoArticle(HtmlError):
    """A page holding only navigation (a saved help centre's listing or index page)."""


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _words(node: LexborNode) -> set[str]:
    attrs = node.attributes
    raw = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()
    return set(re.split(r"[\s_-]+", raw)) - {""}


def _inline(node: LexborNode) -> str:
    """Text of a node as read: inline tags joined without spaces, block tags on their own lines."""
    parts: list[str] = []
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            parts.append(child.text_content or "")
        elif child.tag in _BLOCK_TAGS:
            parts.append(f"\n{_inline(child)}\n")
        elif child.is_element_node:
            parts.append(_inline(child))
    return "\n".join(_clean(line) for line in "".join(parts).split("\n") if _clean(line))


def page_meta(tree: LexborHTMLParser) -> tuple[str | None, str | None, list[str]]:
    """The page's canonical URL, its <title> without the site's suffix, and its breadcrumb trail."""
    url = None
    for selector, attr in (('link[rel~="canonical"]', "href"), ('meta[property="og:url"]', "content")):
        node = tree.css_first(selector)
        value = (node.attributes.get(attr) or "").strip() if node is not None else ""
        if value and is_web_url(value):
            url = value
            break
    title_node = tree.css_first("title")
    title = _TITLE_SEPARATORS.split(_clean(title_node.text()))[0].strip() if title_node is not None else ""
    crumbs: list[str] = []
    trail = tree.css_first(_BREADCRUMB)
    if trail is not None:
        items = trail.css("li") or trail.css("a, span")
        crumbs = [text for item in items if (text := _clean(item.text(separator="")).strip("/>›»"))]
        crumbs = [c.strip() for c in crumbs if c.strip()]
    return url, title or None, crumbs


def _main_node(tree: LexborHTMLParser) -> LexborNode | None:
    """The article: the landmark (or else a content-named container) holding the most text; else the body."""
    body = tree.body
    if body is None:
        return None
    candidates = list(tree.css(_MAIN)) or [n for n in body.css("div, section") if _words(n) & _MAIN_WORDS]
    if not candidates:
        return body
    return max(candidates, key=lambda n: len(_clean(n.text(separator=""))))


def _strip_chrome(main: LexborNode) -> None:
    """Take the site's navigation, breadcrumb, sidebar, footer and widgets out of the article node."""
    # the article's own header (with its h1) survives whatever a template calls it
    keep: set[int] = set()
    up: LexborNode | None = main.css_first("h1")
    while up is not None:
        keep.add(up.mem_id)
        up = up.parent
    chrome = [*main.css(_CHROME_TAGS), *main.css(_CHROME_ROLES), *main.css(_BREADCRUMB)]
    # a <header> outside the article's sections is the site's (logo, menu); one holding a heading is content
    chrome += [n for n in main.css("header") if n.css_first("h1, h2, h3, h4, h5, h6") is None]
    chrome += [n for n in main.css("*") if _words(n) & _CHROME_WORDS]
    # remove() only unlinks: a node inside a subtree already taken out stays valid memory
    for node in chrome:
        if node.mem_id not in keep:
            node.remove()


def _blocks(node: LexborNode, out: list[Block], line_of: dict[str, int]) -> None:
    run: list[str] = []

    def flush() -> None:
        text = _clean("".join(run))
        if text:
            out.append(Block("para", line_of.get(text[:20], 0), text))
        run.clear()

    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            run.append(child.text_content or "")
            continue
        if not child.is_element_node:
            continue
        if tag not in _BLOCK_TAGS and tag not in _HEADINGS and tag != "pre":
            if child.css_first(_HOLDS_BLOCKS) is None:
                run.append(_inline(child).replace("\n", " "))
                continue
            tag = "div"  # <header>, <span> or a custom element wrapping headings and paragraphs: a container
        flush()
        text = _inline(child) if tag in _HEADINGS or tag in _PARAS else ""
        if tag in _HEADINGS:
            if text:
                out.append(Block("heading", line_of.get(text[:20], 0), text.replace("\n", " "), level=int(tag[1])))
        elif tag in ("ol", "ul"):
            items = tuple(t.replace("\n", " ") for li in child.iter() if li.tag == "li" and (t := _inline(li)))
            if items:
                out.append(Block("ordered" if tag == "ol" else "bullet", line_of.get(items[0][:20], 0), items=items))
        elif tag == "pre":
            code = (child.text(separator="") or "").strip("\n")
            if code.strip():
                out.append(Block("code", 0, code))
        elif tag == "tr":
            cells = [_inline(c).replace("\n", " ") for c in child.iter() if c.tag in ("td", "th")]
            if any(cells):
                out.append(Block("para", 0, " | ".join(cells)))
        elif tag in _PARAS:
            if text:
                out.append(Block("para", line_of.get(text[:20], 0), text))
        else:
            _blocks(child, out, line_of)
    flush()


def _line_index(html: str) -> dict[str, int]:
    """The line each heading tag of the page starts on, by its text, so an entry can name its line."""
    index: dict[str, int] = {}
    for lineno, line in enumerate(html.splitlines(), 1):
        if _HEADING_TAG.search(line):
            text = _clean(LexborHTMLParser(line).text(separator=""))
            if text:
                index.setdefault(text[:20], lineno)
    return index


def _outer_h1(tree: LexborHTMLParser) -> str | None:
    """The page's first <h1> outside the site's header, navigation and footer (a logo is no title)."""
    for h1 in tree.css("h1"):
        up = h1.parent
        while up is not None and up.tag not in ("header", "nav", "footer", "aside"):
            up = up.parent
        text = _clean(h1.text(separator=""))
        if up is None and text:
            return text
    return None


def html_entries(html: str, source: str, *, chrome: bool = True) -> list[Entry]:
    """Entries of one HTML page (``chrome=False``: the whole body is the article, as a converted Word file)."""
    tree = LexborHTMLParser(html)
    url, title, crumbs = page_meta(tree)
    for node in tree.css(_DROP_TAGS):
        node.remove()
    main = _main_node(tree) if chrome else tree.body
    if main is None:
        raise HtmlError(0, "no <body>: not a help page")
    if chrome:
        if main.css_first("h1") is None:
            # a title bar above the content container still names the article better than <title>
            title = _outer_h1(tree) or title
        _strip_chrome(main)
    blocks: list[Block] = []
    _blocks(main, blocks, _line_index(html) if chrome else {})
    heading = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), None)
    if crumbs and crumbs[-1] in (heading, title):
        crumbs = crumbs[:-1]  # the page itself, not its place
    meta = PageMeta(category=crumbs[-1] if crumbs else None, source_url=url, title=title)
    if not any(b.kind != "heading" for b in blocks):
        raise NoArticle(0, "no article text found (only navigation, or an empty page)")
    try:
        return build_entries(blocks, meta, source)
    except SectionError as exc:
        raise HtmlError(exc.line, exc.message) from exc


def declared_charset(data: bytes) -> str | None:
    """The charset a page's <meta> declares (read through an ASCII-safe decoding of its bytes)."""
    tree = LexborHTMLParser(data[:4096].decode("latin-1"))
    node = tree.css_first("meta[charset]")
    if node is not None:
        return (node.attributes.get("charset") or "").strip() or None
    node = tree.css_first('meta[http-equiv="Content-Type" i], meta[http-equiv="content-type"]')
    content = (node.attributes.get("content") or "") if node is not None else ""
    _, _, charset = content.partition("charset=")
    return charset.strip(" ;\"'") or None
