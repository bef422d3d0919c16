"""``GET /`` (the chat widget) and ``GET /agent`` (the agents' search page)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import SettingsDep
from api.pages import contact_block, layout

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse)
def widget(settings: SettingsDep) -> HTMLResponse:
    """The chat page embedded in the app's help page."""
    body = (
        '<main class="chat" id="chat" data-contact-url="' + escape(settings.contact_url) + '">'
        '<header class="chat-head"><h1>备案助手</h1><p>关于ICP备案的问题，直接问我。</p></header>'
        '<ol class="log" id="log" aria-live="polite" aria-label="对话"></ol>'
        '<form class="ask" id="ask-form" autocomplete="off">'
        '<label class="sr-only" for="question">您的问题</label>'
        '<textarea id="question" name="question" rows="1" maxlength="500" required '
        'placeholder="例如：管局审核需要多久？" enterkeyhint="send"></textarea>'
        '<button type="submit" id="send">发送</button>'
        "</form>"
        '<div class="handoff" id="handoff" hidden>' + contact_block(settings) + "</div>"
        "</main>"
    )
    return HTMLResponse(layout("备案助手", body, scripts=("/static/widget.js",), body_class="widget"))


@router.get("/agent", response_class=HTMLResponse)
def agent(settings: SettingsDep) -> HTMLResponse:
    """Search the help entries: ranked hits with scores, highlights, filters and copy buttons."""
    body = (
        '<main class="agent">'
        "<h1>帮助条目检索</h1>"
        '<form id="search-form" class="search" role="search" autocomplete="off">'
        '<label class="sr-only" for="q">检索</label>'
        '<input id="q" name="q" type="search" maxlength="500" placeholder="输入关键词或问题" required>'
        '<label class="sr-only" for="kind">类型</label>'
        '<select id="kind" name="kind"><option value="">全部类型</option>'
        '<option value="faq">常见问题</option><option value="rejection">驳回处理</option>'
        '<option value="troubleshooting">故障排除</option></select>'
        '<label class="sr-only" for="category">分类</label>'
        '<select id="category" name="category"><option value="">全部分类</option></select>'
        '<button type="submit">检索</button>'
        "</form>"
        '<p id="status" class="status" role="status"></p>'
        '<ol id="hits" class="hits"></ol>'
        "</main>"
    )
    return HTMLResponse(layout("帮助条目检索", body, scripts=("/static/agent.js",), body_class="agent-page"))
