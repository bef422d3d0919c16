/* beian-bot agents' pages: what the search and the desk share. Text is set with textContent only. */
(function () {
  "use strict";
  var d = document;

  function el(tag, cls, text) {
    var node = d.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // The body of a JSON response, or an Error carrying the API's message and the HTTP status.
  function readJSON(resp) {
    return resp.json().then(
      function (data) {
        if (resp.ok) return data;
        var err = new Error((data && data.error && data.error.message) || "HTTP " + resp.status);
        err.status = resp.status;
        throw err;
      },
      function () {
        var err = new Error("HTTP " + resp.status);
        err.status = resp.status;
        throw err;
      }
    );
  }

  window.beianCommon = {
    el: el,
    readJSON: readJSON,
    KIND: { faq: "常见问题", rejection: "驳回处理", troubleshooting: "故障排除" }
  };
})();
