"""Direct sentences, answer types, language and several questions in one message, on the bundled corpus."""

from __future__ import annotations

import pytest

from bot.normalize import normalize
from bot.sentences import (
    answer_type,
    asks,
    direct_sentences,
    gives,
    language,
    offers_alternative,
    split_questions,
    subjects,
    value_kinds,
)
from corpus import Entry


def titled(entries: list[Entry], title: str) -> Entry:
    return next(e for e in entries if e.title == title)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("管局审核要多久", "duration"),
        ("提交到管局后要等多少个工作日", "duration"),
        ("备案要收费吗", "fee"),
        ("备案省市能修改吗", "yesno"),
        ("can I change the filing province?", "yesno"),
        ("备案号在哪里查", "where"),
        ("华为云APP去哪下", "where"),
        ("为什么被驳回", "why"),
        ("怎么取消接入", "how"),
        ("验证码发给谁", "who"),
        ("who gets the code?", "who"),
        ("订单被驳回了怎么办", "remedy"),
        ("被注销了怎么办还能用吗", "remedy"),
        # everyday ways of asking what to do
        ("证件有订单在进行中,咋整", "remedy"),
        ("备案号被注销了,这还能救吗", "remedy"),
        ("How can I fix a rejected filing?", "remedy"),
        ("My account has filing info. Can I change the province?", "yesno"),
        ("要准备哪些材料", "what"),
        ("要补啥材料", "what"),
        ("备案短信核验", None),
    ],
)
def test_answer_type(question: str, kind: str | None) -> None:
    assert answer_type(question) == kind


def test_what_is_left_to_do_after_a_step_is_a_value_an_entry_gives_or_not() -> None:
    assert [k for k, _ in value_kinds("网站审核过了，后面我还得弄点什么")] == ["next"]
    assert [k for k, _ in value_kinds("Is there anything else we must set up?")] == ["next"]
    # other papers besides the filing are no step after it
    assert value_kinds("开网店除了备案还要什么许可证") == []
    assert gives("next", "备案成功后,您还需要配置网站解析") == "后,您还需要"
    assert gives("next", "点击下一步") is None


def test_a_number_of_days_asks_for_a_duration_not_a_count() -> None:
    assert [k for k, _ in value_kinds("提交到管局后要等多少个工作日")] == ["duration"]
    assert [k for k, _ in value_kinds("审核要几个小时")] == ["duration"]
    assert [k for k, _ in value_kinds("一个账号最多能提交几个备案")] == ["count"]
    assert [k for k, _ in value_kinds("能填多少个域名")] == ["count"]
    # telling of some orders is not asking how many there are
    assert [k for k, _ in value_kinds("有几个备案订单删不掉,怎么回事")] == []
    assert [k for k, _ in value_kinds("一个主体能备案的网站有几个？")] == ["count"]
    # 那几个 / 这几个 / 哪几个 point at some, they do not ask how many
    assert [k for k, _ in value_kinds("注销其中一个，剩下那几个会受影响吗")] == []
    assert [k for k, _ in value_kinds("哪几个省要求居住证")] == []
    # 没几天 / 好几天 tell how long, they do not ask it
    assert [k for k, _ in value_kinds("域名刚注册没几天,提示没有实名认证")] == []
    assert [k for k, _ in value_kinds("等了好几个工作日还没结果")] == []
    # a time told is not asked for: 前几天 / 这几天 / 几天后 / 过几天还…
    assert [k for k, _ in value_kinds("前几天还好好的,今天网站打不开了")] == []
    assert [k for k, _ in value_kinds("这几天一直在等审核")] == []
    assert [k for k, _ in value_kinds("几天后收到了短信")] == []
    assert [k for k, _ in value_kinds("备案注销之后,过几天还可以恢复吗")] == []
    assert [k for k, _ in value_kinds("要过几天才能审完")] == ["duration"]


def test_a_phone_is_asked_for_as_a_number_not_as_a_device() -> None:
    assert [k for k, _ in value_kinds("what is the support phone number?")] == ["contact"]
    assert [k for k, _ in value_kinds("can i do the filing on my phone instead of a pc?")] == []
    # the number a code is sent to is someone's own, which the documents name; a number to call is a contact
    assert [k for k, _ in value_kinds("短信验证码会发到哪个号码")] == []
    assert [k for k, _ in value_kinds("那这个码是发哪个号码上啊")] == []
    assert [k for k, _ in value_kinds("Which phone number receives the code?")] == []
    assert [k for k, _ in value_kinds("短信是从哪个号码发过来的")] == ["contact"]
    assert [k for k, _ in value_kinds("客服号码多少")] == ["contact"]


