"""Similar questions (相似问法) from the help documents retrieve their entry on both the dense and BM25 sides."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from corpus import Entry, load_corpus, tokenize
from corpus.loaders import default_sources
from index import INDEX_VERSION, IndexStore, VectorEmbeddings

DATA = Path(__file__).parents[1] / "corpus" / "data"
ASKED = "上架应用要交什么资料"  # a similar question of "APP备案需要准备哪些材料" in the saved help-centre page


def tops(root: Path, embedder: VectorEmbeddings, entries: list[Entry], question: str) -> tuple[str, str]:
    """Titles of the best entry on the dense side and on the BM25 side."""
    store = IndexStore(root)
    store.build(embedder, entries)
    index = store.load()
    dense = index.dense(embedder.query_vector(question), 3)
    lexical = index.lexical(tokenize(question))
    return (
        index.by_id[index.chunks[dense[0][0]].entry_id].title,
        index.by_id[index.chunks[int(np.argmax(lexical))].entry_id].title,
    )


def test_a_similar_question_retrieves_its_entry_first(tmp_path: Path, embedder: VectorEmbeddings) -> None:
    entries = load_corpus([*default_sources(), DATA / "help_centre", DATA / "domain.md"])
    target = next(e for e in entries if e.title == "APP备案需要准备哪些材料")
    assert ASKED in target.questions
    assert tops(tmp_path / "with", embedder, entries, ASKED) == ("APP备案需要准备哪些材料", "APP备案需要准备哪些材料")
    # the same corpus without its similar questions ranks another entry first on both sides
    bare = [replace(e, questions=[]) for e in entries]
    assert tops(tmp_path / "bare", embedder, bare, ASKED) == ("APP备案前准备", "APP备案前准备")


def test_similar_questions_change_the_corpus_hash_and_version(tmp_path: Path, embedder: VectorEmbeddings) -> None:
    entries = load_corpus([DATA / "domain.md"])
    store = IndexStore(tmp_path)
    manifest, built = store.ensure(embedder, entries)
    assert built and manifest.version == INDEX_VERSION == 5
    assert manifest.chunks == 4  # two entries of one chunk each, and two similar questions
    edited = [replace(entries[0], questions=[*entries[0].questions, "解析记录怎么加"]), *entries[1:]]
    assert not store.is_fresh(embedder, edited)
    again, built = store.ensure(embedder, edited)
    assert built and again.embedded == 1  # only the new question is embedded
