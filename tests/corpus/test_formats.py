"""What help centres export, read into exact entries: a saved HTML help centre, Markdown, Word, JSONL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx

from corpus import Entry, load_corpus

DATA = Path(__file__).parent / "data"
HELP_CENTRE = DATA / "help_centre"
CHROME = (
    "示例云",
    "产品",
    "解决方案",
    "控制台",
    "帮助中心",
    "搜索",
    "Cookie",
    "版权所有",
    "上一篇",
    "下一篇",
    "是否有帮助",
    "本页目录",
    "更新时间",
    "下载PDF",
    "联系我们",
    "真实性核验\n",
    "提交管局审核",
    "window.",
)


def shown(entry: Entry) -> str:
    """Everything of an entry that is embedded or shown."""
    return "\n".join([entry.title, entry.text, entry.category or "", *entry.steps, *entry.questions])


def test_saved_help_centre_pages_give_the_articles_only() -> None:
    entries = load_corpus([HELP_CENTRE])
    assert [(e.title, e.kind, e.category) for e in entries] == [
        ("APP备案需要准备哪些材料", "faq", "APP备案常见问题"),
        ("APP打开后白屏", "faq", "APP备案常见问题"),
        ("如何上传幕布照片", "faq", "备案流程"),
    ]
    materials, white, curtain = entries
    assert curtain.text == (
        "首次备案或新增网站时，需要上传在幕布前拍摄的负责人照片，用于真实性核验。\n"
        "前提条件\n"
        "已在备案系统中填写主体信息和网站信息。\n"
        "操作步骤\n"
        "1. 登录备案系统，进入“我的备案”。\n"
        "2. 在订单详情页单击上传幕布照片。\n"
        "3. 选择照片并提交，等待初审结果。\n"
        "注意事项\n"
        "- 照片需为近三个月内拍摄的彩色照片。\n"
        "- 不得使用美颜或修图软件处理。"
    )
    assert curtain.steps == (
        "登录备案系统，进入“我的备案”。",
        "在订单详情页单击上传幕布照片。",
        "选择照片并提交，等待初审结果。",
    )
    assert curtain.questions == ["幕布照在哪里交", "背景布相片怎么提交"]
    # the canonical link wins over og:url (which carries a tracking query here)
    assert curtain.source_url == "https://support.example-cloud.com/icp/upload-curtain-photo.html"
    assert curtain.source == f"{HELP_CENTRE / 'curtain-photo.html'}:48"

    assert materials.text == "需要准备主体证件、负责人证件，以及APP的名称、图标和特征信息（包名、公钥、签名MD5值）。"
    assert materials.questions == ["上架应用要交什么资料"]
    assert materials.steps == ()
    assert (
        white.text == "APP已完成备案，但打开后页面空白。\n1. 清除APP缓存后重新打开。\n2. 检查接入的域名是否已完成备案。"
    )
    assert white.steps == ("清除APP缓存后重新打开。", "检查接入的域名是否已完成备案。")
    assert white.questions == []
    # og:url is the page's address when there is no canonical link
    assert {materials.source_url, white.source_url} == {"https://support.example-cloud.com/icp/app-faq.html"}
    for entry in entries:
        for word in CHROME:
            assert word not in shown(entry), (entry.title, word)
        assert "<" not in shown(entry) and "&gt;" not in shown(entry)


def test_a_saved_pages_asset_folder_is_not_read(tmp_path: Path) -> None:
    shutil.copytree(HELP_CENTRE, tmp_path / "site")
    assets = tmp_path / "site" / "curtain-photo_files"
    assets.mkdir()
    (assets / "share-widget.html").write_text("<html><body><p>分享到微信</p></body></html>", encoding="utf-8")
    (tmp_path / "site" / ".backup.html").write_text("<p>旧版本</p>", encoding="utf-8")
    assert [e.title for e in load_corpus([tmp_path / "site"])] == [e.title for e in load_corpus([HELP_CENTRE])]


def test_page_in_a_declared_charset_and_without_landmarks(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
        "<title>备案注销说明 - 帮助中心</title></head><body>"
        '<div class="top-menu"><a href="/">首页</a><a href="/help">帮助</a></div>'
        '<div class="wrap"><div class="doc-body"><p>注销备案后，网站将无法访问。</p>'
        "<ol><li>登录备案系统</li><li>选择注销网站</li></ol></div></div>"
        '<div class="copyright">版权所有</div></body></html>'
    )
    path = tmp_path / "cancel.htm"
    path.write_bytes(page.encode("gbk"))
    [entry] = load_corpus([path])
    # no h1: the <title> (without the site's suffix) names the article
    assert (entry.title, entry.text, entry.steps, entry.category, entry.source_url) == (
        "备案注销说明",
        "注销备案后，网站将无法访问。\n1. 登录备案系统\n2. 选择注销网站",
        ("登录备案系统", "选择注销网站"),
        None,
        None,
    )


def test_markdown_through_a_real_parser() -> None:
    entries = load_corpus([DATA / "domain.md"])
    # underlined (setext) headings count; "# ..." inside a code fence is code, not a heading
    assert [(e.title, e.category, e.kind) for e in entries] == [
        ("如何把域名解析到备案的服务器", "域名与解析", "faq"),
        ("备案后网站打不开", "域名与解析", "faq"),
    ]
    dns, down = entries
    assert dns.text == (
        "备案通过后，在域名解析控制台添加一条 A 记录，指向已备案的服务器IP。\n"
        "# 查看解析是否生效\n"
        "dig +short www.example.com\n"
        "1. 进入域名解析页面。\n"
        "2. 选择域名，单击添加记录。\n"
        "3. 记录类型选择 A，填写服务器IP。"
    )
    assert dns.steps == ("进入域名解析页面。", "选择域名，单击添加记录。", "记录类型选择 A，填写服务器IP。")
    assert dns.questions == ["域名怎么指向服务器", "DNS解析怎么配置"]
    assert down.text == (
        "检查服务器安全组是否放通80和443端口，并确认站点已在服务器上启动。\n"
        "# 这一行是注释，不是标题\n"
        "curl -I http://www.example.com"
    )
    assert (dns.source, down.source) == (f"{DATA / 'domain.md'}:7", f"{DATA / 'domain.md'}:26")
    for entry in entries:
        for mark in ("**", "](", "`", "console.example-cloud.com", "*并"):
            assert mark not in shown(entry), (entry.title, mark)


def test_markdown_part_headings_and_front_matter_questions(tmp_path: Path) -> None:
    page = (
        "---\ncategory: 备案变更\nquestions:\n  - 怎么改备案信息\n  - 备案信息填错了能改吗\n---\n"
        "# 如何变更备案信息\n在备案系统中提交变更申请。\n\n## 操作步骤\n1. 登录备案系统\n2. 单击变更备案\n\n"
        "## 注意事项\n变更期间网站可以正常访问。\n"
    )
    path = tmp_path / "change.md"
    path.write_text(page, encoding="utf-8")
    [entry] = load_corpus([path])
    assert (entry.title, entry.category, entry.steps, entry.questions) == (
        "如何变更备案信息",
        "备案变更",
        ("登录备案系统", "单击变更备案"),
        ["怎么改备案信息", "备案信息填错了能改吗"],
    )
    assert entry.text.split("\n") == [
        "在备案系统中提交变更申请。",
        "操作步骤",
        "1. 登录备案系统",
        "2. 单击变更备案",
        "注意事项",
        "变更期间网站可以正常访问。",
    ]


def write_docx(path: Path) -> Path:
    """A small Word document as an editor would write it: headings, a numbered list, similar questions."""
    doc = docx.Document()
    doc.add_heading("备案操作手册", level=0)  # Word's "Title" style: the top heading
    doc.add_heading("备案注销", level=1)
    doc.add_heading("如何注销备案主体", level=2)
    para = doc.add_paragraph("注销主体后，该主体下的")
    para.add_run("全部网站").bold = True
    para.add_run("都将被注销。")
    doc.add_paragraph("登录备案系统，进入我的备案", style="List Number")
    doc.add_paragraph("单击注销主体并完成短信验证", style="List Number")
    doc.add_paragraph("相似问法：")
    doc.add_paragraph("主体怎么注销", style="List Bullet")
    doc.add_heading("注销后多久生效", level=2)
    doc.add_paragraph("管局审核通过后立即生效，一般需要3-20个工作日。")
    doc.save(str(path))
    return path


def test_word_document_through_the_same_rules(tmp_path: Path) -> None:
    entries = load_corpus([write_docx(tmp_path / "cancel.docx")])
    assert [(e.title, e.category, e.text, e.steps, e.questions) for e in entries] == [
        (
            "如何注销备案主体",
            "备案注销",
            "注销主体后，该主体下的全部网站都将被注销。\n1. 登录备案系统，进入我的备案\n2. 单击注销主体并完成短信验证",
            ("登录备案系统，进入我的备案", "单击注销主体并完成短信验证"),
            ["主体怎么注销"],
        ),
        ("注销后多久生效", "备案注销", "管局审核通过后立即生效，一般需要3-20个工作日。", (), []),
    ]


def test_jsonl_similar_questions(tmp_path: Path) -> None:
    row = {
        "question": "备案要多久",
        "answer": "一般20个工作日。",
        "questions": ["备案审核几天", "备案审核几天", "多久能批"],
    }
    path = tmp_path / "faq.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    [entry] = load_corpus([path])
    assert entry.questions == ["备案审核几天", "多久能批"]
    assert Entry.from_dict(entry.to_dict()) == entry


def test_question_sections_with_their_own_headers(tmp_path: Path) -> None:
    page = """<!doctype html><html><head><title>备案进度问题 | 帮助中心</title>
