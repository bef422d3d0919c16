"""``bot.BeianRetriever`` in LangChain: exact entries through a real LCEL chain, and LangChain's standard suite."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from langchain_tests.integration_tests import RetrieversIntegrationTests

from bot import BeianRetriever, Bot, Settings


def titles(docs: list[Document]) -> list[str]:
    return [d.metadata["title"] for d in docs]


def test_documents_carry_the_entry_and_its_scores(bot: Bot) -> None:
    docs = BeianRetriever(bot=bot, k=3).invoke("管局审核多长时间")
    assert len(docs) == 3
    best = docs[0]
    entry = bot.entry(best.metadata["id"])
    assert best.id == entry.id and best.metadata["title"] == "管局审核需多久"
    assert best.metadata["kind"] == entry.kind and best.metadata["category"] == entry.category
    assert best.metadata["url"] == f"/help/{entry.id}"
    assert best.page_content.startswith("管局审核需多久\n")
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)
    hit = bot.search("管局审核多长时间", k=1)[0]
    assert (best.metadata["score"], best.metadata["dense"], best.metadata["lexical"]) == (
        round(hit.score, 4),
        round(hit.dense, 4),
        round(hit.lexical, 4),
    )


def test_filters_and_a_full_url(bot: Bot) -> None:
    retriever = BeianRetriever(bot=bot, k=5, kind="rejection", help_url="https://help.example.com/help/{id}")
    docs = retriever.invoke("驳回")
    assert docs and all(d.metadata["kind"] == "rejection" for d in docs)
    assert all(d.metadata["url"] == f"https://help.example.com/help/{d.id}" for d in docs)


def test_in_an_lcel_chain(bot: Bot) -> None:
    retriever = BeianRetriever(bot=bot, k=2)

    def prompt(inputs: dict[str, object]) -> str:
        docs = inputs["context"]
        assert isinstance(docs, list)
        sources = "\n".join(f"[{d.metadata['id']}] {d.metadata['title']}" for d in docs)
        return f"问题：{inputs['question']}\n参考：\n{sources}"

    chain = {"context": retriever, "question": RunnablePassthrough()} | RunnableLambda(prompt)
    faq = next(e for e in bot.entries() if e.title == "如何查询ICP备案号")
    out = chain.invoke("在哪里查我的ICP备案号")
    assert out.startswith(f"问题：在哪里查我的ICP备案号\n参考：\n[{faq.id}] 如何查询ICP备案号\n")
    ids = (retriever | RunnableLambda(lambda docs: [d.metadata["id"] for d in docs])).batch(
        ["管局审核多长时间", "APP备案需要准备什么"]
    )
    assert [bot.entry(i[0]).title for i in ids] == ["管局审核需多久", "APP备案前准备"]


def test_from_settings_opens_the_configured_index(settings: Settings) -> None:
    retriever = BeianRetriever.from_settings(settings, k=1)
    try:
        assert titles(retriever.invoke("取消接入怎么确认")) == titles(
            BeianRetriever(bot=retriever.bot, k=1).invoke("取消接入怎么确认")
        )
        assert retriever.invoke("管局审核多长时间")[0].metadata["title"] == "管局审核需多久"
    finally:
        retriever.bot.close()


class TestBeianRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's own retriever suite (langchain-tests), on the session's bot."""

    @pytest.fixture(autouse=True)
    def _use_bot(self, bot: Bot) -> None:
        self._bot = bot

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return BeianRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, object]:
        return {"bot": self._bot}

    @property
    def retriever_query_example(self) -> str:
        return "管局审核多长时间"
