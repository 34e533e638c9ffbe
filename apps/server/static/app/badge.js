// The count badge of the "Queue" link in the navigation: how many episodes are pending or
// downloading, on every signed-in page, kept current by the live connection's queue events.

import { get } from "./api.js";
import { h, mount } from "./ui.js";
import { t, lang } from "./i18n.js";

/** Shows the count in `#queue-badge` (hidden at 0) and follows `live` (a Live connection). */
export function startBadge(live) {
  const badge = document.getElementById("queue-badge");
  if (!badge) return;
  const show = (count) => {
    const n = Number(count) || 0;
    badge.hidden = n <= 0;
    badge.dataset.count = String(n);
    const text = t("queue.badge", { count: n });
    badge.title = text;
    mount(badge, h("span", { "aria-hidden": "true", text: n.toLocaleString(lang()) }), h("span", { class: "sr-only", text }));
  };
  const fromStatistics = (s) => {
    if (s && Number.isFinite(Number(s.pending_count)) && Number.isFinite(Number(s.active_count))) {
      show(Number(s.pending_count) + Number(s.active_count));
    }
  };
  let timer = null;
  const refresh = () => {
    if (timer) return;
    timer = setTimeout(async () => {
      timer = null;
      try {
        fromStatistics((await get("/api/queue/status")).statistics);
      } catch {
        // the badge keeps its last count; the next event tries again
      }
    }, 400);
  };
  live.on("queue_status", (d) => fromStatistics(d.statistics));
  for (const k of ["_open", "download_added", "download_removed", "download_complete", "download_failed"]) live.on(k, refresh);
  refresh();
}
