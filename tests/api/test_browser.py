"""The chat widget, the agents' page and the embed script in real headless Chromium against a real server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from bot import Bot, Settings
from tests.api.test_pages import IMG, MARKUP_TITLE, SCRIPT, seed_vector_cache, write_markup_corpus
from tests.chroma_server import stop_process
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("BEIAN_CHROMIUM", "/usr/bin/chromium"))
# Browser tests never vanish silently: off only when asked for, and a missing browser fails the run.
if os.environ.get("BEIAN_BROWSER_TESTS", "1") == "0":
    pytest.skip("browser tests turned off on purpose (BEIAN_BROWSER_TESTS=0)", allow_module_level=True)
if not CHROMIUM.exists():
    pytest.fail(
        f"Chromium is not installed at {CHROMIUM}: install Debian's chromium package, "
        "or turn the browser tests off on purpose with BEIAN_BROWSER_TESTS=0",
        pytrace=False,
    )

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

# a loaded CI machine answers slower than Playwright's 5 s default for assertions; failures stay failures
expect.set_options(timeout=30_000)

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KEY = "browser-admin-key"
USER_REF = "app-user-42"
WIDTH = 360
REJECTION = "被驳回了，说网站底部没有备案号"
REJECTION_TITLE = "已备案成功的网站底部未添加备案号"
DECLINED = "明天会下雨吗"
SCREENSHOT = Path("/tmp/widget-360.png")


@dataclass
class Server:
    """A uvicorn process serving the app on a loopback port."""

    base: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=60, headers={"X-API-Key": KEY})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(tmp: Path, env: dict[str, str]) -> Iterator[Server]:
    port = free_port()
    log = tmp / f"uvicorn-{port}.log"
    full = {k: v for k, v in os.environ.items() if not k.startswith("BEIAN_")}
    full.update(
        {
            "BEIAN_RATE_LIMIT": "0",
            "BEIAN_ADMIN_API_KEY": KEY,
            "HF_HUB_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            **env,
        }
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=full,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", port, proc, log)
    try:
        deadline = time.monotonic() + 240
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited: {log.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(server.base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server not ready: {log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.25)
        yield server
    finally:
        stop_process(proc, 30)


class HostSite:
    """A host web page on its own origin (another loopback port) that embeds the chat with embed.js."""

    def __init__(self) -> None:
        self.html = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def host_site() -> Iterator[HostSite]:
    site = HostSite()
    yield site
    site.close()


@pytest.fixture(scope="module")
def server(
    settings: Settings, bot: Bot, host_site: HostSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The app over the session's index; the host site's origin may embed it."""
    tmp = tmp_path_factory.mktemp("browser")
    env = {
        "BEIAN_INDEX_DIR": str(settings.index_dir),
        "BEIAN_DATA_DIR": str(tmp / "data"),
        "BEIAN_ALLOWED_ORIGINS": host_site.origin,
    }
    yield from start_server(tmp, env)


