"""How an answer reads: direct reply, steps, the rest; cut text; title-only topics; subjects; framing."""

from __future__ import annotations

from bot.compose import (
    FRAMINGS,
    answer,
    by_subject,
    decline_answer,
    framing,
    join_parts,
    related_with_steps,
    rest_of,
    title_only_answer,
)
from bot.curation import apply_overlay
from bot.normalize import normalize
from corpus import Entry

ZH = FRAMINGS["zh"]
EN = FRAMINGS["en"]


def titled(entries: list[Entry], title: str) -> Entry:
    return next(e for e in entries if e.title == title)


def reply(entry: Entry, question: str, fr: object = ZH, others: list[tuple[str, str]] | None = None) -> object:
    assert isinstance(fr, type(ZH))
    return answer(entry, question, normalize(question).lexical, fr, others or [])


def test_direct_reply_then_steps_then_the_rest(entries: list[Entry]) -> None:
    order = titled(entries, "此证件存在进行中的订单")
    got = answer(order, "提示证件存在进行中的订单", "提示证件存在进行中的订单", ZH)
    assert got.direct == "您填写的证件号码,已在华为云提交过备案申请,且备案订单还未完成。"
    assert got.text.split("\n") == [
        "您填写的证件号码,已在华为云提交过备案申请,且备案订单还未完成。",
        "处理步骤：",
        "1. 需要您登陆华为云账号",
        "2. 点击控制台至我的备案",
        "3. 查看历史订单",
        "4. 选择后进行放弃即可",
        "帮助文档原文（此证件存在进行中的订单）：",
        "修改措施: 需要您登陆华为云账号,点击控制台至我的备案,查看历史订单,选择后进行放弃即可。",
    ]


def test_asked_what_to_do_the_fix_comes_first_and_is_not_listed_again(entries: list[Entry]) -> None:
    order = titled(entries, "此证件存在进行中的订单")
    fix = "修改措施: 需要您登陆华为云账号,点击控制台至我的备案,查看历史订单,选择后进行放弃即可。"
    got = answer(order, "提示证件存在进行中的订单怎么处理", "提示证件存在进行中的订单怎么处理", ZH)
    assert got.direct == fix
    # the steps were drawn from that very sentence: the reply does not say them twice
    assert got.text.split("\n") == [
        fix,
        "帮助文档原文（此证件存在进行中的订单）：",
        "您填写的证件号码,已在华为云提交过备案申请,且备案订单还未完成。",
    ]


def test_can_i_change_it_gets_the_no_up_front(entries: list[Entry]) -> None:
    scene = titled(entries, "场景二:账号下有备案信息")
    got = answer(scene, "备案省市可以修改吗", normalize("备案省市可以修改吗").lexical, ZH)
    assert got.direct == "备案省市、主办单位性质、证件类型不支持修改"
    assert got.text.startswith(
        "备案省市、主办单位性质、证件类型不支持修改\n帮助文档原文（场景二:账号下有备案信息）：\n"
    )


def test_cut_text_ends_in_an_ellipsis_and_points_to_the_entry(entries: list[Entry]) -> None:
    fix = titled(entries, "已备案成功的网站底部未添加备案号")
    got = answer(fix, "网站底部没有备案号被驳回", "网站底部没有备案号被驳回", ZH)
    lines = got.text.split("\n")
    assert "处理步骤：" not in lines  # the cut fix is no step
    assert lines[-2].endswith("修改措施: 根据备案要求已备案成功的网站能够…")
    assert lines[-1] == "（原文在此处不完整，完整内容请查看帮助条目“已备案成功的网站底部未添加备案号”）"
    materials = titled(entries, "APP备案前准备")
    got = answer(materials, "企业要提供营业执照吗", "企业要提供营业执照吗", EN)
    assert got.text.split("\n")[:2] == [
        "企业:营业执照、法定代表…",
        "(The source text is incomplete here; see the full entry “APP备案前准备”)",
    ]
    assert got.text.count("see the full entry") == 1


def test_title_only_topic_says_so_offers_a_person_first_then_steps(entries: list[Entry]) -> None:
    screen = titled(entries, "打开华为云APP网站备案,界面白屏")
    related = related_with_steps(screen, "备案界面白屏怎么办", entries)
    assert related[0].title == "提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核"
    assert all(e.steps and not e.title_only for e in related)
    # "管局审核" lists the first two of these steps: they are not listed twice
    assert "管局审核" not in [e.title for e in related]
    assert all(not set(a.steps) <= set(b.steps) for a in related for b in related if a is not b)
    got = title_only_answer(screen, related[:1], framing("zh", contact_url="tel:4000-955-988"))
    assert got.direct is None
    assert got.text.split("\n") == [
        "帮助文档列出了这个问题，但没有给出处理步骤：打开华为云APP网站备案,界面白屏",
        "如需进一步帮助，可以转人工客服，我们会尽快为您处理。（tel:4000-955-988）",
        "以下相关条目有操作步骤，可以先参考：",
        "· 提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核",
        "  1. 在APP端登录华为云备案小程序",
        "  2. 下载华为云APP",
        "  3. 您可在各大应用市场或扫描下方二维码下载华为云APP,如果已下载华为云APP请将APP升级至最新版本",
    ]


