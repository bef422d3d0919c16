"""Sound-alike typos and typed pinyin brought back to the documents' words; correct text left alone."""

from __future__ import annotations

import pytest

from bot.lexicon import Lexicon
from bot.normalize import normalize
from bot.pipeline import embedded
from corpus import load_corpus


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.from_entries(load_corpus(None))


@pytest.mark.parametrize(
    ("typed", "meant", "words"),
    [
        ("审盒结果什么时候出", "审核结果什么时候出", ["审核"]),
        ("我的被案号丢了", "我的备案号丢了", ["备案号"]),
        ("zhuxiao网站的条件", "注销网站的条件", ["注销网站"]),
        ("shen he不通过", "审核不通过", ["审核"]),
        ("管ju打电话了", "管局打电话了", ["管局"]),
        ("提示域名不存再怎么弄", "提示域名不存在怎么弄", ["存在"]),
        # a typo inside a compound beside a word spelt right is mended: 实明 is no word
        ("域名没有实明认证", "域名没有实名认证", ["实名认证"]),
        # the common words inside the documents' compounds are theirs too: 实名 of 实名认证, typed alone
        ("域名没有实明可以备案吗", "域名没有实名可以备案吗", ["实名"]),
        # 和 slipped in for 核 is read by the tagger as part of a word, not as "and"
        ("短信和验没收到", "短信核验没收到", ["短信核验"]),
        ("审和要多久", "审核要多久", ["审核"]),
    ],
)
def test_typos_and_pinyin_become_corpus_words(lexicon: Lexicon, typed: str, meant: str, words: list[str]) -> None:
    assert lexicon.correct(typed) == (meant, words)


@pytest.mark.parametrize(
    "text",
    [
        "初审和管局终审分别要多久",  # 审和 sounds like 审核 but cuts 初审 in two
        "定单和订单有什么不同",  # 定单 is a real word: what the user typed is what they meant
        "今天的天气怎么样",
        "what is the review time",
        # the documents' own 无法访问 (rare in general Chinese) is not cut for 法访, which sounds like 发放
        "备案 网站无法访问",
        # no word is read across punctuation, digits or a space between characters (备案系统, 格式, 备案主体)
        "拿去备案,系统说没实名",
        "备案号后面带个-1是啥意思",
        "网站备案 主体证件要交哪种",
        # words the dictionary knows well that together sound like a corpus word (备案 好 for 备案号) are meant
        "备案好了网站还是打不开",
        # a conjunction joining two words begins no typo: 咖啡 and 茶, not 咖啡 核查
        "咖啡和茶哪个更提神",
        # a thing the dictionary names, however rarely (建站), is not cut for 是建, which sounds like 时间
        "域名是建站公司用他们自己名义买的",
    ],
)
def test_correct_text_is_left_alone(lexicon: Lexicon, text: str) -> None:
    assert lexicon.correct(text) == (text, [])


def test_normalize_uses_the_lexicon_for_both_sides(lexicon: Lexicon) -> None:
    query = normalize("您好，备按号怎么查", lexicon)
    assert query.text == "备案号怎么查"
    assert query.lexical.startswith("备案号怎么查")
    assert normalize("初审和管局终审", lexicon).text == "初审和管局终审"
    # without a lexicon nothing is guessed
    assert normalize("备按号怎么查").text == "备按号怎么查"


def test_overlapping_spans_mend_the_word_the_dictionary_does_not_know() -> None:
    # a corpus saying both 备注 and 注销: "被注" sounds like 备注, but 被 is a word and 注消 is the typo
    lexicon = Lexicon(["备注", "备注", "备注", "注销"])
    assert lexicon.correct("网站被注消了怎么办") == ("网站被注销了怎么办", ["注销"])


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        # the words a question asks with, typed in pinyin too, read as Chinese
        ("beian hao zenme cha", "备案号 怎么 查"),
        ("wangzhan beian yao duojiu", "网站 备案 要 多久"),
        # an English question is left as it is, whatever of its words also spell pinyin
        ("Can I change it?", "can i change it?"),
    ],
)
def test_a_question_typed_all_in_pinyin_reads_as_chinese(lexicon: Lexicon, typed: str, text: str) -> None:
    assert normalize(typed, lexicon).text == text


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        # the syllables no document word was found for are left out of what is embedded
        ("beian tongguo le hai yao pei jiexi ma", "备案 通过 了 要 解析 吗"),
        # a question with no syllable found is embedded as typed
        ("ni hao", "ni hao"),
        # Latin words of a question not typed in pinyin are kept
        ("用了CDN还要备案吗", "用了cdn还要备案吗"),
    ],
)
def test_what_is_embedded_of_a_question_typed_in_pinyin(lexicon: Lexicon, typed: str, text: str) -> None:
    assert embedded(typed, normalize(typed, lexicon)) == text
