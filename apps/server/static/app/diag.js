// Records script errors, rejected promises, CSP violations and console.error calls in
// window.__aniworldErrors, so problems can be read from the page (support, browser tests).
(function () {
  "use strict";
  var list = [];
  window.__aniworldErrors = list;
  function push(kind, text) {
    if (list.length < 100) list.push(kind + ": " + String(text));
  }
  window.addEventListener("error", function (e) {
    push("error", e.message || (e.target && (e.target.src || e.target.href)) || "resource failed");
  }, true);
  window.addEventListener("unhandledrejection", function (e) {
    push("rejection", e.reason && e.reason.stack ? e.reason.stack : e.reason);
  });
  document.addEventListener("securitypolicyviolation", function (e) {
    push("csp", e.violatedDirective + " " + e.blockedURI);
  });
  var original = console.error;
  console.error = function () {
    push("console", Array.prototype.slice.call(arguments).join(" "));
    return original.apply(console, arguments);
  };
})();
