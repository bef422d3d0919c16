"""Entries to searchable chunks: embeddings in Chroma and a BM25 index over jieba tokens."""

from index.chunking import Chunk, chunk_entries
from index.embeddings import VectorEmbeddings, get_embedder
from index.store import INDEX_VERSION, IndexError_, IndexStore, LoadedIndex, Manifest, top_positions

__all__ = [
    "INDEX_VERSION",
    "Chunk",
    "IndexError_",
    "IndexStore",
    "LoadedIndex",
    "Manifest",
    "VectorEmbeddings",
    "chunk_entries",
    "get_embedder",
    "top_positions",
]