def test_review_times_by_subject(entries: list[Entry]) -> None:
    site = titled(entries, "管局审核需多久")
    app = titled(entries, "APP备案预计审核时间以及进度查询")
    # the subject asked picks its entry, whichever ranked first
    lead, others = by_subject("APP备案审核要多久", normalize("APP备案审核要多久").lexical, [site, app])
    assert (lead.id, others) == (app.id, [])
    lead, others = by_subject("网站备案审核要多久", "网站备案审核要多久", [app, site])
    assert (lead.id, others) == (site.id, [])
    # no subject asked: both, labelled
    lead, others = by_subject("管局审核要多久", "管局审核要多久", [site, app])
    assert lead.id == site.id
    assert others == [
        ("管局审核需多久", "备案申请提交管局后,管局审核时间为3-20个工作日,请耐心等待管局审核结果。"),
        ("APP", app.text),
    ]
    text = answer(site, "管局审核要多久", "管局审核要多久", ZH, others).text.split("\n")
    assert text[:3] == [
        "不同条目的说法不同，请按您的情况参考：",
        "· 管局审核需多久：备案申请提交管局后,管局审核时间为3-20个工作日,请耐心等待管局审核结果。",
        f"· APP：{app.text}",
    ]
    # a question asking no value never mixes entries
    assert by_subject("怎么查审核进度", "怎么查审核进度", [site, app]) == (site, [])
    # naming no subject asks of a website filing: the entry about none leads even when the APP one ranked first
    lead, others = by_subject("交到管局几天能审完", "交到管局几天能审完", [app, site])
    assert lead.id == site.id and [label for label, _ in others] == ["管局审核需多久", "APP"]
    # a follow-up read with its topic is answered from the entry found with it, alone
    assert by_subject("审核要多久", "审核要多久", [app, site], context="APP备案需要准备什么") == (app, [])


def test_english_framing_quotes_the_chinese_text(entries: list[Entry]) -> None:
    site = titled(entries, "管局审核需多久")
    got = answer(site, "How long does the review take?", normalize("How long does the review take?").lexical, EN)
    assert got.text.split("\n") == [
        "备案申请提交管局后,管局审核时间为3-20个工作日,请耐心等待管局审核结果。",
        "From the help document (管局审核需多久):",
        "您可在信息提交管局后,登录备案系统查看审核进度或关注短信、邮件通知。",
    ]
    declined = decline_answer(framing("en", decline="抱歉", contact="转人工"), ["管局审核需多久"])
    assert declined.text.split("\n") == [
        "Sorry, the help documents do not cover this question.",
        "Did you mean:",
        "· 管局审核需多久",
        "A support agent can help you further: ask for a person and we will get back to you.",
    ]
    assert decline_answer(framing("zh", decline="抱歉", contact="转人工"), []).text == "抱歉\n转人工"


def test_parts_each_under_their_question() -> None:
    assert join_parts([("审核多久？", "3-20个工作日"), ("怎么查？", "查询")], ZH) == (
        "问题1：审核多久？\n3-20个工作日\n\n问题2：怎么查？\n查询"
    )
    assert join_parts([("how long?", "x")], EN) == "Question 1: how long?\nx"


def test_a_curated_body_makes_a_title_only_topic_an_answer(entries: list[Entry]) -> None:
    screen = titled(entries, "打开华为云APP网站备案,界面白屏")
    fix = titled(entries, "已备案成功的网站底部未添加备案号")
    state = {"title": screen.title, "kind": screen.kind, "text": "请将华为云APP升级至最新版本后重试。"}
    cut_kept = {"title": fix.title, "kind": fix.kind, "text": fix.text, "questions": ["底部没备案号"]}
    rewritten = {**cut_kept, "text": "驳回原因: 网站底部未添加备案号。 修改措施: 在网站首页底部添加备案号。"}
    written, kept = apply_overlay([screen, fix], {screen.id: state, fix.id: cut_kept})
    assert (written.title_only, kept.cut_tail, kept.questions) == (False, True, ["底部没备案号"])
    got = answer(written, "备案界面白屏怎么办", "备案界面白屏怎么办", ZH)
    assert got.direct == "请将华为云APP升级至最新版本后重试。"
    assert apply_overlay([fix], {fix.id: rewritten})[0].cut_tail is False
    assert apply_overlay([screen], {screen.id: {**state, "text": ""}})[0].title_only is True


def test_the_rest_leaves_no_heading_last(entries: list[Entry]) -> None:
    sms = titled(entries, "备案短信核验")
    direct = "验证码仅发送至备案信息中填写的主体负责人、互联网信息服务负责人手机号码中。"
    assert direct in sms.text and "验证码发送原则" in sms.text
    # the heading "验证码发送原则" introduced the sentence given as the direct reply
    assert rest_of(sms, [direct]).endswith("还需完成工信部短信核验,备案申请才能进入管局审核。")
    assert rest_of(sms, []).startswith("为了提高网站联系方式准确率")