def test_how_many_digits_is_a_count() -> None:
    # a key's length in digits is a count an entry gives only where it states one; a position is not
    assert [k for k, _ in value_kinds("APP公钥一般是多少位")] == ["count"]
    assert [k for k, _ in value_kinds("备案号放在哪个位置")] == []


def test_how_two_things_differ_is_asked_as_a_comparison() -> None:
    assert [k for k, _ in value_kinds("小程序备案和网站备案有什么区别")] == ["comparison"]
    assert [k for k, _ in value_kinds("快应用备案跟APP备案是一回事吗")] == ["comparison"]
    assert [k for k, _ in value_kinds("What is the difference between the two filings?")] == ["comparison"]
    # telling that two things differ is not asking how
    assert [k for k, _ in value_kinds("域名实名信息跟备案主体不一样可以吗")] == []


def test_a_number_or_a_web_address_asked_for_is_a_value() -> None:
    assert [k for k, _ in value_kinds("短信是从哪个号码发来的")] == ["contact"]
    # whom to turn to is a contact too; to whom a code is sent is not
    assert [k for k, _ in value_kinds("审核一直没结果,能找谁催一下")] == ["contact"]
    assert [k for k, _ in value_kinds("验证码发给谁")] == []
    assert [k for k, _ in value_kinds("备案号要链接到哪个网址")] == ["address"]
    assert [k for k, _ in value_kinds("What is the URL for the filing query?")] == ["address"]
    assert [k for k, _ in value_kinds("I changed the site's url")] == []
    # naming a phone number or a website is not asking for one
    assert [k for k, _ in value_kinds("负责人手机号码填错了怎么改")] == []
    assert [k for k, _ in value_kinds("网站网址变了要重新备案吗")] == []
    assert gives("address", "请访问 https://beian.miit.gov.cn 查询") == "https://"
    assert gives("address", "以工信部网站公共查询为准") is None


def test_the_value_asked_for_is_read_from_the_clauses_that_ask() -> None:
    # the phone call told before the question asks for no phone number; a clause naming no matter of its own
    # ("想问一下") leaves the value to the clause that names it
    told = "客户打电话过来，说收到条核验短信，想知道这是不是正规流程"
    assert [k for k, _ in value_kinds(told)] == []
    assert [k for k, _ in value_kinds("客服电话是多少")] == ["contact"]
    assert [k for k, _ in value_kinds("我们下周上线，管局审核要几天")] == ["duration"]
    assert [k for k, _ in value_kinds("管局审核的时长，想问一下")] == ["duration"]


def test_what_an_answer_of_a_kind_looks_like() -> None:
    assert gives("duration", "管局审核时间为3-20个工作日,请耐心等待") == "3-20个工作日"
    assert gives("duration", "初审时间一般为1~2个工作日") == "1~2个工作日"
    assert gives("yesno", "证件类型不支持修改") == "不支持"
    assert gives("duration", "请耐心等待") is None
    # the year of a date is no duration; a number of years is
    assert gives("duration", "2020年8月17日起,所有省份的用户还需完成短信核验") is None
    assert gives("duration", "有效期为3年") == "3年"
    assert gives(None, "3-20个工作日") is None


