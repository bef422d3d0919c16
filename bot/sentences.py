"""Reading a question and an entry sentence by sentence: answer types, direct sentences, several questions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.lexicon import typed_in_pinyin
from corpus import Entry
from corpus.tidy import ELLIPSIS, is_block_heading, is_caption, is_finished, units
from corpus.tokenize import fold, general_idf, tokenize

# "what to do" after a step: a verb of doing and a question word ("干啥", "做点什么", "配置啥")
_WHAT_TO_DO = r"(做|干|弄|搞|办|操作|设置|配置?)(点|些)?(啥|什么|哪些)"
# What kind of answer a question asks for, from its question words, and what such an answer looks like: the one
# table that sentence choice (bot.sentences), ranking and coverage (bot.coverage) read. Order matters: the first
# type whose question pattern matches is the one asked.
ANSWER_TYPES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    (
        "duration",
        # a time told is not asked for: "前几天还好好的", "几天后收到短信", "过几天还能恢复吗"
        re.compile(
            r"多久|多长时间|时长|多少天|(?<![没好十前这那头近过])几天(?!前|后|以后|之后|以前)|过几天(?!还|再|就|后|以后|之后)|"
            r"((?<![没好十])几|多少)个?(工作日|小时|星期|礼拜|月)|几周|要多长|"
            r"how long|how many (working |business )?(days|hours)|when will"
        ),
        # a year of a date ("2020年8月17日起") is no duration
        re.compile(r"(?<!\d)(?!\d{4}\s*年)\d+\s*([-~～至到]\s*\d+\s*)?个?(工作日|自然日|天|小时|分钟|个月|年)"),
    ),
    (
        "fee",
        re.compile(
            # money already paid for something ("明明花钱买了", "钱交过了") tells, it does not ask of a fee
            r"费用|收费|多少钱|[要花收交付掏]钱(?![了过买])|价格|付费|免费|"
            r"\b(fees?|costs?|price|pay)\b|(?<!in )\bcharges?\b"
        ),
        re.compile(r"费用|收费|免费|\d+\s*元"),
    ),
    (
        "count",
        re.compile(
            # "有几个订单删不掉" tells of some orders; "能备案的域名有几个？" asks how many
            r"((?<![好有这那哪])几|多少)个(?!工作日|小时|星期|礼拜|月)|有几个(?=[^，,。？?！!]{0,3}($|[，,。？?！!呢啊]))|"
            r"几次|多少次|(?<!第)(几|多少)位(?!置)|最多|上限|\bhow many (?!days|working|hours)"
        ),
        re.compile(r"\d+\s*[次个家位](?!工作日|小时|月)|最多|上限|不限"),
    ),
    (
        "contact",
        # a phone is asked for as a number to call, not as the device one files on ("on my phone") nor as the number
        # a code is sent to ("验证码发到哪个号码": whose number, which the documents say)
        re.compile(
            r"电话|热线|联系方式|(?<!发给|发至)(?<![发到])(哪个|什么|哪些)号码(?!能?会?收)|号码是?多少|[找问]谁|联系谁|找哪个部门|"
            r"\b(tele)?phone (number|no\b)(?!s? (gets?|receives?)\b)|\btelephone\b|\bhotline\b|\bcontact\b"
        ),
        re.compile(r"电话|热线|\d{3,4}-\d{6,8}|\d{3}-\d{3}-\d{4}|\d{5,}"),
    ),
    (
        # how two things differ: an entry answers only where it compares them
        "comparison",
        re.compile(r"区别|差别|差异|一回事|有(什么|啥|哪些)不同|不同之处|\bdifferences?\b|\bsame (thing )?as\b"),
        re.compile(r"区别|差别|差异|一回事|不同于|与.{1,12}不同|而.{1,12}则"),
    ),
    (
        # a web address asked for: an entry gives one only where it spells it out
        "address",
        re.compile(r"(哪个|什么)(网址|链接)|网址是(多少|什么)|链接到哪|\b(url|web ?address|link) (is|for)\b"),
        re.compile(r"https?://|www\.|(?<![a-z0-9])[a-z0-9-]+\.(cn|com|net|gov|org)(?![a-z])"),
    ),
    (
        # what is left to do after a step ("备案通过了，接下来还要干啥"): an entry answers where it says what is
        # needed after it ("备案成功后,您还需要配置网站解析"); "除了备案还需要什么证" asks of other papers, not a step
        "next",
        re.compile(
            rf"(接下来|下一步|然后|之后|以后|后面|后续)[^,，。?？!！]{{0,6}}{_WHAT_TO_DO}|"
            rf"还(要|得|需要?)再?{_WHAT_TO_DO}|还差(啥|什么|哪|几)|"
            r"\b(what|anything) else (do|must|should|have|to|i|we)\b|\bnext steps?\b|"
            r"\bwhat do (i|we) (need to )?do next\b"
        ),
        re.compile(r"(后|通过)[,，]\s*(您)?还?需要?"),
    ),
    (
        "who",
        re.compile(r"谁|哪些人|什么人|哪个人|\bwho(m)?\b"),
        re.compile(r"负责人|本人|法定代表人|联系人|工作人员|管理员|主账号|子用户"),
    ),
    (
        "remedy",
        re.compile(
            r"怎么办|咋办|咋整|怎么整|怎么破|如何处理|怎么处理|怎么解决|如何解决|该怎么弄|补救|还能救|"
            r"\bwhat (should|can|do) i do\b|\bhow (can|do|should) i (fix|solve|resolve)\b"
        ),
        re.compile(r"修改措施|解决|需要|即可|重新|再次|(?<![申邀])请"),
    ),
    (
        "yesno",
        re.compile(
            r"能不能|能否|可不可以|可否|可以.{0,12}[吗么]|是否|能.{0,12}[吗么]|会.{0,12}[吗么]|要不要|需不需要|"
            r"支持.{0,12}[吗么]|有没有|(^|[.?!]\s*)(can|could|may|is|are|do|does|should|will|must)\b"
        ),
        re.compile(r"不支持|支持|不可|可以|不能|无法|必须|不需要|需要|请先|允许|不受影响|不可逆"),
    ),
    (
        "where",
        re.compile(r"哪里|[在去到]哪|哪儿|什么地方|入口|\bwhere\b"),
        re.compile(r"在.{1,20}(中|里|上|页面)|[可请]在|前往|登录|登陆|控制台|系统|网站"),
    ),
    (
        "why",
        re.compile(r"为什么|为何|为啥|什么原因|原因|怎么会|\bwhy\b"),
        re.compile(r"因为|由于|导致|原因|会驳回|若|如果|要求"),
    ),
    (
        "how",
        re.compile(r"怎么|怎样|如何|步骤|操作|咋|\bhow\b"),
        re.compile(r"(?<![申邀])请|登录|登陆|单击|点击|查看|进入|选择|上传|提交|填写|下载|执行"),
    ),
    (
        "what",
        re.compile(r"哪些|什么|啥|\b(what|which)\b"),
        re.compile(r"、|[:：]|包括|为"),
    ),
)
_QUESTION_WORD = re.compile(
    r"多久|多长时间|怎么|怎样|如何|吗|么|呢|哪|什么|能否|能不能|可不可以|可以|是否|为什么|为何|多少|咋|啥|"
    r"(?<![没好十])几(?![乎十百千万])|谁|行不行|"
    # the same words in traditional characters, which a question may be written in
    r"多長時間|嗎|麼|(?<![沒好十])幾(?![乎十百千萬])|誰|為何|"
    r"是不是|会不会|要不要|用不用|有没有|需不需要|算不算|对不对|好不好|够不够|"
    r"[?？]|\b(how|what|when|where|why|which|can|could|do|does|is|are|should|will)\b",
    re.IGNORECASE,
)
# A numbered item of a list ("1. … 2. …", "①…②…", "一、…二、…") opens a question of its own.
NUMBERED = r"(?:(?<=^)|(?<=[\s:：,，。;；?？]))(?:[1-9][.．、)）](?!\d)|[一二三四五][、.．](?!\d))|[①②③④⑤⑥⑦⑧⑨]"
_SPLIT_END = re.compile(rf"(?<=[?？。！!；;\n])|(?={NUMBERED})")
# a space after a Chinese character parts clauses as a comma does: typed on a phone, "咋改 IP那块要填几个" asks twice
_SPLIT_CLAUSE = re.compile(
    r"(?<=[,，])|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fffA-Za-z])"
    r"|(?=\b(?:and|also)\s+(?:how|what|when|where|why|can|do|does|is)\b)"
)
_STEP_NAME = re.compile(r"^\d{1,2}[.、)]\s*[^,，;；:：]{1,16}[。.]?$")
_LABEL = re.compile(r"^[^,，。:：]{1,8}[:：]\s*")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
MAX_PARTS = 3
TYPE_BONUS = 1.0  # giving the kind of answer asked counts as much as one telling term
CUT_PENALTY = 0.5
# what a sentence may hold besides the question's own words and still only echo them ("…获取公钥。")
_PUNCT = frozenset("…。.,，、:：;；!！?？()（） ")
TOPIC_WEIGHT = 0.5  # a question word the entry's own title says, in telling its sentences apart
# kinds of answer that are a value a sentence gives or not (a duration, a fee, a count, a contact)
VALUE_KINDS = ("duration", "fee", "count", "contact", "address", "comparison", "next")
# Latin words are told apart by letters around them, not by \b: a Chinese character is a word character too.
SUBJECTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("APP", re.compile(r"(?<![a-z])apps?(?![a-z])|应用", re.IGNORECASE)),
    ("小程序", re.compile(r"小程序|mini ?programs?", re.IGNORECASE)),
    ("快应用", re.compile(r"快应用|quick ?apps?", re.IGNORECASE)),
    ("网站", re.compile(r"网站|websites?|(?<![a-z])sites?(?![a-z])", re.IGNORECASE)),
)


# What an entry scoped to no kind of service is about: the website filing, the default one.
DEFAULT_SUBJECT = "网站"


# Texts whose kind of answer is kept: one reply reads the same question's several times (ranking, coverage, the
# choice of entry and of sentences), a few questions at once.
KINDS_KEPT = 64


@lru_cache(maxsize=KINDS_KEPT)
def answer_type(question: str) -> str | None:
    """The kind of answer asked for (duration, fee, count, contact, who, remedy, yesno, where, why, how, what) or
    None."""
    q = fold(question)
    return next((name for name, asks, _ in ANSWER_TYPES if asks.search(q)), None)


def value_kinds(question: str) -> list[tuple[str, re.Pattern[str]]]:
    """Every value the question asks for (a duration, a fee, ...), each with the pattern an answer of it shows."""
    return list(_value_kinds(question))


# clauses of a message: parted at any comma or end of sentence (split_questions parts more carefully, to keep a
# statement with the question it leads into)
_CLAUSE_ENDS = re.compile(r"[,，。.!！?？;；:：\n]")


def clauses(text: str) -> list[str]:
    """The clauses of a message, parted at any comma or end of sentence."""
    return [c for c in _CLAUSE_ENDS.split(text) if c.strip()]


@lru_cache(maxsize=KINDS_KEPT)
def _value_kinds(question: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    q = fold(question)
    parts = clauses(q)
    asking = [c for c in parts if asks(c)]
    if asking and len(asking) < len(parts) and any(_names_a_matter(c) for c in asking):
        # the value asked for is in the clauses that ask: "客户打电话来…不理它会不会耽误事" asks for no phone number
        q = " ".join(asking)
    return tuple((name, shows) for name, pattern, shows in ANSWER_TYPES if name in VALUE_KINDS and pattern.search(q))


# what an answer of each kind looks like, by kind
_SHOWS = {name: shows for name, _, shows in ANSWER_TYPES}


def gives(kind: str | None, sentence: str) -> str | None:
    """The part of a sentence that is an answer of that kind ("3-20个工作日", "不支持"), or None."""
    if kind is None:
        return None
    m = _SHOWS[kind].search(sentence)
    return m.group(0) if m else None


def language(question: str) -> str:
    """ "en" for a question written in English words, else "zh"."""
    # an English question may keep a Chinese term of the documents ("stuck on 待管局审核"); a Chinese one may name
    # a thing in Latin letters ("用了CDN还要备案吗"): whichever has more words is the question's language, two
    # characters counted as one word
    if typed_in_pinyin(question):
        # typed pinyin is Chinese ("wangzhan beian yao duojiu")
        return "zh"
    latin = len(_LATIN_WORD.findall(question))
    return "en" if latin >= 2 and 2 * latin > len(_CJK.findall(question)) else "zh"


@lru_cache(maxsize=4096)
def subjects(text: str) -> frozenset[str]:
    """The kinds of service a text is about (网站, APP, 小程序, 快应用), however it is spelled ("ＡＰＰ", "網站")."""
    text = fold(text)
    return frozenset(name for name, pattern in SUBJECTS if pattern.search(text))


def without_subjects(text: str) -> str:
    """The text, folded, with every kind of service it names taken out ("那APP的呢" -> "那 的呢")."""
    text = fold(text)
    for _, pattern in SUBJECTS:
        text = pattern.sub(" ", text)
    return text


def entry_subjects(entry: Entry) -> frozenset[str]:
    """What an entry is about, from its title and category (its text mentions others in passing)."""
    return subjects(f"{entry.title} {entry.category or ''}")


@dataclass(frozen=True)
class Sentence:
    """A sentence of an entry, with how well it answers the question."""

    text: str
    score: float
    gives: str | None


def candidates(entry: Entry) -> list[str]:
    """The entry's sentences that can stand as a reply: no captions, headings or a repeat of the title."""
    return list(_candidates(entry.title, entry.text))


