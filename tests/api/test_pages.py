"""The HTML pages: the chat widget, the agents' page and help pages; CSP, local assets, escaping."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.pages import not_found_page, widget_page
from bot import Bot, Settings
from tests.conftest import make_client, wait_ready

STATIC = Path(__file__).resolve().parents[2] / "api" / "static"
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
MARKUP_TITLE = "网站底部的备案号<b>放在</b>哪里"
MARKUP_ROWS: list[dict[str, Any]] = [
    {
        "question": MARKUP_TITLE,
        "answer": f"已备案的网站需要在首页底部中间位置放置备案号。{SCRIPT}{IMG} 备案号需链接到工信部网站。",
        "category": "备案号<i>FAQ</i>",
        "kind": "faq",
        "steps": [
            "登录网站后台<script>window.__pwned=2</script>",
            '在页面底部添加备案号 <img src=x onerror="window.__pwned=3">',
        ],
    },
    {
        "question": "管局审核需要多久",
        "answer": "管局审核一般需要1到20个工作日，具体以各省管局为准。",
        "category": "备案进度",
    },
    {
        "question": "备案被驳回怎么办",
        "answer": "备案被驳回后，请根据驳回原因修改资料后重新提交。",
        "category": "备案审核驳回FAQ",
        "kind": "rejection",
        "steps": ["查看驳回原因", "修改资料", "重新提交"],
    },
    {
        "question": "APP备案需要准备哪些材料",
        "answer": "APP备案需要准备主体证件、负责人证件以及APP的基本信息。",
        "category": "APP备案FAQ",
    },
]


def write_markup_corpus(folder: Path) -> Path:
    """A JSONL corpus whose first entry carries markup in its title, text, category and steps."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "markup.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in MARKUP_ROWS), encoding="utf-8")
    return path


def seed_vector_cache(source_index: Path, target_index: Path) -> None:
    """Reuse the off-topic and intent vectors cached beside another index (same embedder, same texts)."""
    cache = source_index / "cache"
    if cache.is_dir():
        shutil.copytree(cache, target_index / "cache", dirs_exist_ok=True)


class Page(HTMLParser):
    """Every tag with its attributes, and what a page must not carry: inline scripts, styles, handlers."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data)
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    @property
    def scripts(self) -> list[str]:
        return [a.get("src", "") for t, a in self.tags if t == "script"]

    @property
    def stylesheets(self) -> list[str]:
        return [a["href"] for t, a in self.tags if t == "link" and a.get("rel") == "stylesheet"]

    @property
    def style_attrs(self) -> list[str]:
        return [t for t, a in self.tags if "style" in a]

    @property
    def handlers(self) -> list[str]:
        return [f"{t}.{k}" for t, a in self.tags for k in a if k.startswith("on")]


def assert_clean(page: Page, scripts: list[str]) -> None:
    """Only the given local scripts, the one local stylesheet, no inline code or style."""
    assert page.scripts == scripts
    assert page.inline_scripts == []
    assert page.stylesheets == ["/static/app.css"]
    assert page.style_attrs == []
    assert page.find("style") == []
    assert page.handlers == []
    assert page.find("meta", name="viewport") == [
        {"name": "viewport", "content": "width=device-width, initial-scale=1"}
    ]


def csp_directives(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.fixture(scope="module")
def markup_client(settings: Settings, bot: Bot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app over a small JSONL corpus whose entry holds markup (its own index and data folder)."""
    root = tmp_path_factory.mktemp("markup")
    corpus = write_markup_corpus(root / "corpus")
    seed_vector_cache(settings.index_dir, root / "index")
    own = settings.model_copy(update={"corpus": [str(corpus)], "index_dir": root / "index", "data_dir": root / "data"})
    with make_client(own) as c:
        wait_ready(c)
        yield c


def markup_id(client: TestClient) -> str:
    entries = client.get("/v1/entries").json()
    return next(e["id"] for e in entries if e["title"] == MARKUP_TITLE)


