"""The seed dump parses into clean, typed entries."""

from __future__ import annotations

import re

from corpus import Entry, load_corpus
from corpus.loaders import DATA_DIR, finalize
from corpus.seed import parse_seed
from corpus.text import segments
from corpus.tidy import drop_dead_links

SEED = (DATA_DIR / "seed.txt").read_text(encoding="utf-8")


def by_title(entries: list[Entry]) -> dict[str, Entry]:
    return {e.title: e for e in entries}


def test_entry_count_and_kinds(entries: list[Entry]) -> None:
    kinds = [e.kind for e in entries]
    assert len(entries) == 26
    assert kinds.count("troubleshooting") == 6
    assert kinds.count("rejection") == 4
    assert kinds.count("faq") == 16


def test_boilerplate_dropped_never_content(entries: list[Entry]) -> None:
    everything = "\n".join(f"{e.title}\n{e.text}" for e in entries)
    assert "不再显示此消息" not in everything
    assert "检测到您已登录" not in everything
    assert "国际站服务网站" not in everything


def test_every_content_snippet_is_in_some_entry(entries: list[Entry]) -> None:
    everything = "\n".join(f"{e.title}\n{e.text}\n{e.category or ''}" for e in entries)
    lines = [line for line in SEED.splitlines()[2:] if line.strip()]
    assert len(lines) == 20
    for line in lines:
        body = re.sub(r"\s*父主题[:：].*$", "", line)
        for seg in segments(body):
            # link words whose link the dump lost are dropped (corpus.tidy), the rest of the block stays
            assert drop_dead_links(seg)[0].rstrip("?。:：") in everything, seg


def test_leading_questions_and_headings_are_titles(entries: list[Entry]) -> None:
    titles = by_title(entries)
    for title in (
        "管局审核需多久",
        "如何查询ICP备案号",
        "此证件存在进行中的订单",
        "备案短信核验",
        "APP备案预计审核时间以及进度查询",
        "域名未进行实名认证",
        "选择取消接入原因",
    ):
        assert title in titles
        assert titles[title].title_derived is False
    assert not titles["管局审核需多久"].text.startswith("管局审核需多久")


def test_mid_sentence_snippets_get_derived_titles(entries: list[Entry]) -> None:
    titles = by_title(entries)
    assert titles["APP备案前准备"].title_derived
    assert titles["为保证网站的正常访问,备案成功后,您还需要配置网站解析"].title_derived
    assert titles["没有提交必要的地址证明材料会导致备案订单被驳回"].kind == "rejection"


def test_two_topic_snippet_becomes_two_entries(entries: list[Entry]) -> None:
    titles = by_title(entries)
    first = titles["注销一旦成功则不可逆,请慎重选择"]
    second = titles["核查未通过,网站被注销怎么办"]
    assert "核查未通过" not in first.text
    assert second.text.startswith("根据相关法规")
    assert first.source == second.source


def test_categories_from_parent_topic(entries: list[Entry]) -> None:
    titles = by_title(entries)
    assert titles["管局审核需多久"].category == "备案进度"
    assert titles["如何查询ICP备案号"].category == "ICP备案号FAQ"
    assert titles["此证件存在进行中的订单"].category == "备案审核驳回FAQ"
    assert "父主题" not in titles["管局审核需多久"].text


def test_troubleshooting_topics_are_six_entries_with_white_screen_marked(entries: list[Entry]) -> None:
    topics = [e for e in entries if e.kind == "troubleshooting"]
    assert [e.title for e in topics] == [
        "为什么网站无法访问?",
        "打开华为云APP网站备案,界面白屏",
        "提示“小程序未安装”怎么办",
        "提示“注册商不存在该域名注册人信息”或“域名不存在”",
        "管局审核通过了,但华为云还显示“待管局审核”",
        "系统提示:“域名已备案,证件未备案”",
    ]
    assert [e.route for e in topics] == [None, "white_screen", None, None, None, None]
    assert all(e.category == "故障排除" for e in topics)
    white = topics[1]
    assert set(white.related) == {e.id for e in topics} - {white.id}


def test_rejection_entries_carry_fix_steps(entries: list[Entry]) -> None:
    titles = by_title(entries)
    assert list(titles["此证件存在进行中的订单"].steps) == [
        "需要您登陆华为云账号",
        "点击控制台至我的备案",
        "查看历史订单",
        "选择后进行放弃即可",
    ]
    assert list(titles["没有提交必要的地址证明材料会导致备案订单被驳回"].steps) == [
        "请在各地区管局ICP备案规则中查看您备案所在省份的规则",
        "根据驳回提示和备案规则中备案所需资料章节的要求上传证明材料",
    ]
    for entry in entries:
        if entry.kind == "rejection":
            # every rejection has steps, except the one whose fix the source cut mid-sentence
            assert bool(entry.steps) != entry.cut_tail, entry.title
    cut = titles["已备案成功的网站底部未添加备案号"]
    assert cut.steps == () and cut.text.endswith("修改措施: 根据备案要求已备案成功的网站能够…")


def test_ids_are_stable_across_rebuilds_and_edits_elsewhere(entries: list[Entry]) -> None:
    again = load_corpus()
    assert [e.id for e in again] == [e.id for e in entries]
    # edit one snippet and drop another: every other entry keeps its id
    lines = SEED.splitlines()
    lines[3] = lines[3].replace("3-20个工作日", "5-20个工作日")
    del lines[8]
    edited = finalize(parse_seed("\n".join(lines), "seed.txt"))
    old = {e.title: e.id for e in entries}
    for entry in edited:
        assert old[entry.title] == entry.id
    assert len(edited) == len(entries) - 1
    assert len({e.id for e in entries}) == len(entries)
    assert all(re.fullmatch(r"(faq|rej|ts)-[0-9a-f]{10}", e.id) for e in entries)
