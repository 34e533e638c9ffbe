// The frame of the signed-in pages: the auth guard, navigation, logout, the live connection and
// the toasts for finished downloads and scans.

import { api, at, token, clearToken, toLogin, probe } from "./api.js";
import { Live } from "./live.js";
import { toast, h } from "./ui.js";
import { t, lang } from "./i18n.js";
import { startBadge } from "./badge.js";
import { userError } from "./errors.js";

/**
 * Checks the session (no token or an invalid one -> /login, no password yet -> /setup), wires the
 * header and opens the live connection. Resolves to the Live connection, or never when leaving.
 */
export async function startShell() {
  const status = await api("GET", "/api/auth/status", undefined, { allow401: true }).catch(() => null);
  if (status && !status.configured) {
    location.replace(at("/setup"));
    return new Promise(() => {});
  }
  if (!token() || (status && !status.authenticated)) {
    clearToken();
    toLogin();
    return new Promise(() => {});
  }
  // A page restored from the back-forward cache after logout shows no private data: without a
  // token it is replaced by the login at once.
  window.addEventListener("pageshow", (e) => {
    if (e.persisted && !token()) {
      document.body.hidden = true;
      location.replace(at("/login"));
    }
  });
  const logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("click", async () => {
      logout.disabled = true;
      try {
        await api("POST", "/api/auth/logout", undefined, { allow401: true });
      } catch {
        // the token is dropped locally either way
      }
      clearToken();
      location.assign(at("/login?loggedout=1"));
    });
  }
  const live = new Live();
  const indicator = document.getElementById("live");
  watchConnection(live, indicator);
  live.on("download_complete", downloadToasts());
  live.on("download_failed", (d) => toast(t(d.error ? "toast.failed_with" : "toast.failed", { what: describe(d), error: userError(d.error).summary }), "bad"));
  live.on("site_status", (d) => {
    const known = ["healthy", "degraded", "verification_required", "session_expired"].includes(d.status);
    const key = known ? `site.${d.status}` : "site.other";
    const until = d.until ? new Date(d.until).toLocaleTimeString(lang()) : null;
    toast(t(until ? `${key}_until` : key, { site: d.site, status: d.status, until }), d.status === "healthy" ? "ok" : "bad");
  });
  live.on("scan_complete", (d) => {
    const failed = Array.isArray(d.failed) ? d.failed.length : 0;
    const params = { series: d.series_scanned ?? "?", missing: d.missing_total ?? "?", count: failed };
    toast(t(failed ? "toast.scan_failed" : "toast.scan", params), failed ? "bad" : "ok");
  });
  live.connect();
  startBadge(live);
  window.addEventListener("pagehide", () => live.close());
  markNav();
  window.addEventListener("hashchange", markNav);
  return live;
}

/** "Name S01E02" from an event's data. */
export function describe(d) {
  const name = d.serie_name || d.name || d.folder || d.key || d.serie_id || t("common.episode");
  const ep = d.episode && typeof d.episode === "object" ? d.episode : d;
  const s = ep.season, e = ep.episode;
  return Number.isInteger(s) && Number.isInteger(e) ? `${name} ${code(s, e)}` : name;
}

/** "S01E02". */
export function code(season, episode) {
  return `S${String(season).padStart(2, "0")}E${String(episode).padStart(2, "0")}`;
}

function markNav() {
  const here = location.pathname === at("/queue") ? "queue" : viewOfHash();
  for (const a of document.querySelectorAll(".nav a[data-view]")) {
    if (a.dataset.view === here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

function viewOfHash() {
  const h = location.hash.replace(/^#\/?/, "");
  if (h.startsWith("search")) return "search";
  if (h.startsWith("settings")) return "settings";
  if (h.startsWith("wanted")) return "wanted";
  if (h.startsWith("history")) return "history";
  if (h.startsWith("system")) return "system";
  return "library";
}

/**
 * The connection's state on screen: the indicator in the header, and while the connection is
 * lost a banner saying that the progress shown may be out of date, with "Reconnect now". A
 * failed request marks the connection lost at once; while it is lost the service is probed
 * every few seconds, and the live connection is made again as soon as it answers.
 */
function watchConnection(live, indicator) {
  const again = h("button", { class: "btn small", type: "button", id: "reconnect-now", text: t("live.reconnect_now") });
  const banner = h("div", { id: "offline-banner", class: "offline-banner", role: "alert", hidden: true },
    h("p", { text: t("live.stale") }), again);
  document.body.append(banner);
  again.addEventListener("click", () => {
    probe();
    live.reconnectNow();
  });
  let probing = null;
  const show = (s) => {
    document.body.dataset.live = s;
    if (indicator) {
      indicator.dataset.state = s;
      indicator.textContent = t(s === "open" ? "live.open" : s === "connecting" ? "live.connecting" : "live.reconnecting");
    }
    // "connecting" at start is not a loss; every later state but "open" is.
    const lost = s === "reconnecting" || s === "closed";
    banner.hidden = !lost;
    if (lost && !probing) {
      probing = setInterval(async () => {
        if (await probe()) live.reconnectNow();
      }, 3000);
    } else if (!lost && probing) {
      clearInterval(probing);
      probing = null;
    }
  };
  live.on("_state", show);
  window.addEventListener("aniworld:unreachable", () => live.markUnreachable());
  window.addEventListener("aniworld:reachable", () => live.reconnectNow());
}

/**
 * Toasts for finished downloads, batched: the downloads finishing within two seconds make one
 * toast ("12 episodes downloaded"). Off when the user turned them off in Settings (this browser).
 */
function downloadToasts() {
  let batch = [];
  let timer = null;
  const flush = () => {
    timer = null;
    const done = batch;
    batch = [];
    if (done.length === 1) toast(t("toast.downloaded", { what: describe(done[0]) }), "ok");
    else if (done.length > 1) toast(t("toast.downloaded_many", { count: done.length }), "ok");
  };
  return (d) => {
    if (toastsOff()) return;
    batch.push(d);
    if (!timer) timer = setTimeout(flush, 2000);
  };
}

/** Whether pop-up notifications of finished downloads are turned off in this browser. */
export function toastsOff() {
  try {
    return localStorage.getItem("aniworld.toasts") === "off";
  } catch {
    return false;
  }
}
