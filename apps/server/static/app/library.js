// The library view: every series with its poster and missing count, filter, sort and paging, "download
// missing", and a rescan with a live progress bar.

import { api, get, seg, blobUrl } from "./api.js";
import { h, mount, errorView, errorLine, toast, busy, yearOf, seriesId } from "./ui.js";
import { queueEpisodes, missingList } from "./actions.js";

const FILTERS = [["all", "All series"], ["missing_episodes", "With missing episodes"], ["no_episodes", "No episodes yet"]];
const SORTS = [["name", "Name"], ["missing_episodes", "Most missing"], ["id", "Key"]];
const PER_PAGE = [12, 24, 48, 96];

export async function libraryView(root, ctx, params) {
  const state = {
    filter: FILTERS.some(([v]) => v === params.get("filter")) ? params.get("filter") : "all",
    sort: SORTS.some(([v]) => v === params.get("sort")) ? params.get("sort") : "name",
    page: Math.max(1, Number(params.get("page")) || 1),
    perPage: PER_PAGE.includes(Number(params.get("per_page"))) ? Number(params.get("per_page")) : 24,
  };
  const summary = h("p", { class: "meta", role: "status" });
  const list = h("div", {});
  const scan = scanBar();
  const rescan = h("button", { class: "btn", type: "button", text: "Rescan library" });
  const select = (id, label, options, value, key) => {
    const s = h("select", { id }, options.map(([v, t]) => h("option", { value: v, selected: String(v) === String(value) }, t)));
    s.addEventListener("change", () => { state[key] = key === "perPage" ? Number(s.value) : s.value; state.page = 1; go(); });
    return h("div", { class: "field" }, h("label", { for: id, text: label }), s);
  };
  const go = () => {
    const q = new URLSearchParams({ filter: state.filter, sort: state.sort, page: state.page, per_page: state.perPage });
    location.hash = `#/?${q}`;
  };
  mount(root,
    h("h1", { text: "Library" }),
    summary,
    h("div", { class: "toolbar" },
      select("filter", "Show", FILTERS, state.filter, "filter"),
      select("sort", "Sort by", SORTS, state.sort, "sort"),
      select("per-page", "Per page", PER_PAGE.map((n) => [n, String(n)]), state.perPage, "perPage"),
      h("div", { class: "grow" }),
      h("a", { class: "btn", href: "#/search", text: "Add series" }),
      rescan),
    scan.el,
    list);

  rescan.addEventListener("click", () => busy(rescan, async () => {
    try {
      const r = await api("POST", "/api/anime/rescan");
      toast(r && r.message ? r.message : "Rescan started", "info");
      scan.show(0, 0, "");
    } catch (err) {
      toast(errorLine(err), "bad");
    }
  }));

  // Poster blob URLs of the cards on screen, released on every reload and when leaving.
  let posters = [];
  const releasePosters = () => { posters.forEach((u) => URL.revokeObjectURL(u)); posters = []; };
  const offs = ctx.live ? [
    ctx.live.on("scan_progress", (d) => scan.show(d.done, d.total, d.current)),
    ctx.live.on("scan_complete", () => { scan.hide(); load(); }),
    ctx.live.on("download_complete", () => load()),
  ] : [];
  ctx.onLeave(() => { offs.forEach((f) => f()); releasePosters(); });

  get("/api/anime/status").then((s) => {
    summary.textContent = `${s.series_count} series in ${s.directory || "(no anime folder set)"}`;
  }).catch((err) => mount(summary, err.status === 0 ? "" : errorLine(err), " ", h("a", { href: "#/settings", text: "Open settings" })));

  async function load() {
    let rows;
    try {
      rows = await get("/api/anime", { filter: state.filter, sort_by: state.sort, page: state.page, per_page: state.perPage });
    } catch (err) {
      if (ctx.isCurrent()) mount(list, errorView(err, { retry: load }));
      return;
    }
    if (!ctx.isCurrent()) return;
    if (!Array.isArray(rows) || rows.length === 0) {
      mount(list, h("p", { class: "empty" }, state.page > 1 ? "No more series." : "No series here yet. ",
        state.page > 1 ? null : h("a", { href: "#/search", text: "Search the catalogue to add one." })));
    } else {
      releasePosters();
      mount(list, h("ul", { class: "series-grid", "aria-label": "Series" }, rows.map((s) => card(s, showPoster))));
    }
    const prev = h("button", { class: "btn", type: "button", disabled: state.page <= 1, text: "Previous page" });
    const next = h("button", { class: "btn", type: "button", disabled: !rows || rows.length < state.perPage, text: "Next page" });
    prev.addEventListener("click", () => { state.page -= 1; go(); });
    next.addEventListener("click", () => { state.page += 1; go(); });
    list.append(h("nav", { class: "pager", "aria-label": "Pages" }, prev, h("span", { text: `Page ${state.page}` }), next));
  }
  /** Replaces the initial on a card's cover with the series poster, when the library has one. */
  async function showPoster(s, cover) {
    const url = await blobUrl(`/api/anime/${seg(seriesId(s))}/poster`);
    if (!url) return;
    if (!ctx.isCurrent() || !cover.isConnected) {
      URL.revokeObjectURL(url);
      return;
    }
    posters.push(url);
    const img = h("img", { src: url, alt: "" });
    img.addEventListener("error", () => mount(cover, initialOf(s)));
    mount(cover, img);
  }

  await load();
}

function initialOf(s) {
  return (s.name || s.key || "?").trim().charAt(0).toUpperCase();
}

function card(s, showPoster) {
  const missing = missingList(s.missing_episodes);
  const year = yearOf(s.folder);
  const dl = h("button", { class: "btn small", type: "button", disabled: missing.length === 0, "aria-label": `Download missing episodes of ${s.name}`, text: "Download missing" });
  dl.addEventListener("click", () => busy(dl, () => queueEpisodes(s, missing)));
  const cover = h("div", { class: "cover", "aria-hidden": "true", text: initialOf(s) });
  showPoster(s, cover);
  return h("li", { class: "series" },
    cover,
    h("div", { class: "series-body" },
      h("div", { class: "series-title" }, h("a", { href: `#/series/${seg(seriesId(s))}`, text: s.name || s.key })),
      h("div", { class: "meta" }, [year ? String(year) : null, s.site].filter(Boolean).join(" · ")),
      h("div", { class: "btn-row" }, missing.length
        ? h("span", { class: "badge bad", text: `${missing.length} missing` })
        : h("span", { class: "badge ok", text: "complete" }),
        s.monitored === false ? h("span", { class: "badge unmonitored", title: "Automatic runs skip this series", text: "not monitored" }) : null),
      h("div", { class: "btn-row" }, dl)));
}

/** The scan progress bar, hidden until a scan reports. */
export function scanBar() {
  const label = h("span", { id: "scan-label", text: "Scanning…" });
  const bar = h("progress", { max: 1, "aria-labelledby": "scan-label" });
  const el = h("section", { class: "card scan", hidden: true, "aria-label": "Library scan" }, label, h("div", { class: "progress-wrap" }, bar));
  return {
    el,
    show(done, total, current) {
      el.hidden = false;
      if (total > 0) {
        bar.max = total;
        bar.value = Math.min(done, total);
        label.textContent = `Scanning ${done} of ${total}` + (current ? `: ${current}` : "");
      } else {
        bar.removeAttribute("value");
        label.textContent = "Scanning…";
      }
    },
    hide() { el.hidden = true; },
  };
}
