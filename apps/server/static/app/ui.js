// DOM helpers of the web UI: element builder, toasts, the error view, a confirm dialog, formats.

import { t, lang } from "./i18n.js";

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
  const close = h("button", { class: "btn small", type: "button", "aria-label": t("toast.dismiss"), text: "✕" });
  const box = h("div", { class: `toast ${kind}` }, h("p", { text: message }), close);
  const remove = () => box.remove();
  close.addEventListener("click", remove);
  toastBox.append(box);
  setTimeout(remove, kind === "bad" ? ms * 2 : ms);
}

const TITLED = [0, 400, 401, 403, 404, 409, 413, 422, 429, 502, 503];

/** A short title for an error's status. */
export function errorTitle(err) {
  if (!err || typeof err.status !== "number") return t("error.unknown");
  if (TITLED.includes(err.status)) return t(`error.status.${err.status}`);
  return err.status >= 500 ? t("error.server") : t("error.failed", { status: err.status });
}

/** One line for toasts. */
export function errorLine(err) {
  const msg = err && err.message ? err.message : String(err);
  return t("error.line", { title: errorTitle(err), message: msg });
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
  if (err && err.retryAfter) rows.push(h("dt", { text: t("error.retry_in") }), h("dd", { text: duration(err.retryAfter) }));
  if (err && err.code) rows.push(h("dt", { text: t("error.code") }), h("dd", { text: err.code }));
  if (err && err.status) rows.push(h("dt", { text: t("error.status") }), h("dd", { text: String(err.status) }));
  if (err && err.requestId) rows.push(h("dt", { text: t("error.request_id") }), h("dd", { text: err.requestId }));
  return h("section", { class: "error-view", role: "alert" },
    h(heading, { text: errorTitle(err) }),
    h("p", { text: err && err.message ? err.message : String(err) }),
    rows.length ? h("dl", {}, rows) : null,
    retry ? h("button", { class: "btn", type: "button", onclick: retry, text: t("error.try_again") }) : null);
}

/**
 * Asks a yes/no question in a modal dialog (the one dialog of every destructive action, its
 * question saying how many items it affects); resolves to true when confirmed.
 */
export function confirmDialog(question, yes = t("common.confirm"), no = t("common.cancel")) {
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

/**
 * Runs `fn` with `button` marked busy and unavailable (aria-disabled, not `disabled`, so that a
 * keyboard user's focus stays on it); a second press while busy does nothing.
 */
export async function busy(button, fn) {
  if (button.getAttribute("aria-busy") === "true") return undefined;
  const before = button.getAttribute("aria-disabled");
  button.setAttribute("aria-busy", "true");
  button.setAttribute("aria-disabled", "true");
  try {
    return await fn();
  } finally {
    button.removeAttribute("aria-busy");
    if (before === null) button.removeAttribute("aria-disabled");
    else button.setAttribute("aria-disabled", before);
  }
}

/** "1 h 5 min", "42 s" (in the UI's language). */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return "–";
  let s = Math.max(0, Math.round(Number(seconds)));
  const hrs = Math.floor(s / 3600);
  s -= hrs * 3600;
  const min = Math.floor(s / 60);
  s -= min * 60;
  if (hrs) return t("time.hm", { h: hrs, m: min });
  if (min) return t("time.ms", { m: min, s });
  return t("time.s", { s });
}

/** "12.3 MB". */
export function megabytes(mb) {
  if (mb === null || mb === undefined || !Number.isFinite(Number(mb))) return "–";
  const v = Number(mb);
  const n = (x, d) => x.toLocaleString(lang(), { minimumFractionDigits: d, maximumFractionDigits: d });
  return v >= 1024 ? t("size.gb", { n: n(v / 1024, 2) }) : t("size.mb", { n: n(v, 1) });
}

/** A date-time in the UI's language, or "never". */
export function when(iso) {
  if (!iso) return t("time.never");
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(lang());
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
