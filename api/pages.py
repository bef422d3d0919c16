"""Server-rendered HTML: every piece of corpus or user text passes through ``html.escape``.

The pages carry no inline script and no inline style (the CSP is ``script-src 'self'; style-src 'self'``):
behaviour lives in ``/static/*.js``, looks in ``/static/app.css``.
"""

from __future__ import annotations

from html import escape

from api.desk_page import desk_html
from api.urls import help_url
from bot import Settings
from corpus import Entry
from corpus.validate import is_web_url

KIND_LABEL = {"faq": "常见问题", "rejection": "驳回处理", "troubleshooting": "故障排除"}
CONTACT_SCHEMES = ("https", "http", "tel", "mailto")


def layout(title: str, body: str, scripts: tuple[str, ...] = (), body_class: str = "") -> str:
    """A phone-first page: viewport meta, one local stylesheet, scripts from this server only."""
    tags = "".join(f'<script src="{escape(s)}" defer></script>' for s in scripts)
    cls = f' class="{escape(body_class)}"' if body_class else ""
    return (
        "<!doctype html>"
        '<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark"><link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title>"
        '<link rel="stylesheet" href="/static/app.css">'
        f"{tags}</head><body{cls}>{body}</body></html>"
    )


def contact_url(settings: Settings) -> str:
    """The configured way to a person, when it is a link a browser may follow; else empty."""
    url = settings.contact_url.strip()
    return url if url and url.split(":", 1)[0].lower() in CONTACT_SCHEMES else ""


def contact_block(settings: Settings) -> str:
    """The way to a person: the configured link, or the in-chat handoff."""
    text = escape(settings.contact_text)
    url = contact_url(settings)
    if url:
        action = f'<a class="button" href="{escape(url)}" rel="noopener">联系人工客服</a>'
    else:
        action = '<a class="button" href="/?handoff=1">在对话中转人工客服</a>'
    return f'<section class="contact" aria-label="人工客服"><p>{text}</p>{action}</section>'


def widget_page(settings: Settings) -> str:
    """The chat: a log read out by screen readers, a question box, and a way to a person."""
    url = contact_url(settings)
    origins = " ".join(o for o in settings.allowed_origins if o)
    if url:
        person = f'<a class="button" href="{escape(url)}" rel="noopener" data-role="contact-link">联系人工客服</a>'
    else:
        person = (
            '<label for="contact">联系方式（选填）</label>'
            '<input id="contact" name="contact" type="text" maxlength="200" autocomplete="tel" inputmode="text">'
            '<button type="button" class="button" id="handoff-send" data-role="handoff">提交给人工客服</button>'
        )
    body = (
        f'<main class="chat" id="chat" data-contact-url="{escape(url)}" data-origins="{escape(origins)}">'
        '<header class="chat-head"><div><h1>备案助手</h1><p>关于ICP备案的问题，直接问我。回答均来自帮助文档。</p></div>'
        '<button type="button" class="link" id="handoff-open" aria-controls="handoff" aria-expanded="false">'
        "人工客服</button></header>"
        '<ol class="log" id="log" aria-live="polite" aria-relevant="additions" aria-label="对话记录"></ol>'
        '<section class="handoff" id="handoff" aria-labelledby="handoff-title" hidden>'
        '<h2 id="handoff-title" tabindex="-1">转人工客服</h2>'
        f"<p>{escape(settings.contact_text)}</p>{person}"
        '<p class="status" id="handoff-status" role="status"></p>'
        '<button type="button" class="link" id="handoff-close">收起</button>'
        "</section>"
        '<form class="ask" id="ask-form" autocomplete="off">'
        '<label class="sr-only" for="question">您的问题</label>'
        '<textarea id="question" name="question" rows="1" maxlength="500" required '
        'placeholder="例如：管局审核需要多久？" enterkeyhint="send" aria-describedby="ask-hint"></textarea>'
        '<button type="submit" id="send">发送</button>'
        '<p class="sr-only" id="ask-hint">按回车发送，Shift 加回车换行。</p>'
        "</form>"
        '<noscript><p class="note">聊天需要启用 JavaScript。</p></noscript>'
        "</main>"
    )
    return layout("备案助手", body, scripts=("/static/widget.js",), body_class="widget")


