"""Rejection and white-screen questions link to their troubleshooting steps, even in unseen phrasings."""

from __future__ import annotations

import pytest

from bot import Bot
from bot.intents import load_examples

# None of these phrasings is in bot/data/intents.jsonl or in the labelled evaluation sets.
UNSEEN_REJECTION = [
    "被驳回了",
    "审核没通过怎么办",
    "我的申请被退回了",
    "rejected again, what now",
    "备案给打回来了咋整",
    "初审被拒绝了",
]
UNSEEN_WHITE_SCREEN = [
    "页面一片空白",
    "打开是白的",
    "blank screen when opening the app",
    "app里点进去白茫茫一片",
    "进入备案页面后什么都没显示",
]
PLAIN = [
    "在哪里查我的备案号",
    "管局审核多长时间",
    "取消接入怎么确认",
    "ipv6格式怎么写",
    "短信核验验证码发给谁",
    "明天会下雨吗",
]


def test_unseen_phrasings_are_not_training_examples() -> None:
    trained = {e.text for e in load_examples()}
    assert not trained & set(UNSEEN_REJECTION + UNSEEN_WHITE_SCREEN + PLAIN)


@pytest.mark.parametrize("question", UNSEEN_REJECTION)
def test_rejection_questions_get_rejection_entries_with_steps(bot: Bot, question: str) -> None:
    links = bot.ask(question).troubleshooting
    assert links, question
    assert {link.kind for link in links} == {"rejection"}
    assert all(link.steps for link in links)
    assert all(bot.entry(link.id).kind == "rejection" for link in links)


@pytest.mark.parametrize("question", UNSEEN_WHITE_SCREEN)
def test_white_screen_questions_get_the_white_screen_topic_first(bot: Bot, question: str) -> None:
    links = bot.ask(question).troubleshooting
    assert links, question
    assert links[0].kind == "white_screen"
    assert links[0].title == "打开华为云APP网站备案,界面白屏"
    assert [link.kind for link in links[1:]] == ["troubleshooting"] * (len(links) - 1)
    assert len(links) >= 2


@pytest.mark.parametrize("question", PLAIN)
def test_plain_questions_get_no_rejection_or_white_screen_links(bot: Bot, question: str) -> None:
    kinds = {link.kind for link in bot.ask(question).troubleshooting}
    assert not kinds & {"rejection", "white_screen"}


def test_matching_rejection_entry_comes_first(bot: Bot) -> None:
    links = bot.ask("网站底部没放备案号被驳回了").troubleshooting
    assert links[0].title == "已备案成功的网站底部未添加备案号"
    links = bot.ask("身份证不是本地的，备案被退回了").troubleshooting
    assert links[0].title == "没有提交必要的地址证明材料会导致备案订单被驳回"
    assert links[0].steps[0] == "请在各地区管局ICP备案规则中查看您备案所在省份的规则"


def test_a_troubleshooting_answer_links_its_topic(bot: Bot) -> None:
    answer = bot.ask("网站为什么无法访问")
    assert [(link.kind, link.title) for link in answer.troubleshooting] == [("troubleshooting", "为什么网站无法访问?")]


def test_follow_up_rejection_routes_from_the_topic(bot: Bot) -> None:
    first = bot.ask("非当前备案地要提交什么证明")
    follow = bot.ask("被驳回了怎么办？", session_id=first.session_id)
    assert follow.troubleshooting[0].title == "没有提交必要的地址证明材料会导致备案订单被驳回"
