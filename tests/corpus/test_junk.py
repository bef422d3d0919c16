"""Junk never becomes an entry: binary files, control characters, empty files and unsafe ids or URLs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import pytest

from corpus import CorpusError, load_corpus

SUFFIXES = (".txt", ".md", ".jsonl", ".html", ".docx")


def fails(path: Path) -> CorpusError:
    with pytest.raises(CorpusError) as err:
        load_corpus([path])
    assert err.value.path == str(path)
    return err.value


def test_nul_filled_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(b"\x00" * 4096)
    err = fails(path)
    assert (err.line, err.message) == (1, "binary content (NUL byte): not a text help document")


def fails_in(folder: Path) -> CorpusError:
    with pytest.raises(CorpusError) as err:
        load_corpus([folder])
    return err.value


@pytest.mark.parametrize("suffix", [".txt", ".md", ".jsonl", ".html"])
def test_control_characters_are_refused_in_every_text_format(tmp_path: Path, suffix: str) -> None:
    body = {
        ".txt": "管局审核需多久 备案申请提交管局后,管局审核时间为3-20个工作日。\n第二行\x1b[31m\n",
        ".md": "# 管局审核需多久\n审核时间为3-20个工作日。\n第二行\x1b[31m\n",
        ".jsonl": '{"question": "管局审核需多久", "answer": "3-20个工作日"}\n{"question": "x\x1b", "answer": "y"}\n',
        ".html": "<h1>管局审核需多久</h1>\n<p>审核时间为3-20个工作日。\n第二行\x1b</p>",
    }[suffix]
    path = tmp_path / f"help{suffix}"
    path.write_text(body, encoding="utf-8")
    err = fails(path)
    assert (err.line, err.message) == (
        2 if suffix in (".txt", ".jsonl") else 3,
        "control character U+001B: not a text help document",
    )


# a .docx is a zip file: blank text is no Word file at all (an empty Word document is tested below)
EMPTY = [
    (suffix, content) for suffix in SUFFIXES for content in (b"", b" \n\n\t\n") if suffix != ".docx" or not content
]


@pytest.mark.parametrize(("suffix", "content"), EMPTY)
def test_an_empty_file_is_the_same_error_in_every_format(tmp_path: Path, suffix: str, content: bytes) -> None:
    path = tmp_path / f"emptied{suffix}"
    path.write_bytes(content)
    err = fails(path)
    assert (err.line, err.message) == (0, "empty file: no help entries")


def test_an_emptied_file_in_a_folder_fails_the_load(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# 管局审核需多久\n3-20个工作日。\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("\n\n", encoding="utf-8")
    err = fails_in(tmp_path)
    assert err.path == str(tmp_path / "b.jsonl") and err.message == "empty file: no help entries"


def test_documents_with_no_entry_in_them(tmp_path: Path) -> None:
    empty_doc = tmp_path / "blank.docx"
    docx.Document().save(str(empty_doc))
    assert fails(empty_doc).message == "no article text found (only navigation, or an empty page)"
    nav_only = tmp_path / "index.html"
    nav_only.write_text(
        '<html><body><nav><a href="/a">备案流程</a></nav><footer>© 2026</footer></body></html>', "utf-8"
    )
    assert fails(nav_only).message == "no article text found (only navigation, or an empty page)"
    chrome_only = tmp_path / "chrome.txt"
    chrome_only.write_text("不再显示此消息\n", encoding="utf-8")
    assert fails(chrome_only).message == "no help entries in file"
    not_word = tmp_path / "fake.docx"
    not_word.write_bytes(b"PK\x03\x04 this is no zip")
    assert fails(not_word).message.startswith("not a Word document (.docx)")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id", "javascript:alert(1)", "'id' 'javascript:alert(1)' is not a valid entry id"),
        ("id", "../../etc/passwd", "'id' '../../etc/passwd' is not a valid entry id"),
        ("id", ".hidden", "'id' '.hidden' is not a valid entry id"),
        ("id", "a" * 65, "is not a valid entry id"),
        ("url", "javascript:alert(1)", "'url' 'javascript:alert(1)' is not an http(s) URL"),
        ("url", "//evil.example/x", "is not an http(s) URL"),
        ("category", "备案\n进度", "'category' must be one line"),
        ("category", "类" * 101, "'category' is longer than 100 characters"),
        ("answer", "\u200b\u3000", "'text' holds no visible characters"),
        ("question", "标题\ufffd", "'title' holds U+FFFD"),
        ("questions", ["好的问法", "问" * 501], "'questions' is longer than 500 characters"),
        ("questions", "不是列表", "'questions' must be a list of non-empty strings"),
    ],
)
def test_jsonl_fields_are_validated_like_the_api(tmp_path: Path, field: str, value: object, message: str) -> None:
    good = {"id": "faq-ok", "question": "管局审核需多久", "answer": "3-20个工作日。"}
    bad = {"question": "备案进度", "answer": "登录备案系统查看。", field: value}
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (good, bad)) + "\n", encoding="utf-8")
    err = fails(path)
    assert err.line == 2
    assert message in err.message


def test_a_listing_page_in_a_saved_help_centre_is_passed_over(tmp_path: Path) -> None:
    centre = tmp_path / "centre"
    shutil.copytree(Path(__file__).parent / "data" / "help_centre", centre)
    listing = centre / "index.html"
    listing.write_text(
        '<html><body><nav><a href="app-faq.html">APP备案FAQ</a></nav><footer>© 2026</footer></body></html>', "utf-8"
    )
    titles = [e.title for e in load_corpus([centre])]
    assert titles == [e.title for e in load_corpus([centre / "app-faq.html", centre / "curtain-photo.html"])]
    # named on its own, the same page is still an error
    assert fails(listing).message == "no article text found (only navigation, or an empty page)"