def agent_page() -> str:
    """The agents' search (query, kind and category filters, ranked hits) and, signed in with a key, the desk."""
    kinds = "".join(f'<option value="{k}">{escape(label)}</option>' for k, label in KIND_LABEL.items())
    body = (
        '<main class="agent">'
        "<h1>帮助条目检索</h1>"
        '<form id="search-form" class="search" role="search" autocomplete="off">'
        '<label class="sr-only" for="q">检索词</label>'
        '<input id="q" name="q" type="search" maxlength="500" placeholder="输入关键词或问题" required>'
        '<div class="filters">'
        '<label for="kind">类型</label>'
        f'<select id="kind" name="kind"><option value="">全部类型</option>{kinds}</select>'
        '<label for="category">分类</label>'
        '<select id="category" name="category"><option value="">全部分类</option></select>'
        "</div>"
        '<button type="submit">检索</button>'
        "</form>"
        '<p id="status" class="status" role="status" aria-live="polite"></p>'
        '<ol id="hits" class="hits" aria-label="检索结果"></ol>'
        '<noscript><p class="note">检索页需要启用 JavaScript。</p></noscript>'
        f"{desk_html()}"
        "</main>"
    )
    return layout(
        "帮助条目检索",
        body,
        scripts=("/static/common.js", "/static/agent.js", "/static/desk.js"),
        body_class="agent-page",
    )


def help_page(entry: Entry, related: list[Entry], settings: Settings) -> str:
    """An entry's full text, steps as a numbered list, related topics and the contact block."""
    parts = [
        '<main class="help">',
        '<p class="crumbs"><a href="/">← 返回咨询</a></p>',
        f"<h1>{escape(entry.title)}</h1>",
        '<p class="meta">',
        f'<span class="badge kind-{escape(entry.kind)}">{escape(KIND_LABEL.get(entry.kind, entry.kind))}</span>',
    ]
    if entry.category:
        parts.append(f'<span class="category">{escape(entry.category)}</span>')
    if entry.source_url and is_web_url(entry.source_url):
        parts.append(
            f'<a class="source" href="{escape(entry.source_url)}" rel="noopener noreferrer" target="_blank">原文</a>'
        )
    parts.append("</p>")
    if entry.text and entry.text != entry.title:
        parts.append(f'<div class="text">{escape(entry.text)}</div>')
    if entry.steps:
        items = "".join(f"<li>{escape(step)}</li>" for step in entry.steps)
        parts.append(f'<section class="steps"><h2>处理步骤</h2><ol>{items}</ol></section>')
    if entry.title_only:
        parts.append(
            '<p class="note">帮助文档列出了这个问题，但没有给出处理步骤。'
            "可以联系人工客服，或先参考下面有操作步骤的条目。</p>"
        )
    if related:
        links = "".join(f"<li>{_related_item(r, entry.title_only)}</li>" for r in related)
        parts.append(f'<section class="related"><h2>相关主题</h2><ul>{links}</ul></section>')
    parts.append(contact_block(settings))
    parts.append("</main>")
    return layout(entry.title, "".join(parts), body_class="help-page")


def _related_item(entry: Entry, with_steps: bool) -> str:
    """A related entry's link; under a topic without steps, with the entry's own steps."""
    link = f'<a href="{escape(help_url(entry.id))}">{escape(entry.title)}</a>'
    if not (with_steps and entry.steps):
        return link
    return link + "<ol>" + "".join(f"<li>{escape(step)}</li>" for step in entry.steps) + "</ol>"


def not_found_page(entry_id: str) -> str:
    """A readable 404 for a help link that no longer exists."""
    body = (
        '<main class="help"><h1>没有找到这篇帮助</h1>'
        f"<p>帮助条目 <code>{escape(entry_id)}</code> 不存在或已下线。</p>"
        '<p><a class="button" href="/">返回咨询</a></p></main>'
    )
    return layout("没有找到这篇帮助", body, body_class="help-page")