<link rel="canonical" href="https://support.example-cloud.com/icp/progress.html"></head><body>
<header><a href="/">示例云</a><div class="menu"><a href="/help">帮助中心</a></div></header>
<main>
  <header class="article-header"><h1>备案进度问题</h1><span class="doc-meta">阅读 1024</span></header>
  <section><header><h2>管局审核需多久</h2></header><p>管局审核时间为3-20个工作日。</p></section>
  <section><header><h2>初审需要多久</h2></header><p>初审一般在1个工作日内完成。</p>
    <h3>相似问法</h3><ul><li>初审几天出结果</li></ul></section>
  <div class="related-docs"><h3>相关文档</h3><ul><li><a href="/x">备案流程</a></li></ul></div>
</main>
<footer>© 2026</footer></body></html>"""
    path = tmp_path / "progress.html"
    path.write_text(page, encoding="utf-8")
    entries = load_corpus([path])
    assert [(e.title, e.category, e.text, e.questions) for e in entries] == [
        ("管局审核需多久", "备案进度问题", "管局审核时间为3-20个工作日。", []),
        ("初审需要多久", "备案进度问题", "初审一般在1个工作日内完成。", ["初审几天出结果"]),
    ]
    assert {e.source_url for e in entries} == {"https://support.example-cloud.com/icp/progress.html"}


def test_title_bar_outside_the_content_container(tmp_path: Path) -> None:
    page = (
        "<html><head><title>帮助中心 - 示例云</title></head><body>"
        '<header><h1 class="logo">示例云</h1></header>'
        '<div class="title-bar"><h1>如何查询备案进度</h1></div>'
        '<div class="doc-content"><p>登录备案系统，在“我的备案”中查看订单状态。</p></div>'
        "</body></html>"
    )
    path = tmp_path / "progress.html"
    path.write_text(page, encoding="utf-8")
    [entry] = load_corpus([path])
    assert (entry.title, entry.text) == ("如何查询备案进度", "登录备案系统，在“我的备案”中查看订单状态。")


def test_markdown_steps_written_without_list_syntax(tmp_path: Path) -> None:
    page = (
        "# 备案审核驳回FAQ\n\n## 此证件存在进行中的订单\n您填写的证件号码已提交过备案申请。\n"
        "修改措施：登录华为云账号，进入我的备案，放弃历史订单。\n\n"
        "## 如何放弃订单\n1、登录备案系统\n2、选择订单并放弃\n"
    )
    path = tmp_path / "rejections.md"
    path.write_text(page, encoding="utf-8")
    order, give_up = load_corpus([path])
    assert (order.kind, order.steps) == ("rejection", ("登录华为云账号", "进入我的备案", "放弃历史订单"))
    assert give_up.steps == ("登录备案系统", "选择订单并放弃")