@pytest.fixture(scope="module")
def markup_server(settings: Settings, bot: Bot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app over a JSONL corpus with an entry full of markup, with its own index."""
    tmp = tmp_path_factory.mktemp("browser-markup")
    corpus = write_markup_corpus(tmp / "corpus")
    seed_vector_cache(settings.index_dir, tmp / "index")
    env = {"BEIAN_CORPUS": str(corpus), "BEIAN_INDEX_DIR": str(tmp / "index"), "BEIAN_DATA_DIR": str(tmp / "data")}
    yield from start_server(tmp, env)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class UI:
    page: Page
    errors: list[str]

    def scroll_width(self) -> int:
        width: int = self.page.evaluate("document.documentElement.scrollWidth")
        return width

    def pwned(self) -> Any:
        return self.page.evaluate("window.__pwned")


@pytest.fixture
def ui(browser: Browser) -> Iterator[UI]:
    """A fresh phone-sized tab (its own sessionStorage) that records script errors."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield UI(page, errors)
    context.close()


def ask(page: Page, question: str, count: int) -> Any:
    """Type a question, press Enter, and wait for answer number ``count``."""
    expect(page.locator("body[data-ready=true]")).to_have_count(1)
    box = page.locator("textarea[name=question]")
    box.fill(question)
    box.press("Enter")
    answers = page.locator("[data-role=answer]")
    expect(answers).to_have_count(count)
    return answers.nth(count - 1)


def marked(text: str, terms: list[str]) -> list[str]:
    """What the agents' page should highlight: the longest matched term at each position, left to right."""
    ordered = sorted((t.lower() for t in terms if t), key=len, reverse=True)
    lower, out, i = text.lower(), [], 0
    while i < len(text):
        term = next((t for t in ordered if lower.startswith(t, i)), None)
        if term:
            out.append(text[i : i + len(term)])
            i += len(term)
        else:
            i += 1
    return out


POST_INIT = """ref => new Promise(resolve => {
  window.addEventListener("message", function seen() { window.removeEventListener("message", seen); resolve(); });
  window.postMessage({type: "beian:init", userRef: ref}, location.origin);
})"""


def post_init(page: Page, ref: str) -> None:
    """Send beian:init from the page itself and wait until the widget's listener (registered first) has run."""
    page.evaluate(POST_INIT, ref)


def api_ask(server: Server, question: str) -> dict[str, Any]:
    with server.api() as c:
        body: dict[str, Any] = c.post("/v1/ask", json={"question": question}).json()
        return body


def test_rejection_answer_on_a_phone(ui: UI, server: Server) -> None:
    page = ui.page
    expected = api_ask(server, REJECTION)
    with server.api() as c:
        helpful_before = c.get("/v1/admin/report").json()["feedback"]["helpful"]

    page.goto(server.base + "/")
    answer = ask(page, REJECTION, 1)
    expect(answer).to_contain_text(REJECTION_TITLE)
    expect(page.locator(".msg.user")).to_have_text(["您：" + REJECTION])
    assert ui.scroll_width() <= WIDTH
    # the question box is emptied and keeps the focus for the next question
    assert page.evaluate("[document.activeElement.name, document.activeElement.value]") == ["question", ""]

    links = answer.locator("a[data-role=troubleshooting]")
    expect(links).to_have_text([t["title"] for t in expected["troubleshooting"]])
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        t["url"] for t in expected["troubleshooting"]
    ]
    first = expected["troubleshooting"][0]
    assert first["title"] == REJECTION_TITLE and first["kind"] == "rejection"
    expect(answer.locator(".card").first.locator("ol > li")).to_have_text(first["steps"])
    sources = answer.locator("a[data-role=source]")
    expect(sources).to_have_text([s["title"] for s in expected["sources"][:3]])
    page.screenshot(path=str(SCREENSHOT))

    # a vote is stored
    answer.locator("[data-role=helpful]").click()
    expect(answer.locator(".feedback .status")).to_have_text("感谢您的反馈")
    expect(answer.locator("[data-role=helpful]")).to_have_attribute("aria-pressed", "true")
    expect(answer.locator("[data-role=not-helpful]")).to_be_disabled()
    with server.api() as c:
        assert c.get("/v1/admin/report").json()["feedback"]["helpful"] == helpful_before + 1

    # the troubleshooting link opens the help page with the steps as a numbered list
    links.first.click()
    page.wait_for_url(server.base + first["url"])
    expect(page.locator("h1")).to_have_text(first["title"])
    expect(page.locator(".steps ol > li")).to_have_text(first["steps"])
    assert ui.scroll_width() <= WIDTH

    # back in the chat, the conversation (and the vote) is still there
    page.go_back()
    answer = page.locator("[data-role=answer]")
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text(REJECTION_TITLE)
    expect(answer.locator("[data-role=helpful]")).to_have_attribute("aria-pressed", "true")
    assert ui.errors == []


