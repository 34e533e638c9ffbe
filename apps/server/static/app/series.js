// One series: a season-by-episode grid (present, missing, queued, downloading), "download
// missing" for the series, a season or one episode, and the NFO status with create/update.

import { api, get, seg } from "./api.js";
import { h, mount, errorView, errorLine, toast, busy, yearOf, seriesId } from "./ui.js";
import { queueEpisodes, parseIds } from "./actions.js";
import { code } from "./shell.js";
import { editSeriesDialog, deleteSeriesDialog, languageName, languageList } from "./monitoring.js";
import { t } from "./i18n.js";

// The states of an episode cell, with the legend's word and the cell's label.
const STATES = ["present", "missing", "queued", "downloading"];
const stateWord = (st) => ({
  present: t("series.state.present"),
  missing: t("series.state.missing"),
  queued: t("series.state.queued"),
  downloading: t("series.state.downloading"),
})[st];
const stateLabel = (st, episode) => ({
  present: t("series.ep.present", { episode }),
  missing: t("series.ep.missing", { episode }),
  queued: t("series.ep.queued", { episode }),
  downloading: t("series.ep.downloading", { episode }),
})[st];

export async function seriesView(root, key, ctx) {
  const [detail, known] = await Promise.all([get(`/api/anime/${seg(key)}`), get(`/api/anime/${seg(key)}/episodes`)]);
  if (!ctx.isCurrent()) return;
  const serie = { key: seriesId(detail), slug: detail.key, site: detail.site, name: detail.title || detail.key, folder: detail.folder };
  const grid = h("div", {});
  const nfo = h("section", { class: "card", "aria-labelledby": "nfo-h" }, h("h2", { id: "nfo-h", text: t("series.metadata") }), h("p", { text: t("common.loading") }));
  const all = h("button", { id: "download-all", class: "btn primary", type: "button", text: t("series.download_all") });
  const follow = h("dl", { class: "kv", id: "series-follow" });
  const drawFollow = (d) => mount(follow,
    h("dt", { text: t("series.monitored") }), h("dd", { text: d.monitored === false ? t("series.monitored_no") : t("series.monitored_yes") }),
    h("dt", { text: t("series.languages") }), h("dd", { text: languageList(d.languages) || "–" }),
    h("dt", { text: t("series.cutoff") }), h("dd", { text: d.cutoff ? languageName(d.cutoff) : "–" }),
    h("dt", { text: t("series.upgrades") }), h("dd", { text: d.upgrade ? t("series.upgrades_on") : t("series.upgrades_off") }));
  drawFollow(detail);
  const edit = h("button", { id: "series-edit-open", class: "btn", type: "button", text: t("series.edit") });
  const remove = h("button", { id: "series-delete-open", class: "btn danger", type: "button", text: t("series.remove") });
  edit.addEventListener("click", () => editSeriesDialog(serie.key, detail, (r) => {
    Object.assign(detail, r);
    if (ctx.isCurrent()) drawFollow(detail);
  }));
  remove.addEventListener("click", () => deleteSeriesDialog(serie.key, detail, () => { location.hash = "#/"; }));
  mount(root,
    h("p", {}, h("a", { href: "#/", text: t("series.back") })),
    h("h1", { text: serie.name }),
    h("dl", { class: "kv" },
      h("dt", { text: t("series.folder") }), h("dd", { text: serie.folder || "–" }),
      h("dt", { text: t("series.key") }), h("dd", { text: serie.slug }),
      h("dt", { text: t("series.site") }), h("dd", { text: serie.site || "aniworld.to" })),
    detail.description ? h("p", { text: detail.description }) : null,
    h("section", { class: "card", "aria-labelledby": "follow-h" },
      h("div", { class: "season-head" }, h("h2", { id: "follow-h", text: t("series.following") }),
        h("div", { class: "btn-row" }, edit, remove,
          h("a", { class: "btn", href: `#/wanted?serie_id=${seg(serie.key)}`, text: t("series.wanted") }))),
      follow),
    h("section", { class: "card", "aria-labelledby": "eps-h" },
      h("div", { class: "season-head" }, h("h2", { id: "eps-h", text: t("series.episodes") }), all),
      h("ul", { class: "legend", "aria-label": t("series.legend") },
        STATES.map((k) => h("li", {}, h("span", { class: `swatch ${k}`, "aria-hidden": "true" }), stateWord(k)))),
      grid),
    nfo);

  // Every known episode ({season, episode, title_de, title_en, downloaded}) and the missing ones.
  let episodes = Array.isArray(known) ? known : [];
  let missing = missingOf(episodes, detail);
  let queueItems = [];
  all.addEventListener("click", () => busy(all, async () => {
    await queueEpisodes(serie, missing.filter((e) => !stateOf(e)));
    await refresh();
  }));

  function stateOf(e) {
    const it = queueItems.find((q) => q.episode && q.episode.season === e.season && q.episode.episode === e.episode);
    if (!it) return null;
    if (it.status === "downloading") return "downloading";
    if (it.status === "pending" || it.status === "paused") return "queued";
    return null;
  }

  function draw() {
    // season -> episode number -> title (null when only the queue knows the episode)
    const seasons = new Map();
    const add = (s, n, title) => {
      if (!seasons.has(s)) seasons.set(s, new Map());
      const eps = seasons.get(s);
      if (!eps.has(n) || title) eps.set(n, title || null);
    };
    episodes.forEach((e) => add(e.season, e.episode, e.title_en || e.title_de));
    missing.forEach((e) => add(e.season, e.episode, null));
    queueItems.forEach((q) => q.episode && add(q.episode.season, q.episode.episode, null));
    all.disabled = missing.every((e) => stateOf(e));
    if (seasons.size === 0) {
      mount(grid, h("p", { class: "empty", text: t("series.no_episodes") }));
      return;
    }
    const sections = [...seasons.keys()].sort((a, b) => a - b).map((s) => {
      const eps = seasons.get(s);
      const cells = [...eps.keys()].sort((a, b) => a - b).map((n) => cell(s, n, eps.get(n)));
      const seasonMissing = missing.filter((e) => e.season === s && !stateOf(e));
      const title = s === 0 ? t("series.specials") : t("series.season", { season: s });
      const btn = h("button", { class: "btn small", type: "button", disabled: seasonMissing.length === 0,
        "aria-label": s === 0
          ? t("series.specials_download_label", { count: seasonMissing.length })
          : t("series.season_download_label", { season: s, count: seasonMissing.length }),
        text: t("series.season_download", { count: seasonMissing.length }) });
      btn.addEventListener("click", () => busy(btn, async () => { await queueEpisodes(serie, seasonMissing); await refresh(); }));
      return h("div", { class: "season" },
        h("div", { class: "season-head" }, h("h3", { text: title }), btn),
        h("ul", { class: "episodes", "aria-label": title }, cells));
    });
    const hint = missing.length
      ? t("series.hint_missing")
      : t("series.hint_complete");
    mount(grid, sections, h("p", { class: "hint", text: hint }));
  }

  function cell(s, n, name) {
    const e = { season: s, episode: n };
    const isMissing = missing.some((m) => m.season === s && m.episode === n);
    const st = stateOf(e) || (isMissing ? "missing" : "present");
    const episode = name ? `${code(s, n)} ${name}` : code(s, n);
    const label = stateLabel(st, episode);
    if (st === "missing") {
      const b = h("button", { class: "ep missing", type: "button", "aria-label": t("series.ep.missing_label", { episode, number: n }),
        title: t("series.ep.missing_title", { episode, number: n }), text: String(n) });
      b.addEventListener("click", () => busy(b, async () => { await queueEpisodes(serie, [e]); await refresh(); }));
      return h("li", {}, b);
    }
    return h("li", {}, h("span", { class: `ep ${st}`, title: label }, h("span", { "aria-hidden": "true", text: String(n) }), h("span", { class: "sr-only", text: label })));
  }

  async function refresh() {
    try {
      const [d, list, q] = await Promise.all([
        get(`/api/anime/${seg(key)}`), get(`/api/anime/${seg(key)}/episodes`), get("/api/queue/status")]);
      episodes = Array.isArray(list) ? list : [];
      missing = missingOf(episodes, d);
      const st = (q && q.status) || {};
      queueItems = [...(st.active_downloads || []), ...(st.pending_queue || [])].filter((i) => i.serie_id === serie.key);
    } catch (err) {
      if (err.status !== 404) toast(errorLine(err), "bad");
    }
    if (ctx.isCurrent()) draw();
  }

  if (ctx.live) {
    let timer;
    const soon = () => { clearTimeout(timer); timer = setTimeout(refresh, 400); };
    const offs = ["download_added", "download_removed", "download_complete", "download_failed", "queue_status", "scan_complete"]
      .map((k) => ctx.live.on(k, soon));
    ctx.onLeave(() => { offs.forEach((f) => f()); clearTimeout(timer); });
  }
  draw();
  refresh();
  loadNfo(nfo, serie, ctx);
}

