"""Follow-ups read in the light of the last topic; sessions are bounded and private."""

from __future__ import annotations

import pytest

from bot import Bot
from bot.errors import Conflict
from bot.pipeline import KIND_WORDS, _says_own_words, names_any, new_terms
from bot.sentences import VALUE_KINDS
from bot.sessions import SessionStore, Turn


def converse(bot: Bot, *questions: str) -> list[str]:
    sid = None
    titles = []
    for q in questions:
        answer = bot.ask(q, session_id=sid)
        sid = answer.session_id
        titles.append(answer.sources[0].title if answer.confident else "<declined>")
    return titles


def test_follow_ups_resolve_from_the_previous_turn(bot: Bot) -> None:
    assert converse(bot, "管局审核多长时间", "app的呢？") == [
        "管局审核需多久",
        "APP备案预计审核时间以及进度查询",
    ]
    assert converse(bot, "APP备案需要准备什么", "那要多久？") == [
        "APP备案前准备",
        "APP备案预计审核时间以及进度查询",
    ]


def test_a_part_after_a_declined_part_leans_on_the_last_answer(bot: Bot) -> None:
    # the fee is not in the documents; "every province?" still asks of the SMS check, as a turn of its own would
    first = bot.ask("短信核验是什么")
    assert first.sources[0].title == "备案短信核验"
    answer = bot.ask("收费吗？所有省份都要做吗？", session_id=first.session_id)
    assert [(p.coverage, p.sources[0].title) for p in answer.parts][1] == ("covered", "备案短信核验")
    assert (answer.coverage, answer.parts[0].coverage) == ("partial", "not_covered")
    # asked as the conversation's first message, the same part has no topic to lean on
    alone = bot.ask("收费吗？所有省份都要做吗？")
    assert alone.parts[1].sources[0].title != "备案短信核验"


def test_a_turn_telling_the_situation_is_the_next_questions_context(bot: Bot) -> None:
    # a statement finds no answer of its own, or a general one; the question after it asks about that situation
    assert converse(bot, "我们的变更备案刚提交上去", "去哪看进度")[1] == "管局审核"
    assert converse(bot, "APP备案资料刚交上去", "华为云初审一般几天")[1] == "APP备案预计审核时间以及进度查询"


def test_an_english_turn_opening_with_and_leans_on_the_last_one(bot: Bot) -> None:
    # its own words are said by the entry in the Chinese the glossary gives ("review" is 审核)
    app_review = "APP备案预计审核时间以及进度查询"
    assert converse(bot, "How long does the bureau review take?", "And for an app filing?")[1] == app_review
    assert converse(bot, "What do I need before filing an app?", "And how long is the review?")[1] == app_review


def test_a_turn_asking_for_more_of_the_last_answer_stays_on_it(bot: Bot) -> None:
    # "具体步骤" and "详细说说" ask for more of what was said, not about a topic of their own
    assert converse(bot, "取消接入怎么操作", "具体步骤是什么") == ["选择取消接入原因", "选择取消接入原因"]
    assert converse(bot, "短信核验验证码发给谁", "详细说说") == ["备案短信核验", "备案短信核验"]


def test_a_turn_asking_how_to_deal_with_it_stays_on_the_last_answer(bot: Bot) -> None:
    assert converse(bot, "提示此证件存在进行中的订单", "怎么处理") == ["此证件存在进行中的订单"] * 2
    assert converse(bot, "华为云APP备案页面白屏", "怎么解决") == ["打开华为云APP网站备案,界面白屏"] * 2


def test_what_comes_of_a_matter_told_is_asked_of_it(bot: Bot) -> None:
    # "多久能出结果" alone finds the bureau's review time; after a claim just submitted it asks of the claim's review
    claim = "提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核"
    assert converse(bot, "之前在别的服务商备的案,刚在华为云提交了认领", "多久能出结果")[1] == claim
    # waiting for it is asking what comes of it, not a matter of its own
    assert converse(bot, "认领的申请交上去了", "要等几天才有结果") == [claim, claim]
    # the statement alone finds the entry about orders of another account; what comes of it is the claim's review
    told = "客户以前在别的账号备过案,今天在这个账号提交了认领"
    assert converse(bot, told, "大概多久出结果") == ["此证件存在进行中的订单", claim]