def test_the_direct_reply_comes_first_and_the_rest_is_folded(ui: UI, server: Server) -> None:
    page = ui.page
    question = "备案省市可以修改吗"
    expected = api_ask(server, question)
    assert expected["direct"] == "备案省市、主办单位性质、证件类型不支持修改"
    lines = expected["answer"].split("\n")
    assert lines[1] == "帮助文档原文（场景二:账号下有备案信息）："

    page.goto(server.base + "/")
    answer = ask(page, question, 1)
    expect(answer.locator("p").first).to_have_text(expected["direct"])
    expect(answer.locator("p").first).to_have_attribute("data-role", "direct")
    fold = answer.locator("details[data-role=more]")
    expect(fold).to_have_count(1)
    expect(fold.locator("summary")).to_have_text(lines[1])
    rest = fold.locator("p")
    expect(rest).to_have_text([lines[2]])
    expect(rest).to_be_hidden()
    assert ui.scroll_width() <= WIDTH
    fold.locator("summary").click()
    expect(rest).to_be_visible()
    assert ui.scroll_width() <= WIDTH
    assert ui.errors == []


def test_white_screen_offers_a_person_first_then_entries_with_steps(ui: UI, server: Server) -> None:
    page = ui.page
    question = "华为云APP网站备案界面白屏"
    expected = api_ask(server, question)
    assert (expected["coverage"], expected["direct"]) == ("partial", None)
    page.goto(server.base + "/")
    answer = ask(page, question, 1)
    paragraphs = answer.locator("p")
    expect(paragraphs.nth(0)).to_have_text(expected["answer"].split("\n")[0])
    handoff = answer.locator("button[data-role=handoff]")
    expect(handoff).to_have_count(1)
    # the way to a person comes before the related steps and the troubleshooting cards
    order = answer.evaluate(
        """li => {
          const b = li.querySelector("[data-role=handoff]");
          return [".related-steps", ".cards"].map(s => !!(b.compareDocumentPosition(li.querySelector(s))
            & Node.DOCUMENT_POSITION_FOLLOWING));
        }"""
    )
    assert order == [True, True]
    related = expected["troubleshooting"][1]
    assert related["steps"]
    card = answer.locator(".card").nth(1)
    expect(card.locator("a[data-role=troubleshooting]")).to_have_text(related["title"])
    expect(card.locator("ol > li")).to_have_text(related["steps"])
    assert ui.scroll_width() <= WIDTH
    assert ui.errors == []


def test_two_questions_are_answered_each_in_english_framing_too(ui: UI, server: Server) -> None:
    page = ui.page
    question = "管局审核要多久？备案号怎么查？"
    expected = api_ask(server, question)
    page.goto(server.base + "/")
    answer = ask(page, question, 1)
    parts = answer.locator("section[data-role=part]")
    expect(parts).to_have_count(2)
    expect(parts.locator("h3").first).to_have_text("问题1：管局审核要多久？")
    second = expected["parts"][1]
    expect(parts.nth(1).locator("p[data-role=direct]")).to_have_text(second["direct"])
    expect(parts.nth(1).locator("a[data-role=source]").first).to_have_text(second["sources"][0]["title"])

    english = "How long does the review of the website filing take?"
    expected = api_ask(server, english)
    answer = ask(page, english, 2)
    expect(answer.locator("p[data-role=direct]")).to_have_text(expected["direct"])
    expect(answer.locator("section.sources > h3")).to_have_text("Sources")
    expect(answer.locator("details[data-role=more] > summary")).to_have_text("From the help document (管局审核需多久):")
    assert ui.errors == []


