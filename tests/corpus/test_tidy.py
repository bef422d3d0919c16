"""Cut text, dead link words and title-only topics are found when the corpus is finalised."""

from __future__ import annotations

from corpus import Entry
from corpus.loaders import finalize, parse_jsonl, parse_markdown
from corpus.tidy import cut_head, cut_tail, drop_dead_links, steps_from_sections, tidy, units


def by_title(entries: list[Entry]) -> dict[str, Entry]:
    return {e.title: e for e in entries}


def test_units_split_sentences_and_layout_blocks() -> None:
    text = "证件类型不支持修改 图4 主体单位信息 查看负责人信息,请根据实际情况选择。变更类操作: 变更服务, 需要鉴权"
    assert units(text) == [
        "证件类型不支持修改",
        "图4 主体单位信息",
        "查看负责人信息,请根据实际情况选择。",
        "变更类操作: 变更服务, 需要鉴权",
    ]
    assert units("“确定”。然后?！ 好") == ["“确定”。", "然后?！", "好"]
    # a quoted menu path with spaces in it is one name: the sentence around it is not cut there
    assert units("可在“我的备案 > 正在备案中的订单”查看状态。 审核结果将以短信通知。") == [
        "可在“我的备案 > 正在备案中的订单”查看状态。",
        "审核结果将以短信通知。",
    ]


def test_cut_tail_after_prose_runs_on_or_open_word() -> None:
    assert cut_tail("需先完成APP备案。 企业:营业执照、法定代表")
    assert cut_tail("修改措施: 根据备案要求已备案成功的网站能够")  # a modal verb closes no sentence
    assert cut_tail("支持填写以下格式:")
    assert not cut_tail("在控制台查看备案进度")  # one statement without a full stop is not a window edge
    assert not cut_tail("请登录控制台。\n1. 打开我的备案")  # a list item ends a Markdown body
    assert not cut_tail("审核结果以短信通知（见“我的备案”）。")
    assert cut_tail("删除关联权限", head_cut=True)


def test_cut_head_on_fragments() -> None:
    assert cut_head("huaweicloud.com)、四级域名。", title_derived=False)
    assert cut_head("、四级域名。", title_derived=False)
    assert cut_head("服务,注销其中某个互联网信息服务后,主体信息不受影响。", title_derived=True)
    assert not cut_head("服务,注销其中某个互联网信息服务后,主体信息不受影响。", title_derived=False)
    assert not cut_head("管局要求主办单位证件住所需为当前备案所在地,非当前备案所在地需提交居住证等资料。", True)


def test_dead_link_words_are_dropped() -> None:
    assert drop_dead_links("ICP备案号以工信部网站公共查询为准:查询入口。") == (
        "ICP备案号以工信部网站公共查询为准。",
        ("查询入口",),
    )
    assert drop_dead_links("在第三方注册域名的用户,单击这里配置网站解析。") == (
        "在第三方注册域名的用户,配置网站解析。",
        ("单击这里",),
    )
    assert drop_dead_links("验证码发送至负责人手机号码中,具体以表1为准。") == (
        "验证码发送至负责人手机号码中。",
        ("具体以表1为准",),
    )
    # a link in another document the reader can open is an instruction, not a dead link
    kept = "可在各地区管局ICP备案规则中单击对应省份链接查看。"
    assert drop_dead_links(kept) == (kept, ())


def test_steps_from_a_step_section_stop_at_cut_text() -> None:
    text = "APP端操作步骤 在APP端登录华为云备案小程序。 下载华为云APP。 您可在应用市场下载华为云APP,如…"
    assert steps_from_sections(text) == ["在APP端登录华为云备案小程序", "下载华为云APP"]
    assert steps_from_sections("网站解析操作如下: 登录控制台。 单击解析。") == ["登录控制台", "单击解析"]
    assert steps_from_sections("没有步骤的文字。") == []


def test_tidy_marks_the_bundled_corpus(entries: list[Entry]) -> None:
    titles = by_title(entries)
    materials = titles["APP备案前准备"]
    assert materials.cut_tail and materials.text.endswith("企业:营业执照、法定代表…")
    fix = titles["已备案成功的网站底部未添加备案号"]
    assert fix.cut_tail and fix.steps == () and fix.text.endswith("网站能够…")
    lookup = titles["如何查询ICP备案号"]
    assert (lookup.text, lookup.dead_links) == ("ICP备案号以工信部网站公共查询为准。", ("查询入口",))
    unregister = titles["注销一旦成功则不可逆,请慎重选择"]
    assert unregister.cut_head and unregister.text.startswith("…服务,注销其中某个")
    assert titles["管局审核需多久"].cut_head is False and titles["管局审核需多久"].cut_tail is False
    claim = titles["提交成功后,华为云工作人员将在1~2个工作日内,对您提交的资料进行审核"]
    assert claim.steps[:2] == ("在APP端登录华为云备案小程序", "下载华为云APP")
    only = [e.title for e in entries if e.title_only]
    assert len(only) == 6 and all(e.kind == "troubleshooting" for e in entries if e.title_only)
    assert "打开华为云APP网站备案,界面白屏" in only
    # every text that does not close its last sentence says so
    for e in entries:
        if not e.title_only and e.cut_tail:
            assert e.text.endswith("…"), e.title
        assert all(not s.endswith("…") for s in e.steps), e.title


def test_other_formats_keep_whole_texts() -> None:
    md = "# 备案号\n## 备案号放在哪里\n网站底部居中放置备案号。\n1. 登录控制台\n2. 打开我的备案\n"
    jl = '{"question": "审核要多久", "answer": "一般为3个工作日"}\n'
    got = finalize(parse_markdown(md, "a.md") + parse_jsonl(jl, "b.jsonl"))
    assert [(e.cut_head, e.cut_tail, e.title_only, e.text.count("…")) for e in got] == [
        (False, False, False, 0),
        (False, False, False, 0),
    ]
    assert tidy(Entry("x", "界面白屏", "troubleshooting", "界面白屏。")).title_only
