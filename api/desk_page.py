"""The agents' desk on ``/agent``: sign in with a key, the unanswered questions, the entry editor, the change log
and the ticket queue. Static markup only; ``/static/desk.js`` fills it with text nodes (never parsed HTML)."""

from __future__ import annotations

from html import escape

KIND_LABEL = {"faq": "常见问题", "rejection": "驳回处理", "troubleshooting": "故障排除"}


def desk_html() -> str:
    """The sign-in form and the (hidden until signed in) desk."""
    kinds = "".join(f'<option value="{k}">{escape(label)}</option>' for k, label in KIND_LABEL.items())
    return (
        '<section class="desk-signin" id="signin" aria-labelledby="signin-title">'
        '<h2 id="signin-title">客服登录</h2>'
        '<form id="signin-form" autocomplete="off">'
        '<label for="api-key">API 密钥</label>'
        '<input id="api-key" name="api-key" type="password" maxlength="1024" required autocomplete="off">'
        '<button type="submit">登录</button>'
        "</form>"
        '<p class="status" id="signin-status" role="status"></p>'
        "</section>"
        '<section class="desk" id="desk" hidden aria-label="客服工作台">'
        '<p class="who"><span id="who"></span> <button type="button" class="link" id="signout">退出</button></p>'
        '<div class="tabs" role="tablist">'
        '<button type="button" role="tab" id="tab-unanswered" aria-controls="panel-unanswered" '
        'aria-selected="true">未解决问题</button>'
        '<button type="button" role="tab" id="tab-entries" aria-controls="panel-entries" '
        'aria-selected="false">条目</button>'
        '<button type="button" role="tab" id="tab-changes" aria-controls="panel-changes" '
        'aria-selected="false">变更记录</button>'
        '<button type="button" role="tab" id="tab-tickets" aria-controls="panel-tickets" '
        'aria-selected="false">工单</button>'
        "</div>"
        '<p class="status" id="desk-status" role="status" aria-live="polite"></p>'
        '<section id="panel-unanswered" role="tabpanel" aria-labelledby="tab-unanswered">'
        '<ol class="rows" id="unanswered" aria-label="未解决问题"></ol></section>'
        '<section id="panel-entries" role="tabpanel" aria-labelledby="tab-entries" hidden>'
        '<p class="attach-note" id="attach-note" hidden></p>'
        '<form id="entry-search" class="search" role="search" autocomplete="off">'
        '<label class="sr-only" for="entry-q">查找条目</label>'
        '<input id="entry-q" type="search" maxlength="500" placeholder="查找条目" required>'
        '<button type="submit">查找</button> '
        '<button type="button" id="new-entry">写新条目</button>'
        "</form>"
        '<ol class="rows" id="entry-hits" aria-label="条目"></ol>'
        "</section>"
        '<section id="panel-changes" role="tabpanel" aria-labelledby="tab-changes" hidden>'
        '<ol class="rows" id="changes" aria-label="变更记录"></ol></section>'
        '<section id="panel-tickets" role="tabpanel" aria-labelledby="tab-tickets" hidden>'
        '<label for="ticket-status">状态</label>'
        '<select id="ticket-status"><option value="open">待处理</option><option value="claimed">处理中</option>'
        '<option value="closed">已关闭</option></select>'
        '<ol class="rows" id="tickets" aria-label="工单"></ol></section>'
        '<section class="editor" id="editor" hidden aria-labelledby="editor-title">'
        '<h2 id="editor-title" tabindex="-1">编辑条目</h2>'
        '<form id="entry-form" autocomplete="off">'
        '<input type="hidden" id="entry-id">'
        '<label for="entry-title">标题</label>'
        '<input id="entry-title" maxlength="200" required>'
        '<label for="entry-text">答案</label>'
        '<textarea id="entry-text" rows="5" maxlength="10000"></textarea>'
        '<label for="entry-steps">处理步骤（每行一步）</label>'
        '<textarea id="entry-steps" rows="3"></textarea>'
        '<label for="entry-kind">类型</label>'
        f'<select id="entry-kind">{kinds}</select>'
        '<label for="entry-category">分类</label>'
        '<input id="entry-category" maxlength="100">'
        '<label for="entry-questions">相似问法（每行一个）</label>'
        '<textarea id="entry-questions" rows="3"></textarea>'
        '<p><button type="submit" id="entry-save">保存</button> '
        '<button type="button" class="link" id="entry-cancel">取消</button></p>'
        "</form></section>"
        "</section>"
    )
