"""Question normalisation: width, script, case, filler words, domain synonyms and sound-alike typos."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from bot.lexicon import LATIN_WORD, Lexicon, typed_in_pinyin
from corpus.tokenize import fold

# Greetings and filler that say nothing about the topic.
_FILLER = re.compile(
    r"^(你好|您好|hi|hello|请问一下|请问|麻烦问一下|麻烦|想问一下|想问|问一下|咨询一下|咨询|打扰了|在吗)[,，!！。\s]*"
    r"|[,，\s]*(谢谢|多谢|感谢|[急烦愁]死(?:我)?了|急|在线等|求助|求解答|谢啦)[!！。.]*$"
)
# Domain synonyms: the left side is rewritten to the wording the help documents use.
SYNONYMS: tuple[tuple[str, str], ...] = (
    (r"icp号|icp编号|备案编号|icp证号", "备案号"),
    (r"通信管理局|通管局", "管局"),
    (r"省管局", "省 管局"),
    # an IAM user is what the documents call a sub-user
    (r"子账号|子帐号|子账户|iam\s*子?(用户|账号|帐号|账户)", "子用户"),
    (r"实名制", "实名认证"),
    (r"帐号", "账号"),
    (r"法人(?!代表)", "法定代表人"),
    (r"工单", "订单"),
    # 备案 is a separable verb: 备过案, 备了案, 备的案
    (r"备[过了的好完]案", "备案"),
    # an IP version said short ("只有v6地址"), as the documents never say it
    (r"(?<![a-z])v4(?![0-9a-z])", "ipv4"),
    (r"(?<![a-z])v6(?![0-9a-z])", "ipv6"),
)
# Ways of saying "rejected" and "white screen": expanded so BM25 sees the documents' words.
EXPANSIONS: tuple[tuple[str, str], ...] = (
    (r"退回|打回|没通过|未通过|不通过|没过审|被拒|拒绝了", "驳回"),
    (r"一片空白|空白页|页面空白|一片白|全白|白茫茫|白屏|空白|空空|白板|(?:没|不)加载出来|加载不出来?", "白屏"),
    (r"打不开|访问不了|访问不到|进不去|上不去|上不了|连不上|连接不上|无法打开|打开不了", "无法访问"),
    (r"(?<![不无])(正常|能|可以)(直接|马上|立刻|立马|就)?打开|打得开", "正常访问"),
    (r"没完成|未完成|还在进行|没[走弄办做搞]完", "进行中 未完成"),
    (r"身份证|营业执照|护照", "证件"),
    # how applicants talk about a filing's course, in the documents' words
    (r"备案(?:终于|总算|已经|刚刚?|都)?下来", "备案成功 审核通过"),
    (r"批下来|批下了|批准了|(?<![没未不])过审|审核过了|审过了", "审核通过 备案成功 审核"),
    (r"下号了|号下来|出号|拿到备案号|拿到号", "审核通过 备案成功"),
    (r"没动静|没消息|没反应|没进展|没下文|没结果|卡住了|卡在", "进度 状态"),
    # a number is hung (挂) where it is shown: put on the site, it is added; a site that 挂了 is down, not added to
    (r"挂(?=[在到上]|备案号|号|哪|个号)|(?<=[不没未别])挂(?![了掉])", "添加"),
    (r"交到|交上去|递交|补交|交材料|交资料|[要得需]交", "提交"),
    (r"没配|配好|配了|配一下|[要得去]配(?![合套])|设置|设定", "配置"),
    (r"审完|审好|审下来", "审核"),
    (r"改过来|改回来|改一下|改掉", "修改"),
    (r"办好|办完|办下来", "成功"),
    (r"资料", "材料"),
    (r"单子", "订单"),
    (r"外地|外省|异地", "非当前备案所在地"),
    (r"别家|别的平台|其他平台|别的服务商|其他服务商|其他注册商", "第三方"),
    (r"手机上|手机端|手机里|[用拿]手机", "app端"),
    (r"网页", "网站"),
    (r"最下面|最底下|最底部|页脚", "底部"),
    (r"应用商店|应用商城|app ?store", "应用市场"),
    (r"(?:去哪|在哪|哪里|哪儿)下(?!载)", "下载"),
    (r"吊销|撤掉|撤了|作废|(?<![报推促营开花注撤吊])销[掉了]", "注销"),
    (r"(?<![各每])省份", "省市"),
    (r"真伪|真假", "查询"),
    (r"恢复|还原|复原|反悔|撤回|撤销", "不可逆"),
    (r"弹出来?|跳出来?|弹窗|报错", "提示"),
    # a thing sent to someone is sent (发送) in the documents' words: "验证码仅发送至…"
    (r"发给|发到|发往|发去", "发送"),
    # a result told to the applicant is a notice (审核结果将以短信及邮件形式通知)
    (r"告知|(?<=[会么咋样式])告诉", "通知"),
    (r"搞定|弄好|备好|准备好", "准备"),
    (r"公司", "企业 单位 主体"),
    (r"到哪一步|哪一步了|到哪了|审到哪", "进度"),
    (r"进度|进展", "状态"),
    (r"检查", "核查 查看"),
    (r"看到|看得到|看见|瞅|瞧", "查看"),
    (r"规定", "规则 要求"),
    (r"我们省|本省|每个省|各个省|哪个省|所在省|省里|当地", "各省 省份 地区"),
    # what counts, and which days count
    (r"算数|作数|(?<!算)不算|最准|才准|(?<![标精水])准(?:的|不准)|权威", "为准"),
    (r"周末|周六|周日|星期[六日天]|礼拜[六日天]|双休|节假日|节假|假期", "工作日"),
    # 备案 done again, said as a separable verb ("再备一遍", "重新备")
    (r"(?:重新|从头|再)+备(?!案)", "再次备案"),
    (r"户口|户籍", "证件 住所"),
    # what the documents ask of a document's copy: the original, photographed or scanned, in colour
    (r"黑白|复印件|复印", "原件 彩色"),
    # someone acting in another's place is what the documents call an authorisation (授权委托书)
    (
        r"(?:换成?|找)(?:个|别的|其他的?)?(?:别人|他人|人)|(?:让|叫|请)(?:别人|他人|其他人)(?:来|代|帮|当|做|填|签)"
        r"|代替|替代|(?<![取])代[签填]",
        "授权委托书",
    ),
    # a newer version of the app
    (r"更新一下|更新到|升到|更新下", "升级"),
)
# A small bilingual glossary: English questions reach the Chinese documents through BM25 too.
GLOSSARY: tuple[tuple[str, str], ...] = (
    (r"\bicp\b", "备案"),
    (r"\bfil(ing|e|ed)\b", "备案"),
    (r"\bmiit\b", "工信部 管局"),
    (r"\bhuawei( cloud)?\b", "华为云"),
    (r"\b(provincial )?(communications? )?(administration|bureau|authority|regulator)\b", "管局"),
    (r"\b(first|initial|preliminary) (review|check)\b", "初审"),
    (r"\breview(ed|ing)?\b|\baudit\b|\bapprov(al|e|ed)\b", "审核"),
    (r"\bworking days?\b|\bbusiness days?\b", "工作日"),
    (r"\bin progress\b|\bongoing\b|\bunfinished\b|\bincomplete\b", "进行中 未完成"),
    (r"\bfail(ed|s|ure)?\b|\bdid ?n[o']t pass\b", "未通过"),
    (r"\bset ?up\b|\bconfigur(e|ed|ation)\b", "配置 设置"),
    (r"\bvalid(ity)?\b|\bexpir(e|es|ed|y|ation)\b", "有效期 过期"),
    (r"\bhow long\b|\bhow many days\b", "多久 时间 工作日"),
    (r"\bcancel(l?ing|l?ed)? access\b|\bcancel\b", "取消接入"),
    (r"\bderegist\w*|\bcancell?ation\b|\bcancell?(ed|ing)\b|\bdelete\b|\brevok(e|ed|ing)\b|\brevocation\b", "注销"),
    (r"\breject(ed|ion)?\b|\bdenied\b|\brefused\b", "驳回"),
    (r"\bblank\b|\bwhite screen\b|\bempty page\b", "白屏"),
    (r"\bwebsites?\b|\bsites?\b", "网站"),
    (r"\bdomains?\b", "域名"),
    (r"\b(icp|filing|record|registration)( filing)? (number|no\.?)", "备案号"),
    (r"\bnumber\b", "号"),
    (r"\blook ?up\b|\bquery\b|\bcheck\b|\bfind\b", "查询 核查 查看"),
    (r"\binspect(ion|ions|ed)?\b", "核查"),
    (r"\bprepar(e|ed|ing|ation)\b", "准备"),
    (r"\bgenuine\b|\bauthentic(ity)?\b|\bfake\b|\blegitimate\b", "真伪 查询"),
    (r"\bsms\b|\btext message\b", "短信"),
    (r"\b(pending|awaiting|waiting for) (the )?(bureau|administration|miit) (review|approval)\b", "待管局审核"),
    (r"\balready[- ](filed|registered|approved|on file)\b", "已备案 成功"),
    (
        r"\bnew (site|website|domain|application|filing)s?\b|\badd(ing|ed)? (a |another )?(new )?(site|website)s?\b",
        "新增",
    ),
    (r"\b(on|from|with|using|via) (my|the|a|your|our) (phone|mobile|cellphone|smartphone)\b", "手机 app端"),
    (r"\bverif(y|ication)\b", "核验"),
    (r"\bapps?\b|\b(mobile|android|ios|iphone|phone) applications?\b", "app"),
    (r"\bmini ?programs?\b", "小程序"),
    (r"\bnot accessible\b|\bcan'?t (be )?access(ed)?\b|\bunreachable\b|\bcannot open\b", "无法访问"),
    (r"\breal[- ]name\b", "实名认证"),
    (r"\bpublic key\b", "公钥"),
    (r"\bsignature\b", "签名"),
    (r"\b(business|company|corporate|enterprise) licen[cs]es?\b", "营业执照"),
    (r"\bclaim\b", "认领"),
    (r"\bprogress(es|ing)?\b|\bstatus\b", "进度"),
    (r"\bchang(e|ed|es|ing)\b|\bmodif(y|ied|ies|ying)\b|\bupdat(e|ed|es|ing)\b", "变更"),
    (r"\breplac(e|ed|es|ing)\b", "替换 更换"),
    (r"\bip\b", "ip"),
    # who files, with what: the words of the filing forms
    (r"\bperson in charge\b|\bprincipal\b|\bresponsible person\b", "负责人"),
    (r"\blegal (representative|person)\b", "法定代表人"),
    (r"\bpower of attorney\b|\bauthori[sz]ation( letter)?\b", "授权委托书"),
    (r"\bentit(y|ies)\b|\borgani[sz]ations?\b|\bsponsor\b", "主体 单位"),
    (r"\bcompan(y|ies)\b|\benterprises?\b|\bbusiness(es)?\b", "企业 公司"),
    (r"\bindividuals?\b|\bpersonal\b|\bprivate person\b", "个人"),
    (r"\bforeigners?\b|\bforeign\b|\boverseas\b|\babroad\b", "境外 海外 外国"),
    (r"\bhong kong\b|\bhk\b", "香港"),
    (r"\bmacau\b|\bmacao\b", "澳门"),
    (r"\btaiwan\b", "台湾"),
    (r"\b(another|a different|other) (province|city|region)s?\b|\bout[- ]of[- ]province\b", "非当前备案所在地"),
    (r"\bprovinces?\b", "省份 省 省市"),
    (r"\bprovincial\b|\bregional\b|\blocal\b", "各省 省份 地区"),
    (r"\brules?\b|\bregulations?\b|\brequirements?\b", "规则 要求"),
    (r"\baddress(es)?\b", "地址"),
    (r"\bproof\b", "证明"),
    (r"\bmaterials?\b|\bdocuments?\b|\bpaperwork\b", "材料"),
    (r"\bid( card)?\b|\bidentity( card)?\b|\bcertificate type\b|\bcertificates?\b", "证件"),
    (r"\blicen[cs]es?\b|\bpermits?\b", "许可证"),
    (r"\bupload(ed|ing)?\b", "上传"),
    (r"\bphotos?\b|\bpictures?\b", "照片"),
    (r"\be-?mails?\b", "邮件 邮箱"),
    (r"\bphone( number)?\b|\bmobile\b", "手机"),
    (r"\bqr codes?\b", "二维码"),
    (r"\b(verification )?codes?\b", "验证码"),
    (r"\borders?\b", "订单"),
    (r"\b(iam )?sub[- ]?(user|account)s?\b|\biam (users?|accounts?)\b", "子用户"),
    (r"\baccounts?\b", "账号"),
    # where it is hosted and how it is reached
    (r"\bmigrat(e|ed|ion)\b|\btransfer(red)?\b|\bmove\b", "迁移"),
    (r"\b(hosting |service |cloud )?providers?\b", "接入商"),
    (r"\bregistrars?\b", "注册商"),
    (r"\b(third|3rd)[- ]part(y|ies)\b", "第三方"),
    (r"\b(does|do|did) ?n[o']t exist\b|\bnon-?existent\b|\bnot found\b", "不存在"),
    (r"\bdns\b|\bresol(ve|ution|ving)\b|\bpoint(ed|ing)? to\b", "解析"),
    (r"\bservers?\b", "服务器"),
    (r"\bfooter\b|\bbottom\b", "底部"),
    (r"\bcdn\b", "cdn"),
    (r"\bssl\b|\bhttps\b", "证书"),
    # what happens to a filing
    (r"\bsubmit(ted|ting)?\b|\bsubmission\b|\bresubmit\b", "提交"),
    (r"\bpending\b|\bwaiting\b", "待"),
    (r"\bsucce(ed|eds|ss|ssful)\b", "成功"),
    (r"\bnotif(y|ied|ication)\b", "通知"),
    (r"\bresults?\b", "结果"),
    (r"\b(ir)?revers(ible|e|ed)\b|\bundo(ne)?\b|\brestor(e|ed)\b", "不可逆 恢复 撤销"),
    (r"\bkeep using\b|\bcontinu(e|ing) (to use|using)\b|\bstill use\b", "继续使用"),
    (r"\bfees?\b|\bcosts?\b|\bprices?\b|\bcharges?\b|\bfree\b|\bpay\b", "费用 收费"),
    (r"\bexpedit(e|ed)\b|\bspeed(ing)? (\w+ )?up\b|\burgent\b|\bfaster\b|\bhurry\b|\brush\b", "加急"),
    (r"\bannual\b|\bevery year\b|\byearly\b", "每年 年审"),
    (r"\bfines?\b|\bpenalt(y|ies)\b", "罚款"),
    (r"\bpublic security\b|\bpolice\b", "公安"),
    # apps
    (r"\bandroid\b", "安卓"),
    (r"\bios\b|\biphone\b|\bapple\b", "苹果 ios"),
    (r"\bharmony ?os\b", "鸿蒙"),
    (r"\bwechat\b", "微信"),
    (r"\balipay\b", "支付宝"),
    (r"\bicons?\b", "图标"),
    (r"\bcrash(es|ed)?\b", "闪退"),
    (r"\binstall(ed)?\b", "安装"),
    (r"\bdownload(ed)?\b", "下载"),
)

# compiled once: every question runs through each of them
SYNONYMS_RE = tuple((re.compile(p), r) for p, r in SYNONYMS)


def _any_of(table: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """One pattern matching wherever any row of a table matches: a text it does not match is left alone by every
    row, so the rows need not be tried one by one (most questions hold none of them)."""
    return re.compile("|".join(f"(?:{p})" for p, _ in table))


# Rows per run of a long table tried as one pattern first (see ``runs``).
RUN = 10


def runs(
    table: tuple[tuple[str, str], ...],
) -> tuple[tuple[re.Pattern[str], tuple[tuple[re.Pattern[str], str], ...]], ...]:
    """A table's rows, compiled, in runs of ``RUN``, each with one pattern matching wherever a row of it does: a
    run whose pattern finds nothing in a text holds no row that finds anything there, and is passed over whole
    (a question holds a few rows of a table of a hundred at most)."""
    return tuple(
        (_any_of(table[i : i + RUN]), tuple((re.compile(p), r) for p, r in table[i : i + RUN]))
        for i in range(0, len(table), RUN)
    )


SYNONYMS_ANY = _any_of(SYNONYMS)
EXPANSIONS_RUNS = runs(EXPANSIONS)
GLOSSARY_RUNS = runs(GLOSSARY)
_SPACES = re.compile(r"\s+")
# Typed pinyin of the words a question asks and moves with, which the documents need not say (the lexicon brings
# back the documents' own words by sound): read only where every Latin word of a question is pinyin.
PINYIN_WORDS = {
    "zenme": "怎么",
    "zenmeban": "怎么办",
    "zenyang": "怎样",
    "shenme": "什么",
    "weishenme": "为什么",
    "weisha": "为啥",
    "nali": "哪里",
    "nar": "哪儿",
    "duoshao": "多少",
    "duojiu": "多久",
    "jitian": "几天",
    "keyi": "可以",
    "nengbuneng": "能不能",
    "shibushi": "是不是",
    "yaobuyao": "要不要",
    "meiyou": "没有",
    "haishi": "还是",
    "yao": "要",
    "neng": "能",
    "hui": "会",
    "le": "了",
    "ma": "吗",
    "ne": "呢",
    "de": "的",
    "zai": "在",
    "cha": "查",
    "ban": "办",
    "zuo": "做",
    "gai": "改",
    "kan": "看",
}
_LATIN_RUN = re.compile(r"[a-z]{3,}")
# what the tables read a question as: reference points measured with other tables are measured again
TABLES_DIGEST = hashlib.sha256(repr((_FILLER.pattern, SYNONYMS, EXPANSIONS, GLOSSARY)).encode()).hexdigest()[:16]

LEXICAL_MAX_UNITS = 200
# The embedder reads a Latin word as about one token, as it does one Chinese character (either costs about 0.55 ms
# in a query: scripts/bench_lone.py), so a bound on work counts both as one unit: 80 characters hold a Chinese
# question but only the first fifteen words of an English one.
_UNIT = re.compile(r"[a-z0-9]+|\S", re.IGNORECASE)


def head_units(text: str, limit: int) -> str:
    """The head of a text holding at most ``limit`` units: a run of Latin letters or digits, or any other character
    that is not a space."""
    for n, unit in enumerate(_UNIT.finditer(text)):
        if n == limit:
            return text[: unit.start()].rstrip()
    return text


@dataclass(frozen=True)
class Query:
    """A normalised question: ``text`` for the embedder, ``lexical`` (expanded) for BM25."""

    original: str
    text: str
    lexical: str


def in_documents_words(text: str) -> str:
    """A folded text with the domain synonyms rewritten to the documents' usual word (备案编号 -> 备案号)."""
    if SYNONYMS_ANY.search(text):
        for pattern, repl in SYNONYMS_RE:
            text = pattern.sub(repl, text)
    return text


def normalize(question: str, lexicon: Lexicon | None = None) -> Query:
    """Fold width, script and case, drop filler, bring sound-alike spans and typed pinyin back to the
    corpus' words (with a ``lexicon``), rewrite synonyms, expand for lexical search."""
    text = fold(question).strip()
    text = _SPACES.sub(" ", text)
    for _ in range(2):
        text = _FILLER.sub("", text).strip() or text
    if lexicon is not None:
        text, _ = lexicon.correct(text)
    if typed_in_pinyin(text):
        text = LATIN_WORD.sub(lambda m: PINYIN_WORDS.get(m.group(), m.group()), text)
    text = in_documents_words(text)
    extra: list[str] = []
    for run, rows in (*EXPANSIONS_RUNS, *(GLOSSARY_RUNS if _LATIN_RUN.search(text) else ())):
        if run.search(text):
            extra.extend(repl for pattern, repl in rows if pattern.search(text))
    # BM25 reads a bounded head of a long question (jieba and scoring grow with it); the expansions always
    lexical = " ".join([head_units(text, LEXICAL_MAX_UNITS), *extra])
    return Query(original=question, text=text, lexical=lexical)
