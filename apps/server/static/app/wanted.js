// The Wanted view (#/wanted): what the next automatic run would queue and what waits for an
// accepted language, by series, with "Queue all" and per-series queueing (POST /api/wanted/queue).

import { api, get, seg } from "./api.js";
import { h, mount, errorView, errorLine, toast, busy } from "./ui.js";
import { code } from "./shell.js";
import { orList } from "./monitoring.js";
import { queueStateNotice } from "./actions.js";

const PER_PAGE = 100;

/** The reason of a wanted entry in the user's words. */
export function reasonText(e, accepted) {
  if (e.reason === "missing") {
    return e.language ? `Missing: will download in ${e.language}` : "Missing: will try the accepted languages in order";
  }
  if (e.reason === "upgrade") return `Upgrade to ${e.language || "a better language"}`;
  if (e.reason === "waiting_for_language") {
    const offered = Array.isArray(e.languages_offered) && e.languages_offered.length
      ? ` (offered: ${e.languages_offered.join(", ")})` : "";
    return `Waiting for ${accepted && accepted.length ? orList(accepted) : "an accepted language"}${offered}`;
  }
  return e.reason;
}

export async function wantedView(root, ctx, params) {
  const serieId = params.get("serie_id") || "";
  let page = Math.max(1, Number(params.get("page")) || 1);
  const note = h("p", { id: "wanted-queue-note", class: "hint", role: "status" });
  const list = h("div", { id: "wanted-list" });
  const all = h("button", { id: "wanted-queue-all", class: "btn primary", type: "button", text: serieId ? "Queue all of this series" : "Queue all" });
  mount(root,
    h("h1", { text: "Wanted" }),
    h("p", { class: "hint", text: "The episodes the next automatic run would queue for the monitored series, and those that wait until an accepted language is offered." }),
    serieId ? h("p", {}, "One series only. ", h("a", { href: "#/wanted", text: "Show every series" })) : null,
    h("div", { class: "toolbar" }, all),
    note,
    list);

  const accepted = new Map(); // serie_id -> accepted languages
  all.addEventListener("click", () => busy(all, () => queueWanted(serieId ? { serie_id: serieId } : {}, "Wanted episodes")));

  async function queueWanted(body, what) {
    try {
      const r = await api("POST", "/api/wanted/queue", body);
      const added = (r && r.added_items || []).length;
      toast(added ? `${what}: ${added} episode(s) queued.` : `${what}: nothing to queue.`, added ? "ok" : "info");
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
        "aria-label": `Queue the wanted episodes of ${name}`, text: `Queue ${queueable}` });
      btn.addEventListener("click", () => busy(btn, () => queueWanted({ serie_id: id }, name)));
      return h("section", { class: "card", dataset: { serie: id }, "aria-label": name },
        h("div", { class: "season-head" }, h("h2", {}, h("a", { href: `#/series/${seg(id)}`, text: name })), btn),
        h("ul", { class: "qlist" }, eps.map((e) => h("li", { class: "qitem", dataset: { reason: e.reason } },
          h("span", { class: "what" }, h("strong", { text: code(e.season, e.episode) }), e.title ? ` ${e.title}` : ""),
          h("span", { class: `badge ${e.reason === "waiting_for_language" ? "" : e.reason === "upgrade" ? "ok" : "bad"}`, text: reasonText(e, accepted.get(id)) })))));
    });
    const prev = h("button", { class: "btn", type: "button", disabled: page <= 1, text: "Previous page" });
    const next = h("button", { class: "btn", type: "button", disabled: rows.length < PER_PAGE, text: "Next page" });
    prev.addEventListener("click", () => { page -= 1; load(); });
    next.addEventListener("click", () => { page += 1; load(); });
    mount(list,
      rows.length ? groups : h("p", { class: "empty", text: page > 1 ? "No more wanted episodes." : "Nothing is wanted: every monitored series is complete or already queued." }),
      page > 1 || rows.length === PER_PAGE ? h("nav", { class: "pager", "aria-label": "Pages" }, prev, h("span", { text: `Page ${page}` }), next) : null);
  }

  if (ctx.live) {
    let t;
    const soon = () => { clearTimeout(t); t = setTimeout(load, 400); };
    const offs = ["download_added", "download_removed", "download_complete", "queue_status", "scan_complete"].map((k) => ctx.live.on(k, soon));
    ctx.onLeave(() => { offs.forEach((f) => f()); clearTimeout(t); });
  }
  await load();
}
