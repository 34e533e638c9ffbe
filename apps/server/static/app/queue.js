// The queue page: active downloads with progress, speed and ETA; pending items with priority and
// reordering (drag and drop, Move up/down buttons); failed with retry; completed; start/stop.
// Live over the WebSocket: progress updates the bars in place, other events reload the status.

import { api, seg } from "./api.js";
import { startShell, code } from "./shell.js";
import { h, mount, errorView, errorLine, toast, busy, confirmDialog, duration, megabytes, when } from "./ui.js";
import { loadLanguage } from "./i18n.js";

const $ = (id) => document.getElementById(id);
let pending = [];
let failedItems = [];
let doneItems = [];
let bars = new Map(); // item id -> {bar, text}
let reloadTimer = null;

function label(it) {
  const ep = it.episode || {};
  return `${it.serie_name || it.serie_id} ${code(ep.season, ep.episode)}`;
}

function progressText(p) {
  if (!p) return "Starting…";
  const parts = [`${Number(p.percent || 0).toFixed(1)} %`];
  if (p.total_mb) parts.push(`${megabytes(p.downloaded_mb)} of ${megabytes(p.total_mb)}`);
  if (p.speed_mbps !== undefined && p.speed_mbps !== null) parts.push(`${Number(p.speed_mbps).toFixed(2)} MB/s`);
  if (p.eta_seconds !== undefined && p.eta_seconds !== null) parts.push(`${duration(p.eta_seconds)} left`);
  return parts.join(" · ");
}

function activeItem(it) {
  const id = `bar-${it.id}`;
  const bar = h("progress", { id, max: 100, "aria-label": `Progress of ${label(it)}` });
  const text = h("span", { class: "meta", text: progressText(it.progress) });
  if (it.progress && Number.isFinite(Number(it.progress.percent))) bar.value = Number(it.progress.percent);
  bars.set(it.id, { bar, text });
  const cancel = h("button", { class: "btn small danger", type: "button", "aria-label": `Cancel ${label(it)}`, text: "Cancel" });
  cancel.addEventListener("click", () => remove(it, cancel, `Cancel 1 running download (${label(it)})? Its partial data is deleted.`, "Cancel download", "Keep downloading"));
  return h("li", { class: "qitem", dataset: { id: it.id } },
    h("span", { class: "what" }, h("strong", { text: label(it) })), text, cancel,
    h("div", { class: "bar" }, bar));
}

function pendingItem(it, i) {
  const up = h("button", { class: "btn small", type: "button", disabled: i === 0, "aria-label": `Move ${label(it)} up`, text: "↑ Move up" });
  const down = h("button", { class: "btn small", type: "button", disabled: i === pending.length - 1, "aria-label": `Move ${label(it)} down`, text: "↓ Move down" });
  const del = h("button", { class: "btn small danger", type: "button", "aria-label": `Remove ${label(it)} from the queue`, text: "Remove" });
  up.addEventListener("click", () => move(i, i - 1, "up"));
  down.addEventListener("click", () => move(i, i + 1, "down"));
  del.addEventListener("click", () => remove(it, del, `Remove 1 pending download (${label(it)}) from the queue?`, "Remove"));
  const li = h("li", { class: "qitem", draggable: "true", dataset: { id: it.id } },
    h("span", { class: "handle", "aria-hidden": "true", text: "⠿" }),
    h("span", { class: "what" }, h("strong", { text: label(it) }), " ", h("span", { class: "badge", text: it.priority || "NORMAL" }),
      it.waiting ? h("span", { class: "meta waiting", text: ` waiting: ${it.waiting.site} asks for a human verification, next try ${when(it.waiting.until)}` }) : null),
    up, down, del);
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
    h("span", { class: "meta", text: failed ? `failed ${when(it.completed_at || it.started_at)}` : `done ${when(it.completed_at)}` }))];
  if (failed) {
    const retry = h("button", { class: "btn small", type: "button", "aria-label": `Retry ${label(it)}`, text: "Retry" });
    retry.addEventListener("click", () => busy(retry, () => action("POST", "/api/queue/retry", { item_ids: [it.id] })));
    row.push(retry, h("span", { class: "err-text", text: it.error || "Unknown error" }));
  }
  return h("li", { class: "qitem", dataset: { id: it.id } }, row);
}

function empty(text) {
  return h("li", { class: "meta", text });
}

