/* beian-bot embed: include on a host page to get a floating button that opens the chat in a panel.
 *
 *   <script src="https://bot.example/static/embed.js" data-bot-origin="https://bot.example" defer></script>
 *
 * Optional attributes: data-label (button text), data-user-ref (an opaque user reference; never put a key here).
 * API: window.BeianBot.open(question?), .close(), .setUserRef(ref).
 * Help links the user opens in the chat arrive as a cancelable "beian:open-help" event on window
 * (event.detail = {url, id, title}); unless a listener calls preventDefault() they open in a new tab.
 * The host origin must be listed in the bot's BEIAN_ALLOWED_ORIGINS.
 */
(function () {
  "use strict";
  if (window.BeianBot) return;
  var d = document;
  var script = d.currentScript || d.querySelector("script[data-bot-origin]");
  if (!script) return;
  var origin;
  try {
    origin = new URL(script.getAttribute("data-bot-origin") || script.src, location.href).origin;
  } catch (e) {
    return;
  }
  var label = script.getAttribute("data-label") || "备案助手";
  var userRef = script.getAttribute("data-user-ref") || null;
  var button = null;
  var panel = null;
  var frame = null;
  var ready = false;

  function css(node, styles) {
    Object.keys(styles).forEach(function (k) {
      node.style[k] = styles[k];
    });
    return node;
  }

  function layout() {
    if (!panel) return;
    var small = window.matchMedia("(max-width: 480px)").matches;
    css(
      panel,
      small
        ? { inset: "0", width: "100%", height: "100%", borderRadius: "0", right: "0", bottom: "0" }
        : { inset: "auto", right: "16px", bottom: "84px", width: "380px", height: "min(640px, calc(100vh - 100px))", borderRadius: "12px" }
    );
  }

  function init() {
    if (!frame || !frame.contentWindow || !ready) return;
    var msg = { type: "beian:init" };
    if (userRef) msg.userRef = userRef;
    frame.contentWindow.postMessage(msg, origin);
  }

  function build() {
    panel = css(d.createElement("div"), {
      position: "fixed",
      zIndex: "2147483000",
      display: "none",
      flexDirection: "column",
      background: "#fff",
      boxShadow: "0 8px 32px rgba(0,0,0,.25)",
      overflow: "hidden",
    });
    panel.id = "beian-bot-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", label);
    var bar = css(d.createElement("div"), {
      display: "flex",
      justifyContent: "flex-end",
      background: "#0b62c4",
      flex: "0 0 auto",
    });
    var close = css(d.createElement("button"), {
      font: "16px/1 system-ui, sans-serif",
      color: "#fff",
      background: "transparent",
      border: "0",
      minWidth: "44px",
      minHeight: "44px",
      cursor: "pointer",
    });
    close.type = "button";
    close.textContent = "✕";
    close.setAttribute("aria-label", "关闭" + label);
    close.addEventListener("click", function () {
      api.close();
    });
    bar.appendChild(close);
    frame = css(d.createElement("iframe"), { border: "0", width: "100%", flex: "1 1 auto", background: "#fff" });
    frame.title = label;
    frame.src = origin + "/";
    panel.appendChild(bar);
    panel.appendChild(frame);
    d.body.appendChild(panel);
    layout();
  }

  function openPanel(question) {
    if (!panel) build();
    if (typeof question === "string" && question.trim()) {
      var q = question.trim().slice(0, 500);
      if (ready) frame.contentWindow.postMessage({ type: "beian:init", question: q, ask: true }, origin);
      else frame.src = origin + "/#" + new URLSearchParams({ q: q, ask: "1" }).toString();
    }
    panel.style.display = "flex";
    button.setAttribute("aria-expanded", "true");
    frame.focus();
  }

  var api = {
    open: openPanel,
    close: function () {
      if (!panel) return;
      panel.style.display = "none";
      button.setAttribute("aria-expanded", "false");
      button.focus();
    },
    setUserRef: function (ref) {
      userRef = typeof ref === "string" && ref ? ref : null;
      init();
    },
  };
  window.BeianBot = api;

  window.addEventListener("message", function (ev) {
    if (!frame || ev.source !== frame.contentWindow || ev.origin !== origin) return;
    var m = ev.data;
    if (!m || typeof m !== "object") return;
    if (m.type === "beian:close") {
      api.close();
    } else if (m.type === "beian:ready") {
      ready = true;
      init();
    } else if (m.type === "beian:open-help" && typeof m.url === "string" && m.url.indexOf(origin + "/help/") === 0) {
      var event = new CustomEvent("beian:open-help", {
        cancelable: true,
        detail: { url: m.url, id: String(m.id || ""), title: String(m.title || "") },
      });
      if (window.dispatchEvent(event)) window.open(m.url, "_blank", "noopener");
    }
  });
  window.addEventListener("resize", layout);
  d.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && panel && panel.style.display !== "none") api.close();
  });

  function mount() {
    button = css(d.createElement("button"), {
      position: "fixed",
      right: "16px",
      bottom: "16px",
      zIndex: "2147483000",
      minHeight: "48px",
      padding: "0 18px",
      border: "0",
      borderRadius: "24px",
      background: "#0b62c4",
      color: "#fff",
      font: "600 16px/1 system-ui, -apple-system, sans-serif",
      boxShadow: "0 4px 16px rgba(0,0,0,.25)",
      cursor: "pointer",
    });
    button.type = "button";
    button.id = "beian-bot-button";
    button.textContent = label;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "beian-bot-panel");
    button.addEventListener("click", function () {
      if (panel && panel.style.display !== "none") api.close();
      else openPanel();
    });
    d.body.appendChild(button);
  }
  if (d.body) mount();
  else d.addEventListener("DOMContentLoaded", mount);
})();