def test_a_value_asked_of_a_topic_comes_from_the_entry_saying_the_topic(bot: Bot) -> None:
    # both the bureau's review time and the change filing's give a duration: the one saying 变更备案 answers
    assert converse(bot, "我们的变更备案刚交上去", "大概多久出结果")[1] == "管局审核"
    claim = "提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核"
    assert converse(bot, "以前在别的服务商备过案,现在想认领过来", "交了以后多久出结果")[1] == claim


def test_where_to_look_is_not_asked_of_a_problem_the_documents_only_name(bot: Bot) -> None:
    # the first turn is the title-only problem; where to see the progress is said by the bureau's review entry
    assert converse(bot, "客户的备案显示待管局审核", "他想看进度 在哪看") == [
        "管局审核通过了,但华为云还显示“待管局审核”",
        "管局审核需多久",
    ]


def test_a_turn_naming_nothing_of_its_own_asks_of_the_matter_told(bot: Bot) -> None:
    # "后面我还要做点啥" names no thing: the entry it finds alone (which says 后面 and 做) is no topic of its own
    cancel = "选择取消接入原因"
    assert converse(bot, "取消接入已经提交了", "然后呢 后面我还要做点啥") == [cancel, cancel]
    assert not names_any("然后呢 后面我还要做点啥", {"后面", "做点"})
    assert names_any("那域名证书要交吗", {"域名", "证书"})


def test_how_long_until_approved_is_the_review_time(bot: Bot) -> None:
    # 批下来 is the review's outcome: how long until it comes is how long the bureau's review takes
    review = "管局审核需多久"
    assert converse(bot, "网站备案交到管局了,一直没消息", "多久能批下来")[1] == review


def test_where_to_hang_the_number_is_where_to_add_it(bot: Bot) -> None:
    footer = "已备案成功的网站底部未添加备案号"
    assert converse(bot, "备案号批下来了", "要挂在网站哪里")[1] == footer


def test_the_rest_of_what_was_named_points_back(bot: Bot) -> None:
    # "剩下那俩" / "那些" point at what the last turn named, as 这个 / 那个 do
    cancel = "注销一旦成功则不可逆,请慎重选择"
    assert converse(bot, "一个主体下挂了三个网站,打算注销其中一个", "剩下那俩会不会被连累")[1] == cancel


def test_how_to_get_past_a_problem_only_named_stays_on_it(bot: Bot) -> None:
    # the documents name the problem without steps: asking how to fix it, or why, is answered as the problem was;
    # a matter of its own asked after it is not
    blank = "打开华为云APP网站备案,界面白屏"
    assert converse(bot, "客户反馈:华为云app进备案,空白页", "重装过了还这样,怎么回他") == [blank, blank]
    stuck = "管局审核通过了,但华为云还显示“待管局审核”"
    assert converse(bot, "管局审核通过了华为云还显示待管局审核", "有没有加急通道") == [stuck, "<declined>"]


def test_a_value_asked_alone_is_asked_of_the_last_answer_that_gives_it(bot: Bot) -> None:
    # the claim entry gives its own review time (1~2 working days): "需要多久" asks that, not the bureau's
    claim = "提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核"
    assert converse(bot, "认领备案怎么操作", "需要多久") == [claim, claim]


def test_a_turn_that_finds_the_last_answer_alone_is_read_with_it(bot: Bot) -> None:
    # declined alone, but its best entry is the one just answered from: it asks about that answer
    assert converse(bot, "怎么查ICP备案号", "以哪个为准") == ["如何查询ICP备案号"] * 2


def test_a_follow_up_naming_another_service_asks_about_it_instead(bot: Bot) -> None:
    # the last question's APP is dropped from the topic borrowed; the kind asked (how long) is kept
    assert converse(bot, "APP备案审核要多久", "网站呢") == ["APP备案预计审核时间以及进度查询", "管局审核需多久"]
    assert converse(bot, "网站备案审核几天", "那app的呢") == ["管局审核需多久", "APP备案预计审核时间以及进度查询"]


