// The queue page: active downloads with progress, speed and ETA; pending items with priority,
// their retries and waits, and reordering (drag and drop, Move up/down buttons); failed with
// retry; completed; start/stop. A status and a series filter narrow the lists, and long lists
// show 50 items at a time ("Show more"), so that thousands of queued episodes stay quick.
// Errors show in the user's words (errors.js) with the raw text behind "Details".
// Live over the WebSocket: progress updates the bars in place, other events reload the status.

import { api, seg } from "./api.js";
import { startShell, code } from "./shell.js";
import { h, mount, errorView, errorLine, toast, busy, confirmDialog, duration, megabytes, when } from "./ui.js";
import { loadLanguage, t, lang } from "./i18n.js";
import { userError } from "./errors.js";

const $ = (id) => document.getElementById(id);
/** Items shown per list at first and added by each "Show more". */
const PAGE = 50;

let pending = [];
let failedItems = [];
let doneItems = [];
let visiblePending = []; // the pending items the filters let through, in queue order
let bars = new Map(); // item id -> {bar, text}
let reloadTimer = null;
let last = null; // the last status answer
const filter = { status: "all", series: "" };
const shown = { active: PAGE, pending: PAGE, failed: PAGE, completed: PAGE };

function label(it) {
  const ep = it.episode || {};
  return `${it.serie_name || it.serie_id} ${code(ep.season, ep.episode)}`;
}