/**
 * The missing episodes: those of the episode list not on disk, plus any the series detail names
 * that the list lacks.
 */
function missingOf(episodes, detail) {
  const out = episodes.filter((e) => !e.downloaded).map((e) => ({ season: e.season, episode: e.episode }));
  for (const m of parseIds(detail && detail.episodes)) {
    if (!out.some((e) => e.season === m.season && e.episode === m.episode)) out.push(m);
  }
  return out.sort((a, b) => a.season - b.season || a.episode - b.episode);
}

async function loadNfo(box, serie, ctx) {
  const heading = h("h2", { id: "nfo-h", text: t("series.metadata") });
  let check;
  try {
    check = await get(`/api/nfo/${seg(serie.key)}/check`);
  } catch (err) {
    if (!ctx.isCurrent()) return;
    const hint = err.status === 503 ? withLink(t("series.nfo_needs_key"), "settings", h("a", { href: "#/settings", text: t("nav.settings") })) : null;
    mount(box, heading, errorView(err, { heading: "h3" }), hint);
    return;
  }
  if (!ctx.isCurrent()) return;
  const m = check.media_files || {};
  const yes = (b) => (b ? t("series.yes") : t("series.no"));
  const create = h("button", { class: "btn primary", type: "button", text: check.has_nfo ? t("series.nfo_update") : t("series.nfo_create") });
  const out = h("div", {});
  create.addEventListener("click", () => busy(create, async () => {
    mount(out);
    try {
      const r = check.has_nfo
        ? await api("PUT", `/api/nfo/${seg(serie.key)}/update?download_media=true`)
        : await api("POST", `/api/nfo/${seg(serie.key)}/create`, {
          serie_name: serie.name, year: yearOf(serie.folder) || undefined,
          download_poster: true, download_logo: true, download_fanart: true, overwrite_existing: false });
      toast(r && r.message ? r.message : t("series.nfo_written"), "ok");
      loadNfo(box, serie, ctx);
    } catch (err) {
      mount(out, errorView(err, { heading: "h3" }));
    }
  }));
  mount(box, heading,
    h("dl", { class: "kv" },
      h("dt", { text: "tvshow.nfo" }), h("dd", { text: check.has_nfo ? check.nfo_path || t("series.yes") : t("series.nfo_missing") }),
      h("dt", { text: t("series.poster") }), h("dd", { text: yes(m.has_poster) }),
      h("dt", { text: t("series.logo") }), h("dd", { text: yes(m.has_logo) }),
      h("dt", { text: t("series.fanart") }), h("dd", { text: yes(m.has_fanart) })),
    h("div", { class: "btn-row" }, create), out);
}

/** A paragraph of `text` with the element `link` where the text says `{name}`. */
function withLink(text, name, link) {
  const [before, after = ""] = text.split(`{${name}}`);
  return h("p", {}, before, link, after);
}
