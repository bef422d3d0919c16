/* beian-bot chat widget. Corpus and user text is only ever set with textContent: no HTML is parsed. */
(function () {
  "use strict";
  var d = document;
  var root = d.getElementById("chat");
  if (!root) return;
  var log = d.getElementById("log");
  var form = d.getElementById("ask-form");
  var box = d.getElementById("question");
  var sendBtn = d.getElementById("send");
  var panel = d.getElementById("handoff");
  var panelTitle = d.getElementById("handoff-title");
  var panelStatus = d.getElementById("handoff-status");
  var openBtn = d.getElementById("handoff-open");
  var contactUrl = root.getAttribute("data-contact-url") || "";
  var origins = (root.getAttribute("data-origins") || "").split(/\s+/).filter(Boolean).concat([location.origin]);
  var embedded = window.parent !== window;
  var SESSION = "beian.session";
  var LOG = "beian.log";
  var MAX_TURNS = 30;
  var KIND = { rejection: "驳回处理", white_screen: "白屏排查", troubleshooting: "故障排除" };
  var state = { session: read(SESSION), userRef: null, busy: false, turns: [] };

  function read(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch (e) {
      return null;
    }
  }
  function write(key, value) {
    try {
      window.sessionStorage.setItem(key, value);
    } catch (e) {
      /* storage can be off in a WebView: the chat still works for this page */
    }
  }
  function persist() {
    write(LOG, JSON.stringify(state.turns.slice(-MAX_TURNS)));
  }
  function el(tag, cls, text) {
    var node = d.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function helpLink(item, role) {
    var a = el("a", "", item.title);
    var url = String(item.url || "");
    a.href = /^\/help\/[A-Za-z0-9_.-]+$/.test(url) ? url : "/help/" + encodeURIComponent(String(item.id || ""));
    a.setAttribute("data-role", role);
    a.setAttribute("data-id", String(item.id || ""));
    return a;
  }
  function reveal(node) {
    window.scrollTo(0, Math.max(0, node.getBoundingClientRect().top + window.pageYOffset - 8));
  }
  function resize() {
    box.rows = 1;
    while (box.scrollHeight > box.clientHeight && box.rows < 5) box.rows += 1;
  }
  function explain(err) {
    var status = err && err.status;
    if (status === 429) return "提问太频繁了，请稍等片刻再试。";
    if (status === 503) return "服务正在启动，请稍后再试。";
    if (status === 422) return "问题的格式不对：" + (err.message || "请检查后重试。");
    if (!status) return "网络连接异常，请检查网络后重试。";
    return "出错了，请稍后重试。";
  }

  function call(path, body) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (state.userRef) headers["X-User-Ref"] = state.userRef;
    return fetch(path, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin" })
      .then(function (resp) {
        return resp.json().then(
          function (data) { return { resp: resp, data: data }; },
          function () { return { resp: resp, data: null }; }
        );
      })
      .then(function (r) {
        if (r.resp.ok && r.data) return r.data;
        var err = new Error((r.data && r.data.error && r.data.error.message) || "HTTP " + r.resp.status);
        err.status = r.resp.status;
        throw err;
      });
  }

  /* ---- rendering ------------------------------------------------------------------------- */

  function userItem(q) {
    var li = el("li", "msg user");
    li.appendChild(el("span", "sr-only", "您："));
    li.appendChild(el("span", "", q));
    return li;
  }

  // The answer's own labels (bot/compose.py), in both languages the bot frames answers in.
  var STEPS = ["处理步骤：", "Steps:"];
  var MORE = /^(帮助文档原文（.*）：|From the help document \(.*\):)$/;
  var ASK_LABELS = ["您是不是想问：", "Did you mean:"];
  var EN = {
    cards: "Troubleshooting", sources: "Sources", contact: "Contact support",
    handoff: "Talk to a person"
  };
  var ZH = { cards: "排查与处理", sources: "参考来源", contact: "联系人工客服", handoff: "转人工客服" };
  function words(q) {
    var latin = (String(q).match(/[A-Za-z]{2,}/g) || []).length;
    var cjk = (String(q).match(/[\u4e00-\u9fff]/g) || []).length;
    return latin >= 2 && cjk <= 2 ? EN : ZH;
  }

  /* The direct reply first, then the steps; the rest of the entry folded away under its label. */
  function answerText(li, r, dropSteps, after) {
    var lines = String(r.answer || "").split("\n");
    var chips = !r.confident && r.suggestions && r.suggestions.length;
    var direct = String(r.direct || "").split("\n");
    var box_ = li;
    var list = null;
    var sub = null;
    var inSteps = false;
    var placed = null;
    var lead = false;
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (chips && (ASK_LABELS.indexOf(line) >= 0 || line.indexOf("· ") === 0)) continue;
      if (MORE.test(line)) {
        var fold = box_.appendChild(el("details", "more"));
        fold.setAttribute("data-role", "more");
        fold.appendChild(el("summary", "", line));
        box_ = fold;
        inSteps = false;
        continue;
      }
      if (STEPS.indexOf(line) >= 0) {
        if (dropSteps) {
          inSteps = true;
          list = null;
          continue;
        }
        inSteps = true;
        box_.appendChild(el("p", "label", line));
        list = box_.appendChild(el("ol"));
        continue;
      }
      var m = inSteps && /^\d+\.\s*(.*)$/.exec(line);
      if (m) {
        if (list) list.appendChild(el("li", "", m[1]));
        continue;
      }
      var n = /^\s+\d+\.\s*(.*)$/.exec(line);
      if (n) {
        // steps of a related entry, under its "· title" line
        if (!sub) sub = box_.appendChild(el("ol", "related-steps"));
        sub.appendChild(el("li", "", n[1]));
        continue;
      }
      sub = null;
      inSteps = false;
      if (!line.trim()) continue;
      var isDirect = r.confident && direct.indexOf(line) >= 0;
      var p = box_.appendChild(el("p", isDirect ? "lead direct" : !lead && r.confident && i === 0 ? "lead" : "", line));
      if (isDirect) p.setAttribute("data-role", "direct");
      if (p.className.indexOf("lead") >= 0) lead = true;
      if (after && i === after.line) box_.appendChild(after.node);
      if (chips && !placed) placed = box_.appendChild(suggestionChips(r.suggestions));
    }
    if (chips && !placed) li.appendChild(suggestionChips(r.suggestions));
  }

  function suggestionChips(items) {
    var box_ = el("div", "chips");
    box_.setAttribute("role", "group");
    box_.setAttribute("aria-label", "您是不是想问");
    box_.appendChild(el("p", "label", "您是不是想问："));
    items.forEach(function (s) {
      var b = el("button", "chip", s.title);
      b.type = "button";
      b.setAttribute("data-role", "suggestion");
      b.addEventListener("click", function () {
        ask(String(s.title || ""));
      });
      box_.appendChild(b);
    });
    return box_;
  }

  function cards(links, t) {
    var sec = el("section", "cards");
    sec.appendChild(el("h3", "", (t || ZH).cards));
    links.forEach(function (link) {
      var card = el("div", "card");
      var h = el("h4");
      h.appendChild(helpLink(link, "troubleshooting"));
      card.appendChild(h);
      card.appendChild(el("span", "kind", KIND[link.kind] || "故障排除"));
      if (link.steps && link.steps.length) {
        var ol = el("ol");
        link.steps.forEach(function (s) {
          ol.appendChild(el("li", "", s));
        });
        card.appendChild(ol);
      }
      sec.appendChild(card);
    });
    return sec;
  }

  function sources(items, t) {
    var sec = el("section", "sources");
    sec.appendChild(el("h3", "", (t || ZH).sources));
    var ul = sec.appendChild(el("ul"));
    items.forEach(function (s) {
      var li = ul.appendChild(el("li"));
      li.appendChild(helpLink(s, "source"));
      if (s.category) li.appendChild(el("span", "category", s.category));
    });
    return sec;
  }

  function personAction(turn, t) {
    t = t || ZH;
    var div = el("div", "person");
    if (contactUrl) {
      var a = el("a", "button", t.contact);
      a.href = contactUrl;
      a.rel = "noopener";
      a.setAttribute("data-role", "contact-link");
      div.appendChild(a);
      return div;
    }
    var b = el("button", "button", t.handoff);
    b.type = "button";
    b.setAttribute("data-role", "handoff");
    var status = el("p", "status");
    status.setAttribute("role", "status");
    div.appendChild(b);
    div.appendChild(status);
    if (turn.ticket) showTicket(status, b, turn.ticket);
    b.addEventListener("click", function () {
      handoff(status, b, turn, null);
    });
    return div;
  }

  function feedback(turn, li) {
    var r = turn.r;
    var div = el("div", "feedback");
    div.setAttribute("role", "group");
    div.setAttribute("aria-label", "这个回答有帮助吗");
    div.appendChild(el("span", "", "有帮助吗？"));
    var yes = el("button", "vote", "有帮助");
    var no = el("button", "vote", "没帮助");
    var note = el("span", "status");
    note.setAttribute("role", "status");
    [yes, no].forEach(function (b, i) {
      b.type = "button";
      b.setAttribute("data-role", i === 0 ? "helpful" : "not-helpful");
      b.setAttribute("aria-pressed", "false");
      div.appendChild(b);
    });
    div.appendChild(note);
    function settle(helpful) {
      yes.disabled = no.disabled = true;
      (helpful ? yes : no).setAttribute("aria-pressed", "true");
      note.textContent = "感谢您的反馈";
    }
    if (turn.vote !== null && turn.vote !== undefined) settle(turn.vote);
    function vote(helpful) {
      yes.disabled = no.disabled = true;
      var body = { helpful: helpful, session_id: r.session_id, question: String(turn.q).slice(0, 500) };
      if (r.confident && r.sources && r.sources.length) body.entry_id = r.sources[0].id;
      call("/v1/feedback", body).then(
        function () {
          turn.vote = helpful;
          persist();
          settle(helpful);
          if (!helpful && r.confident && !li.querySelector(".person")) li.appendChild(personAction(turn));
        },
        function (err) {
          yes.disabled = no.disabled = false;
          note.textContent = explain(err);
        }
      );
    }
    yes.addEventListener("click", function () { vote(true); });
    no.addEventListener("click", function () { vote(false); });
    return div;
  }

  function answerItem(turn) {
    var r = turn.r;
    var t = words(turn.q);
    var li = el("li", r.confident ? "msg bot" : "msg bot declined");
    li.setAttribute("data-role", "answer");
    li.appendChild(el("span", "sr-only", "助手："));
    var links = r.troubleshooting || [];
    var top = r.confident && r.sources && r.sources[0];
    var parts = r.parts || [];
    if (parts.length) {
      // several questions in one message: each answered under its own question, with its sources
      parts.forEach(function (part, i) {
        var sec = li.appendChild(el("section", "part"));
        sec.setAttribute("data-role", "part");
        sec.appendChild(el("h3", "", (t === EN ? "Question " + (i + 1) + ": " : "问题" + (i + 1) + "：") + part.question));
        var body = String(part.answer || "");
        answerText(sec, { answer: body, direct: part.direct, confident: part.confident, suggestions: [] }, false);
        if (part.confident && part.sources && part.sources.length) sec.appendChild(sources(part.sources.slice(0, 2), t));
      });
    } else {
      // no direct reply to a question the documents name (a topic without steps): the person comes first
      var personFirst = r.confident && r.coverage === "partial" && !r.direct;
      var after = personFirst ? { line: 1, node: personAction(turn, t) } : null;
      answerText(li, r, Boolean(top && links.length && links[0].id === top.id && links[0].steps.length), after);
    }
    if (links.length) li.appendChild(cards(links, t));
    if (!parts.length && r.confident && r.sources && r.sources.length) li.appendChild(sources(r.sources.slice(0, 3), t));
    if (!r.confident || (r.coverage && r.coverage !== "covered" && !li.querySelector(".person"))) {
      li.appendChild(personAction(turn, t));
    }
    li.appendChild(feedback(turn, li));
    return li;
  }

  /* ---- asking and handing off ------------------------------------------------------------ */

  function ask(question) {
    var q = String(question || "").trim().slice(0, 500);
    if (!q || state.busy) return;
    state.busy = true;
    sendBtn.disabled = true;
    var asked = log.appendChild(userItem(q));
    var pending = log.appendChild(el("li", "msg bot pending", "正在查找…"));
    log.setAttribute("aria-busy", "true");
    reveal(asked);
    var body = { question: q };
    if (state.session) body.session_id = state.session;
    call("/v1/ask", body)
      .then(
        function (r) {
          state.session = r.session_id;
          write(SESSION, r.session_id);
          var turn = { q: q, r: r, vote: null, ticket: null };
          state.turns.push(turn);
          persist();
          var li = answerItem(turn);
          log.replaceChild(li, pending);
          reveal(asked); // the question, then as much of the answer as fits
        },
        function (err) {
          log.replaceChild(el("li", "msg bot error", explain(err)), pending);
          if (!box.value) {
            box.value = q;
            resize();
          }
        }
      )
      .then(function () {
        state.busy = false;
        sendBtn.disabled = false;
        log.removeAttribute("aria-busy");
      });
  }

  function showTicket(status, button, id) {
    status.textContent = "已转人工客服，工单号：";
    status.appendChild(el("strong", "", id)).setAttribute("data-role", "ticket-id");
    button.disabled = true;
  }

  function handoff(status, button, turn, contact) {
    if (!state.session) {
      status.textContent = "请先在输入框里描述您的问题并发送，再转人工客服。";
      box.focus();
      return;
    }
    button.disabled = true;
    status.textContent = "正在提交…";
    var body = { session_id: state.session };
    if (contact) body.contact = contact.slice(0, 200);
    call("/v1/handoff", body).then(
      function (t) {
        showTicket(status, button, t.ticket_id);
        if (turn) {
          turn.ticket = t.ticket_id;
          persist();
        }
      },
      function (err) {
        button.disabled = false;
        status.textContent =
          err.status === 404 ? "会话已过期，请先重新描述您的问题，再转人工客服。" : explain(err);
      }
    );
  }

  function openPanel() {
    panel.hidden = false;
    openBtn.setAttribute("aria-expanded", "true");
    panelTitle.focus();
  }
  function closePanel() {
    panel.hidden = true;
    openBtn.setAttribute("aria-expanded", "false");
    openBtn.focus();
  }

  /* ---- wiring ---------------------------------------------------------------------------- */

  function submit() {
    if (state.busy) return;
    var q = box.value;
    if (!q.trim()) {
      box.focus();
      return;
    }
    box.value = "";
    resize();
    ask(q);
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    submit();
  });
  box.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      submit();
    }
  });
  box.addEventListener("input", resize);
  openBtn.addEventListener("click", function () {
    if (panel.hidden) openPanel();
    else closePanel();
  });
  d.getElementById("handoff-close").addEventListener("click", closePanel);
  var panelSend = d.getElementById("handoff-send");
  if (panelSend) {
    panelSend.addEventListener("click", function () {
      var contact = d.getElementById("contact");
      handoff(panelStatus, panelSend, null, contact ? contact.value.trim() : "");
    });
  }

  // Escape closes the contact block, or asks the host page to close the chat panel.
  d.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape") return;
    if (!panel.hidden) closePanel();
    else if (embedded) window.parent.postMessage({ type: "beian:close" }, "*");
  });

  // Inside an app or a host page, help links go to the host, which opens them its own way.
  d.addEventListener("click", function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest("a[data-id]") : null;
    if (!a || !embedded) return;
    ev.preventDefault();
    window.parent.postMessage(
      { type: "beian:open-help", url: a.href, id: a.getAttribute("data-id"), title: a.textContent },
      "*"
    );
  });

  // The host passes an opaque user reference by message, never in the URL: the parent window from an
  // allowed origin, or (in an app's WebView showing this page directly) the app's own script in the page.
  window.addEventListener("message", function (ev) {
    var m = ev.data;
    var trusted = embedded
      ? ev.source === window.parent && origins.indexOf(ev.origin) >= 0
      : ev.source === window && ev.origin === location.origin;
    if (!trusted) return;
    if (!m || typeof m !== "object" || m.type !== "beian:init") return;
    if (typeof m.userRef === "string" && /^[\x21-\x7e]{1,200}$/.test(m.userRef)) state.userRef = m.userRef;
    if (typeof m.question === "string" && m.question.trim()) {
      box.value = m.question.slice(0, 500);
      resize();
      if (m.ask === true) submit();
    }
  });

  // What this tab already said, so going back from a help page keeps the conversation.
  try {
    state.turns = JSON.parse(read(LOG) || "[]").filter(function (t) {
      return t && typeof t.q === "string" && t.r && typeof t.r === "object";
    });
  } catch (e) {
    state.turns = [];
  }
  if (state.turns.length) {
    log.removeAttribute("aria-live");
    state.turns.forEach(function (t) {
      log.appendChild(userItem(t.q));
      log.appendChild(answerItem(t));
    });
    log.setAttribute("aria-live", "polite");
  }

  // A host prefills with ?q=... or #q=... (&ask=1 asks at once); ?handoff=1 opens the contact block.
  function fromUrl(params) {
    var q = params.get("q");
    if (q) {
      box.value = q.slice(0, 500);
      resize();
    }
    if (params.has("q") || params.has("ask") || params.has("handoff")) {
      history.replaceState(null, "", location.pathname);
    }
    if (params.get("handoff") === "1") openPanel();
    if (q && params.get("ask") === "1") submit();
  }
  function hashParams() {
    return new URLSearchParams(location.hash.replace(/^#/, ""));
  }
  var params = new URLSearchParams(location.search);
  hashParams().forEach(function (v, k) {
    if (!params.has(k)) params.set(k, v);
  });
  fromUrl(params);
  window.addEventListener("hashchange", function () {
    fromUrl(hashParams());
  });
  // every handler is attached: what is typed from now on is answered (a host page or a test may wait for it)
  document.body.setAttribute("data-ready", "true");
  if (embedded) window.parent.postMessage({ type: "beian:ready" }, "*");
})();
