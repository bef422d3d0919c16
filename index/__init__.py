"""Entries to searchable chunks: embeddings in Chroma and a BM25 index over jieba tokens."""

from index.chunking import Chunk, chunk_entries
from index.embeddings import VectorEmbeddings, get_embedder
from index.loaded import LoadedIndex
from index.manifest import INDEX_VERSION, IndexLoadError, Manifest
from index.ranking import per_entry_max, top_positions
from index.store import IndexStore

__all__ = [
    "INDEX_VERSION",
    "Chunk",
    "IndexLoadError",
    "IndexStore",
    "LoadedIndex",
    "Manifest",
    "VectorEmbeddings",
    "chunk_entries",
    "get_embedder",
    "per_entry_max",
    "top_positions",
]