@pytest.mark.parametrize(
    ("question", "title", "direct"),
    [
        (
            "管局审核需要多久",
            "管局审核需多久",
            ["备案申请提交管局后,管局审核时间为3-20个工作日,请耐心等待管局审核结果。"],
        ),
        ("备案省市能修改吗", "场景二:账号下有备案信息", ["备案省市、主办单位性质、证件类型不支持修改"]),
        (
            "can I change the filing province?",
            "场景二:账号下有备案信息",
            ["备案省市、主办单位性质、证件类型不支持修改"],
        ),
        ("注销后还能恢复吗", "注销一旦成功则不可逆,请慎重选择", ["注销一旦成功则不可逆,请慎重选择。"]),
        ("备案号怎么查", "如何查询ICP备案号", ["ICP备案号以工信部网站公共查询为准。"]),
        (
            "验证码会发到谁的手机上",
            "备案短信核验",
            ["验证码仅发送至备案信息中填写的主体负责人、互联网信息服务负责人手机号码中。"],
        ),
        # what to do about it, not what happened: the title's words (注销, 网站) are every sentence's topic
        ("网站被注销了怎么办", "核查未通过,网站被注销怎么办", ["如需继续使用此互联网信息服务,您需要再次备案。"]),
        (
            # "申请" holds 请 but bids nobody do anything: the fix is the sentence that tells what to do
            "提示此证件存在进行中的订单怎么处理",
            "此证件存在进行中的订单",
            ["修改措施: 需要您登陆华为云账号,点击控制台至我的备案,查看历史订单,选择后进行放弃即可。"],
        ),
        # a numbered step's name is followed by how to do it
        ("安卓 签名MD5 获取", "获取安卓公钥", ["4. 获取签名MD5值。", "在文件APK signature中查看MD5签名。"]),
        (
            "为啥会被注销",
            "核查未通过,网站被注销怎么办",
            [
                "根据相关法规,若您的互联网信息服务没有对应的接入商或者网站违规,管局可能会注销您的备案号,"
                "导致您的域名无法继续访问。"
            ],
        ),
        (
            # "可在…" tells where; the step heading "下载华为云APP" does not
            "华为云APP去哪下载",
            "提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核",
            ["您可在各大应用市场或扫描下方二维码下载华为云APP,如果已下载华为云APP请将APP升级至最新版本。"],
        ),
        (
            "取消接入提交了在哪里看状态",
            "选择取消接入原因",
            ["您的申请提交后,可在“我的备案 > 正在备案中的订单”查看状态。"],
        ),
        ("域名没实名能直接备案吗", "域名未进行实名认证", ["请先实名认证新注册的域名,具体请参见域名实名认证操作指导。"]),
        (
            # "…获取公钥。" says back the question's own words and nothing more
            "APP 公钥 获取",
            "获取安卓公钥",
            [
                "在文件APK signature中查看模数(即公钥,如果公钥显示不完整,可以点击后面的省略号,"
                "若仍无法完整显示可直接复制已显示的数据进行填写即可)。"
            ],
        ),
        (
            "IP要填哪些",
            "IP和和域名信息",
            ["IP和和域名信息:填写域名解析到服务器上的所有IP地址。", "支持填写ipv4、ipv6。"],
        ),
    ],
)
def test_direct_sentences_are_verbatim_and_answer_the_question(
    entries: list[Entry], question: str, title: str, direct: list[str]
) -> None:
    entry = titled(entries, title)
    got = direct_sentences(question, normalize(question).lexical, entry)
    assert got == direct
    assert all(sentence in entry.text for sentence in got)


def test_no_direct_sentence_from_a_title_only_topic(entries: list[Entry]) -> None:
    screen = titled(entries, "打开华为云APP网站备案,界面白屏")
    assert direct_sentences("备案界面白屏怎么办", "备案界面白屏怎么办", screen) == []


