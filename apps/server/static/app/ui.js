// DOM helpers of the web UI: element builder, toasts, the error view, a confirm dialog, formats.

/**
 * Builds an element. `attrs` keys: `class`, `text`, `on<event>` handlers, `dataset`, boolean
 * attributes (true/false) and plain attributes. Children may be strings, nodes, arrays or null.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== "string" && typeof v !== "number") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces the children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let toastBox;

/** Shows a toast for a few seconds; `kind` is "ok", "bad" or "info". */
export function toast(message, kind = "info", ms = 6000) {
  if (!toastBox) {
    toastBox = document.getElementById("toasts");
    if (!toastBox) {
      toastBox = h("div", { id: "toasts", class: "toasts", role: "status", "aria-live": "polite" });
      document.body.append(toastBox);
    }
  }
  const close = h("button", { class: "btn small", type: "button", "aria-label": "Dismiss notification", text: "✕" });
  const t = h("div", { class: `toast ${kind}` }, h("p", { text: message }), close);
  const remove = () => t.remove();
  close.addEventListener("click", remove);
  toastBox.append(t);
  setTimeout(remove, kind === "bad" ? ms * 2 : ms);
}

const TITLES = {
  0: "Cannot reach the server",
  400: "The request was not accepted",
  401: "Please log in again",
  403: "Not allowed",
  404: "Not found",
  409: "Conflict",
  413: "Too much data",
  422: "Some values are not valid",
  429: "Too many requests",
  502: "The catalogue or a hoster did not answer properly",
  503: "Not available right now",
};

/** A short title for an error's status. */
export function errorTitle(err) {
  if (!err || typeof err.status !== "number") return "Something went wrong";
  return TITLES[err.status] || (err.status >= 500 ? "Server error" : `Request failed (${err.status})`);
}

/** One line for toasts. */
export function errorLine(err) {
  const msg = err && err.message ? err.message : String(err);
  return `${errorTitle(err)}: ${msg}`;
}

/**
 * The error view: a titled alert with the message, field problems, the wait time of a 429 and
 * the request id to quote in a bug report. Works for every error shape of the API.
 */
export function errorView(err, { heading = "h2", retry } = {}) {
  const rows = [];
  if (err && err.details && typeof err.details === "object") {
    for (const [field, problem] of Object.entries(err.details)) {
      // `field` names the JSON path that is also a key of its own: shown once.
      if (field === "field" && typeof problem === "string" && problem in err.details) continue;
      rows.push(h("dt", { text: field }), h("dd", { text: typeof problem === "string" ? problem : JSON.stringify(problem) }));
    }
  }
  if (err && err.retryAfter) rows.push(h("dt", { text: "Try again in" }), h("dd", { text: duration(err.retryAfter) }));
  if (err && err.code) rows.push(h("dt", { text: "Code" }), h("dd", { text: err.code }));
  if (err && err.status) rows.push(h("dt", { text: "Status" }), h("dd", { text: String(err.status) }));
  if (err && err.requestId) rows.push(h("dt", { text: "Request id" }), h("dd", { text: err.requestId }));
  return h("section", { class: "error-view", role: "alert" },
    h(heading, { text: errorTitle(err) }),
    h("p", { text: err && err.message ? err.message : String(err) }),
    rows.length ? h("dl", {}, rows) : null,
    retry ? h("button", { class: "btn", type: "button", onclick: retry, text: "Try again" }) : null);
}

/**
 * Asks a yes/no question in a modal dialog (the one dialog of every destructive action, its
 * question saying how many items it affects); resolves to true when confirmed.
 */
export function confirmDialog(question, yes = "Confirm", no = "Cancel") {
  return new Promise((resolve) => {
    const ok = h("button", { class: "btn primary", type: "button", value: "yes", text: yes });
    const cancel = h("button", { class: "btn", type: "button", value: "no", text: no });
    const titleId = "dlg-" + Math.random().toString(36).slice(2);
    const dlg = h("dialog", { class: "confirm", "aria-labelledby": titleId },
      h("p", { id: titleId, text: question }), h("div", { class: "btn-row" }, ok, cancel));
    const done = (v) => { dlg.close(); dlg.remove(); resolve(v); };
    ok.addEventListener("click", () => done(true));
    cancel.addEventListener("click", () => done(false));
    dlg.addEventListener("cancel", (e) => { e.preventDefault(); done(false); });
    document.body.append(dlg);
    dlg.showModal();
    cancel.focus();
  });
}

/** Runs `fn` with `button` disabled and marked busy. */
export async function busy(button, fn) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/** "1 h 5 min", "42 s". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return "–";
  let s = Math.max(0, Math.round(Number(seconds)));
  const hrs = Math.floor(s / 3600);
  s -= hrs * 3600;
  const min = Math.floor(s / 60);
  s -= min * 60;
  if (hrs) return `${hrs} h ${min} min`;
  if (min) return `${min} min ${s} s`;
  return `${s} s`;
}

/** "12.3 MB". */
export function megabytes(mb) {
  if (mb === null || mb === undefined || !Number.isFinite(Number(mb))) return "–";
  const v = Number(mb);
  return v >= 1024 ? `${(v / 1024).toFixed(2)} GB` : `${v.toFixed(1)} MB`;
}

/** A date-time in the user's locale, or "never". */
export function when(iso) {
  if (!iso) return "never";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
}

/** The year in a folder name like "Name (2013)". */
export function yearOf(folder) {
  const m = /\((\d{4})\)\s*$/.exec(folder || "");
  return m ? Number(m[1]) : null;
}

/** Debounces `fn` by `ms`. */
export function debounce(fn, ms) {
  let t;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

// The library id of a series: its key on aniworld.to, `<site>:<key>` on any other site.
export function seriesId(s) {
  return s.site && s.site !== "aniworld.to" ? `${s.site}:${s.key}` : s.key;
}
