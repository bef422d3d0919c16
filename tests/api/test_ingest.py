"""A saved help centre served: similar questions answer through HTTP, the original page is linked as 原文."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.schemas import EntryId, EntryOut
from bot import Settings
from corpus.loaders import default_sources
from corpus.models import ENTRY_ID_MAX, ENTRY_ID_PATTERN, stable_id
from tests.conftest import make_client, wait_ready

DATA = Path(__file__).parents[1] / "corpus" / "data"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app over the bundled corpus plus a saved help centre and a Markdown file, built at start."""
    root = tmp_path_factory.mktemp("ingest")
    sources = [str(p) for p in (*default_sources(), DATA / "help_centre", DATA / "domain.md")]
    settings = Settings(corpus=sources, index_dir=root / "index", data_dir=root / "data", rate_limit=0)
    with make_client(settings) as client:
        wait_ready(client)
        yield client


def by_title(client: TestClient, title: str) -> dict[str, object]:
    return next(e for e in client.get("/v1/entries").json() if e["title"] == title)


def test_a_similar_question_answers_with_its_entry_first(imported: TestClient) -> None:
    body = imported.post("/v1/ask", json={"question": "上架应用要交什么资料"}).json()
    assert body["sources"][0]["title"] == "APP备案需要准备哪些材料"
    body = imported.post("/v1/ask", json={"question": "背景布相片怎么提交"}).json()
    assert body["sources"][0]["title"] == "如何上传幕布照片"


def test_entry_json_carries_the_source_url(imported: TestClient) -> None:
    entry = by_title(imported, "如何上传幕布照片")
    one = imported.get(f"/v1/entries/{entry['id']}").json()
    assert one["source_url"] == "https://support.example-cloud.com/icp/upload-curtain-photo.html"
    assert one["steps"] == [
        "登录备案系统，进入“我的备案”。",
        "在订单详情页单击上传幕布照片。",
        "选择照片并提交，等待初审结果。",
    ]
    assert by_title(imported, "管局审核需多久")["source_url"] is None


def test_help_page_links_the_original_beside_our_own(imported: TestClient) -> None:
    entry = by_title(imported, "APP打开后白屏")
    page = imported.get(str(entry["url"])).text
    links = re.findall(r'<a class="source"[^>]*>原文</a>', page)
    assert links == [
        '<a class="source" href="https://support.example-cloud.com/icp/app-faq.html" '
        'rel="noopener noreferrer" target="_blank">原文</a>'
    ]
    markdown_entry = by_title(imported, "备案后网站打不开")
    assert "原文" not in imported.get(str(markdown_entry["url"])).text


def test_one_id_pattern_for_files_and_the_api(imported: TestClient) -> None:
    # the API's path parameter is the corpus's own pattern, not a copy of it
    metadata = EntryId.__metadata__[0].metadata
    assert [getattr(m, "pattern", None) for m in metadata if hasattr(m, "pattern")] == [ENTRY_ID_PATTERN]
    assert [getattr(m, "max_length", None) for m in metadata if hasattr(m, "max_length")] == [ENTRY_ID_MAX]
    assert re.match(ENTRY_ID_PATTERN, stable_id("rejection", "幕布照片不合格"))
    for bad in (".hidden", "-x", "a" * 65):
        resp = imported.get(f"/v1/entries/{bad}")
        assert (resp.status_code, resp.json()["error"]["code"]) == (422, "invalid_request"), bad


def test_help_page_source_link_is_escaped_and_only_http() -> None:
    from api.pages import help_page
    from corpus import Entry

    settings = Settings()
    entry = Entry(id="faq-x", title="备案号放在哪里", kind="faq", text="网站首页底部。")
    tricky = help_page(replace(entry, source_url='https://example.com/a?x=1&y="2"'), [], settings)
    assert 'href="https://example.com/a?x=1&amp;y=&quot;2&quot;" rel="noopener noreferrer"' in tricky
    # an entry that reached the index another way (an overlay, an old build) still never links a script
    for url in ("javascript:alert(1)", "data:text/html,x", "//evil.example/x"):
        assert "原文" not in help_page(replace(entry, source_url=url), [], settings)
        assert EntryOut.of(replace(entry, source_url=url)).source_url is None