def test_a_question_an_agent_passes_on_leans_on_the_customers_situation(bot: Bot) -> None:
    # "他问" says who asks, not what: the turn brings no word of its own beyond the rejection told before
    assert new_terms("他问要去哪看", "用户反馈他的备案被驳回了,想看看他们省那边的规定") == set()
    address = "没有提交必要的地址证明材料会导致备案订单被驳回"
    assert converse(bot, "用户反馈他的备案被驳回了,想看看他们省那边的规定", "他问要去哪看") == [address, address]


def test_a_turn_pointing_at_a_part_of_the_last_topic_leans_on_it(bot: Bot) -> None:
    # "证件那块" is the documents the last answer lists
    assert converse(bot, "APP备案前要准备什么", "证件那块具体要哪些") == ["APP备案前准备"] * 2


def test_a_turn_negating_the_last_one_asks_of_the_same_topic(bot: Bot) -> None:
    # "不挂" is the last turn's "挂" denied: no word of its own, so it is read with the topic
    footer = "已备案成功的网站底部未添加备案号"
    assert new_terms("要是不挂呢", "网站底部的备案号要挂在哪里") == set()
    assert converse(bot, "网站底部的备案号要挂在哪里", "要是不挂呢") == [footer, footer]


def test_a_leaning_turn_needs_most_of_its_own_words_said(bot: Bot) -> None:
    # "买" is missing from the resolution entry, which says "注册域名": the rarer words (域名, 华为云) are said
    resolve = "为保证网站的正常访问,备案成功后,您还需要配置网站解析"
    assert converse(bot, "备案成功之后网站怎么才能访问", "要是域名不在华为云买的呢") == [resolve, resolve]
    # leaning on the last turn is no licence to answer what its entry does not say
    assert converse(bot, "备案成功之后网站怎么才能访问", "那要交多少钱呢") == [resolve, "<declined>"]


def test_a_leaning_turn_needs_most_of_its_words_weighed_by_rarity() -> None:
    text = "在华为云注册域名的用户,配置网站解析"
    # 买 (IDF 5.5) is missing, 域名 (9.8) and 华为 (9.9) are said: most of the weight
    assert _says_own_words(text, {"域名", "华为", "买"}, most=True)
    assert not _says_own_words(text, {"域名", "华为", "买"}, most=False)
    assert not _says_own_words(text, {"收费", "域名"}, most=True)
    # no word of its own beyond the corpus' subject: nothing for the entry to lack
    assert _says_own_words(text, set(), most=True)


def test_off_topic_turn_after_a_topic_is_still_declined(bot: Bot) -> None:
    assert converse(bot, "管局审核多长时间", "明天会下雨吗") == ["管局审核需多久", "<declined>"]


def test_a_new_topic_is_not_bent_to_the_old_one(bot: Bot) -> None:
    assert converse(bot, "管局审核多长时间", "怎么查备案号") == ["管局审核需多久", "如何查询ICP备案号"]


def test_sessions_never_leak_between_users(bot: Bot) -> None:
    a = bot.ask("管局审核多长时间", session_id="user-a")
    b = bot.ask("app的呢？", session_id="user-b")
    assert a.confident
    assert b.resolved_question == "app的呢?"
    assert [t.question for t in bot.sessions.history("user-b")] == ["app的呢？"]


def test_store_is_bounded_in_number_turns_and_age() -> None:
    now = [0.0]
    store = SessionStore(max_sessions=3, ttl=60, max_turns=2, clock=lambda: now[0])
    for i in range(5):
        store.append(f"s{i}", Turn(f"q{i}", f"q{i}", "a", None, True))
    assert len(store) == 3
    assert store.history("s0") == [] and store.history("s4")[0].question == "q4"
    for i in range(4):
        store.append("s4", Turn(f"t{i}", "", "", None, True))
    assert [t.question for t in store.history("s4")] == ["t2", "t3"]
    now[0] = 61.0
    assert store.history("s4") == []
    store.append("fresh", Turn("q", "q", "a", None, True))
    assert len(store) == 1


