"""The agents' desk in real headless Chromium against a real server: sign in with a key, an unanswered question
becomes an answer live and is reverted with one click, an entry edited, a question attached, one retired, and a
ticket claimed and closed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import Settings
from tests.api.test_browser import CHROMIUM, CHROMIUM_ARGS, Server, start_server
from tests.conftest import copy_index, until

pytestmark = pytest.mark.slow

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

# a loaded CI machine answers slower than Playwright's 5 s default for assertions; failures stay failures
expect.set_options(timeout=30_000)

UNANSWERED = "备案支持微信支付吗"
ATTACHED = "你们的客服几点下班"
TIMES: dict[str, float] = {}


@pytest.fixture(scope="module")
def desk_server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp: Path = tmp_path_factory.mktemp("desk-browser")
    index = copy_index(settings.index_dir, tmp / "index")
    yield from start_server(tmp, {"BEIAN_INDEX_DIR": str(index), "BEIAN_DATA_DIR": str(tmp / "data")})
    if TIMES:
        print("\n" + ", ".join(f"{k} live after {v:.1f} s" for k, v in TIMES.items()))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def agent_key(desk_server: Server) -> str:
    with desk_server.api() as c:
        key: str = c.post("/v1/admin/keys", json={"role": "agent", "name": "值班客服"}).json()["key"]
    return key


@pytest.fixture
def page(browser: Browser, desk_server: Server, agent_key: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")
    context.set_default_timeout(30_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    urls: list[str] = []
    tab.on("request", lambda r: urls.append(r.url))
    tab.goto(desk_server.base + "/agent")
    tab.locator("#api-key").fill(agent_key)
    tab.locator("#signin-form button[type=submit]").click()
    expect(tab.locator("#who")).to_have_text("已登录：值班客服（客服）")
    yield tab
    assert errors == []
    assert all(agent_key not in u for u in urls)  # the key never travels in a URL
    context.close()


def ask(server: Server, question: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.post(server.base + "/v1/ask", json={"question": question}, timeout=60).json()
    return body


def test_sign_in_keeps_the_key_in_the_tab_only(browser: Browser, desk_server: Server, agent_key: str) -> None:
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(desk_server.base + "/agent")
    expect(tab.locator("#desk")).to_be_hidden()
    tab.locator("#api-key").fill("not-a-key")
    tab.locator("#signin-form button[type=submit]").click()
    expect(tab.locator("#signin-status")).to_have_text("密钥无效。")
    tab.locator("#api-key").fill(agent_key)
    tab.locator("#signin-form button[type=submit]").click()
    expect(tab.locator("#desk")).to_be_visible()
    assert tab.evaluate("sessionStorage.getItem('beian-agent-key')") == agent_key
    assert tab.evaluate("localStorage.length") == 0 and agent_key not in tab.url
    tab.reload()  # the same tab stays signed in
    expect(tab.locator("#desk")).to_be_visible()
    other = context.new_page()  # another tab does not have the key
    other.goto(desk_server.base + "/agent")
    expect(other.locator("#signin")).to_be_visible()
    tab.locator("#signout").click()
    expect(tab.locator("#signin")).to_be_visible()
    assert tab.evaluate("sessionStorage.getItem('beian-agent-key')") is None
    context.close()


def test_unanswered_question_answered_live_and_reverted_in_one_click(page: Page, desk_server: Server) -> None:
    for typed in (UNANSWERED, "备案 支持微信支付吗？"):
        assert ask(desk_server, typed)["confident"] is False
    page.locator("#tab-unanswered").click()
    # one row for both typings, shown as the latest one
    item = page.locator(".unanswered-item", has_text="支持微信支付吗")
    expect(item).to_have_count(1)
    expect(item.locator(".question")).to_have_text("备案 支持微信支付吗？")
    expect(item.locator(".meta")).to_contain_text("2 次")
    item.get_by_role("button", name="写新条目").click()
    expect(page.locator("#entry-title")).to_have_value("备案 支持微信支付吗？")
    expect(page.locator("#entry-questions")).to_have_value("备案 支持微信支付吗？")
    page.locator("#entry-title").fill(UNANSWERED)
    page.locator("#entry-text").fill("备案服务本身不收费，无需支付任何费用。")
    page.locator("#entry-save").click()
    expect(page.locator("#desk-status")).to_contain_text("已新建")
    entry_id = page.locator("#desk-status").inner_text().split("（")[1].split("）")[0]
    TIMES["new entry"] = until(lambda: ask(desk_server, UNANSWERED)["sources"][0]["id"] == entry_id)
    answer = ask(desk_server, UNANSWERED)
    assert answer["confident"] is True and "备案服务本身不收费" in answer["answer"]
    page.locator("#tab-unanswered").click()
    expect(page.locator(".unanswered-item", has_text="支持微信支付吗")).to_have_count(0)

    page.locator("#tab-changes").click()
    newest = page.locator("#changes .change").first
    expect(newest.locator(".meta")).to_contain_text(f"值班客服 · 新建 · {entry_id}")
    newest.get_by_role("button", name="撤销").click()
    expect(page.locator("#desk-status")).to_contain_text("已撤销")
    TIMES["revert"] = until(lambda: ask(desk_server, UNANSWERED)["confident"] is False)
    assert all(s["id"] != entry_id for s in ask(desk_server, UNANSWERED)["sources"])
    expect(page.locator("#changes .change").first.locator(".meta")).to_contain_text("撤销")


def test_attach_edit_and_retire(page: Page, desk_server: Server) -> None:
    # asked, then voted not helpful in the same session: listed whether or not it was declined
    asked = ask(desk_server, ATTACHED)
    vote = {"helpful": False, "question": ATTACHED, "session_id": asked["session_id"]}
    assert httpx.post(desk_server.base + "/v1/feedback", json=vote).status_code == 201
    with desk_server.api() as c:
        target = next(e for e in c.get("/v1/entries").json() if e["title"] == "如何查询ICP备案号")
    assert asked["sources"][0]["id"] != target["id"]
    page.locator("#tab-unanswered").click()
    item = page.locator(".unanswered-item", has_text=ATTACHED)
    item.get_by_role("button", name="附加到条目…").click()
    expect(page.locator("#attach-note")).to_contain_text(ATTACHED)
    page.locator("#entry-q").fill("如何查询ICP备案号")
    page.locator("#entry-q").press("Enter")
    hit = page.locator(".entry-hit", has=page.locator("h3", has_text="如何查询ICP备案号")).first
    hit.get_by_role("button", name="附加此问法").click()
    expect(page.locator("#desk-status")).to_contain_text("已把")
    TIMES["attached question"] = until(lambda: ask(desk_server, ATTACHED)["sources"][0]["id"] == target["id"])

    page.locator("#entry-q").fill("如何查询ICP备案号")
    page.locator("#entry-q").press("Enter")
    hit = page.locator(".entry-hit", has=page.locator("h3", has_text="如何查询ICP备案号")).first
    hit.get_by_role("button", name="编辑").click()
    expect(page.locator("#entry-questions")).to_have_value(ATTACHED)
    page.locator("#entry-text").fill("收到核验短信后，请在24小时内按短信提示回复。")
    page.locator("#entry-save").click()
    expect(page.locator("#desk-status")).to_contain_text("已保存")
    url = f"{desk_server.base}/v1/entries/{target['id']}"
    until(lambda: httpx.get(url).json().get("text") == "收到核验短信后，请在24小时内按短信提示回复。")

    hit = page.locator(".entry-hit", has=page.locator("h3", has_text="如何查询ICP备案号")).first
    retire = hit.get_by_role("button", name="下线")
    retire.click()
    hit.get_by_role("button", name="确认下线").click()
    expect(page.locator("#desk-status")).to_contain_text("已下线")
    until(lambda: httpx.get(url).status_code == 404)


def test_ticket_claimed_and_closed(page: Page, desk_server: Server) -> None:
    sid = "desk-ticket-1"
    httpx.post(desk_server.base + "/v1/ask", json={"question": "管局审核多长时间", "session_id": sid}, timeout=60)
    made = httpx.post(desk_server.base + "/v1/handoff", json={"session_id": sid, "note": "<b>急</b>"}).json()
    ticket_id = made["ticket_id"]
    page.locator("#tab-tickets").click()
    row = page.locator(f"#tickets .ticket[data-ticket='{ticket_id}']")
    expect(row.locator(".note")).to_have_text("留言：<b>急</b>")  # shown as text, never as markup
    expect(row.locator(".transcript .q")).to_have_text(["问：管局审核多长时间"])
    row.get_by_role("button", name="认领").click()
    expect(page.locator("#desk-status")).to_have_text(f"已认领 {ticket_id}。")
    page.locator("#ticket-status").select_option("claimed")
    row = page.locator(f"#tickets .ticket[data-ticket='{ticket_id}']")
    expect(row.locator(".meta")).to_contain_text("处理人：值班客服")
    row.locator("textarea").fill("已电话联系用户")
    row.get_by_role("button", name="关闭工单").click()
    expect(page.locator("#desk-status")).to_have_text(f"已关闭 {ticket_id}。")
    page.locator("#ticket-status").select_option("closed")
    expect(page.locator(f"#tickets .ticket[data-ticket='{ticket_id}'] .resolution")).to_have_text(
        "处理结果：已电话联系用户"
    )
    with desk_server.api() as c:
        stored = c.get(f"/v1/admin/handoff/{ticket_id}").json()
    assert (stored["status"], stored["resolution"], stored["closed_by"]) == ("closed", "已电话联系用户", "值班客服")