def test_widget_page(client: TestClient) -> None:
    resp = client.get("/")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    page = Page(resp.text)
    assert_clean(page, ["/static/widget.js"])
    assert page.find("textarea", name="question", id="question", maxlength="500")
    assert page.find("label", **{"for": "question"})
    assert page.find("ol", id="log", **{"aria-live": "polite"})
    assert page.find("form", id="ask-form")
    assert page.find("button", type="submit", id="send")
    # the way to a person is there but closed until asked for; with no contact URL it is the in-chat handoff
    handoff = page.find("section", id="handoff")
    assert len(handoff) == 1 and "hidden" in handoff[0]
    assert page.find("button", id="handoff-send", **{"data-role": "handoff"})
    assert page.find("main", id="chat", **{"data-contact-url": "", "data-origins": ""})


def test_agent_page(client: TestClient) -> None:
    resp = client.get("/agent")
    assert resp.status_code == 200
    page = Page(resp.text)
    assert_clean(page, ["/static/common.js", "/static/agent.js", "/static/desk.js"])
    assert page.find("input", id="q", name="q", type="search")
    assert page.find("label", **{"for": "q"}) and page.find("label", **{"for": "kind"})
    kinds = ["faq", "rejection", "troubleshooting"]
    # the search filters, then the desk's ticket statuses and the entry editor's kinds
    assert [a["value"] for t, a in page.tags if t == "option"] == ["", *kinds, "", "open", "claimed", "closed", *kinds]
    # the desk: a password field to sign in with a key, the rest hidden until signed in
    assert page.find("input", id="api-key", type="password")
    assert page.find("section", id="desk", hidden="")
    assert page.find("select", id="category", name="category")
    assert page.find("ol", id="hits")
    assert page.find("p", id="status", role="status")