def test_a_vote_that_could_not_be_recorded_can_be_cast_again() -> None:
    store = SessionStore(10, 60, 5)
    store.append("s1", Turn("管局审核多长时间", "管局审核多长时间", "3-20个工作日", "faq-1", True))
    voted = store.vote("s1", "管局审核多长时间")
    with pytest.raises(Conflict):
        store.vote("s1", "管局审核多长时间")
    store.unvote("s1", voted)
    assert store.vote("s1", "管局审核多长时间").voted is True


def test_every_kind_of_value_asked_carries_over_to_a_follow_up(bot: Bot) -> None:
    # a follow-up that borrows the topic asks again for the kind of value the first turn asked for
    assert set(KIND_WORDS) == set(VALUE_KINDS)
    for first in ("工信部备案查询的网址是多少", "备案短信是用什么号码发的", "备案一共要交多少钱"):
        answers = converse(bot, first, "那APP的呢")
        assert len(answers) == 2, first


def test_a_follow_up_asking_whether_it_is_ok_asks_of_the_same_topic(bot: Bot) -> None:
    # 行不 asks whether it will do, as 行吗 and 行不行 do: the turn's own word is ipv6, which the entry says
    ip = "IP和和域名信息"
    assert converse(bot, "服务器IP地址要怎么填", "ipv6地址行不") == [ip, ip]


def test_a_turn_after_a_statement_is_read_with_it_as_corrected(bot: Bot) -> None:
    # the turn's own words are compared with the statement once its typo is corrected (驳会 is 驳回), so the
    # situation told (a household registration in another province) carries over to the rejection asked about
    titles = converse(bot, "我户籍不在备案的省份", "备案会被驳会吗")
    assert titles[1] == "没有提交必要的地址证明材料会导致备案订单被驳回"


def test_an_entry_is_read_in_the_words_questions_are_rewritten_to(bot: Bot) -> None:
    # the APP review entry says 发放备案编号; a question's 备案号 is the same word (备案编号 is rewritten to it)
    titles = converse(bot, "APP备案华为云初审完了然后呢", "过了会给备案号吗")
    assert titles == ["APP备案预计审核时间以及进度查询", "APP备案预计审核时间以及进度查询"]


def test_a_turn_asking_whether_the_same_holds_leans_on_the_last_one(bot: Bot) -> None:
    # "也一样" asks whether the last answer holds as well: its own words (域名, 别家) are mostly said by that entry
    resolve = "为保证网站的正常访问,备案成功后,您还需要配置网站解析"
    assert converse(bot, "备案下来了网站还要做什么设置吗", "域名是在别家买的也一样?") == [resolve, resolve]


def test_the_pieces_of_a_word_that_asks_are_no_words_of_their_own(bot: Bot) -> None:
    # jieba's search mode also gives 接下 and 下来 of 接下来 ("next"): asking what comes next names nothing new
    assert new_terms("接下来要干嘛", "备案已经通过了") == set()
    resolve = "为保证网站的正常访问,备案成功后,您还需要配置网站解析"
    assert converse(bot, "我们网站的备案成功了", "接下来要干嘛") == [resolve, resolve]


def test_a_fee_asked_of_the_last_topic_is_not_answered_by_it(bot: Bot) -> None:
    # 收钱 asks a fee; the claim entry gives none, so the follow-up is declined however close its topic
    claim = "提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核"
    assert converse(bot, "认领备案怎么操作", "认领收钱吗") == [claim, "<declined>"]


def test_seeing_it_is_what_the_documents_call_viewing(bot: Bot) -> None:
    # 看到 is the documents' 查看: "where do I see it once approved" after a claim asks of the claim entry
    claim = "提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核"
    assert converse(bot, "原备案数据的认领已经提交了", "审核通过以后在哪能看到")[1] == claim


def test_a_turn_after_a_statement_is_judged_on_its_own_words_answered_by_the_entry_found(bot: Bot) -> None:
    # 审完 / 方式 / 告诉 are not the cancellation entry's words, but the rule, reading the turn alone answered by
    # that entry, judges it answered; a fee asked after the same statement still finds no answer
    cancel = "选择取消接入原因"
    assert converse(bot, "取消接入的申请我已经提交了", "审完了会用啥方式告诉我结果")[1] == cancel
    assert converse(bot, "取消接入的申请我已经提交了", "这个要交多少钱")[1] == "<declined>"


