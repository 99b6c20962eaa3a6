// /docs: the operations of /openapi.json, grouped by tag, each with who may call it.
(function () {
  "use strict";

  function element(name, text, className) {
    var el = document.createElement(name);
    if (text !== undefined) { el.textContent = text; }
    if (className) { el.className = className; }
    return el;
  }

  function who(operation) {
    if (!operation.security || !operation.security.length) { return "anyone"; }
    return operation.security.map(function (scheme) {
      var name = Object.keys(scheme)[0];
      var roles = scheme[name];
      return name + (roles && roles.length ? " (" + roles.join(", ") + ")" : "");
    }).join(" or ");
  }

  function draw(doc) {
    var groups = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var tag = (op.tags && op.tags[0]) || "other";
        (groups[tag] = groups[tag] || []).push({ method: method, path: path, op: op });
      });
    });
    var root = document.querySelector("[data-api-operations]");
    Object.keys(groups).sort().forEach(function (tag) {
      var section = element("section");
      section.appendChild(element("h2", tag));
      var table = element("table");
      var body = element("tbody");
      groups[tag].forEach(function (entry) {
        var row = element("tr");
        row.setAttribute("data-operation", entry.op.operationId || "");
        row.appendChild(element("td", entry.method.toUpperCase(), "method"));
        var path = element("td");
        path.appendChild(element("code", entry.path));
        row.appendChild(path);
        row.appendChild(element("td", entry.op.summary || ""));
        row.appendChild(element("td", who(entry.op), "muted small"));
        body.appendChild(row);
      });
      table.appendChild(body);
      var scroll = element("div", undefined, "scroll");
      scroll.appendChild(table);
      section.appendChild(scroll);
      root.appendChild(section);
    });
    var count = root.querySelectorAll("[data-operation]").length;
    document.querySelector("[data-api-status]").textContent =
      doc.info.title + " " + doc.info.version + ": " + count + " operations.";
  }

  document.addEventListener("DOMContentLoaded", function () {
    fetch("/openapi.json").then(function (answer) { return answer.json(); }).then(draw, function () {
      document.querySelector("[data-api-status]").textContent =
        "The document could not be read: open /openapi.json.";
    });
  });
})();
