// The library view: every series with its poster and missing count, filter, sort and paging, "download
// missing", and a rescan with a live progress bar.

import { api, get, seg, blobUrl } from "./api.js";
import { h, mount, errorView, errorLine, toast, busy, yearOf, seriesId } from "./ui.js";
import { queueEpisodes, missingList } from "./actions.js";
import { t } from "./i18n.js";

const FILTERS = [["all", "library.filter.all"], ["missing_episodes", "library.filter.missing"], ["no_episodes", "library.filter.none"]];
const SORTS = [["name", "library.sort.name"], ["missing_episodes", "library.sort.missing"], ["id", "library.sort.key"]];
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
  const rescan = h("button", { class: "btn", type: "button", text: t("library.rescan") });
  const select = (id, label, options, value, key) => {
    const s = h("select", { id }, options.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value) }, label)));
    s.addEventListener("change", () => { state[key] = key === "perPage" ? Number(s.value) : s.value; state.page = 1; go(); });
    return h("div", { class: "field" }, h("label", { for: id, text: label }), s);
  };
  const go = () => {
    const q = new URLSearchParams({ filter: state.filter, sort: state.sort, page: state.page, per_page: state.perPage });
    location.hash = `#/?${q}`;
  };
  mount(root,
    h("h1", { text: t("library.heading") }),
    summary,
    h("div", { class: "toolbar" },
      select("filter", t("library.show"), FILTERS.map(([v, k]) => [v, t(k)]), state.filter, "filter"),
      select("sort", t("library.sort_by"), SORTS.map(([v, k]) => [v, t(k)]), state.sort, "sort"),
      select("per-page", t("library.per_page"), PER_PAGE.map((n) => [n, String(n)]), state.perPage, "perPage"),
      h("div", { class: "grow" }),
      h("a", { class: "btn", href: "#/search", text: t("library.add") }),
      rescan),
    scan.el,
    list);

  rescan.addEventListener("click", () => busy(rescan, async () => {
    try {
      const r = await api("POST", "/api/anime/rescan");
      toast(t("library.rescan_started"), "info");
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
    // A finished download changes one series: its card is updated in place (the page is not
    // rendered again, so keyboard focus and the scroll position stay where they are).
    ctx.live.on("download_complete", (d) => refreshCard(d)),
  ] : [];
  ctx.onLeave(() => { offs.forEach((f) => f()); releasePosters(); });

  get("/api/anime/status").then((s) => {
    summary.textContent = s.directory ? t("library.summary", { count: s.series_count, dir: s.directory }) : t("library.summary_nodir", { count: s.series_count });
  }).catch((err) => mount(summary, err.status === 0 ? "" : errorLine(err), " ", h("a", { href: "#/settings", text: t("library.open_settings") })));

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
      mount(list, h("p", { class: "empty" }, state.page > 1 ? t("library.no_more") : t("library.empty") + " ",
        state.page > 1 ? null : h("a", { href: "#/search", text: t("library.empty_search") })));
    } else {
      releasePosters();
      mount(list, h("ul", { class: "series-grid", "aria-label": t("library.list") }, rows.map((s) => card(s, showPoster))));
    }
    const prev = h("button", { class: "btn", type: "button", disabled: state.page <= 1, text: t("pager.previous") });
    const next = h("button", { class: "btn", type: "button", disabled: !rows || rows.length < state.perPage, text: t("pager.next") });
    prev.addEventListener("click", () => { state.page -= 1; go(); });
    next.addEventListener("click", () => { state.page += 1; go(); });
    list.append(h("nav", { class: "pager", "aria-label": t("pager.label") }, prev, h("span", { text: t("pager.page", { page: state.page }) }), next));
  }
  /** Updates the card of a finished download's series when it is on this page. */
  function refreshCard(d) {
    const li = [...list.querySelectorAll("li.series")].find((el) => el.dataset.id === String(d.serie_id));
    const ep = d.episode || {};
    if (!li || !ctx.isCurrent()) return;
    const s = li.querySelector("button.dl").series;
    const season = String(ep.season);
    const left = ((s.missing_episodes || {})[season] || []).filter((e) => Number(e) !== Number(ep.episode));
    const missing = { ...(s.missing_episodes || {}) };
    if (left.length) missing[season] = left;
    else delete missing[season];
    fillCard(li, { ...s, missing_episodes: missing });
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
  const year = yearOf(s.folder);
  const dl = h("button", { class: "btn small dl", type: "button", text: t("library.download_missing") });
  dl.addEventListener("click", () => {
    if (dl.getAttribute("aria-disabled") === "true") return;
    busy(dl, () => queueEpisodes(dl.series, missingList(dl.series.missing_episodes)));
  });
  const cover = h("div", { class: "cover", "aria-hidden": "true", text: initialOf(s) });
  showPoster(s, cover);
  const li = h("li", { class: "series", dataset: { id: seriesId(s) } },
    cover,
    h("div", { class: "series-body" },
      h("div", { class: "series-title" }, h("a", { href: `#/series/${seg(seriesId(s))}`, text: s.name || s.key })),
      h("div", { class: "meta" }, [year ? String(year) : null, s.site].filter(Boolean).join(" · ")),
      h("div", { class: "btn-row badges" }),
      h("div", { class: "btn-row" }, dl)));
  fillCard(li, s);
  return li;
}

/**
 * Fills the parts of a card that change as episodes arrive: the badges and the download button
 * (disabled by aria-disabled, so that a focused button keeps its focus when nothing is missing
 * any more).
 */
function fillCard(li, s) {
  const missing = missingList(s.missing_episodes);
  mount(li.querySelector(".badges"), missing.length
    ? h("span", { class: "badge bad", text: t("library.missing", { count: missing.length }) })
    : h("span", { class: "badge ok", text: t("library.complete") }),
  s.monitored === false ? h("span", { class: "badge unmonitored", title: t("library.unmonitored_hint"), text: t("library.unmonitored") }) : null);
  const dl = li.querySelector("button.dl");
  dl.series = s;
  dl.setAttribute("aria-label", t("library.download_missing_of", { name: s.name || s.key }));
  if (missing.length) dl.removeAttribute("aria-disabled");
  else dl.setAttribute("aria-disabled", "true");
}

/** The scan progress bar, hidden until a scan reports. */
export function scanBar() {
  const label = h("span", { id: "scan-label", text: t("scan.running") });
  const bar = h("progress", { max: 1, "aria-labelledby": "scan-label" });
  const el = h("section", { class: "card scan", hidden: true, "aria-label": t("scan.label") }, label, h("div", { class: "progress-wrap" }, bar));
  return {
    el,
    show(done, total, current) {
      el.hidden = false;
      if (total > 0) {
        bar.max = total;
        bar.value = Math.min(done, total);
        label.textContent = current ? t("scan.progress_current", { done, total, current }) : t("scan.progress", { done, total });
      } else {
        bar.removeAttribute("value");
        label.textContent = t("scan.running");
      }
    },
    hide() { el.hidden = true; },
  };
}