def test_a_leaning_turn_is_judged_as_part_of_the_conversation_not_as_everyday_text(bot: Bot) -> None:
    # alone, "这个咋处理,我之前没在别处交过啊" reads no nearer the documents than everyday text; after the pasted
    # error it asks about that error, and the rule judges its words answered by the entry found, a little below
    # the threshold a whole question needs; a new matter after the same statement is still declined
    order = "此证件存在进行中的订单"
    pasted = "提交的时候跳出来 此证件存在进行中的订单"
    assert converse(bot, pasted, "这个咋处理,我之前没在别处交过啊")[1] == order
    assert converse(bot, "驳回说缺地址证明材料", "租房合同能代替居住证吗")[1] == "<declined>"


def test_a_turn_after_a_declined_question_may_ask_of_its_nearest_entry(bot: Bot) -> None:
    # the documents cannot tell a customer's number, but where to look it up is the entry nearest to that question,
    # which the next turn finds first alone too; an unrelated turn after the same question is still declined
    assert converse(bot, "客户问他网站的备案号具体是多少", "去哪查的才算数") == ["<declined>", "如何查询ICP备案号"]
    assert converse(bot, "客户问他网站的备案号具体是多少", "今天天气怎么样")[1] == "<declined>"


def test_a_turn_leaning_on_a_declined_question_is_judged_as_part_of_the_conversation(bot: Bot) -> None:
    # whether an APP's number must be inspected every year is not in the documents; "这个号" asks of that number, and
    # where to look a number up is; a turn leaning on the same question about a matter the documents lack is still
    # declined
    first = "APP备案通过以后备案号要年检吗"
    assert converse(bot, first, "去哪能查到这个号") == ["<declined>", "如何查询ICP备案号"]
    assert converse(bot, first, "那这个号要每年续费吗")[1] == "<declined>"


def test_a_turn_after_a_statement_that_found_no_answer_is_followed_as_after_a_declined_question(bot: Bot) -> None:
    # "then" leans on the statement, which found nothing to answer; the turn's own words are judged answered by the
    # SMS verification entry it finds first; a fee, which the documents do not give, is still declined
    told = "刚提交了备案申请"
    assert converse(bot, told, "then do I need to do some SMS thing?")[1] == "备案短信核验"
    assert converse(bot, told, "then is there a fee for it?")[1] == "<declined>"


def test_a_turn_pointing_back_that_finds_the_last_entry_both_ways_asks_more_of_it(bot: Bot) -> None:
    # "提前" is not in the entry on preparing an APP filing, but the turn points back, finds that entry first alone and
    # surely with its topic; a turn pointing back at it about a matter the documents lack is still declined
    prepare = "APP备案前准备"
    first = "APP要上应用市场之前得先干嘛"
    assert converse(bot, first, "那得提前准备些啥东西") == [prepare, prepare]
    assert converse(bot, first, "那要交钱吗")[1] == "<declined>"


def test_a_leaning_turn_read_unsurely_with_the_topic_is_judged_on_its_own_words(bot: Bot) -> None:
    # read with the topic the licence entry comes first, though not surely; the turn's own words, judged answered
    # by that entry as a turn of the conversation, are
    licence = "场景二:账号下有备案信息"
    assert converse(bot, "营业执照最近换新了", "备案那边也得重新传一遍吗") == [licence, licence]


def test_a_verb_with_its_result_is_the_verb(bot: Bot) -> None:
    # 查到 (glued by the segmenter) is 查, said by the entry on 查询; a word of its own such as 通过 stays whole
    assert new_terms("去哪能查到", "备案好了但短信里的备案号被我删了") == {"查"}
    assert new_terms("通过了吗", "APP备案交了") == {"通过"}
    assert converse(bot, "备案好了但短信里的备案号被我删了", "去哪能查到")[1] == "如何查询ICP备案号"


def test_when_and_how_a_user_did_something_are_no_words_of_their_own() -> None:
    # 上礼拜 (when) and 先 (how) tell of the user's case; 干啥 asks; what is left is the matter itself
    assert new_terms("域名上礼拜才注册的 得先干啥", "备案页面提示:域名未进行实名认证") == {"注册"}


