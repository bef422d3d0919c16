"""What a built index was made from (its manifest), and the error of an index that cannot be opened."""

from __future__ import annotations

from dataclasses import dataclass

INDEX_VERSION = 5  # 5: similar questions are chunks of their entry


class IndexLoadError(RuntimeError):
    """The index is missing or its files disagree with its manifest."""


@dataclass(frozen=True)
class Manifest:
    """What a built index was made from; a mismatch means it must be rebuilt."""

    version: int
    embedder: str
    dimension: int
    corpus_hash: str
    build_id: str
    collection: str
    chroma_url: str | None
    chunks: int
    entries: int
    created: float
    embedded: int = 0

    def matches(self, embedder: str, dimension: int, digest: str, chroma_url: str | None) -> bool:
        """Whether this index answers for that embedder, corpus and vector store."""
        return (
            self.version == INDEX_VERSION
            and self.embedder == embedder
            and self.dimension == dimension
            and self.corpus_hash == digest
            and self.chroma_url == chroma_url
        )
