"""Chunks keep words and numbers whole and carry the title."""

from __future__ import annotations

from corpus import Entry
from index.chunking import chunk_entry


def test_long_text_splits_between_words_with_title_on_each_chunk() -> None:
    sentence = "备案申请提交管局后管局审核时间为3-20个工作日请耐心等待管局审核结果并关注短信通知" * 8
    entry = Entry(id="faq-1", title="管局审核需多久", kind="faq", text=sentence + "。")
    chunks = chunk_entry(entry, limit=60)
    assert len(chunks) > 3
    body = ""
    for chunk in chunks:
        title, _, piece = chunk.text.partition("\n")
        assert title == "管局审核需多久"
        assert len(piece) <= 60
        assert not piece.startswith(("-20", "20个")), piece  # never inside a number
        body += piece
    assert body.replace(" ", "") == (sentence + "。").replace(" ", "")


def test_title_only_entry_is_one_chunk_and_ids_follow_entry() -> None:
    entry = Entry(id="ts-1", title="为什么网站无法访问?", kind="troubleshooting", text="为什么网站无法访问?")
    chunks = chunk_entry(entry)
    assert [(c.id, c.entry_id, c.text) for c in chunks] == [("ts-1#0", "ts-1", "为什么网站无法访问?")]
