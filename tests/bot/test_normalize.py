"""Question normalisation: width, script and case folded, filler dropped, synonyms rewritten, expansions for BM25."""

from __future__ import annotations

import pytest

from bot.normalize import Query, normalize


@pytest.mark.parametrize(
    ("question", "text", "lexical"),
    [
        # full width, traditional script, upper case, a greeting and a thank-you
        ("您好，请问ＩＣＰ備案號怎麼查？谢谢", "icp备案号怎么查?", "icp备案号怎么查?"),
        # the help documents' own words: 管局 for 通管局 (typos are the lexicon's: tests/bot/test_lexicon.py)
        ("通管局审核要多久", "管局审核要多久", "管局审核要多久"),
        # a province's bureau is still a province's: 各省管局 keeps 各省
        ("各省管局的要求", "各省 管局的要求", "各省 管局的要求"),
        # correct text is never rewritten by a typo table: 初审和管局终审 stays as it is
        ("初审和管局终审", "初审和管局终审", "初审和管局终审"),
        # 法人 means the legal representative, unless it already says 法人代表; spaces collapse
        ("  法人  变更  ", "法定代表人 变更", "法定代表人 变更"),
        ("法人代表是谁", "法人代表是谁", "法人代表是谁"),
        # ways of saying "rejected" and "white screen" reach BM25 as the documents' words; the embedder sees the text
        ("我的备案被打回了怎么办", "我的备案被打回了怎么办", "我的备案被打回了怎么办 驳回"),
        ("app打开一片空白", "app打开一片空白", "app打开一片空白 白屏"),
        ("进去一片白", "进去一片白", "进去一片白 白屏"),
        # a black-and-white copy is answered where the documents ask for the original in colour
        ("证件拍成黑白的行不行", "证件拍成黑白的行不行", "证件拍成黑白的行不行 原件 彩色"),
        # a thing sent to someone is sent (发送) in the documents' words; a result told is a notice (通知), a request to
        # tell ("能告诉我…") is not
        ("验证码会发给谁", "验证码会发给谁", "验证码会发给谁 发送"),
        ("审核结果会怎么告诉我", "审核结果会怎么告诉我", "审核结果会怎么告诉我 通知"),
        ("能告诉我备案号怎么查吗", "能告诉我备案号怎么查吗", "能告诉我备案号怎么查吗"),
        # settings are what the documents configure (配置)
        ("网站还要做什么设置吗", "网站还要做什么设置吗", "网站还要做什么设置吗 配置"),
        # a newer version of the app is what the documents call 升级
        ("华为云app得更新一下吗", "华为云app得更新一下吗", "华为云app得更新一下吗 升级"),
        # how applicants speak of a filing's course: approved, no news, handed in
        # approving (批) is the review's outcome: asked with a duration it is the review's own ("多久能批下来")
        ("备案刚批下来", "备案刚批下来", "备案刚批下来 审核通过 备案成功 审核"),
        ("号下来了", "号下来了", "号下来了 审核通过 备案成功"),
        # a number hung (挂) on the site is added to it; a site that 挂了 is down
        ("备案号要挂在哪", "备案号要挂在哪", "备案号要挂在哪 添加"),
        ("网站挂了", "网站挂了", "网站挂了"),
        ("还没过审", "还没过审", "还没过审 驳回"),
        ("交到管局两周了没动静", "交到管局两周了没动静", "交到管局两周了没动静 进度 状态 提交"),
        ("刚点提交就弹出来说证件有问题", "刚点提交就弹出来说证件有问题", "刚点提交就弹出来说证件有问题 提示"),
        ("想看看app备案审到哪一步了", "想看看app备案审到哪一步了", "想看看app备案审到哪一步了 进度"),
        # a filing's progress is what the documents call its status (查看状态)
        ("在哪看进度", "在哪看进度", "在哪看进度 状态"),
        # a reviewer checking is the documents' 核查 / 查看
        ("哪些类型会检查", "哪些类型会检查", "哪些类型会检查 核查 查看"),
        # not finished, can't be reached, changed: everyday verbs meet the documents' words
        ("有个订单还没走完", "有个订单还没走完", "有个订单还没走完 进行中 未完成"),
        ("网站还是连不上", "网站还是连不上", "网站还是连不上 无法访问"),
        ("网站才能正常打开", "网站才能正常打开", "网站才能正常打开 正常访问"),
        ("省份能改过来吗", "省份能改过来吗", "省份能改过来吗 修改 省市"),
        # 销掉 a filing is cancelling it (注销); 报销 is not
        ("旧网站的备案销掉", "旧网站的备案销掉", "旧网站的备案销掉 注销"),
        ("注销了还能恢复吗", "注销了还能恢复吗", "注销了还能恢复吗 不可逆"),
        ("发票报销了", "发票报销了", "发票报销了"),
        # asking whether it can be restored is asking whether it is reversible
        ("注销后还能恢复吗", "注销后还能恢复吗", "注销后还能恢复吗 不可逆"),
        ("注销了还能撤回不", "注销了还能撤回不", "注销了还能撤回不 不可逆"),
        # 备案 parted by 过 / 了 / 的 is still 备案
        ("之前备过案,现在能改不", "之前备案,现在能改不", "之前备案,现在能改不"),
        ("以前在别家备的案", "以前在别家备案", "以前在别家备案 第三方"),
        # what counts is what the documents take as authoritative (为准); weekends are about working days
        ("工信部能查到的算数吗", "工信部能查到的算数吗", "工信部能查到的算数吗 为准"),
        ("周末算不算", "周末算不算", "周末算不算 工作日"),
        ("控制台看到的不算吗", "控制台看到的不算吗", "控制台看到的不算吗 查看 为准"),
        ("备案号去哪查最准", "备案号去哪查最准", "备案号去哪查最准 为准"),
        ("哪里查的才最权威", "哪里查的才最权威", "哪里查的才最权威 为准"),
        ("这个标准的格式是啥", "这个标准的格式是啥", "这个标准的格式是啥"),
        # someone acting in another's place is an authorisation; letting others see, or an agency's service, is not
        ("负责人能换成别人吗", "负责人能换成别人吗", "负责人能换成别人吗 授权委托书"),
        ("能找人代替不", "能找人代替不", "能找人代替不 授权委托书"),
        ("不想让别人查到我的名字", "不想让别人查到我的名字", "不想让别人查到我的名字"),
        ("你们能代办吗", "你们能代办吗", "你们能代办吗"),
        # 备案 done again, said as a verb of its own
        ("还得重新备一遍吗", "还得重新备一遍吗", "还得重新备一遍吗 再次备案"),
        ("户籍不在本地", "户籍不在本地", "户籍不在本地 证件 住所"),
        # an app store is the documents' 应用市场
        ("能先上架应用商店吗", "能先上架应用商店吗", "能先上架应用商店吗 应用市场"),
        # 交 and 配 are how applicants say 提交 and 配置
        ("材料要交啥", "材料要交啥", "材料要交啥 提交"),
        ("是不是解析没配好", "是不是解析没配好", "是不是解析没配好 配置"),
        # how impatient someone is says nothing about the topic
        ("资料交上去了,急死了", "资料交上去了", "资料交上去了 提交 材料"),
        ("审核要多久 烦死我了!", "审核要多久", "审核要多久"),
        # English questions meet the Chinese documents through the glossary
        (
            "How long does the MIIT review take?",
            "how long does the miit review take?",
            "how long does the miit review take? 工信部 管局 审核 多久 时间 工作日",
        ),
        # a revoked filing is a deregistered one (注销); an inspection is 核查; going on using it is 继续使用
        (
            "The MIIT revoked my filing after an inspection. Can I keep using the domain?",
            "the miit revoked my filing after an inspection. can i keep using the domain?",
            "the miit revoked my filing after an inspection. can i keep using the domain? "
            "备案 工信部 管局 注销 域名 核查 继续使用",
        ),
        # ICP is a filing (备案), said once more in the documents' word, not twice in its own (the documents spell
        # ICP in few entries: repeated, it outweighed what the question asks); an ICP number is a filing number
        # (备案号); an application is a filing's unless a kind of app is said; a new one is 新增
        (
            "No ICP number in the footer, why does that block my new application?",
            "no icp number in the footer, why does that block my new application?",
            "no icp number in the footer, why does that block my new application? 备案 备案号 号 新增 底部",
        ),
        (
            "Does a mobile application need filing?",
            "does a mobile application need filing?",
            "does a mobile application need filing? 备案 app 手机",
        ),
        # a sub account is a sub-user; a third party's registrar; "does not exist" is 不存在; progressing is progress
        (
            "Sub account: domain does not exist at the 3rd party registrar, how is it progressing?",
            "sub account: domain does not exist at the 3rd party registrar, how is it progressing?",
            "sub account: domain does not exist at the 3rd party registrar, how is it progressing? "
            "域名 进度 子用户 账号 注册商 第三方 不存在",
        ),
        # speeding it up is expediting (加急), the object between the verb and its particle or not
        (
            "Any way to speed it up?",
            "any way to speed it up?",
            "any way to speed it up? 加急",
        ),
        # a company's licence is its business licence; words changed by tense are the same words
        (
            "Our company license changed, can I replace it?",
            "our company license changed, can i replace it?",
            "our company license changed, can i replace it? 营业执照 变更 替换 更换 企业 公司 许可证",
        ),
        # an IAM user is a sub-user, in Chinese and English
        ("用IAM子用户做变更备案", "用子用户做变更备案", "用子用户做变更备案"),
        (
            "Can an IAM user change the filing?",
            "can an iam user change the filing?",
            "can an iam user change the filing? 备案 变更 子用户",
        ),
        # a filing number made void (作废) is one revoked, 注销 in the documents
        ("备案号会不会被作废", "备案号会不会被作废", "备案号会不会被作废 注销"),
        # an IP version said short is the documents' ipv6 / ipv4; "ipv4" itself is left as it is
        ("服务器只有v6地址，ipv4也有", "服务器只有ipv6地址,ipv4也有", "服务器只有ipv6地址,ipv4也有"),
        # "在哪下载" is downloading asked where: the table's 在哪下 does not cut the 下载 in two
        ("承诺书模板在哪下载", "承诺书模板在哪下载", "承诺书模板在哪下载"),
        (
            "What should I prepare before filing?",
            "what should i prepare before filing?",
            "what should i prepare before filing? 备案 准备",
        ),
    ],
)
def test_normalize(question: str, text: str, lexical: str) -> None:
    assert normalize(question) == Query(original=question, text=text, lexical=lexical)


