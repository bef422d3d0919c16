"""Operators' own documents: Markdown folders and JSONL, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus import CorpusError, load_corpus

MARKDOWN = """---
category: 账号
---
# 备案账号

## 如何修改备案联系人手机号
登录备案系统，在“我的备案”中选择变更备案，修改后提交审核。

## 备案被驳回：幕布照片不合格
驳回原因：幕布照片背景不符合要求。
1. 按拍照规范重新拍摄
2. 在订单中上传新照片

# 故障排除

## 备案页面白屏
清除缓存后重新打开华为云APP。
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_headings_split_entries(tmp_path: Path) -> None:
    entries = load_corpus([write(tmp_path / "help.md", MARKDOWN)])
    assert [(e.title, e.kind, e.category) for e in entries] == [
        ("如何修改备案联系人手机号", "faq", "备案账号"),
        ("备案被驳回：幕布照片不合格", "rejection", "备案账号"),
        ("备案页面白屏", "troubleshooting", "故障排除"),
    ]
    assert entries[0].text == "登录备案系统，在“我的备案”中选择变更备案，修改后提交审核。"
    assert list(entries[1].steps) == ["按拍照规范重新拍摄", "在订单中上传新照片"]
    assert entries[2].route == "white_screen"
    assert entries[0].source.endswith("help.md:6")


def test_jsonl_fields(tmp_path: Path) -> None:
    rows = [
        {"question": "备案要多久", "answer": "一般20个工作日。", "category": "进度"},
        {
            "question": "照片被驳回",
            "answer": "重新拍摄。",
            "kind": "rejection",
            "steps": ["重拍", "上传"],
            "url": "https://example.com/a",
        },
    ]
    path = write(tmp_path / "faq.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n")
    entries = load_corpus([path])
    assert [(e.title, e.text, e.kind, e.category) for e in entries] == [
        ("备案要多久", "一般20个工作日。", "faq", "进度"),
        ("照片被驳回", "重新拍摄。", "rejection", None),
    ]
    assert entries[1].steps == ("重拍", "上传")
    assert entries[1].source_url == "https://example.com/a"


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("bad.jsonl", '{"question": "a", "answer": "b"}\n{"question": "c"\n', 2, "invalid JSON"),
        ("bad.jsonl", '{"question": "a", "answer": ""}\n', 1, "'answer' must be a non-empty string"),
        ("bad.jsonl", '{"question": "a", "answer": "b", "kind": "other"}\n', 1, "'kind' must be one of"),
        ("bad.jsonl", '{"question": "a", "answer": "b", "steps": "x"}\n', 1, "'steps' must be a list"),
        ("bad.jsonl", '{"question": "a", "answer": "b", "extra": 1}\n', 1, "unknown field(s): extra"),
        ("bad.jsonl", "[1, 2]\n", 1, "expected a JSON object"),
        ("bad.md", "intro\n# A\ntext\n", 1, "text before the first heading"),
        ("bad.md", "# A\n\n# B\ntext\n", 1, "heading 'A' has no text"),
        ("bad.md", "---\nkind: nope\n---\n# A\ntext\n", 1, "front matter 'kind'"),
        ("bad.md", "---\nkind: faq\n# A\ntext\n", 3, "front matter lines are 'key: value'"),
        ("bad.md", "---\nkind: faq\n", 1, "not closed"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path: Path, name: str, text: str, line: int, message: str) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(CorpusError) as err:
        load_corpus([path])
    assert err.value.path == str(path)
    assert err.value.line == line
    assert message in err.value.message


def test_folder_loads_all_or_nothing(tmp_path: Path) -> None:
    write(tmp_path / "a.md", MARKDOWN)
    write(tmp_path / "b.jsonl", '{"question": "q", "answer": "a"}\n')
    assert len(load_corpus([tmp_path])) == 4
    write(tmp_path / "c.jsonl", '{"question": "q2"}\n')
    with pytest.raises(CorpusError) as err:
        load_corpus([tmp_path])
    assert err.value.path.endswith("c.jsonl")


def test_missing_and_empty_sources(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file"):
        load_corpus([tmp_path / "nope.md"])
    with pytest.raises(CorpusError, match="no help documents"):
        load_corpus([tmp_path])
    with pytest.raises(CorpusError, match="not UTF-8"):
        load_corpus([tmp_path / "x.md"] if (tmp_path / "x.md").write_bytes(b"\xff\xfe# a") else [])


def test_duplicate_explicit_ids_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path / "d.jsonl",
        '{"id": "x1", "question": "a", "answer": "b"}\n{"id": "x1", "question": "c", "answer": "d"}\n',
    )
    with pytest.raises(CorpusError, match="duplicate entry id x1"):
        load_corpus([path])
