"""Coverage: covered / partial / not_covered / off_topic, and confident exactly for the first two."""

from __future__ import annotations

import pytest

from bot import Bot
from bot.coverage import Query, salient_terms


@pytest.mark.parametrize(
    ("question", "coverage", "title"),
    [
        ("短信核验的验证码发给谁", "covered", "备案短信核验"),
        ("子帐号能删除历史订单吗", "covered", "历史备案订单"),
        ("怎么获取安卓签名md5", "covered", "获取安卓公钥"),
        ("shenhe要多久", "covered", "管局审核需多久"),
        ("做网站备案要交多少钱", "not_covered", None),
        ("服务器放在美国要备案吗", "not_covered", None),
        ("今天适合去爬山吗", "off_topic", None),
        ("12345", "off_topic", None),
    ],
)
def test_coverage_of_questions(bot: Bot, question: str, coverage: str, title: str | None) -> None:
    answer = bot.ask(question)
    assert answer.coverage == coverage
    assert answer.confident is (coverage in ("covered", "partial"))
    if title is not None:
        assert answer.sources[0].title == title


def test_a_message_half_answered_is_partial(bot: Bot) -> None:
    answer = bot.ask("备案短信核验是什么？另外备案要交多少钱")
    assert (answer.coverage, answer.confident) == ("partial", True)
    assert answer.sources[0].title == "备案短信核验"


def test_salient_terms_drop_asking_words_and_weigh_nouns_above_verbs() -> None:
    terms = {t.text: t.weight for t in salient_terms(Query("q", "备案要收费吗怎么办", "q"))}
    assert set(terms) == {"备案", "收费"}
    verbs = {t.text: t.weight for t in salient_terms(Query("q", "提交备案", "q"))}
    assert verbs["提交"] < verbs["备案"]


def test_a_follow_up_never_borrows_what_the_entry_lacks(bot: Bot) -> None:
    first = bot.ask("备案短信核验是什么")
    assert first.coverage == "covered"
    follow = bot.ask("那要交多少钱", session_id=first.session_id)
    assert not follow.confident
    elliptic = bot.ask("验证码发给谁", session_id=first.session_id)
    assert elliptic.confident and elliptic.sources[0].title == "备案短信核验"
