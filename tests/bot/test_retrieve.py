"""Hybrid retrieval: the exact scan and Chroma's graph rank alike on the bundled corpus; top-k without full sorts."""

from __future__ import annotations

import numpy as np
import pytest

from bot import Bot, Settings
from bot.evaluate import load_cases
from bot.normalize import normalize
from bot.retrieve import HybridRetriever
from index import IndexStore, VectorEmbeddings, top_positions
from tests.conftest import ROOT


@pytest.mark.parametrize("seed", range(5))
def test_top_positions_match_a_full_stable_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 6, size=300).astype(np.float32) / 5  # many ties on purpose
    order = np.argsort(-scores, kind="stable")
    for k in (1, 5, 20, 299, 300, 400):
        assert top_positions(scores, k).tolist() == order[:k].tolist()


def test_per_entry_maximum_matches_the_chunk_scores(bot: Bot) -> None:
    index = bot.index
    scores = np.random.default_rng(0).random(len(index.chunks)).astype(np.float32)
    expected = np.full(len(index.entries), -1.0, dtype=np.float32)
    np.maximum.at(expected, index.chunk_entry, scores)
    assert index.per_entry(scores, fill=-1.0).tolist() == expected.tolist()


def test_exact_scan_and_hnsw_find_the_same_neighbours_and_hybrid_answers_right(bot: Bot) -> None:
    graph = IndexStore(bot.settings.index_dir, exact_max=0).load()
    try:
        assert bot.index.exact and not graph.exact
        exact = HybridRetriever(bot.index, bot.embedder, mode="dense")
        hnsw = HybridRetriever(graph, bot.embedder, mode="dense")
        hybrid = HybridRetriever(bot.index, bot.embedder, lexical_weight=bot.settings.lexical_weight)
        cases = [c for c in load_cases(ROOT / "eval" / "dev.jsonl") if c.expect]
        for case in cases:
            query = normalize(case.question)
            vector = bot.embedder.query_vector(query.text)
            a, b = exact.retrieve(query, 3, vector), hnsw.retrieve(query, 3, vector)
            # on 26 chunks the graph finds every neighbour: the same entries, the same cosines
            assert [h.entry.id for h in a.hits] == [h.entry.id for h in b.hits], case.question
            assert [h.dense for h in a.hits] == pytest.approx([h.dense for h in b.hits], abs=1e-4)
            # the graph reports the nearest cosines only; how far the best stands above the typical entry is
            # measured on a sample of entries, here all of them: the coverage rule reads the same lead
            assert b.dense_lead == pytest.approx(a.dense_lead, abs=1e-4), case.question
            assert graph.typical(vector) == pytest.approx(bot.index.typical(vector), abs=1e-5)
            best = hybrid.retrieve(query, 1, vector).hits[0].entry
            assert any(p in best.title + best.text for p in case.expect), case.question
    finally:
        graph.close()


def test_settings_choose_the_dense_path(settings: Settings, embedder: VectorEmbeddings) -> None:
    graph_bot = Bot.from_settings(settings.model_copy(update={"exact_search_max": 0}), embedder=embedder)
    try:
        assert not graph_bot.index.exact
        answer = graph_bot.ask("管局审核多长时间")
        assert answer.confident and answer.sources[0].title == "管局审核需多久"
    finally:
        graph_bot.close()