def test_a_cut_sentence_keeps_its_ellipsis(entries: list[Entry]) -> None:
    materials = titled(entries, "APP备案前准备")
    got = direct_sentences("企业要提供营业执照吗", "企业要提供营业执照吗", materials)
    assert got == ["企业:营业执照、法定代表…"]


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("管局审核要多久？备案号怎么查？", ["管局审核要多久？", "备案号怎么查？"]),
        ("管局审核要多久，备案号怎么查", ["管局审核要多久", "备案号怎么查"]),
        ("我是企业用户。管局审核要多久？", ["我是企业用户。管局审核要多久？"]),
        ("你好，请问备案要多久", ["你好，请问备案要多久"]),
        ("备案号怎么查，谢谢", ["备案号怎么查，谢谢"]),
        (
            "How long is the review? Where do I look up my number?",
            ["How long is the review?", "Where do I look up my number?"],
        ),
        # a question naming nothing of its own asks of the one before it
        ("审核多久？怎么查？能改吗？要钱吗？", ["审核多久？怎么查？能改吗？", "要钱吗？"]),
        ("要做公安备案吗？在哪办？", ["要做公安备案吗？在哪办？"]),
        # 谁 asks, and so do A-not-A phrases (行不行, 是不是)
        ("核验短信是发给谁的，法人收不到行不行", ["核验短信是发给谁的", "法人收不到行不行"]),
        # a clause opening with 还有 / 另外 brings up another matter, even worded as a statement
        ("白屏了怎么办，还有小程序提示未安装", ["白屏了怎么办", "还有小程序提示未安装"]),
        # a clause only saying that a question comes is the start of the one after it
        ("另外问一下，验证码发给谁", ["另外问一下，验证码发给谁"]),
        ("管局审核要多久？还有个事：备案号怎么查", ["管局审核要多久？", "还有个事：备案号怎么查"]),
        # a statement before a question is still its context
        ("我的网站被驳回了，另外想问下备案号怎么查", ["我的网站被驳回了，另外想问下备案号怎么查"]),
        # "is" inside an English statement asks nothing: the statement is the question's context
        (
            "If our legal representative is a foreign national, which ID should we upload?",
            ["If our legal representative is a foreign national, which ID should we upload?"],
        ),
        (
            "How long is the review, and where do I look it up?",
            ["How long is the review", "and where do I look it up?"],
        ),
        # a clause telling when something happens is the context of the question after it
        (
            "When I tap the filing entry in the app, it says the mini program is not installed. What do I install?",
            ["When I tap the filing entry in the app, it says the mini program is not installed. What do I install?"],
        ),
        # an example of what was asked is not a question of its own
        ("Which sites need pre-approval, e.g. news sites?", ["Which sites need pre-approval, e.g. news sites?"]),
        ("哪些网站要前置审批，比如新闻网站要吗", ["哪些网站要前置审批，比如新闻网站要吗"]),
        # 啥 and 几 ask, in traditional characters too
        ("APP备案要准备啥，审核要几天", ["APP备案要准备啥", "审核要几天"]),
        ("網站備案要準備什麼，管局審核要多久", ["網站備案要準備什麼", "管局審核要多久"]),
        # a clause naming nothing of its own points back at the one before: one question
        ("变更备案和新增网站有啥区别,我该选哪个", ["变更备案和新增网站有啥区别,我该选哪个"]),
        # "what about X" names the topic of the clause after it; after another question it is one of its own
        ("网站的呢，多久能审完", ["网站的呢，多久能审完"]),
        ("APP备案要多久呢，网站的呢", ["APP备案要多久呢", "网站的呢"]),
        # asking only what comes next, the question after it says what
        ("备案下来了，然后呢？还要做什么网站才能访问", ["备案下来了，然后呢？还要做什么网站才能访问"]),
        ("被驳回了，怎么办？备案号怎么查", ["被驳回了，怎么办？", "备案号怎么查"]),
        # a space after a Chinese character parts two clauses as a comma does; an agent's keywords ask nothing
        ("营业执照换了主体信息咋改 IP那块要填几个", ["营业执照换了主体信息咋改", "IP那块要填几个"]),
        ("变更备案 提交后 进度查询", ["变更备案 提交后 进度查询"]),
        # a numbered item opens a question of its own; a version or an address is no item
        ("两个问题:1. 验证码发给谁 2. 管局审核要多少天", ["两个问题:1. 验证码发给谁", "2. 管局审核要多少天"]),
        ("①备案要多久②备案号怎么查", ["①备案要多久", "②备案号怎么查"]),
        ("IP填1.1.1.1行吗", ["IP填1.1.1.1行吗"]),
    ],
)
def test_split_questions(message: str, parts: list[str]) -> None:
    assert split_questions(message) == parts


def test_language_and_subjects() -> None:
    assert language("How long does the ICP review take?") == "en"
    assert language("ICP备案要多久") == "zh"
    assert language("备案审核要多久 how long") == "zh"
    # whichever language has more words: an English question keeping the documents' term, a Chinese one naming
    # a thing in Latin letters
    assert language("Got the approval SMS but the console is stuck on 待管局审核") == "en"
    assert language("用了CDN和WAF还需要备案吗") == "zh"
    # typed pinyin is Chinese
    assert language("wangzhan beian yao duojiu") == "zh"
    assert language("Can I change the province?") == "en"
    assert subjects("APP备案审核要多久") == {"APP"}
    assert subjects("那app的呢？") == {"APP"} and subjects("happy") == set()
    assert subjects("网站备案和小程序备案") == {"网站", "小程序"}
    assert subjects("管局审核要多久") == set()
    assert subjects("ＡＰＰ备案") == {"APP"} and subjects("網站備案") == {"网站"}


@pytest.mark.parametrize(
    ("message", "asking"),
    [
        ("备案短信核验是啥", True),
        ("IP地址要填几个", True),
        ("APP備案要準備什麼", True),
        ("Where do I look up my number?", True),
        ("变更备案已经提交了", False),
        ("几乎都填好了", False),
        ("域名刚注册没几天", False),
        ("服务器有好几个公网IP", False),
        ("I want to cancel access with Huawei Cloud.", False),
        # a question word followed by its subject tells when or where something happens; with its verb first it asks
        ("When I tap the filing entry in the app", False),
        ("when will my filing be approved", True),
        ("When I open the app it is all white?", True),
    ],
)
def test_a_message_asks_or_tells(message: str, asking: bool) -> None:
    assert asks(message) is asking


@pytest.mark.parametrize(
    ("question", "alternative"),
    [
        ("还是要重新备案？", True),
        ("或者找人代办也行？", True),
        ("or must we renew it?", True),
        ("Organisation filings too?", False),
        ("还有别的办法吗", False),
        ("备案还是要做的吧", False),
    ],
)
def test_a_question_offering_another_answer_to_the_one_before(question: str, alternative: bool) -> None:
    assert offers_alternative(question) is alternative