def test_a_leaning_turn_is_said_in_the_words_the_tables_give_it(bot: Bot) -> None:
    # "能正常打开" is said by the revoked filing's "域名无法继续访问": the turn asks of that entry, not of the one on
    # reaching a site after filing
    first = "核查没通过，备案号被注销了"
    assert converse(bot, first, "那这期间域名还能正常打开吗") == ["核查未通过,网站被注销怎么办"] * 2


def test_a_part_offering_another_answer_borrows_no_earlier_topic(bot: Bot) -> None:
    # whether a filing number expires is not in the documents; "or must we renew it?" offers another answer to that
    # question, and asks nothing of the review the conversation spoke of before
    turns = converse(bot, "my app filing was approved last week", "is there an expiry date? or must we renew it?")
    assert turns == ["APP备案预计审核时间以及进度查询", "<declined>"]


def test_a_number_to_call_that_no_entry_gives_is_declined_in_either_part(bot: Bot) -> None:
    # "号码多少" asks for the number the part before it asks of, which the documents do not give
    assert converse(bot, "备案客服有吗 号码多少") == ["<declined>"]


def test_a_leaning_turn_is_judged_alike_however_deep_it_was_ranked(bot: Bot) -> None:
    # among thousands of entries the entry a turn leans on may stand below the depth the turn was ranked to
    snapshot = bot.live.snapshot
    question = "去哪验证真假"
    deep = bot.pipeline.run(question, snapshot, len(snapshot.index.entries))
    shallow = bot.pipeline.run(question, snapshot, 1)
    assert [h.entry.id for h in deep.retrieval.hits].index("faq-0dd8c221df") == 2
    assert [h.entry.id for h in shallow.retrieval.hits] != ["faq-0dd8c221df"]
    judged = [bot.pipeline._leaning_on(question, snapshot, alone, "faq-0dd8c221df") for alone in (deep, shallow)]
    assert judged == ["covered", "covered"]


def test_what_is_left_to_do_after_the_filing_succeeded_is_configuring_resolution(bot: Bot) -> None:
    resolution = "为保证网站的正常访问,备案成功后,您还需要配置网站解析"
    assert converse(bot, "公司网站的备案成功了", "然后还要做啥")[1] == resolution


def test_a_turn_declined_as_it_stands_is_asked_of_the_kind_of_service_named_before(bot: Bot) -> None:
    # "备之前要准备哪些材料" names no kind of service and is declined alone; after an APP's review time it asks of
    # an APP, as "APP 备之前要准备哪些材料" would
    review = "APP备案预计审核时间以及进度查询"
    assert converse(bot, "APP备案审核一般几天", "备之前要准备哪些材料") == [review, "APP备案前准备"]
    # asked so, a matter the documents do not give stays declined
    assert converse(bot, "APP备案审核一般几天", "备之前要交多少钱") == [review, "<declined>"]
    assert converse(bot, "APP备案审核一般几天", "备之前要准备软著吗") == [review, "<declined>"]
    assert not bot.ask("备之前要准备哪些材料").confident


def test_who_a_code_is_sent_to_after_the_sms_check_was_told_is_the_sms_check_entry(bot: Bot) -> None:
    # 发给 is the documents' 发送 ("验证码仅发送至…"): the bare "发给谁？" leans on the check just told of
    check = bot.ask("短信核验要输验证码")
    answer = bot.ask("发给谁？", session_id=check.session_id)
    assert answer.confident
    assert answer.sources[0].title == "备案短信核验"
    assert answer.direct is not None and "负责人手机号码" in answer.direct


def test_how_a_result_is_told_is_answered_with_the_notice(bot: Bot) -> None:
    # 告诉 a result is the documents' 通知: the reply leads with the sentence saying how it comes, not the review time
    told = bot.ask("我的备案已经提交管局系统了")
    answer = bot.ask("会怎么告诉我结果?", session_id=told.session_id)
    assert answer.sources[0].title == "管局审核需多久"
    assert answer.direct is not None and "短信、邮件通知" in answer.direct
