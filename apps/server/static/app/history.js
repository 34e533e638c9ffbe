// The History view (#/history): what happened to which episode, newest first (GET /api/history),
// filtered by event, with paging.

import { get, seg } from "./api.js";
import { h, mount, errorView, megabytes, when } from "./ui.js";
import { code } from "./shell.js";

const EVENTS = [["", "All events"], ["completed", "Downloaded"], ["failed", "Failed"], ["upgraded", "Upgraded"], ["deleted", "Deleted"]];
const PER_PAGE = 50;

export async function historyView(root, ctx, params) {
  let page = Math.max(1, Number(params.get("page")) || 1);
  const serieId = params.get("serie_id") || "";
  const event = h("select", { id: "history-event" },
    EVENTS.map(([v, t]) => h("option", { value: v, selected: v === (params.get("event") || ""), text: t })));
  const list = h("div", { id: "history-list" });
  event.addEventListener("change", () => { page = 1; load(); });
  mount(root,
    h("h1", { text: "History" }),
    h("p", { class: "hint", text: "Downloads that completed or failed for good, upgrades and deleted files, newest first. Clearing the queue keeps them." }),
    serieId ? h("p", {}, "One series only. ", h("a", { href: "#/history", text: "Show every series" })) : null,
    h("div", { class: "toolbar" }, h("div", { class: "field" }, h("label", { for: "history-event", text: "Event" }), event)),
    list);

  async function load() {
    let rows;
    try {
      rows = await get("/api/history", { page, per_page: PER_PAGE, event: event.value, serie_id: serieId });
    } catch (err) {
      if (ctx.isCurrent()) mount(list, errorView(err, { retry: load }));
      return;
    }
    if (!ctx.isCurrent()) return;
    rows = Array.isArray(rows) ? rows : [];
    const label = Object.fromEntries(EVENTS);
    const prev = h("button", { class: "btn", type: "button", disabled: page <= 1, text: "Previous page" });
    const next = h("button", { class: "btn", type: "button", disabled: rows.length < PER_PAGE, text: "Next page" });
    prev.addEventListener("click", () => { page -= 1; load(); });
    next.addEventListener("click", () => { page += 1; load(); });
    const table = h("div", { class: "table-wrap" }, h("table", { id: "history-table" },
      h("thead", {}, h("tr", {}, ["Time", "Event", "Series", "Episode", "Language", "Hoster", "Size", "Details"].map((c) => h("th", { scope: "col", text: c })))),
      h("tbody", {}, rows.map((e) => h("tr", { dataset: { event: e.event } },
        h("td", { text: when(e.time) }),
        h("td", {}, h("span", { class: `badge ${e.event === "failed" ? "bad" : e.event === "deleted" ? "" : "ok"}`, text: label[e.event] || e.event })),
        h("td", {}, h("a", { href: `#/series/${seg(e.serie_id)}`, text: e.serie_name || e.serie_id })),
        h("td", { text: code(e.season, e.episode) }),
        h("td", { text: e.language || "–" }),
        h("td", { text: e.hoster || "–" }),
        h("td", { text: e.size_bytes === null || e.size_bytes === undefined ? "–" : megabytes(e.size_bytes / 1048576) }),
        h("td", { class: e.error ? "err-text" : "meta", text: e.error || e.file_path || "" }))))));
    mount(list,
      rows.length ? table : h("p", { class: "empty", text: page > 1 ? "No older entries." : event.value ? "No entries of this kind." : "Nothing has happened yet." }),
      page > 1 || rows.length === PER_PAGE ? h("nav", { class: "pager", "aria-label": "Pages" }, prev, h("span", { text: `Page ${page}` }), next) : null);
  }

  if (ctx.live) {
    let t;
    const soon = () => { clearTimeout(t); t = setTimeout(load, 400); };
    const offs = ["download_complete", "download_failed", "episode_upgraded"].map((k) => ctx.live.on(k, soon));
    ctx.onLeave(() => { offs.forEach((f) => f()); clearTimeout(t); });
  }
  await load();
}
