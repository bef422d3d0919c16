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


def test_similar_questions_are_chunks_of_their_entry_after_its_body() -> None:
    entry = Entry(
        id="faq-2",
        title="如何上传幕布照片",
        kind="faq",
        text="在订单详情页上传幕布照片。",
        questions=["幕布照在哪里交", "如何上传幕布照片", "  ", "背景布相片怎么提交", "幕布照在哪里交"],
    )
    # the title and repeats add nothing; the body stays first so an entry's chunks are one run
    assert [(c.id, c.entry_id, c.text) for c in chunk_entry(entry)] == [
        ("faq-2#0", "faq-2", "如何上传幕布照片\n在订单详情页上传幕布照片。"),
        ("faq-2#q0", "faq-2", "幕布照在哪里交"),
        ("faq-2#q1", "faq-2", "背景布相片怎么提交"),
    ]