def test_pages_carry_a_strict_csp(client: TestClient, bot: Bot) -> None:
    entry = bot.entries(kind="rejection")[0]
    for path in ("/", "/agent", f"/help/{entry.id}", "/help/faq-missing"):
        resp = client.get(path)
        assert resp.status_code == (404 if path.endswith("missing") else 200), path
        csp = resp.headers["content-security-policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
        rules = csp_directives(csp)
        assert rules["script-src"] == ["'self'"]
        assert rules["style-src"] == ["'self'"]
        assert rules["object-src"] == ["'none'"]
        assert rules["frame-ancestors"] == ["'self'"]
        assert resp.headers["x-content-type-options"] == "nosniff"


def test_help_page_reads_on_a_phone(client: TestClient, bot: Bot) -> None:
    entry = next(e for e in bot.entries(kind="rejection") if len(e.steps) >= 2)
    page = Page(client.get(f"/help/{entry.id}").text)
    assert_clean(page, [])
    assert page.find("ol")
    assert page.find("a", href="/")
    assert page.find("a", href="/?handoff=1")
    assert "处理步骤" in "".join(page.text)


def test_a_topic_without_steps_links_to_entries_with_steps(client: TestClient, bot: Bot) -> None:
    screen = next(e for e in bot.entries() if e.route == "white_screen")
    assert screen.title_only
    page = Page(client.get(f"/help/{screen.id}").text)
    assert_clean(page, [])
    text = "".join(page.text)
    assert "帮助文档列出了这个问题，但没有给出处理步骤。" in text
    related = bot.related(screen)
    assert related[0].title == "提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核"
    assert page.find("a", href=f"/help/{related[0].id}")
    assert all(step in text for step in related[0].steps) and related[0].steps


def test_static_files_are_served(client: TestClient) -> None:
    types = {".js": "text/javascript", ".css": "text/css"}
    budget = {"widget.js": 20_000, "agent.js": 12_000, "common.js": 2_000, "embed.js": 8_000, "app.css": 10_000}
    for name, limit in budget.items():
        resp = client.get(f"/static/{name}")
        assert resp.status_code == 200, name
        assert resp.headers["content-type"].split(";")[0] == types[Path(name).suffix]
        assert resp.content == (STATIC / name).read_bytes()
        assert 0 < len(resp.content) <= limit, (name, len(resp.content))
    assert client.get("/static/nothing.js").status_code == 404


def test_scripts_never_parse_html_or_load_from_elsewhere() -> None:
    for name in ("widget.js", "agent.js", "common.js", "desk.js", "embed.js"):
        source = (STATIC / name).read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in source, (name, sink)
    for name in ("widget.js", "agent.js", "common.js", "desk.js", "app.css"):
        source = (STATIC / name).read_text(encoding="utf-8")
        assert "http://" not in source and "https://" not in source, name
        assert "@import" not in source and "@font-face" not in source, name


def test_prefill_is_never_rendered_by_the_server(client: TestClient) -> None:
    resp = client.get("/", params={"q": "<script>alert(1)</script>", "ask": "1"})
    assert resp.status_code == 200
    assert "alert(1)" not in resp.text
    assert resp.text == client.get("/").text


def test_help_page_escapes_entry_markup(markup_client: TestClient) -> None:
    entry_id = markup_id(markup_client)
    resp = markup_client.get(f"/help/{entry_id}")
    assert resp.status_code == 200
    html = resp.text
    assert SCRIPT not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
    assert escape(SCRIPT) in html and escape(IMG) in html
    assert f"<h1>{escape(MARKUP_TITLE)}</h1>" in html
    assert f"<title>{escape(MARKUP_TITLE)}</title>" in html
    assert f'<span class="category">{escape("备案号<i>FAQ</i>")}</span>' in html
    assert f"<li>{escape('登录网站后台<script>window.__pwned=2</script>')}</li>" in html
    page = Page(html)
    assert_clean(page, [])
    assert page.find("img") == [] and page.find("b") == [] and page.find("i") == []
    # the text reads back exactly as written
    assert MARKUP_ROWS[0]["answer"] in "".join(page.text)


def test_api_hands_markup_back_as_data(markup_client: TestClient) -> None:
    entry_id = markup_id(markup_client)
    entry = markup_client.get(f"/v1/entries/{entry_id}").json()
    assert SCRIPT in entry["text"] and IMG in entry["text"]
    assert entry["steps"][0] == "登录网站后台<script>window.__pwned=2</script>"
    hit = markup_client.get("/v1/search", params={"q": "备案号放在哪里"}).json()["hits"][0]
    assert hit["id"] == entry_id and "备案号" in hit["matched"]


def test_widget_page_escapes_settings() -> None:
    hostile = Settings(
        contact_url='https://help.example/?a=1&b="x"><script>alert(1)</script>',
        contact_text="<b>请拨打</b>",
        allowed_origins=["https://app.example", '"><script>alert(2)</script>'],
    )
    html = widget_page(hostile)
    page = Page(html)
    assert_clean(page, ["/static/widget.js"])
    assert page.find("b") == []
    link = page.find("a", **{"data-role": "contact-link"})
    assert link == [
        {
            "class": "button",
            "href": 'https://help.example/?a=1&b="x"><script>alert(1)</script>',
            "rel": "noopener",
            "data-role": "contact-link",
        }
    ]
    main = page.find("main", id="chat")[0]
    assert main["data-origins"] == 'https://app.example "><script>alert(2)</script>'
    assert "<b>请拨打</b>" in "".join(page.text)
    # a link a browser must not follow becomes the in-chat handoff
    unsafe = Page(widget_page(Settings(contact_url="javascript:alert(1)")))
    assert unsafe.find("main", id="chat")[0]["data-contact-url"] == ""
    assert unsafe.find("a", **{"data-role": "contact-link"}) == []
    assert unsafe.find("button", id="handoff-send")


def test_not_found_page_escapes_the_id() -> None:
    html = not_found_page("<script>alert(1)</script>")
    assert "<script>alert" not in html and escape("<script>alert(1)</script>") in html
    assert_clean(Page(html), [])
