"""The same index code against a Chroma server started with ``chroma run`` on loopback."""

from __future__ import annotations

from pathlib import Path

from corpus import Entry
from index import IndexStore, VectorEmbeddings
from tests.chroma_server import chroma_server


def test_build_and_query_through_a_chroma_server(
    tmp_path: Path, embedder: VectorEmbeddings, entries: list[Entry]
) -> None:
    with chroma_server(tmp_path / "chroma") as url:
        store = IndexStore(tmp_path / "index", chroma_url=url)
        manifest = store.build(embedder, entries)
        assert manifest.chroma_url == url
        assert manifest.collection.startswith("beian-")
        assert not (tmp_path / "index" / "builds" / manifest.build_id / "chroma").exists()
        # below the exact-scan size answering never asks Chroma; the HNSW path does
        assert store.load().collection is None
        index = IndexStore(tmp_path / "index", chroma_url=url, exact_max=0).load()
        assert not index.exact
        hits = index.dense(embedder.query_vector("如何查询ICP备案号"), 3)
        assert index.by_id[index.chunks[hits[0][0]].entry_id].title == "如何查询ICP备案号"

        # a second replica building the same corpus reuses the collection and its vectors: nothing re-embedded
        other = IndexStore(tmp_path / "replica", chroma_url=url)
        second = other.build(embedder, entries)
        assert second.collection == manifest.collection
        assert second.embedded == 0
        assert (
            IndexStore(tmp_path / "replica", chroma_url=url, exact_max=0).load().collection.count() == manifest.chunks
        )