function number(v, digits) {
  return Number(v || 0).toLocaleString(lang(), { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function progressText(p) {
  if (!p) return t("queue.progress.starting");
  const parts = [t("queue.progress.percent", { percent: number(p.percent, 1) })];
  if (p.total_mb) parts.push(t("queue.progress.size", { done: megabytes(p.downloaded_mb), total: megabytes(p.total_mb) }));
  if (p.speed_mbps !== undefined && p.speed_mbps !== null) parts.push(t("queue.progress.speed", { speed: number(p.speed_mbps, 2) }));
  if (p.eta_seconds !== undefined && p.eta_seconds !== null) parts.push(t("queue.progress.left", { time: duration(p.eta_seconds) }));
  return parts.join(" · ");
}

function priorityName(p) {
  if (p === "HIGH") return t("queue.priority.high");
  if (p === "LOW") return t("queue.priority.low");
  return t("queue.priority.normal");
}

/** The error of an item: a short sentence, the raw text behind "Details". */
function errorBlock(text) {
  const e = userError(text);
  return h("div", { class: "err-block" },
    h("p", { class: "err-text", text: e.summary }),
    e.details && e.details !== e.summary
      ? h("details", { class: "err-details" },
        h("summary", { text: t("queue.error_details") }),
        h("pre", { class: "err-raw", text: e.details }))
      : null);
}

/** Why a pending item has not run yet: its wait for a site, or its retries. */
function retryState(it) {
  if (it.waiting) {
    const w = it.waiting;
    const text = w.reason === "verification_required"
      ? t("queue.waiting_verification", { site: w.site, until: when(w.until) })
      : t("queue.waiting", { site: w.site, until: when(w.until) });
    return [h("p", { class: "meta waiting", text }), it.error ? errorBlock(it.error) : null];
  }
  const n = it.retry_count || 0;
  const max = it.max_retries ?? n;
  const text = !n ? null : it.next_try_at
    ? t("queue.retry_next", { n, max, time: when(it.next_try_at) })
    : t("queue.retry_n", { n, max });
  return [text ? h("p", { class: "meta retry", text }) : null, it.error ? errorBlock(it.error) : null];
}

function activeItem(it) {
  const id = `bar-${it.id}`;
  const bar = h("progress", { id, max: 100, "aria-label": t("queue.progress_of", { what: label(it) }) });
  const text = h("span", { class: "meta", text: progressText(it.progress) });
  if (it.progress && Number.isFinite(Number(it.progress.percent))) bar.value = Number(it.progress.percent);
  bars.set(it.id, { bar, text });
  const cancel = h("button", { class: "btn small danger", type: "button", "aria-label": t("queue.cancel_of", { what: label(it) }), text: t("queue.cancel") });
  cancel.addEventListener("click", () => remove(it, cancel, t("queue.cancel_confirm", { what: label(it) }), t("queue.cancel_yes"), t("queue.cancel_no")));
  return h("li", { class: "qitem", dataset: { id: it.id } },
    h("span", { class: "what" }, h("strong", { text: label(it) })), text, cancel,
    h("div", { class: "bar" }, bar));
}

function pendingItem(it, i) {
  const first = i === 0;
  const lastOne = i === visiblePending.length - 1;
  const up = h("button", { class: "btn small", type: "button", disabled: first, dataset: { move: "up" }, "aria-label": t("queue.move_up_of", { what: label(it) }) },
    h("span", { "aria-hidden": "true", text: "↑" }), " ", t("queue.move_up"));
  const down = h("button", { class: "btn small", type: "button", disabled: lastOne, dataset: { move: "down" }, "aria-label": t("queue.move_down_of", { what: label(it) }) },
    h("span", { "aria-hidden": "true", text: "↓" }), " ", t("queue.move_down"));
  const del = h("button", { class: "btn small danger", type: "button", "aria-label": t("queue.remove_of", { what: label(it) }), text: t("queue.remove") });
  up.addEventListener("click", () => move(i, i - 1, "up"));
  down.addEventListener("click", () => move(i, i + 1, "down"));
  del.addEventListener("click", () => remove(it, del, t("queue.remove_confirm", { what: label(it) }), t("queue.remove")));
  const li = h("li", { class: "qitem", draggable: "true", dataset: { id: it.id } },
    h("span", { class: "handle", "aria-hidden": "true", text: "⠿" }),
    h("span", { class: "what" }, h("strong", { text: label(it) }), " ", h("span", { class: "badge", text: priorityName(it.priority) })),
    up, down, del, ...retryState(it));
  li.addEventListener("dragstart", (e) => { li.classList.add("dragging"); e.dataTransfer.setData("text/plain", String(i)); e.dataTransfer.effectAllowed = "move"; });
  li.addEventListener("dragend", () => li.classList.remove("dragging"));
  li.addEventListener("dragover", (e) => { e.preventDefault(); li.classList.add("drag-over"); });
  li.addEventListener("dragleave", () => li.classList.remove("drag-over"));
  li.addEventListener("drop", (e) => {
    e.preventDefault();
    li.classList.remove("drag-over");
    const from = Number(e.dataTransfer.getData("text/plain"));
    if (Number.isInteger(from) && from !== i) move(from, i);
  });
  return li;
}

function finishedItem(it, failed) {
  const row = [h("span", { class: "what" }, h("strong", { text: label(it) }), " ",
    h("span", { class: "meta", text: failed ? t("queue.failed_at", { time: when(it.completed_at || it.started_at) }) : t("queue.done_at", { time: when(it.completed_at) }) }))];
  if (failed) {
    const retry = h("button", { class: "btn small", type: "button", "aria-label": t("queue.retry_of", { what: label(it) }), text: t("queue.retry") });
    retry.addEventListener("click", () => busy(retry, () => action("POST", "/api/queue/retry", { item_ids: [it.id] }, t("queue.toast.retried"))));
    row.push(retry, errorBlock(it.error));
  }
  return h("li", { class: "qitem", dataset: { id: it.id } }, row);
}

function empty(text) {
  return h("li", { class: "meta", text });
}

/**
 * Moves the visible pending item at `from` to the place of the visible item at `to` (the lists
 * may be filtered: the item goes right before or after that neighbour in the whole queue).
 */
async function move(from, to, direction) {
  if (to < 0 || to >= visiblePending.length) return;
  const moved = visiblePending[from].id;
  const target = visiblePending[to].id;
  const ids = pending.map((p) => p.id).filter((id) => id !== moved);
  const at = ids.indexOf(target);
  ids.splice(from < to ? at + 1 : at, 0, moved);
  try {
    await api("POST", "/api/queue/reorder", { item_ids: ids });
    await load();
    const li = $("pending").querySelector(`li[data-id="${CSS.escape(moved)}"]`);
    const btn = li && (direction ? li.querySelector(`button[data-move="${direction}"]:not(:disabled)`) : null);
    (btn || (li && li.querySelector("button:not(:disabled)")))?.focus();
  } catch (err) {
    toast(errorLine(err), "bad");
    load();
  }
}

async function remove(it, button, question, yes, no) {
  if (!(await confirmDialog(question, yes, no))) return;
  await busy(button, () => action("DELETE", `/api/queue/${seg(it.id)}`, undefined, t("queue.toast.removed")));
}

/** Wires `button` to ask `question(count)` first, then run `fn`; nothing happens on Cancel. */
function guarded(id, count, question, yes, fn) {
  $(id).addEventListener("click", async (e) => {
    const button = e.currentTarget;
    const n = count();
    if (!n || !(await confirmDialog(question(n), yes))) return;
    await busy(button, fn);
  });
}

async function action(method, path, body, message) {
  try {
    await api(method, path, body);
    toast(message || t("queue.toast.done"), "ok");
  } catch (err) {
    toast(errorLine(err), "bad");
  }
  await load();
}

/** The items of `list` the series filter lets through. */
function bySeries(list) {
  return filter.series ? list.filter((it) => it.serie_id === filter.series) : list;
}

/** Renders one list: its first `shown[key]` items, "Show more" and a count below it. */
function renderList(key, listEl, items, render, emptyText) {
  const more = $(`${key}-more`);
  if (!items.length) {
    mount(listEl, empty(filter.series ? t("queue.empty.filtered") : emptyText));
    if (more) mount(more);
    return;
  }
  const limit = Math.min(shown[key], items.length);
  mount(listEl, items.slice(0, limit).map(render));
  if (!more) return;
  if (limit >= items.length) {
    mount(more, items.length > PAGE ? h("span", { class: "meta", text: t("queue.showing", { shown: limit, total: items.length }) }) : null);
    return;
  }
  const next = Math.min(PAGE, items.length - limit);
  const btn = h("button", { class: "btn small", type: "button", dataset: { more: key }, text: t("queue.show_more", { count: next }) });
  btn.addEventListener("click", () => {
    shown[key] += PAGE;
    render_();
    // The first of the newly shown items takes the focus, so that the keyboard goes on there.
    listEl.children[limit]?.querySelector("button:not(:disabled)")?.focus();
  });
  mount(more, h("span", { class: "meta", text: t("queue.showing", { shown: limit, total: items.length }) }), btn);
}

/** The series select: every series with an item, by name; keeps the choice. */
function seriesOptions(all) {
  const names = new Map();
  for (const it of all) if (!names.has(it.serie_id)) names.set(it.serie_id, it.serie_name || it.serie_id);
  if (filter.series && !names.has(filter.series)) names.set(filter.series, filter.series);
  const sel = $("q-series");
  const keys = [...names.keys()].sort((a, b) => names.get(a).localeCompare(names.get(b), lang()));
  const sig = keys.join("\n");
  if (sel.dataset.sig === sig) return;
  sel.dataset.sig = sig;
  mount(sel, h("option", { value: "", text: t("queue.filter.all_series") }),
    ...keys.map((k) => h("option", { value: k, text: names.get(k) })));
  sel.value = filter.series;
}

/** Draws the lists from the last status answer and the filters. */
function render_() {
  const s = last;
  if (!s) return;
  const focused = document.activeElement;
  const keep = focused && focused.closest && focused.closest("li[data-id]") && focused.getAttribute("aria-label")
    ? focused.getAttribute("aria-label") : null;
  const st = s.status || {};
  bars = new Map();
  const active = st.active_downloads || [];
  pending = st.pending_queue || [];
  failedItems = st.failed_downloads || [];
  doneItems = st.completed_downloads || [];
  seriesOptions([...active, ...pending, ...failedItems, ...doneItems]);
  const show = (name) => filter.status === "all" || filter.status === name;
  $("sec-active").hidden = !show("downloading");
  $("sec-pending").hidden = !show("pending");
  $("sec-failed").hidden = !show("failed");
  $("sec-completed").hidden = !show("completed");
  visiblePending = bySeries(pending);
  renderList("active", $("active"), bySeries(active), activeItem, t("queue.empty.active"));
  renderList("pending", $("pending"), visiblePending, pendingItem, t("queue.empty.pending"));
  renderList("failed", $("failed"), bySeries(failedItems), (it) => finishedItem(it, true), t("queue.empty.failed"));
  renderList("completed", $("completed"), bySeries(doneItems), (it) => finishedItem(it, false), t("queue.empty.completed"));
  $("clear-pending").disabled = !pending.length;
  $("retry-all").disabled = !failedItems.length;
  $("clear-failed").disabled = !failedItems.length;
  $("clear-completed").disabled = !doneItems.length;
  if (keep) {
    const again = [...document.querySelectorAll("main li[data-id] button")].find((b) => b.getAttribute("aria-label") === keep && !b.disabled);
    if (again) again.focus();
  }
}

async function load() {
  let s;
  try {
    s = await api("GET", "/api/queue/status");
  } catch (err) {
    mount($("queue-error"), errorView(err, { retry: load }));
    return;
  }
  mount($("queue-error"));
  last = s;
  const st = s.status || {};
  const stats = s.statistics || {};
  $("queue-state").textContent = t(st.is_running ? "queue.state.running" : st.is_paused ? "queue.state.paused" : "queue.state.stopped");
  $("q-start").disabled = !!st.is_running;
  $("q-stop").disabled = !st.is_running;
  mount($("q-stats"),
    h("span", { text: t("queue.stats.pending", { count: stats.pending_count ?? 0 }) }),
    h("span", { text: t("queue.stats.active", { count: stats.active_count ?? 0 }) }),
    h("span", { text: t("queue.stats.completed", { count: stats.completed_count ?? 0 }) }),
    h("span", { text: t("queue.stats.failed", { count: stats.failed_count ?? 0 }) }),
    stats.average_speed_mbps ? h("span", { text: t("queue.progress.speed", { speed: number(stats.average_speed_mbps, 2) }) }) : null,
    stats.estimated_time_remaining ? h("span", { text: t("queue.progress.left", { time: duration(stats.estimated_time_remaining) }) }) : null);
  render_();
}

/** Reloads the status shortly, at most once per `ms` however many events arrive. */
function soon(ms = 300) {
  if (reloadTimer) return;
  reloadTimer = setTimeout(() => { reloadTimer = null; load(); }, ms);
}

function wire() {
  $("q-start").addEventListener("click", (e) => busy(e.currentTarget, () => action("POST", "/api/queue/start", undefined, t("queue.toast.started"))));
  $("q-stop").addEventListener("click", (e) => busy(e.currentTarget, () => action("POST", "/api/queue/stop", undefined, t("queue.toast.stopped"))));
  guarded("retry-all", () => failedItems.length, (n) => t("queue.confirm.retry_failed", { count: n }), t("queue.retry_all"),
    () => action("POST", "/api/queue/retry", { item_ids: [] }, t("queue.toast.retried")));
  guarded("clear-failed", () => failedItems.length, (n) => t("queue.confirm.clear_failed", { count: n }), t("queue.clear_failed"),
    () => action("DELETE", "/api/queue/failed", undefined, t("queue.toast.cleared")));
  guarded("clear-completed", () => doneItems.length, (n) => t("queue.confirm.clear_completed", { count: n }), t("queue.clear_completed"),
    () => action("DELETE", "/api/queue/completed", undefined, t("queue.toast.cleared")));
  guarded("clear-pending", () => pending.length, (n) => t("queue.confirm.clear_pending", { count: n }), t("queue.clear_pending"),
    () => action("DELETE", "/api/queue/pending", undefined, t("queue.toast.cleared")));
  const refilter = () => {
    filter.status = $("q-status").value;
    filter.series = $("q-series").value;
    for (const k of Object.keys(shown)) shown[k] = PAGE;
    render_();
  };
  $("q-status").addEventListener("change", refilter);
  $("q-series").addEventListener("change", refilter);
}

await loadLanguage();
startShell().then((live) => {
  wire();
  live.on("download_progress", (d) => {
    const b = bars.get(d.download_id);
    if (!b) {
      soon();
      return;
    }
    if (Number.isFinite(Number(d.percent))) b.bar.value = Number(d.percent);
    b.text.textContent = progressText(d);
  });
  for (const k of ["download_added", "download_removed", "download_complete", "download_failed", "download_waiting", "queue_started", "queue_stopped"]) {
    live.on(k, () => soon());
  }
  live.on("queue_status", () => soon(3000));
  live.on("_open", () => soon());
  // A slow safety net for when the live connection is down.
  setInterval(() => { if (live.state !== "open") load(); }, 15000);
  load();
});
