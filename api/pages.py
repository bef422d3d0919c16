"""Server-rendered HTML: every piece of corpus or user text passes through ``html.escape``."""

from __future__ import annotations

from html import escape

from bot import Settings
from bot.answers import help_url
from corpus import Entry

KIND_LABEL = {"faq": "常见问题", "rejection": "驳回处理", "troubleshooting": "故障排除"}


def layout(title: str, body: str, scripts: tuple[str, ...] = (), body_class: str = "") -> str:
    """A phone-first page: viewport meta, one local stylesheet, scripts from this server only."""
    tags = "".join(f'<script src="{escape(s)}" defer></script>' for s in scripts)
    cls = f' class="{escape(body_class)}"' if body_class else ""
    return (
        "<!doctype html>"
        '<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        '<link rel="stylesheet" href="/static/app.css">'
        f"{tags}</head><body{cls}>{body}</body></html>"
    )


def contact_block(settings: Settings) -> str:
    """The way to a person: the configured link, or the in-chat handoff."""
    text = escape(settings.contact_text)
    url = settings.contact_url
    if url and url.split(":", 1)[0] in ("https", "http", "tel", "mailto"):
        action = f'<a class="button" href="{escape(url)}" rel="noopener">联系人工客服</a>'
    else:
        action = '<a class="button" href="/?handoff=1">在对话中转人工客服</a>'
    return f'<section class="contact" aria-label="人工客服"><p>{text}</p>{action}</section>'


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
    parts.append("</p>")
    if entry.text and entry.text != entry.title:
        parts.append(f'<div class="text">{escape(entry.text)}</div>')
    if entry.steps:
        items = "".join(f"<li>{escape(step)}</li>" for step in entry.steps)
        parts.append(f'<section class="steps"><h2>处理步骤</h2><ol>{items}</ol></section>')
    if related:
        links = "".join(f'<li><a href="{escape(help_url(r.id))}">{escape(r.title)}</a></li>' for r in related)
        parts.append(f'<section class="related"><h2>相关主题</h2><ul>{links}</ul></section>')
    parts.append(contact_block(settings))
    parts.append("</main>")
    return layout(entry.title, "".join(parts))


def not_found_page(entry_id: str) -> str:
    """A readable 404 for a help link that no longer exists."""
    body = (
        '<main class="help"><h1>没有找到这篇帮助</h1>'
        f"<p>帮助条目 <code>{escape(entry_id)}</code> 不存在或已下线。</p>"
        '<p><a class="button" href="/">返回咨询</a></p></main>'
    )
    return layout("没有找到这篇帮助", body)
