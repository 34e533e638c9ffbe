// Actions shared by several views: queueing episodes and reading a series' missing episodes.

import { api } from "./api.js";
import { toast, errorLine, seriesId } from "./ui.js";

/**
 * Queues `episodes` ([{season, episode}]) of a series through POST /api/queue/add and tells the
 * user what happened. Resolves to the answer, or null when the request failed.
 */
export async function queueEpisodes(serie, episodes, priority = "NORMAL") {
  if (!episodes.length) {
    toast(`Nothing is missing in ${serie.name}.`, "info");
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
    toast(`${serie.name}: ${added} episode(s) queued` + (skipped ? `, ${skipped} already queued` : "") + ".", "ok");
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
