"""The one tokenizer keeps domain words whole and folds script, width and case."""

from __future__ import annotations

from corpus import tokenize
from corpus.tokenize import USER_DICT, fold, topic_words, words


def test_domain_words_are_kept_whole() -> None:
    tokens = tokenize("管局审核通过后取消接入需要真实性核验吗")
    for word in ("管局", "取消接入", "真实性核验"):
        assert word in tokens
    assert "白屏" in tokenize("打开小程序白屏")
    assert "小程序" in tokenize("打开小程序白屏")


def test_every_word_of_the_domain_dictionary_is_kept_whole_in_a_sentence() -> None:
    # a weight too low for the words around it splits a word (工作日 had become 工作 / 日)
    for line in USER_DICT.read_text(encoding="utf-8").splitlines():
        word = line.split()[0]
        assert word in words(f"我的{word}怎么办"), word


def test_traditional_fullwidth_and_case_fold_to_the_same_tokens() -> None:
    assert tokenize("怎麼查詢ＩＣＰ備案號") == tokenize("怎么查询icp备案号")
    assert fold("ＡＰＰ備案") == "app备案"


def test_taiwan_words_are_put_in_the_mainland_ones() -> None:
    assert fold("取消接入要做簡訊核驗嗎") == "取消接入要做短信核验吗"
    assert fold("伺服器的IP位址") == "服务器的ip地址"
    assert fold("要幾個工作天") == "要几个工作日"
    # the documents' own words stay theirs: 資料 is the materials an applicant submits, 查詢 is 查询
    assert fold("上傳資料") == "上传资料"
    assert fold("查詢小程序") == "查询小程序"
    # the same words typed in simplified characters
    assert fold("简讯 伺服器") == "短信 服务器"


def test_function_words_and_punctuation_dropped() -> None:
    assert tokenize("请问，的了吗？！") == []


def test_topic_words_keep_nouns() -> None:
    assert topic_words("APP备案需要准备什么") == ["app", "备案"]
