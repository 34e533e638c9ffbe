// The History view (#/history): what happened to which episode, newest first (GET /api/history),
// filtered by event, with paging.

import { get, seg } from "./api.js";
import { h, mount, errorView, megabytes, when } from "./ui.js";
import { code } from "./shell.js";
import { languageName } from "./monitoring.js";
import { t } from "./i18n.js";

// The events of the filter ("" for all) with their names.
const events = () => [
  ["", t("history.event.all")],
  ["completed", t("history.event.completed")],
  ["failed", t("history.event.failed")],
  ["upgraded", t("history.event.upgraded")],
  ["deleted", t("history.event.deleted")],
];
const PER_PAGE = 50;

export async function historyView(root, ctx, params) {
  let page = Math.max(1, Number(params.get("page")) || 1);
  const serieId = params.get("serie_id") || "";
  const event = h("select", { id: "history-event" },
    events().map(([v, name]) => h("option", { value: v, selected: v === (params.get("event") || ""), text: name })));
  const list = h("div", { id: "history-list" });
  event.addEventListener("change", () => { page = 1; load(); });
  mount(root,
    h("h1", { text: t("history.heading") }),
    h("p", { class: "hint", text: t("history.intro") }),
    serieId ? h("p", {}, t("history.one_series"), " ", h("a", { href: "#/history", text: t("history.every_series") })) : null,
    h("div", { class: "toolbar" }, h("div", { class: "field" }, h("label", { for: "history-event", text: t("history.event_label") }), event)),
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
    const label = Object.fromEntries(events());
    const columns = [t("history.col.time"), t("history.col.event"), t("history.col.series"), t("history.col.episode"),
      t("history.col.language"), t("history.col.hoster"), t("history.col.size"), t("history.col.details")];
    const prev = h("button", { class: "btn", type: "button", disabled: page <= 1, text: t("history.previous_page") });
    const next = h("button", { class: "btn", type: "button", disabled: rows.length < PER_PAGE, text: t("history.next_page") });
    prev.addEventListener("click", () => { page -= 1; load(); });
    next.addEventListener("click", () => { page += 1; load(); });
    const table = h("div", { class: "table-wrap" }, h("table", { id: "history-table" },
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", text: c })))),
      h("tbody", {}, rows.map((e) => h("tr", { dataset: { event: e.event } },
        h("td", { text: when(e.time) }),
        h("td", {}, h("span", { class: `badge ${e.event === "failed" ? "bad" : e.event === "deleted" ? "" : "ok"}`, text: label[e.event] || e.event })),
        h("td", {}, h("a", { href: `#/series/${seg(e.serie_id)}`, text: e.serie_name || e.serie_id })),
        h("td", { text: code(e.season, e.episode) }),
        h("td", { text: e.language ? languageName(e.language) : "–" }),
        h("td", { text: e.hoster || "–" }),
        h("td", { text: e.size_bytes === null || e.size_bytes === undefined ? "–" : megabytes(e.size_bytes / 1048576) }),
        h("td", { class: e.error ? "err-text" : "meta", text: e.error || e.file_path || "" }))))));
    mount(list,
      rows.length ? table : h("p", { class: "empty", text: page > 1 ? t("history.no_older") : event.value ? t("history.none_of_kind") : t("history.empty") }),
      page > 1 || rows.length === PER_PAGE
        ? h("nav", { class: "pager", "aria-label": t("history.pages") }, prev, h("span", { text: t("history.page", { page }) }), next) : null);
  }

  if (ctx.live) {
    let timer;
    const soon = () => { clearTimeout(timer); timer = setTimeout(load, 400); };
    const offs = ["download_complete", "download_failed", "episode_upgraded"].map((k) => ctx.live.on(k, soon));
    ctx.onLeave(() => { offs.forEach((f) => f()); clearTimeout(timer); });
  }
  await load();
}