def test_english_plurals_meet_the_glossary() -> None:
    assert normalize("And for apps?").lexical.endswith(" app")
    assert normalize("two websites on one domain").lexical.endswith(" 网站 域名")
    # an already filed site is the documents' 已备案 (成功); a new site or filing is 新增
    assert normalize("my already-filed site").lexical.endswith(" 已备案 成功")
    assert "新增" in normalize("we are adding a new website").lexical.split()
    # checking something is looking it up (查询), inspecting it (核查) or looking at it (查看)
    assert normalize("where do i check it").lexical.endswith(" 查询 核查 查看")
    # a console status said in English is the status the documents name
    assert "待管局审核" in normalize("it still shows pending bureau review").lexical.split()
    # a filing's province is what the forms call 备案省市, as for 省份 in Chinese
    assert normalize("can i change the filing province").lexical.endswith(" 省份 省 省市")
    # an address in another province than the filing's is the documents' 非当前备案所在地
    assert "非当前备案所在地" in normalize("our licence address is in another province").lexical.split()
    # doing it on one's phone is the app's way (app端)
    assert " 备案 手机 app端" in normalize("Can I do the filing on my phone?").lexical


def test_a_question_of_filler_alone_is_kept() -> None:
    # stripping everything would leave nothing to search for
    assert normalize("你好").text == "你好"
    assert normalize("谢谢").text == "谢谢"
