"""This question → that entry; off-topic → declined; hybrid beats each side alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import Bot, InvalidInput
from bot.compose import FRAMINGS
from bot.evaluate import evaluate, load_cases, ranking

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("管局审核多长时间", "管局审核需多久"),
        ("怎麼查詢ICP備案號", "如何查询ICP备案号"),
        ("How long is the MIIT review?", "管局审核需多久"),
        ("怎么放弃之前没完成的备案订单", "此证件存在进行中的订单"),
        ("网站被管局注销了还能再备案吗", "核查未通过,网站被注销怎么办"),
        ("ＡＰＰ备案初审要几天？", "APP备案预计审核时间以及进度查询"),
    ],
)
def test_question_gets_that_entry(bot: Bot, question: str, title: str) -> None:
    answer = bot.ask(question)
    assert answer.confident
    assert answer.sources[0].title == title
    # the reply leads with the entry's own sentence(s) that answer it, verbatim
    assert answer.direct is not None and answer.coverage == "covered"
    assert all(sentence in answer.sources[0].text for sentence in answer.direct.split("\n"))
    assert any(answer.direct.split("\n")[0] in line for line in answer.answer.split("\n")[:2])


@pytest.mark.parametrize("question", ["明天会下雨吗", "怎么做红烧肉", "What is the capital of France?", "12345", "!!!"])
def test_off_topic_is_declined_with_suggestions_and_a_person(bot: Bot, question: str) -> None:
    answer = bot.ask(question)
    assert not answer.confident
    # an English question is declined in English
    english = question.startswith("What")
    decline, contact = (
        (FRAMINGS["en"].decline, FRAMINGS["en"].contact)
        if english
        else (bot.settings.decline_text, bot.settings.contact_text)
    )
    assert answer.coverage == "off_topic"
    assert answer.answer.startswith(decline)
    assert contact in answer.answer
    assert len(answer.suggestions) <= 3
    for s in answer.suggestions:
        assert f"· {s.title}" in answer.answer
    assert answer.troubleshooting == []
    assert (answer.direct, answer.parts) == (None, [])


def test_an_english_question_naming_no_filing_word_is_off_topic_and_one_naming_one_is_answered(bot: Bot) -> None:
    assert bot.ask("What is the capital of France?").coverage == "off_topic"
    answer = bot.ask("How long does the review take after submitting to the bureau?")
    assert answer.coverage == "covered"
    assert answer.sources[0].title == "管局审核需多久"


def test_a_title_only_topic_is_named_with_a_person_first(bot: Bot) -> None:
    answer = bot.ask("华为云一直显示待管局审核")
    assert answer.sources[0].title == "管局审核通过了,但华为云还显示“待管局审核”"
    assert (answer.confident, answer.coverage, answer.direct) == (True, "partial", None)
    assert answer.answer.split("\n")[:2] == [
        "帮助文档列出了这个问题，但没有给出处理步骤：管局审核通过了,但华为云还显示“待管局审核”",
        bot.settings.contact_text,
    ]


def test_rejection_answer_shows_numbered_steps(bot: Bot) -> None:
    answer = bot.ask("此证件存在进行中的订单")
    assert "处理步骤：\n1. 需要您登陆华为云账号\n2. 点击控制台至我的备案" in answer.answer


@pytest.mark.parametrize("bad", ["", "   ", "x" * 501])
def test_bad_questions_raise_the_bots_own_error(bot: Bot, bad: str) -> None:
    with pytest.raises(InvalidInput):
        bot.ask(bad)


def test_bad_session_and_top_k_raise(bot: Bot) -> None:
    with pytest.raises(InvalidInput):
        bot.ask("备案号", session_id="bad id!")
    with pytest.raises(InvalidInput):
        bot.ask("备案号", top_k=21)


@pytest.mark.parametrize(
    ("name", "bar"),
    [
        # the tuning split (the rule was fitted on it) and the older sets, as regressions; the test split is
        # reported by `beian-bot eval`, never asserted here where it would be tuned against
        ("tune.jsonl", {"hit@1": 0.94, "wrongly_declined": 0.05, "not_covered_declined": 0.85}),
        ("dev.jsonl", {"hit@1": 0.95, "wrongly_declined": 0.05}),
    ],
)
def test_labelled_sets_meet_the_bar_end_to_end(bot: Bot, name: str, bar: dict[str, float]) -> None:
    cases = load_cases(ROOT / "eval" / name)
    row = evaluate(bot, cases)["all"].row()
    assert row["hit@1"] is not None and row["hit@1"] >= bar["hit@1"], evaluate(bot, cases)["all"].misses
    assert row["wrongly_declined"] is not None and row["wrongly_declined"] <= bar["wrongly_declined"]
    assert row["off_topic_declined"] is not None and row["off_topic_declined"] >= 0.95
    if "not_covered_declined" in bar:
        assert row["not_covered_declined"] is not None and row["not_covered_declined"] >= bar["not_covered_declined"]


def test_hybrid_ranking_beats_each_side_alone(bot: Bot) -> None:
    cases = load_cases(ROOT / "eval" / "tune.jsonl")
    firsts = {mode: ranking(bot, cases, mode)["all"].ranked_first for mode in ("hybrid", "bm25", "dense")}
    assert firsts["hybrid"] >= firsts["bm25"] and firsts["hybrid"] > firsts["dense"], firsts


def test_search_ranks_with_matched_terms_and_filters(bot: Bot) -> None:
    hits = bot.search("备案号 查询", k=3)
    assert hits[0].entry.title == "如何查询ICP备案号"
    assert "备案号" in hits[0].matched
    rejections = bot.search("驳回", k=10, kind="rejection")
    assert rejections and all(h.entry.kind == "rejection" for h in rejections)
    assert all(h.entry.category == "故障排除" for h in bot.search("域名", category="故障排除"))


def test_repeated_questions_reuse_their_vector(bot: Bot) -> None:
    calls: list[str] = []
    real = bot.embedder.query_vector

    def counting(text: str) -> object:
        calls.append(text)
        return real(text)

    bot.embedder.query_vector = counting  # type: ignore[method-assign]
    try:
        first = bot.ask("取消接入的审核结果怎么通知我")
        second = bot.ask("取消接入的审核结果怎么通知我 ")
    finally:
        del bot.embedder.query_vector
    assert calls == ["取消接入的审核结果怎么通知我"]
    assert first.answer == second.answer
