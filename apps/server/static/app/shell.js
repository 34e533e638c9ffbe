// The frame of the signed-in pages: the auth guard, navigation, logout, the live connection and
// the toasts for finished downloads and scans.

import { api, at, token, clearToken, toLogin } from "./api.js";
import { Live } from "./live.js";
import { toast } from "./ui.js";

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
  live.on("_state", (s) => {
    if (!indicator) return;
    indicator.dataset.state = s;
    indicator.textContent = s === "open" ? "● Live" : s === "connecting" ? "○ Connecting…" : "○ Reconnecting…";
  });
  live.on("download_complete", (d) => toast(`Downloaded: ${describe(d)}`, "ok"));
  live.on("download_failed", (d) => toast(`Download failed: ${describe(d)}${d.error ? " – " + d.error : ""}`, "bad"));
  live.on("site_status", (d) => {
    const what = { healthy: "works again", degraded: "looks changed or unreachable", verification_required: "asks for a human verification; its downloads wait", session_expired: "no longer accepts your session cookie" }[d.status] || d.status;
    toast(`${d.site} ${what}${d.until ? ` (next try ${new Date(d.until).toLocaleTimeString()})` : ""}.`, d.status === "healthy" ? "ok" : "bad");
  });
  live.on("scan_complete", (d) => {
    const failed = Array.isArray(d.failed) ? d.failed.length : 0;
    toast(`Scan complete: ${d.series_scanned ?? "?"} series, ${d.missing_total ?? "?"} missing episodes` +
      (failed ? `, ${failed} could not be checked` : ""), failed ? "bad" : "ok");
  });
  live.connect();
  window.addEventListener("pagehide", () => live.close());
  markNav();
  window.addEventListener("hashchange", markNav);
  return live;
}

/** "Name S01E02" from an event's data. */
export function describe(d) {
  const name = d.serie_name || d.name || d.folder || d.key || d.serie_id || "episode";
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
  return "library";
}
