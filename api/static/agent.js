/* beian-bot agents' search. Entry text is set with text nodes and <mark> elements only: no HTML is parsed. */
(function () {
  "use strict";
  var d = document;
  var form = d.getElementById("search-form");
  if (!form) return;
  var q = d.getElementById("q");
  var kind = d.getElementById("kind");
  var category = d.getElementById("category");
  var status = d.getElementById("status");
  var hits = d.getElementById("hits");
  var common = window.beianCommon;
  var KIND = common.KIND;
  var seq = 0;

  var el = common.el;

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(common.readJSON);
  }

  // Split text into text nodes and <mark> elements around the matched terms, longest term first.
  function highlight(parent, text, terms) {
    text = String(text || "");
    var list = terms
      .filter(function (t) { return typeof t === "string" && t.length > 0; })
      .map(function (t) { return t.toLowerCase(); })
      .sort(function (a, b) { return b.length - a.length; });
    var lower = text.toLowerCase();
    if (lower.length !== text.length) lower = text;
    var start = 0;
    var i = 0;
    while (i < text.length && list.length) {
      var hit = null;
      for (var j = 0; j < list.length; j++) {
        if (lower.startsWith(list[j], i)) {
          hit = list[j];
          break;
        }
      }
      if (!hit) {
        i += 1;
        continue;
      }
      if (i > start) parent.appendChild(d.createTextNode(text.slice(start, i)));
      parent.appendChild(el("mark", "", text.slice(i, i + hit.length)));
      i += hit.length;
      start = i;
    }
    if (start < text.length) parent.appendChild(d.createTextNode(text.slice(start)));
    return parent;
  }

  function helpHref(h) {
    var url = String(h.url || "");
    return /^\/help\/[A-Za-z0-9_.-]+$/.test(url) ? url : "/help/" + encodeURIComponent(String(h.id || ""));
  }

  function answerOf(h, link) {
    var parts = [h.title];
    if (h.text && h.text !== h.title) parts.push(h.text);
    if (h.steps && h.steps.length) {
      parts.push(
        "处理步骤：\n" +
          h.steps
            .map(function (s, i) { return i + 1 + ". " + s; })
            .join("\n")
      );
    }
    parts.push("详见：" + link);
    return parts.join("\n");
  }

  function fallbackCopy(text) {
    var active = d.activeElement;
    var ta = el("textarea", "clip-helper");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.setAttribute("aria-hidden", "true");
    ta.tabIndex = -1;
    d.body.appendChild(ta);
    ta.select();
    var ok = false;
    try {
      ok = d.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    d.body.removeChild(ta);
    if (active && active.focus) active.focus();
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return fallbackCopy(text);
      });
    }
    return fallbackCopy(text);
  }

  function hitItem(h, terms) {
    var li = el("li", "hit");
    li.setAttribute("data-role", "hit");
    li.setAttribute("data-id", String(h.id));
    var href = helpHref(h);
    var link = new URL(href, location.href).href;

    var title = el("h2");
    var a = el("a");
    a.href = href;
    a.setAttribute("data-role", "title");
    title.appendChild(highlight(a, h.title, terms));
    li.appendChild(title);

    var meta = el("p", "meta");
    meta.appendChild(el("span", "badge kind-" + String(h.kind).replace(/[^a-z_]/g, ""), KIND[h.kind] || h.kind));
    if (h.category) meta.appendChild(el("span", "category", h.category));
    var score = el("span", "score", "得分 " + Number(h.score).toFixed(4));
    score.setAttribute("data-role", "score");
    meta.appendChild(score);
    meta.appendChild(
      el("span", "parts", "语义 " + Number(h.dense).toFixed(3) + " · 关键词 " + Number(h.lexical).toFixed(3))
    );
    li.appendChild(meta);

    if (h.text && h.text !== h.title) {
      var text = highlight(el("p", "text"), h.text, terms);
      text.setAttribute("data-role", "text");
      li.appendChild(text);
    }
    if (h.steps && h.steps.length) {
      var ol = el("ol", "steps");
      h.steps.forEach(function (s) {
        ol.appendChild(highlight(el("li"), s, terms));
      });
      li.appendChild(ol);
    }
    if (h.matched && h.matched.length) li.appendChild(el("p", "matched", "命中词：" + h.matched.join("、")));

    var actions = el("div", "actions");
    var btn = el("button", "", "复制答案");
    btn.type = "button";
    btn.setAttribute("data-role", "copy");
    var note = el("span", "status");
    note.setAttribute("role", "status");
    btn.addEventListener("click", function () {
      copy(answerOf(h, link)).then(
        function () { note.textContent = "已复制"; },
        function () { note.textContent = "复制失败，请手动选择文字复制"; }
      );
    });
    var open = el("a", "help-link", link);
    open.href = href;
    open.target = "_blank";
    open.rel = "noopener";
    open.setAttribute("data-role", "help-link");
    actions.appendChild(btn);
    actions.appendChild(open);
    actions.appendChild(note);
    li.appendChild(actions);
    return li;
  }

  function search(ev) {
    if (ev) ev.preventDefault();
    var text = q.value.trim();
    if (!text) {
      status.textContent = "请输入检索词。";
      q.focus();
      return;
    }
    var params = new URLSearchParams({ q: text });
    if (kind.value) params.set("kind", kind.value);
    if (category.value) params.set("category", category.value);
    history.replaceState(null, "", "?" + params.toString());
    params.set("k", "20");
    var mine = ++seq;
    status.textContent = "正在检索…";
    hits.setAttribute("aria-busy", "true");
    getJSON("/v1/search?" + params.toString())
      .then(
        function (data) {
          if (mine !== seq) return;
          hits.textContent = "";
          var list = (data && data.hits) || [];
          list.forEach(function (h) {
            hits.appendChild(hitItem(h, h.matched || []));
          });
          status.textContent = list.length ? "共 " + list.length + " 条结果" : "没有找到相关条目，换个说法试试。";
        },
        function (err) {
          if (mine !== seq) return;
          hits.textContent = "";
          status.textContent = err.status === 503 ? "索引正在加载，请稍后再试。" : "检索失败：" + err.message;
        }
      )
      .then(function () {
        if (mine === seq) hits.removeAttribute("aria-busy");
      });
  }

  function loadCategories(attempt) {
    return getJSON("/v1/entries").then(
      function (entries) {
        var seen = {};
        (entries || []).forEach(function (e) {
          if (!e.category || seen[e.category]) return;
          seen[e.category] = true;
          var o = el("option", "", e.category);
          o.value = e.category;
          category.appendChild(o);
        });
      },
      function (err) {
        if (err.status !== 503 || attempt >= 15) return undefined;
        return new Promise(function (resolve) {
          setTimeout(resolve, 2000);
        }).then(function () {
          return loadCategories(attempt + 1);
        });
      }
    );
  }

  form.addEventListener("submit", search);
  [kind, category].forEach(function (select) {
    select.addEventListener("change", function () {
      if (q.value.trim()) search();
    });
  });

  var initial = new URLSearchParams(location.search);
  loadCategories(0).then(function () {
    if (initial.get("kind") && KIND[initial.get("kind")]) kind.value = initial.get("kind");
    if (initial.get("category")) category.value = initial.get("category");
    if (initial.get("q")) {
      q.value = initial.get("q").slice(0, 500);
      search();
    }
  });
})();
