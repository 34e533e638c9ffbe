// Actions shared by several views: queueing episodes, the notice of a queue that does not run
// (with its Start button) and reading a series' missing episodes.

import { api, get } from "./api.js";
import { h, mount, busy, toast, errorLine, seriesId } from "./ui.js";
import { t } from "./i18n.js";

/**
 * Shows in `note` (by default a notice at the top of the current view) that the queue is stopped
 * or paused, with a Start button (POST /api/queue/start); empties it while the queue runs.
 */
export async function queueStateNotice(note) {
  let st;
  try {
    const q = await get("/api/queue/status");
    st = (q && q.status) || {};
  } catch {
    return;
  }
  const el = note || topNotice();
  if (!el) return;
  if (st.is_running) {
    mount(el);
    return;
  }
  const start = h("button", { class: "btn small primary", type: "button", dataset: { action: "start-queue" }, text: t("actions.start_queue") });
  start.addEventListener("click", () => busy(start, async () => {
    try {
      await api("POST", "/api/queue/start");
      mount(el, t("queue.state.running"));
      toast(t("queue.toast.started"), "ok");
    } catch (err) {
      toast(errorLine(err), "bad");
    }
  }));
  mount(el, t(st.is_paused ? "actions.queue_paused" : "actions.queue_stopped"), " ", start);
}

// The notice above the current view, made on first use (a new view replaces it).
function topNotice() {
  const view = document.getElementById("view");
  if (!view) return null;
  let el = document.getElementById("queue-notice");
  if (!el) {
    el = h("p", { id: "queue-notice", class: "notice", role: "status" });
    view.prepend(el);
  }
  return el;
}

/**
 * Queues `episodes` ([{season, episode}]) of a series through POST /api/queue/add and tells the
 * user what happened. Resolves to the answer, or null when the request failed.
 */
export async function queueEpisodes(serie, episodes, priority = "NORMAL") {
  if (!episodes.length) {
    toast(t("actions.nothing_missing", { name: serie.name }), "info");
    return null;
  }
  const body = {
    serie_id: serie.slug ? serie.key : seriesId(serie),
    serie_folder: serie.folder,
    serie_name: serie.name,
    episodes: episodes.map((e) => ({ season: e.season, episode: e.episode, title: `Episode ${e.episode}` })),
    priority,
  };
  try {
    const r = await api("POST", "/api/queue/add", body);
    const added = (r && (r.item_ids || r.added_items) || []).length;
    const skipped = (r && r.failed_items || []).length;
    toast(skipped
      ? t("actions.queued_skipped", { name: serie.name, count: added, skipped })
      : t("actions.queued", { name: serie.name, count: added }), "ok");
    await queueStateNotice();
    return r;
  } catch (err) {
    toast(errorLine(err), "bad");
    return null;
  }
}

/** [{season, episode}] from a `missing_episodes` map ({"1": [1, 2]}). */
export function missingList(map) {
  const out = [];
  for (const [season, eps] of Object.entries(map || {})) {
    for (const e of eps || []) out.push({ season: Number(season), episode: Number(e) });
  }
  return out.sort((a, b) => a.season - b.season || a.episode - b.episode);
}

/** [{season, episode}] from "s-e" ids. */
export function parseIds(ids) {
  const out = [];
  for (const id of ids || []) {
    const m = /^(\d+)-(\d+)$/.exec(String(id));
    if (m) out.push({ season: Number(m[1]), episode: Number(m[2]) });
  }
  return out;
}