# Entries whose sentences are kept cut and segmented (not cut again for every question they answer): the ones
# answering most, a copy of their text each.
ENTRIES_CACHED = 4096


@lru_cache(maxsize=ENTRIES_CACHED)
def _candidates(title: str, text: str) -> tuple[str, ...]:
    title = fold(title).strip("?？。 ")
    out = []
    for unit in units(text):
        core = unit.strip()
        # a heading names a section and answers nothing
        if is_caption(core) or is_block_heading(core):
            continue
        if not is_finished(core) and fold(core).strip("?？:： ") == title:
            continue
        out.append(core)
    return tuple(out)


@lru_cache(maxsize=ENTRIES_CACHED)
def _read(title: str, text: str) -> tuple[tuple[str, frozenset[str], str], ...]:
    """Each reply sentence of an entry with its search tokens and its text without a leading label."""
    return tuple((sent, frozenset(tokenize(sent)), _LABEL.sub("", sent)) for sent in _candidates(title, text))


@lru_cache(maxsize=ENTRIES_CACHED)
def _title_words(title: str) -> frozenset[str]:
    return frozenset(tokenize(title))


@lru_cache(maxsize=1)
def _weights() -> dict[str, int]:
    """Weights in hundredths from jieba's general-Chinese IDF table, for the words below its median IDF (the
    everyday ones); every other word weighs fully. Small ints and half the words keep it to a few MiB."""
    rows = general_idf().items()
    values = sorted(value for _, value in rows)
    median = values[len(values) // 2] if values else 1.0
    return {word: round(100 * value / median) for word, value in rows if value < median}


def weight(term: str) -> float:
    """A term's weight in (0, 1]: everyday words count little, rare and domain words fully."""
    return _weights().get(term, 100) / 100


def score_sentences(kind: str | None, terms: str, entry: Entry) -> list[Sentence]:
    """Each reply sentence scored by the question's terms it holds (weighed by general IDF), by whether it
    gives the kind of answer asked (``answer_type``), less a little when the source cut its start; in text
    order."""
    q_terms = {t for t in tokenize(terms) if len(t) > 1 or _CJK.match(t) is None}
    echo = q_terms | _PUNCT
    # the words of a written title name what the whole entry is about: every sentence is about them, so they
    # tell its sentences apart less than the question's other words (a title taken from the text is a sentence)
    topic = frozenset() if entry.title_derived else _title_words(entry.title)
    out = []
    for sent, own, bare in _read(entry.title, entry.text):
        overlap = sum(weight(t) * (TOPIC_WEIGHT if t in topic else 1.0) for t in q_terms & own)
        found = gives(kind, bare)
        score = overlap + (TYPE_BONUS if found else 0.0) - (CUT_PENALTY if sent.startswith(ELLIPSIS) else 0.0)
        if own and own <= echo:
            # a sentence saying back only the question's words tells the asker nothing
            score = min(score, 0.0)
        out.append(Sentence(sent, round(score, 4), found))
    return out


def direct_sentences(question: str, terms: str, entry: Entry, limit: int = 2) -> list[str]:
    """The sentence(s) of an entry that answer the question, verbatim, in text order.

    The best-scored sentence, and the one after it when it carries the answer the first lacks. An entry
    whose sentences share nothing with the question answers with its first sentence: a FAQ's text opens
    with its answer. A title-only entry has none.
    """
    return answering(answer_type(question), terms, entry, limit)


def answering(kind: str | None, terms: str, entry: Entry, limit: int = 2) -> list[str]:
    """``direct_sentences`` for a question whose kind of answer (``answer_type``) is known already."""
    if entry.title_only:
        return []
    scored = score_sentences(kind, terms, entry)
    if not scored:
        return []
    # "要多久" is answered by a sentence that gives a duration, however many other words another one shares
    giving = [i for i, s in enumerate(scored) if s.gives] if kind in VALUE_KINDS else []
    best = max(giving or range(len(scored)), key=lambda i: (scored[i].score, -i))
    picked = [best]
    if scored[best].score <= 0:
        picked = [next((i for i, s in enumerate(scored) if not s.text.startswith(ELLIPSIS)), 0)]
    nxt = picked[0] + 1
    lacks = bool(kind) and scored[picked[0]].gives is None and nxt < len(scored) and bool(scored[nxt].gives)
    # a numbered step's name ("4. 获取签名MD5值。") says what to do, the sentence after it how
    named = bool(_STEP_NAME.match(scored[picked[0]].text)) and nxt < len(scored)
    if limit > 1 and (lacks or named):
        picked.append(nxt)
    return [scored[i].text for i in picked]


def is_question_like(text: str) -> bool:
    """Whether a piece of a message asks something."""
    return bool(_QUESTION_WORD.search(text))


def split_questions(message: str, limit: int = MAX_PARTS) -> list[str]:
    """The questions a message asks, in order, up to ``limit``; one element when it asks one.

    Pieces end at question marks, full stops and new lines, or at a comma (or a space after a Chinese
    character) between two clauses that each ask something ("管局审核要多久，备案号怎么查"). A statement before
    a question is its context and stays with it.
    """
    pieces = [p.strip() for p in _SPLIT_END.split(message) if p.strip()]
    parts: list[str] = []
    pending = ""
    for at, piece in enumerate(pieces):
        clauses = _topics_joined([c.strip() for c in _SPLIT_CLAUSE.split(piece) if c.strip()])
        several = len(clauses) > 1 and all(asks(c) and _names_a_matter(c) and not _EXAMPLE.match(c) for c in clauses)
        subs = clauses if several else [piece]
        for k, sub in enumerate(subs):
            if not asks(sub) or _PREAMBLE.match(sub):
                pending = f"{pending}{sub}"
                continue
            if parts and not pending and not _names_a_matter(sub) and not _ANOTHER.match(sub):
                # "在哪办？" after "要做公安备案吗？" asks of the question before it
                parts[-1] = f"{parts[-1]}{sub}"
                continue
            another_follows = k == len(subs) - 1 and at < len(pieces) - 1
            if not parts and another_follows and _WHAT_NEXT.match(clauses[-1]):
                # "备案批下来了，然后呢？还要做什么…": with no question before it, the next one says what it asks
                pending = f"{pending}{sub}"
                continue
            parts.append(f"{pending}{sub}".strip(" ,，"))
            pending = ""
    if pending:
        if parts:
            parts[-1] = f"{parts[-1]}{pending}"
        else:
            parts.append(pending)
    parts = [p for p in parts if _substantial(p)]
    if len(parts) < 2:
        return [message.strip()]
    return parts[:limit]


# A clause asking only by its closing 呢 ("网站的呢") names the topic of the clause after it, if any.
_TOPIC_NE = re.compile(r"呢[?？,，\s]*$")


def _topics_joined(clauses: list[str]) -> list[str]:
    """Clauses with each "what about X" one joined to the clause after it: "网站的呢，多久能审完" asks one thing."""
    out: list[str] = []
    for clause in clauses:
        if out and _TOPIC_NE.search(out[-1]) and not is_question_like(_TOPIC_NE.sub("", out[-1])):
            out[-1] = f"{out[-1]}{clause}"
        else:
            out.append(clause)
    return out


# A clause opening with one of these brings up another matter ("白屏了怎么办，还有小程序提示未安装").
ANOTHER_MATTER = r"还有|另外|此外|以及|顺便问?一?下|再问一?下"
_ANOTHER = re.compile(rf"^({ANOTHER_MATTER}|also\b)", re.IGNORECASE)
# A question offering another answer to the one before it ("…会过期吗？还是要续？", "…expire, or must we renew it?").
_ALTERNATIVE = re.compile(r"^\s*(还是|或者|或是|要么|or\b)", re.IGNORECASE)


def offers_alternative(question: str) -> bool:
    """Whether a question opens by offering another answer to the question before it, rather than asking anew."""
    return bool(_ALTERNATIVE.match(fold(question)))


# A clause that only says a question comes ("顺便问下，…", "还有个事：…", "想问一下") is the start of the one after it.
_PREAMBLE = re.compile(
    rf"^(?=\S)({ANOTHER_MATTER})?(还有)?((一?个|一?件)事(情|儿)?|我?(想|再)?请?问(一?下|个事)?)?[啊呀哈嗯,，:：。.!！\s]*$"
)


# A clause opening with one of these gives an example of what the clause before asks ("Which websites need
# pre-approval, e.g. medical or news sites?"): it is not a question of its own.
_EXAMPLE = re.compile(r"^(e\.?g\.?|for (example|instance)|such as|比如|例如|譬如|举个例子)", re.IGNORECASE)


# An English clause asks when it ends with a question mark or opens with a question word or an auxiliary: "is" or
# "do" inside a statement ("If our legal representative is a foreign national") asks nothing.
_EN_ASKS = re.compile(
    r"\?\s*$|^\s*(?:(?:and|also|so|but|then|or)\s+)?(?:how|what|when|where|why|which|who|whose|can|could|do|does|"
    r"did|is|are|was|were|should|will|would|may|might|must|shall|has|have)\b",
    re.IGNORECASE,
)


# "When I tap the filing entry, ..." tells when something happens: a question word followed by its subject, without
# a question mark, opens a clause that tells, where "When will ..." or "Which documents ..." asks.
_EN_TELLS = re.compile(
    r"^\s*(?:when|where|what|how|why|who)\s+(?:i|we|you|he|she|they|it|my|our|your|their|his|her|the|a|an|this|"
    r"that|someone|somebody)\b(?!.*\?\s*$)",
    re.IGNORECASE,
)


def asks(clause: str) -> bool:
    """Whether a message or a clause of one asks something, rather than telling ("变更备案已经提交了")."""
    if _ANOTHER.match(clause):
        return True
    if language(clause) == "en":
        return bool(_EN_ASKS.search(clause)) and not _EN_TELLS.match(clause)
    return is_question_like(clause)


# A clause asking only what comes next ("然后呢？"): what it asks is spelt out by the question after it.
_WHAT_NEXT = re.compile(r"^(然后|接下来|之后|下一步|再然后)呢?[?？。,，!！\s]*$")


def _names_a_matter(clause: str) -> bool:
    """Whether a clause names something of its own to ask about: a word beyond the asking ones ("审核要多久"), not
    only words pointing back at the clause before ("我该选哪个", "能改吗")."""
    if language(clause) == "en":
        return _substantial(clause)
    return any(len(word) >= 2 and not is_question_like(word) for word in tokenize(clause))


def _substantial(text: str) -> bool:
    """Enough words to be asked on its own: two content characters or a Latin word."""
    return len(_CJK.findall(text)) >= 2 or len(_LATIN_WORD.findall(text)) >= 2