async function move(from, to, direction) {
  if (to < 0 || to >= pending.length) return;
  const ids = pending.map((p) => p.id);
  const [moved] = ids.splice(from, 1);
  ids.splice(to, 0, moved);
  try {
    await api("POST", "/api/queue/reorder", { item_ids: ids });
    await load();
    const li = $("pending").querySelector(`li[data-id="${CSS.escape(moved)}"]`);
    const btn = li && (direction ? li.querySelector(`button[aria-label$=" ${direction}"]:not(:disabled)`) : null);
    (btn || (li && li.querySelector("button:not(:disabled)")))?.focus();
  } catch (err) {
    toast(errorLine(err), "bad");
    load();
  }
}

async function remove(it, button, question, yes, no) {
  if (!(await confirmDialog(question, yes, no))) return;
  await busy(button, () => action("DELETE", `/api/queue/${seg(it.id)}`));
}

/** "1 completed download", "12 completed downloads". */
function downloads(n, kind) {
  return `${n} ${kind} download${n === 1 ? "" : "s"}`;
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
    const r = await api(method, path, body);
    toast((r && r.message) || message || "Done", "ok");
  } catch (err) {
    toast(errorLine(err), "bad");
  }
  await load();
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
  const focused = document.activeElement;
  const keep = focused && focused.closest && focused.closest("li[data-id]") && focused.getAttribute("aria-label")
    ? focused.getAttribute("aria-label") : null;
  const st = s.status || {};
  const stats = s.statistics || {};
  $("queue-state").textContent = st.is_running ? "The queue is running." : st.is_paused ? "The queue is paused." : "The queue is stopped.";
  $("q-start").disabled = !!st.is_running;
  $("q-stop").disabled = !st.is_running;
  mount($("q-stats"),
    h("span", { text: `${stats.pending_count ?? 0} pending` }),
    h("span", { text: `${stats.active_count ?? 0} active` }),
    h("span", { text: `${stats.completed_count ?? 0} completed` }),
    h("span", { text: `${stats.failed_count ?? 0} failed` }),
    stats.average_speed_mbps ? h("span", { text: `${Number(stats.average_speed_mbps).toFixed(2)} MB/s` }) : null,
    stats.estimated_time_remaining ? h("span", { text: `${duration(stats.estimated_time_remaining)} left` }) : null);
  bars = new Map();
  const active = st.active_downloads || [];
  pending = st.pending_queue || [];
  const failed = st.failed_downloads || [];
  const done = st.completed_downloads || [];
  failedItems = failed;
  doneItems = done;
  mount($("active"), active.length ? active.map(activeItem) : empty("Nothing is downloading."));
  mount($("pending"), pending.length ? pending.map(pendingItem) : empty("Nothing is waiting."));
  mount($("failed"), failed.length ? failed.map((it) => finishedItem(it, true)) : empty("No failed downloads."));
  mount($("completed"), done.length ? done.map((it) => finishedItem(it, false)) : empty("No completed downloads yet."));
  $("clear-pending").disabled = !pending.length;
  $("retry-all").disabled = !failed.length;
  $("clear-failed").disabled = !failed.length;
  $("clear-completed").disabled = !done.length;
  if (keep) {
    const again = [...document.querySelectorAll("main li[data-id] button")].find((b) => b.getAttribute("aria-label") === keep && !b.disabled);
    if (again) again.focus();
  }
}

/** Reloads the status shortly, at most once per `ms` however many events arrive. */
function soon(ms = 300) {
  if (reloadTimer) return;
  reloadTimer = setTimeout(() => { reloadTimer = null; load(); }, ms);
}

function wire() {
  $("q-start").addEventListener("click", (e) => busy(e.currentTarget, () => action("POST", "/api/queue/start")));
  $("q-stop").addEventListener("click", (e) => busy(e.currentTarget, () => action("POST", "/api/queue/stop")));
  guarded("retry-all", () => failedItems.length, (n) => `Retry ${downloads(n, "failed")}?`, "Retry all",
    () => action("POST", "/api/queue/retry", { item_ids: [] }));
  guarded("clear-failed", () => failedItems.length, (n) => `Clear ${downloads(n, "failed")}?`, "Clear failed",
    () => action("DELETE", "/api/queue/failed"));
  guarded("clear-completed", () => doneItems.length, (n) => `Clear ${downloads(n, "completed")}?`, "Clear completed",
    () => action("DELETE", "/api/queue/completed"));
  guarded("clear-pending", () => pending.length, (n) => `Remove ${downloads(n, "pending")} from the queue?`, "Clear pending",
    () => action("DELETE", "/api/queue/pending"));
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
