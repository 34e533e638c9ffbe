// The Wanted view (#/wanted): what the next automatic run would queue and what waits for an
// accepted language, by series, with "Queue all" and per-series queueing (POST /api/wanted/queue).

import { api, get, seg } from "./api.js";
import { h, mount, errorView, errorLine, toast, busy } from "./ui.js";
import { code } from "./shell.js";
import { orList, languageName, languageList } from "./monitoring.js";
import { queueStateNotice } from "./actions.js";
import { t } from "./i18n.js";

const PER_PAGE = 100;

/** The reason of a wanted entry in the user's words. */
export function reasonText(e, accepted) {
  if (e.reason === "missing") {
    return e.language ? t("wanted.reason.missing", { language: languageName(e.language) }) : t("wanted.reason.missing_any");
  }
  if (e.reason === "upgrade") {
    return e.language ? t("wanted.reason.upgrade", { language: languageName(e.language) }) : t("wanted.reason.upgrade_any");
  }
  if (e.reason === "waiting_for_language") {
    const offered = Array.isArray(e.languages_offered) && e.languages_offered.length ? languageList(e.languages_offered) : "";
    const languages = accepted && accepted.length ? orList(accepted) : "";
    if (languages) {
      return offered ? t("wanted.reason.waiting_offered", { languages, offered }) : t("wanted.reason.waiting", { languages });
    }
    return offered ? t("wanted.reason.waiting_any_offered", { offered }) : t("wanted.reason.waiting_any");
  }
  return e.reason;
}

export async function wantedView(root, ctx, params) {
  const serieId = params.get("serie_id") || "";
  let page = Math.max(1, Number(params.get("page")) || 1);
  const note = h("p", { id: "wanted-queue-note", class: "hint", role: "status" });
  const list = h("div", { id: "wanted-list" });
  const all = h("button", { id: "wanted-queue-all", class: "btn primary", type: "button", text: serieId ? t("wanted.queue_series") : t("wanted.queue_all") });
  mount(root,
    h("h1", { text: t("wanted.heading") }),
    h("p", { class: "hint", text: t("wanted.intro") }),
    serieId ? h("p", {}, t("wanted.one_series"), " ", h("a", { href: "#/wanted", text: t("wanted.every_series") })) : null,
    h("div", { class: "toolbar" }, all),
    note,
    list);

  const accepted = new Map(); // serie_id -> accepted languages
  all.addEventListener("click", () => busy(all, () => queueWanted(serieId ? { serie_id: serieId } : {}, null)));

  // `name` is the series' name when one series is queued, null for every wanted episode.
  async function queueWanted(body, name) {
    try {
      const r = await api("POST", "/api/wanted/queue", body);
      const count = (r && r.added_items || []).length;
      const text = name === null
        ? (count ? t("wanted.queued_all", { count }) : t("wanted.queued_all_none"))
        : (count ? t("wanted.queued_series", { name, count }) : t("wanted.queued_series_none", { name }));
      toast(text, count ? "ok" : "info");
    } catch (err) {
      toast(errorLine(err), "bad");
    }
    await load();
  }

  async function load() {
    queueStateNotice(note);
    let rows;
    try {
      rows = await get("/api/wanted", { page, per_page: PER_PAGE, serie_id: serieId });
    } catch (err) {
      if (ctx.isCurrent()) mount(list, errorView(err, { retry: load }));
      return;
    }
    if (!ctx.isCurrent()) return;
    rows = Array.isArray(rows) ? rows : [];
    const ids = [...new Set(rows.map((e) => e.serie_id))];
    await Promise.all(ids.filter((id) => !accepted.has(id)).map((id) =>
      get(`/api/anime/${seg(id)}`).then((d) => accepted.set(id, d.languages || [])).catch(() => accepted.set(id, []))));
    if (!ctx.isCurrent()) return;
    all.disabled = page === 1 && !rows.some((e) => e.reason !== "waiting_for_language");
    const groups = ids.map((id) => {
      const eps = rows.filter((e) => e.serie_id === id);
      const name = eps[0].serie_name || id;
      const queueable = eps.filter((e) => e.reason !== "waiting_for_language").length;
      const btn = h("button", { class: "btn small", type: "button", disabled: queueable === 0, dataset: { queue: id },
        "aria-label": t("wanted.queue_label", { name, count: queueable }), text: t("wanted.queue_count", { count: queueable }) });
      btn.addEventListener("click", () => busy(btn, () => queueWanted({ serie_id: id }, name)));
      return h("section", { class: "card", dataset: { serie: id }, "aria-label": name },
        h("div", { class: "season-head" }, h("h2", {}, h("a", { href: `#/series/${seg(id)}`, text: name })), btn),
        h("ul", { class: "qlist" }, eps.map((e) => h("li", { class: "qitem", dataset: { reason: e.reason } },
          h("span", { class: "what" }, h("strong", { text: code(e.season, e.episode) }), e.title ? ` ${e.title}` : ""),
          h("span", { class: `badge ${e.reason === "waiting_for_language" ? "" : e.reason === "upgrade" ? "ok" : "bad"}`, text: reasonText(e, accepted.get(id)) })))));
    });
    const prev = h("button", { class: "btn", type: "button", disabled: page <= 1, text: t("wanted.previous_page") });
    const next = h("button", { class: "btn", type: "button", disabled: rows.length < PER_PAGE, text: t("wanted.next_page") });
    prev.addEventListener("click", () => { page -= 1; load(); });
    next.addEventListener("click", () => { page += 1; load(); });
    mount(list,
      rows.length ? groups : h("p", { class: "empty", text: page > 1 ? t("wanted.no_more") : t("wanted.empty") }),
      page > 1 || rows.length === PER_PAGE
        ? h("nav", { class: "pager", "aria-label": t("wanted.pages") }, prev, h("span", { text: t("wanted.page", { page }) }), next) : null);
  }

  if (ctx.live) {
    let timer;
    const soon = () => { clearTimeout(timer); timer = setTimeout(load, 400); };
    const offs = ["download_added", "download_removed", "download_complete", "queue_status", "scan_complete"].map((k) => ctx.live.on(k, soon));
    ctx.onLeave(() => { offs.forEach((f) => f()); clearTimeout(timer); });
  }
  await load();
}
