"""Chroma clients with bounded waits: embedded, or a ``chroma run`` server that may be down or hung."""

from __future__ import annotations

import contextlib
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

# Seconds any one call to a Chroma server may take; chromadb's HTTP client itself never gives up.
CHROMA_TIMEOUT = 30.0
HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}
UPSERT_BATCH = 4096


class StoreUnavailable(RuntimeError):
    """The Chroma server could not be reached, or did not answer in time."""


@contextlib.contextmanager
def chroma_errors(url: str | None) -> Iterator[None]:
    """Turn a Chroma server's connection failures and timeouts into :class:`StoreUnavailable`."""
    if not url:
        yield
        return
    import httpx

    try:
        yield
    except StoreUnavailable:
        raise
    except (httpx.TransportError, OSError) as exc:
        raise StoreUnavailable(f"the Chroma server at {url} did not answer: {type(exc).__name__}: {exc}") from exc
    except ValueError as exc:
        if "connect" not in str(exc).lower():
            raise
        raise StoreUnavailable(f"the Chroma server at {url} cannot be reached: {exc}") from exc


def probe(url: str, timeout: float = CHROMA_TIMEOUT) -> None:
    """Raise :class:`StoreUnavailable` unless the server answers its heartbeat within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/api/v2/heartbeat", timeout=timeout) as resp:
            if resp.status == 200:
                return
            problem = f"heartbeat answered {resp.status}"
    except OSError as exc:  # refused, unreachable, or no answer within the timeout
        problem = f"{type(exc).__name__}: {exc}"
    raise StoreUnavailable(f"the Chroma server at {url} is not available ({problem})")


def chroma_client(path: Path | None, url: str | None, timeout: float = CHROMA_TIMEOUT) -> Any:
    """A Chroma client with telemetry off: a server when ``url`` is set (every call bounded by ``timeout``),
    else embedded at ``path``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        # the client's constructor already talks to the server (tenant check) with no timeout of its own
        probe(url, timeout)
        parsed = urlparse(url)
        with chroma_errors(url):
            client = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        _bound_http(client, timeout)
        return client
    assert path is not None
    return chromadb.PersistentClient(path=str(path), settings=settings)


def _bound_http(client: Any, timeout: float) -> None:
    """Give the HTTP session under a Chroma client a timeout (chromadb builds it with ``timeout=None``)."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(timeout)


def close_client(client: Any) -> None:
    """Release a client's threads and files; ``Client.close`` is reference-counted per path."""
    close = getattr(client, "close", None)
    if close is not None:
        with contextlib.suppress(Exception):
            close()


def write_collection(
    client: Any,
    name: str,
    ids: list[str],
    vectors: np.ndarray,
    metadatas: list[dict[str, Any]],
    check: Callable[[], None] | None = None,
) -> None:
    """Upsert the vectors into collection ``name`` in batches, calling ``check`` before each (it raises to stop).

    A collection this call created is deleted again if it stops part-way, so nothing half-written stays behind;
    one that already existed (a replica's, on a shared server) is left as it was found.
    """
    existing = {getattr(c, "name", c) for c in client.list_collections()}
    created = name not in existing
    collection = client.get_or_create_collection(name, configuration={"hnsw": dict(HNSW)}, embedding_function=None)
    try:
        if collection.count() == len(ids):
            return
        for start in range(0, len(ids), UPSERT_BATCH):
            if check is not None:
                check()
            end = min(start + UPSERT_BATCH, len(ids))
            collection.upsert(ids=ids[start:end], embeddings=vectors[start:end], metadatas=metadatas[start:end])
    except BaseException:
        if created:
            with contextlib.suppress(Exception):
                client.delete_collection(name)
        raise
