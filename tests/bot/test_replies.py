"""Answers as a help desk gives them, through the real bot: direct reply, parts, framing, subjects, follow-ups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import Bot
from bot.compose import FRAMINGS
from bot.sentences import VALUE_KINDS

ROOT = Path(__file__).resolve().parents[2]


def test_the_direct_sentence_leads(bot: Bot) -> None:
    answer = bot.ask("管局审核需要多久")
    assert answer.sources[0].title == "管局审核需多久"
    assert answer.direct is not None and "管局审核时间为3-20个工作日" in answer.direct
    changed = bot.ask("备案省市可以修改吗")
    assert changed.direct == "备案省市、主办单位性质、证件类型不支持修改"
    assert changed.answer.startswith("备案省市、主办单位性质、证件类型不支持修改\n")


def test_the_white_screen_topic_offers_a_person_then_steps(bot: Bot) -> None:
    answer = bot.ask("华为云APP网站备案界面白屏")
    assert answer.sources[0].title == "打开华为云APP网站备案,界面白屏"
    assert (answer.confident, answer.coverage, answer.direct) == (True, "partial", None)
    lines = answer.answer.split("\n")
    assert lines[:3] == [
        "帮助文档列出了这个问题，但没有给出处理步骤：打开华为云APP网站备案,界面白屏",
        bot.settings.contact_text,
        "以下相关条目有操作步骤，可以先参考：",
    ]
    assert "  3. 您可在各大应用市场或扫描下方二维码下载华为云APP,如果已下载华为云APP请将APP升级至最新版本" in lines
    links = answer.troubleshooting
    assert links[0].title == "打开华为云APP网站备案,界面白屏" and links[0].kind == "white_screen"
    assert links[1].title == "提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核"
    assert all(link.steps for link in links[1:]) and len(links) >= 2


def test_two_questions_in_one_message_are_answered_each(bot: Bot) -> None:
    answer = bot.ask("管局审核要多久？备案号怎么查？")
    assert [(p.question, p.sources[0].title, p.coverage) for p in answer.parts] == [
        ("管局审核要多久？", "管局审核需多久", "covered"),
        ("备案号怎么查？", "如何查询ICP备案号", "covered"),
    ]
    assert answer.parts[1].direct == "ICP备案号以工信部网站公共查询为准。"
    assert answer.answer.startswith("问题1：管局审核要多久？\n")
    assert "\n\n问题2：备案号怎么查？\nICP备案号以工信部网站公共查询为准。" in answer.answer
    assert [s.title for s in answer.sources[:2]] == ["管局审核需多久", "如何查询ICP备案号"]
    assert (answer.confident, answer.coverage) == (True, "covered")
    # a part that no document answers leaves the message partly answered
    mixed = bot.ask("备案号怎么查？明天会下雨吗？")
    assert [p.confident for p in mixed.parts] == [True, False]
    assert (mixed.confident, mixed.coverage) == (True, "partial")
    assert bot.ask("备案号怎么查").parts == []


def test_a_partly_answered_message_cites_the_answered_part_first(bot: Bot) -> None:
    # the fee is not in the documents: the entry the reply answered from leads, not the one the fee came near
    answer = bot.ask("备案收费吗？备案号怎么查？")
    assert [(p.coverage, p.sources[0].title) for p in answer.parts][1] == ("covered", "如何查询ICP备案号")
    assert (answer.coverage, answer.parts[0].coverage) == ("partial", "not_covered")
    assert answer.sources[0].title == "如何查询ICP备案号"
    assert answer.parts[0].sources[0].title in [s.title for s in answer.sources[1:]]


def test_a_message_none_of_whose_questions_is_answered_is_declined_once(bot: Bot) -> None:
    answer = bot.ask("华为云做ICP备案收费吗,要交多少钱")
    assert [(p.question, p.coverage) for p in answer.parts] == [
        ("华为云做ICP备案收费吗", "not_covered"),
        ("要交多少钱", "not_covered"),
    ]
    assert (answer.confident, answer.coverage, answer.direct) == (False, "not_covered", None)
    lines = answer.answer.split("\n")
    assert lines[:2] == [
        "抱歉，帮助文档没有回答这个问题：“华为云做ICP备案收费吗,要交多少钱”。",
        "帮助文档中没有给出费用方面的说明。",
    ]
    assert lines.count(bot.settings.contact_text) == 1 and "问题1" not in answer.answer
    assert len(answer.suggestions) == 3
    weather = bot.ask("今天天气怎么样？明天呢？")
    assert (weather.coverage, weather.answer.count(bot.settings.contact_text)) == ("off_topic", 1)


def test_questions_of_one_entry_in_one_message_are_answered_once(bot: Bot) -> None:
    answer = bot.ask("安卓公钥在哪看？显示不全怎么办？")
    sentence = (
        "在文件APK signature中查看模数(即公钥,如果公钥显示不完整,可以点击后面的省略号,"
        "若仍无法完整显示可直接复制已显示的数据进行填写即可)。"
    )
    assert (answer.parts, answer.sources[0].title, answer.direct) == ([], "获取安卓公钥", sentence)
    assert answer.answer.count(sentence) == 1 and "问题1" not in answer.answer
    # each question's own sentence, once each, in the order asked
    changes = bot.ask("主体信息变了怎么改？备案省份能不能一起改？")
    assert (changes.parts, changes.sources[0].title) == ([], "场景二:账号下有备案信息")
    assert changes.direct is not None and changes.direct.split("\n") == [
        "查看主体单位信息,如主体信息有变更请重新上传证件,将鼠标放置在原有营业执照上,”点击修改”进行替换,"
        "系统会自动识别并改正。",
        "备案省市、主办单位性质、证件类型不支持修改",
    ]
    # one part of another entry keeps the message in parts, the two of one entry as one
    mixed = bot.ask("安卓公钥在哪看？显示不全怎么办？备案号怎么查？")
    assert [(p.question, p.sources[0].title) for p in mixed.parts] == [
        ("安卓公钥在哪看？ 显示不全怎么办？", "获取安卓公钥"),
        ("备案号怎么查？", "如何查询ICP备案号"),
    ]


def test_english_questions_get_english_framing_around_the_chinese_text(bot: Bot) -> None:
    answer = bot.ask("How long does the review of the website filing take?")
    assert answer.sources[0].title == "管局审核需多久"
    assert answer.direct == "备案申请提交管局后,管局审核时间为3-20个工作日,请耐心等待管局审核结果。"
    assert "From the help document (管局审核需多久):" in answer.answer.split("\n")
    assert "帮助文档原文" not in answer.answer
    told = bot.ask("My filing was rejected because of the address proof")
    assert told.sources[0].title == "没有提交必要的地址证明材料会导致备案订单被驳回"
    assert told.answer.split("\n")[1:3] == [
        FRAMINGS["en"].steps,
        "1. 请在各地区管局ICP备案规则中查看您备案所在省份的规则",
    ]
    # asked what to do, the fix the steps were drawn from comes first, and the steps are not said twice
    fix = bot.ask("My filing was rejected because of the address proof, what should I do?")
    assert fix.direct is not None and fix.direct.startswith("修改措施: 请在各地区管局ICP备案规则中查看")
    assert fix.answer.split("\n")[1] == "From the help document (没有提交必要的地址证明材料会导致备案订单被驳回):"


def test_review_times_follow_the_subject_asked(bot: Bot) -> None:
    app = bot.ask("APP备案审核要多久")
    assert app.sources[0].title == "APP备案预计审核时间以及进度查询"
    assert "不同条目的说法不同" not in app.answer
    # typed full-width or in traditional characters, it still asks about apps
    for spelled in ("ＡＰＰ备案审核要多久？", "APP備案審核要多久"):
        again = bot.ask(spelled)
        assert again.sources[0].title == "APP备案预计审核时间以及进度查询"
        assert "不同条目的说法不同" not in again.answer
    site = bot.ask("网站备案管局审核要多久")
    assert site.sources[0].title != "APP备案预计审核时间以及进度查询"
    assert "3-20个工作日" in (site.direct or "")


def converse(bot: Bot, *questions: str) -> list[tuple[bool, str | None]]:
    sid = None
    out = []
    for q in questions:
        answer = bot.ask(q, session_id=sid)
        sid = answer.session_id
        out.append((answer.confident, answer.sources[0].id if answer.sources else None))
    return out


def test_a_turn_with_its_own_topic_is_read_alone(bot: Bot) -> None:
    for question in ("那个人可以备案吗", "那境外服务器能备案吗", "那明天会下雨吗"):
        alone = bot.ask(question)
        after = converse(bot, "管局审核多长时间", question)[1]
        assert after == (alone.confident, alone.sources[0].id if alone.sources else None), question


def test_no_answer_on_the_dev_set_shows_cut_text_as_finished(bot: Bot) -> None:
    cases = [json.loads(line) for line in (ROOT / "eval" / "dev.jsonl").read_text(encoding="utf-8").splitlines()]
    entries = {e.id: e for e in bot.index.entries}
    for case in cases:
        answer = bot.ask(case["question"])
        if not answer.confident:
            continue
        best = entries[answer.sources[0].id]
        assert answer.direct is not None or best.title_only, case["question"]
        assert best.title_only is (answer.coverage == "partial"), case["question"]
        for link in answer.troubleshooting:
            assert all(not step.endswith("…") for step in link.steps)
        # the entry's last sentence, when the source cut it, is never shown without its "…"
        for entry in entries.values():
            if entry.cut_tail:
                fragment = entry.text.rstrip("…").rsplit(" ", 1)[-1]
                for line in answer.answer.split("\n"):
                    assert not line.endswith(fragment) or not fragment, (case["question"], fragment)


def test_a_message_about_filing_keeps_its_short_parts_about_filing(bot: Bot) -> None:
    answer = bot.ask("管局审核要多久？要收费吗")
    assert [(p.coverage, p.confident) for p in answer.parts] == [("covered", True), ("not_covered", False)]
    assert answer.coverage == "partial"
    # the part the documents do not answer is named, with a person offered
    assert FRAMINGS["zh"].not_covered.format(question="要收费吗") in answer.parts[1].answer
    # a message with nothing about filing in it stays off-topic throughout
    far = bot.ask("明天会下雨吗？怎么做红烧肉")
    assert [p.coverage for p in far.parts] == ["off_topic", "off_topic"] and far.coverage == "off_topic"


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        # a platform or place no entry mentions, as the question spells it
        ("抖音小程序的备案在哪里提交", "帮助文档中没有提到“抖音”。"),
        ("Can I file a website hosted in Singapore?", "The help documents do not mention “Singapore”."),
        # a value no entry near the top gives
        ("备案一共要交多少钱", "帮助文档中没有给出费用方面的说明。"),
        ("工信部备案查询的网址是多少", "帮助文档中没有给出网址。"),
        # no entry compares two kinds of filing
        ("经营性备案和非经营性备案有什么区别", "帮助文档中没有给出两者的比较。"),
    ],
)
def test_a_decline_says_what_the_documents_lack(bot: Bot, question: str, reason: str) -> None:
    answer = bot.ask(question)
    assert answer.coverage == "not_covered"
    assert reason in answer.answer.splitlines()


def test_a_decline_does_not_say_the_documents_lack_a_value_an_entry_it_offers_gives(bot: Bot) -> None:
    # the claim's entry ranks first and gives no next step; the resolution entry offered third says what is left
    answer = bot.ask("备案终于成功了，接下来还要干啥")
    assert answer.coverage == "not_covered"
    assert "为保证网站的正常访问,备案成功后,您还需要配置网站解析" in [s.title for s in answer.suggestions]
    assert not any(line.startswith("帮助文档中没有给出") for line in answer.answer.splitlines())


def test_every_kind_of_value_has_its_words_in_every_language() -> None:
    assert all(set(framing.values) == set(VALUE_KINDS) for framing in FRAMINGS.values())


def test_an_off_topic_question_is_declined_without_a_reason_about_filing(bot: Bot) -> None:
    far = bot.ask("今天天气怎么样")
    assert far.coverage == "off_topic"
    assert not any(line.startswith("帮助文档中没有") for line in far.answer.splitlines())


def test_a_message_telling_the_situation_is_asked_what_it_is_about(bot: Bot) -> None:
    for message in ("我们的变更备案刚提交上去", "怎么办"):
        answer = bot.ask(message)
        assert (answer.confident, answer.coverage) == (False, "not_covered"), message
        lines = answer.answer.split("\n")
        assert lines[0] == "好的。请问您想了解哪方面？可以直接提问，也可以看看这些相关条目：", message
        assert lines[1:4] == [f"· {s.title}" for s in answer.suggestions] and lines[-1] == bot.settings.contact_text
    # a question the documents do not answer is still named as such
    assert bot.ask("备案要收费吗").answer.startswith("抱歉，帮助文档没有回答这个问题：“备案要收费吗”。")