def test_declined_question_offers_topics_and_a_person(ui: UI, server: Server) -> None:
    page = ui.page
    expected = api_ask(server, DECLINED)
    assert expected["confident"] is False and len(expected["suggestions"]) == 3

    page.goto(server.base + "/")
    answer = ask(page, DECLINED, 1)
    expect(answer).to_have_class(re.compile(r"\bdeclined\b"))
    expect(answer).to_contain_text("抱歉，帮助文档中没有找到")
    chips = answer.locator("button[data-role=suggestion]")
    expect(chips).to_have_text([s["title"] for s in expected["suggestions"]])
    assert answer.locator("a[data-role=troubleshooting]").count() == 0
    assert ui.scroll_width() <= WIDTH

    # contact a person: a ticket holding this conversation
    answer.locator("button[data-role=handoff]").click()
    ticket = answer.locator("[data-role=ticket-id]")
    expect(ticket).to_have_text(re.compile(r"\S+"))
    expect(answer.locator("button[data-role=handoff]")).to_be_disabled()
    session = page.evaluate("sessionStorage.getItem('beian.session')")
    with server.api() as c:
        stored = c.get(f"/v1/admin/handoff/{ticket.text_content()}").json()
    assert stored["session_id"] == session
    assert [t["question"] for t in stored["transcript"]] == [DECLINED]
    assert stored["user_ref"] is None

    # tapping a topic asks it, in the same conversation
    topic = expected["suggestions"][0]["title"]
    chips.first.click()
    second = page.locator("[data-role=answer]").nth(1)
    expect(page.locator("[data-role=answer]")).to_have_count(2)
    expect(second).not_to_have_class(re.compile(r"\bdeclined\b"))
    expect(second.locator("a[data-role=source]").first).to_have_text(topic)
    expect(page.locator(".msg.user").nth(1)).to_have_text("您：" + topic)
    assert page.evaluate("sessionStorage.getItem('beian.session')") == session
    assert ui.errors == []


def test_user_markup_is_shown_as_text(ui: UI, server: Server) -> None:
    page = ui.page
    page.goto(server.base + "/")
    ask(page, IMG, 1)
    expect(page.locator(".msg.user > span:not(.sr-only)")).to_have_text([IMG])
    assert page.locator("#log img").count() == 0
    assert ui.pwned() is None
    # restored from sessionStorage after a reload, still text
    page.reload()
    expect(page.locator("[data-role=answer]")).to_have_count(1)
    expect(page.locator(".msg.user > span:not(.sr-only)")).to_have_text([IMG])
    assert page.locator("img").count() == 0
    assert ui.pwned() is None
    assert ui.errors == []


def test_query_prefills_asks_and_opens_the_contact_block(ui: UI, server: Server) -> None:
    page = ui.page
    page.goto(server.base + "/?" + urlencode({"q": "管局审核需要多久", "ask": "1"}))
    answer = page.locator("[data-role=answer]")
    expect(answer).to_have_count(1)
    expect(answer.locator("a[data-role=source]").first).to_contain_text("管局审核")
    assert page.url == server.base + "/"  # the question does not linger in the URL or history
    expect(page.locator("textarea[name=question]")).to_have_value("")

    page.goto(server.base + "/#" + urlencode({"q": "备案号怎么查"}))
    expect(page.locator("textarea[name=question]")).to_have_value("备案号怎么查")
    expect(page.locator("[data-role=answer]")).to_have_count(1)  # prefilled, not asked

    page.goto(server.base + "/?handoff=1")
    expect(page.locator("#handoff")).to_be_visible()
    expect(page.locator("#handoff-open")).to_have_attribute("aria-expanded", "true")
    assert page.evaluate("document.activeElement.id") == "handoff-title"
    # an app showing the page directly in its WebView passes the user reference from its own script
    post_init(page, "native user")  # not a header value: ignored
    post_init(page, "native-7")
    page.locator("#contact").fill("138****0000")
    page.locator("#handoff-send").click()
    ticket = page.locator("#handoff-status [data-role=ticket-id]")
    expect(ticket).to_have_text(re.compile(r"\S+"))
    with server.api() as c:
        stored = c.get(f"/v1/admin/handoff/{ticket.text_content()}").json()
    assert (stored["contact"], stored["user_ref"]) == ("138****0000", "native-7")
    assert [t["question"] for t in stored["transcript"]] == ["管局审核需要多久"]
    page.keyboard.press("Escape")
    expect(page.locator("#handoff")).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == "handoff-open"
    assert ui.errors == []


HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>host app</title>
<script>window.addEventListener("beian:open-help", function (e) { e.preventDefault(); window.__opened = e.detail; });
</script>
<script src="__BASE__/static/embed.js" data-bot-origin="__BASE__" data-user-ref="__REF__" defer></script>
</head><body><h1>Host help page</h1></body></html>"""


def test_embed_script_on_a_host_page(ui: UI, server: Server, host_site: HostSite) -> None:
    page = ui.page
    host_site.html = HOST_PAGE.replace("__BASE__", server.base).replace("__REF__", USER_REF)
    page.goto(host_site.origin + "/help-centre")
    button = page.locator("#beian-bot-button")
    expect(button).to_have_attribute("aria-expanded", "false")
    button.click()
    expect(page.locator("#beian-bot-panel")).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    chat = page.frame_locator("#beian-bot-panel iframe")

    expect(chat.locator("body[data-ready=true]")).to_have_count(1)
    box = chat.locator("textarea[name=question]")
    box.fill(REJECTION)
    box.press("Enter")
    answer = chat.locator("[data-role=answer]")
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text(REJECTION_TITLE)
    frame = next(f for f in page.frames if f.url.startswith(server.base))
    assert frame.evaluate("document.documentElement.scrollWidth") <= WIDTH

    # a help link goes to the host, which opens it its own way; the chat stays put
    link = answer.locator("a[data-role=troubleshooting]").first
    href = link.get_attribute("href")
    link.click()
    page.wait_for_function("window.__opened !== undefined")
    opened = page.evaluate("window.__opened")
    assert opened == {"url": server.base + str(href), "id": str(href).rsplit("/", 1)[1], "title": REJECTION_TITLE}
    assert frame.url == server.base + "/"

    # the user reference from the host reaches the ticket, and never the URL
    box.fill(DECLINED)
    box.press("Enter")
    expect(answer).to_have_count(2)
    answer.nth(1).locator("button[data-role=handoff]").click()
    ticket = answer.nth(1).locator("[data-role=ticket-id]")
    expect(ticket).to_have_text(re.compile(r"\S+"))
    with server.api() as c:
        stored = c.get(f"/v1/admin/handoff/{ticket.text_content()}").json()
    assert stored["user_ref"] == USER_REF
    assert [t["question"] for t in stored["transcript"]] == [REJECTION, DECLINED]
    assert USER_REF not in frame.url

    # Escape in the chat closes the panel and gives the focus back to the button
    box.press("Escape")
    expect(page.locator("#beian-bot-panel")).to_be_hidden()
    expect(button).to_be_focused()
    assert ui.errors == []


def test_agents_search_page(ui: UI, server: Server) -> None:
    page = ui.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
    with server.api() as c:
        categories = list(dict.fromkeys(e["category"] for e in c.get("/v1/entries").json() if e["category"]))
        expected = c.get("/v1/search", params={"q": "取消接入", "k": 20}).json()["hits"]
        screens = c.get("/v1/search", params={"q": "取消接入", "k": 20, "kind": "troubleshooting"}).json()["hits"]
        in_category = c.get("/v1/search", params={"q": "取消接入", "k": 20, "category": categories[0]}).json()["hits"]

    page.goto(server.base + "/agent")
    expect(page.locator("#category option")).to_have_text(["全部分类", *categories])
    page.locator("#q").fill("取消接入")
    page.locator("#q").press("Enter")
    hits = page.locator("[data-role=hit]")
    expect(hits).to_have_count(len(expected))
    expect(page.locator("#status")).to_have_text(f"共 {len(expected)} 条结果")
    expect(hits.locator("[data-role=title]")).to_have_text([h["title"] for h in expected])
    top = expected[0]
    assert top["title"] == "选择取消接入原因"
    first = hits.first
    expect(first.locator("[data-role=title] mark")).to_have_text(["取消接入"])
    expect(first.locator("[data-role=text] mark").first).to_have_text("取消接入")
    shown = [float(s.removeprefix("得分 ")) for s in hits.locator("[data-role=score]").all_text_contents()]
    assert shown == [h["score"] for h in expected]
    assert shown == sorted(shown, reverse=True)
    help_link = first.locator("a[data-role=help-link]")
    expect(help_link).to_have_attribute("href", top["url"])
    expect(help_link).to_have_text(server.base + top["url"])
    assert ui.scroll_width() <= WIDTH

    # the copy button puts the entry's answer and link on the clipboard
    first.locator("[data-role=copy]").click()
    expect(first.locator(".actions .status")).to_have_text("已复制")
    answer = "\n".join(
        [top["title"], top["text"]]
        + (["处理步骤：\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(top["steps"], 1))] if top["steps"] else [])
        + ["详见：" + server.base + top["url"]]
    )
    assert page.evaluate("navigator.clipboard.readText()") == answer

    # filters narrow the ranking
    page.locator("#kind").select_option("troubleshooting")
    expect(hits.locator("[data-role=title]")).to_have_text([h["title"] for h in screens])
    expect(hits.locator(".badge")).to_have_text(["故障排除"] * len(screens))
    page.locator("#kind").select_option("")
    page.locator("#category").select_option(categories[0])
    expect(hits.locator("[data-role=title]")).to_have_text([h["title"] for h in in_category])
    expect(hits.locator(".category")).to_have_text([categories[0]] * len(in_category))
    assert ui.errors == []


def test_markup_in_an_entry_stays_text_everywhere(ui: UI, markup_server: Server) -> None:
    page = ui.page
    with markup_server.api() as c:
        entry = next(e for e in c.get("/v1/entries").json() if e["title"] == MARKUP_TITLE)
        found = c.get("/v1/search", params={"q": "备案号放在哪里"}).json()["hits"][0]
    assert found["id"] == entry["id"]
    tags = "img, script:not([src]), b, i"

    page.goto(markup_server.base + "/")
    direct = api_ask(markup_server, "网站底部的备案号放在哪里")["direct"]
    answer = ask(page, "网站底部的备案号放在哪里", 1)
    expect(answer.locator("p.lead")).to_have_text(direct)
    answer.locator("details[data-role=more] > summary").click()
    expect(answer).to_contain_text(SCRIPT)
    expect(answer).to_contain_text(IMG)
    expect(answer.locator("a[data-role=source]").first).to_have_text(MARKUP_TITLE)
    assert page.locator(f"#log :is({tags})").count() == 0
    assert page.locator("script").count() == 1  # widget.js only
    assert ui.pwned() is None

    page.goto(markup_server.base + "/agent?q=" + "备案号放在哪里")
    hit = page.locator("[data-role=hit]").first
    expect(hit.locator("[data-role=title]")).to_have_text(MARKUP_TITLE)
    expect(hit.locator("[data-role=text]")).to_have_text(entry["text"])
    marks = hit.locator("[data-role=text] mark").all_text_contents()
    assert "备案号" in marks and marks == marked(entry["text"], found["matched"])
    expect(hit.locator(".steps li")).to_have_text(entry["steps"])
    expect(hit.locator(".category")).to_have_text("备案号<i>FAQ</i>")
    assert page.locator(f"#hits :is({tags})").count() == 0
    assert ui.pwned() is None

    page.goto(markup_server.base + entry["url"])
    expect(page.locator("h1")).to_have_text(MARKUP_TITLE)
    expect(page.locator(".text")).to_have_text(entry["text"])
    expect(page.locator(".steps ol > li")).to_have_text(entry["steps"])
    assert page.locator(f"main :is({tags})").count() == 0
    assert page.locator("script").count() == 0
    assert ui.pwned() is None
    assert ui.errors == []
