/* beian-bot agents' desk: unanswered questions to answers, the change log, the ticket queue.
   The key lives in this tab's sessionStorage and travels only in the X-API-Key header, never in a URL.
   Every piece of text is set with textContent: nothing from the server is parsed as HTML. */
(function () {
  "use strict";
  var d = document;
  var signin = d.getElementById("signin");
  if (!signin) return;
  var STORE = "beian-agent-key";
  var common = window.beianCommon;
  var KIND = common.KIND;
  var ACTION = { create: "新建", update: "修改", retire: "下线", add_question: "添加相似问法", revert: "撤销" };
  var STATUS = { open: "待处理", claimed: "处理中", closed: "已关闭" };
  var $ = function (id) { return d.getElementById(id); };
  var desk = $("desk");
  var status = $("desk-status");
  var editor = $("editor");
  var attaching = null; // the unanswered question being attached to an entry, if any

  var el = common.el;

  function button(text, onClick, cls) {
    var b = el("button", cls || "", text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function key() {
    try { return sessionStorage.getItem(STORE) || ""; } catch (e) { return ""; }
  }

  function api(method, path, body) {
    var headers = { Accept: "application/json", "X-API-Key": key() };
    var init = { method: method, headers: headers, credentials: "same-origin", cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(common.readJSON);
  }

  function say(text) { status.textContent = text; }

  function fail(err) {
    if (err && err.status === 401) return signOut("密钥无效或已被吊销，请重新登录。");
    say("出错了：" + (err && err.message ? err.message : err));
  }

  function when(at) {
    if (typeof at === "number") at = new Date(at * 1000).toISOString();
    return String(at || "").replace("T", " ").replace(/(\+00:00|Z)$/, "").slice(0, 19);
  }

  function lines(text) {
    return String(text || "").split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
  }

  // ---- signing in ------------------------------------------------------------------------------

  function signOut(message) {
    try { sessionStorage.removeItem(STORE); } catch (e) { /* storage off: nothing kept */ }
    desk.hidden = true;
    signin.hidden = false;
    $("signin-status").textContent = message || "";
  }

  function enter() {
    return api("GET", "/v1/admin/whoami").then(function (me) {
      $("who").textContent = "已登录：" + me.name + "（" + (me.role === "admin" ? "管理员" : "客服") + "）";
      signin.hidden = true;
      desk.hidden = false;
      show("unanswered");
    });
  }

  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var input = $("api-key");
    try { sessionStorage.setItem(STORE, input.value.trim()); } catch (e) { /* kept for this page only */ }
    input.value = "";
    enter().catch(function (err) {
      signOut(err && err.status === 401 ? "密钥无效。" : "登录失败：" + err.message);
    });
  });
  $("signout").addEventListener("click", function () { signOut("已退出。"); });

  // ---- tabs ------------------------------------------------------------------------------------

  var LOAD = { unanswered: loadUnanswered, entries: function () {}, changes: loadChanges, tickets: loadTickets };

  function show(name) {
    Object.keys(LOAD).forEach(function (tab) {
      $("tab-" + tab).setAttribute("aria-selected", String(tab === name));
      $("panel-" + tab).hidden = tab !== name;
    });
    if (name !== "entries") setAttaching(null);
    LOAD[name]();
  }
  Object.keys(LOAD).forEach(function (tab) {
    $("tab-" + tab).addEventListener("click", function () { show(tab); });
  });

  // ---- unanswered questions --------------------------------------------------------------------

  function loadUnanswered() {
    var list = $("unanswered");
    return api("GET", "/v1/admin/unanswered").then(function (rows) {
      list.textContent = "";
      if (!rows.length) list.appendChild(el("li", "empty", "暂时没有未解决的问题。"));
      rows.forEach(function (row) {
        var li = el("li", "row unanswered-item");
        li.appendChild(el("p", "question", row.question));
        li.appendChild(el("p", "meta", row.count + " 次 · 最近 " + when(row.last_asked)));
        var actions = el("p", "actions");
        actions.appendChild(button("附加到条目…", function () { startAttach(row.question); }));
        actions.appendChild(button("写新条目", function () {
          openEditor({ title: row.question, text: "", steps: [], kind: "faq", category: null, questions: [row.question] });
        }));
        li.appendChild(actions);
        list.appendChild(li);
      });
    }).catch(fail);
  }

  // ---- entries: find, attach a question, edit, retire ---------------------------------------------

  function setAttaching(question) {
    attaching = question;
    var note = $("attach-note");
    note.hidden = !question;
    note.textContent = question ? "为“" + question + "”选择一个条目，点“附加此问法”。" : "";
  }

  function startAttach(question) {
    show("entries");
    setAttaching(question);
    $("entry-q").value = question;
    findEntries(question);
  }

  var entriesAsked = 0;

  function findEntries(q) {
    var list = $("entry-hits");
    var asked = ++entriesAsked;
    return fetch("/v1/search?" + new URLSearchParams({ q: q, k: "10" }), { headers: { Accept: "application/json" } })
      .then(function (resp) { return resp.json(); })
      .then(function (data) {
        // an earlier search answered after a later one is not shown over it
        if (asked !== entriesAsked) return;
        list.textContent = "";
        var hits = (data && data.hits) || [];
        if (!hits.length) list.appendChild(el("li", "empty", "没有找到条目。"));
        hits.forEach(function (h) {
          var li = el("li", "row entry-hit");
          li.appendChild(el("h3", "", h.title));
          li.appendChild(el("p", "meta", (KIND[h.kind] || h.kind) + (h.category ? " · " + h.category : "") + " · " + h.id));
          li.appendChild(el("p", "text", h.text));
          var actions = el("p", "actions");
          if (attaching) {
            actions.appendChild(button("附加此问法", function () { attach(h.id, h.title); }));
          }
          actions.appendChild(button("编辑", function () { edit(h.id); }));
          actions.appendChild(retireButton(h.id, h.title));
          li.appendChild(actions);
          list.appendChild(li);
        });
      })
      .catch(fail);
  }

  $("entry-search").addEventListener("submit", function (ev) {
    ev.preventDefault();
    findEntries($("entry-q").value.trim());
  });
  $("new-entry").addEventListener("click", function () {
    openEditor({ title: attaching || "", text: "", steps: [], kind: "faq", category: null, questions: attaching ? [attaching] : [] });
  });

  function attach(id, title) {
    var question = attaching;
    api("POST", "/v1/admin/entries/" + encodeURIComponent(id) + "/questions", { question: question })
      .then(function () {
        setAttaching(null);
        say("已把“" + question + "”附加到“" + title + "”，几秒内生效。");
        $("entry-hits").textContent = "";
      })
      .catch(fail);
  }

  function retireButton(id, title) {
    var armed = false;
    var b = button("下线", function () {
      if (!armed) {
        armed = true;
        b.textContent = "确认下线";
        return;
      }
      api("DELETE", "/v1/admin/entries/" + encodeURIComponent(id))
        .then(function () {
          say("已下线“" + title + "”，几秒内停止作答。");
          var row = b.closest("li");
          if (row) row.remove();
        })
        .catch(fail);
    }, "danger");
    return b;
  }

  function edit(id) {
    api("GET", "/v1/admin/entries/" + encodeURIComponent(id)).then(openEditor).catch(fail);
  }

  function openEditor(entry) {
    $("entry-id").value = entry.id || "";
    $("editor-title").textContent = entry.id ? "编辑条目" : "写新条目";
    $("entry-title").value = entry.title || "";
    $("entry-text").value = entry.text || "";
    $("entry-steps").value = (entry.steps || []).join("\n");
    $("entry-kind").value = entry.kind || "faq";
    $("entry-category").value = entry.category || "";
    $("entry-questions").value = (entry.questions || []).join("\n");
    editor.hidden = false;
    (entry.id || !entry.title ? $("entry-title") : $("entry-text")).focus();
  }

  $("entry-cancel").addEventListener("click", function () { editor.hidden = true; });
  $("entry-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var id = $("entry-id").value;
    var body = {
      title: $("entry-title").value.trim(),
      text: $("entry-text").value.trim(),
      steps: lines($("entry-steps").value),
      kind: $("entry-kind").value,
      category: $("entry-category").value.trim() || null,
      questions: lines($("entry-questions").value),
    };
    var done = id
      ? api("PATCH", "/v1/admin/entries/" + encodeURIComponent(id), body)
      : api("POST", "/v1/admin/entries", body);
    done
      .then(function (entry) {
        editor.hidden = true;
        setAttaching(null);
        say((id ? "已保存“" : "已新建“") + entry.title + "”（" + entry.id + "），几秒内生效。");
        loadUnanswered();
      })
      .catch(fail);
  });

  // ---- the change log --------------------------------------------------------------------------

  function summary(state) {
    if (!state) return "（无）";
    return state.title + "：" + String(state.text || "").slice(0, 80) +
      (state.questions && state.questions.length ? " ｜相似问法：" + state.questions.join("、") : "");
  }

  function loadChanges() {
    var list = $("changes");
    return api("GET", "/v1/admin/changes").then(function (rows) {
      list.textContent = "";
      if (!rows.length) list.appendChild(el("li", "empty", "还没有变更。"));
      rows.forEach(function (c) {
        var li = el("li", "row change");
        li.dataset.change = String(c.id);
        li.appendChild(el("p", "meta", "#" + c.id + " · " + when(c.at) + " · " + c.actor + " · " +
          (ACTION[c.action] || c.action) + " · " + c.entry_id));
        li.appendChild(el("p", "before", "之前：" + summary(c.before)));
        li.appendChild(el("p", "after", "之后：" + summary(c.after)));
        var actions = el("p", "actions");
        if (c.reverted_by) {
          actions.appendChild(el("span", "note", "已由 #" + c.reverted_by + " 撤销"));
        } else {
          actions.appendChild(button("撤销", function () {
            api("POST", "/v1/admin/changes/" + c.id + "/revert")
              .then(function (r) {
                say("已撤销 #" + c.id + "（记为 #" + r.id + "），几秒内生效。");
                loadChanges();
              })
              .catch(fail);
          }));
        }
        li.appendChild(actions);
        list.appendChild(li);
      });
    }).catch(fail);
  }

  // ---- tickets -----------------------------------------------------------------------------------

  var ticketsAsked = 0;

  function loadTickets() {
    var list = $("tickets");
    var which = $("ticket-status").value;
    var asked = ++ticketsAsked;
    return api("GET", "/v1/admin/handoff?" + new URLSearchParams({ status: which })).then(function (rows) {
      // a list asked for before the latest (the open tickets reloaded after a claim, then another status chosen)
      // may arrive after it: only the latest is shown
      if (asked !== ticketsAsked) return;
      list.textContent = "";
      if (!rows.length) list.appendChild(el("li", "empty", "没有" + STATUS[which] + "的工单。"));
      rows.forEach(function (t) { list.appendChild(ticketRow(t)); });
    }).catch(fail);
  }

  function ticketRow(t) {
    var li = el("li", "row ticket");
    li.dataset.ticket = t.id;
    li.appendChild(el("h3", "", t.id + " · " + (STATUS[t.status] || t.status)));
    var meta = when(t.at) + (t.contact ? " · 联系方式：" + t.contact : "") + (t.claimed_by ? " · 处理人：" + t.claimed_by : "");
    li.appendChild(el("p", "meta", meta));
    if (t.note) li.appendChild(el("p", "note", "留言：" + t.note));
    var transcript = el("ol", "transcript");
    (t.transcript || []).forEach(function (turn) {
      var item = el("li");
      item.appendChild(el("p", "q", "问：" + turn.question));
      item.appendChild(el("p", "a", "答：" + turn.answer));
      transcript.appendChild(item);
    });
    li.appendChild(transcript);
    if (t.status === "closed") {
      li.appendChild(el("p", "resolution", "处理结果：" + (t.resolution || "（未填写）")));
      return li;
    }
    var actions = el("div", "actions");
    if (t.status === "open") {
      actions.appendChild(button("认领", function () {
        api("POST", "/v1/admin/handoff/" + encodeURIComponent(t.id) + "/claim")
          .then(function () { say("已认领 " + t.id + "。"); loadTickets(); })
          .catch(fail);
      }));
    }
    var label = el("label", "", "处理结果");
    var area = el("textarea", "resolution-input");
    area.maxLength = 2000;
    area.rows = 2;
    area.id = "resolution-" + t.id;
    label.htmlFor = area.id;
    actions.appendChild(label);
    actions.appendChild(area);
    actions.appendChild(button("关闭工单", function () {
      var text = area.value.trim();
      api("POST", "/v1/admin/handoff/" + encodeURIComponent(t.id) + "/close", text ? { resolution: text } : {})
        .then(function () { say("已关闭 " + t.id + "。"); loadTickets(); })
        .catch(fail);
    }));
    li.appendChild(actions);
    return li;
  }

  $("ticket-status").addEventListener("change", loadTickets);

  if (key()) enter().catch(function () { signOut(""); });
})();
