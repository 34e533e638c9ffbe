// The system page (#/system): version and uptime (GET /api/system), the health of the database,
// the disk, the catalogue sites, the hosters and the notification targets (GET
// /health/detailed) and the recent log lines (GET /api/system/logs, secrets masked by the
// service) with a level filter.

import { get } from "./api.js";
import { h, mount, errorView, duration, megabytes, when, busy } from "./ui.js";
import { t } from "./i18n.js";

const LEVELS = ["error", "warn", "info", "debug", "trace"];
const LIMIT = 200;

// A status word as a badge ("healthy" green, anything else red).
function badge(status) {
  const known = ["healthy", "degraded", "unhealthy", "verification_required", "session_expired", "failing"];
  return h("span", { class: `badge ${status === "healthy" ? "ok" : "bad"}`, text: known.includes(status) ? t(`system.status.${status}`) : status });
}

// One entry of the health list.
function entry(check, name, status, ...details) {
  return h("li", { dataset: { check, status } },
    h("strong", { text: name }), badge(status),
    details.filter(Boolean).map((d) => h("p", { class: "meta", text: d })));
}

// The entries of /health/detailed, in the order of the page.
function healthEntries(d) {
  const deps = d.dependencies || {};
  const db = deps.database || {};
  const fs = deps.filesystem || {};
  const sys = deps.system || {};
  const rows = [
    entry("database", t("system.check.database"), db.status || "unhealthy",
      db.status === "healthy" ? t("system.db_detail", { ms: db.connection_time_ms }) : t("system.db_failed")),
    entry("disk", t("system.check.disk"), fs.status || "unhealthy",
      t("system.disk_detail", { free: megabytes(sys.disk_free_mb), percent: sys.disk_percent }),
      fs.status === "healthy" ? t("system.folders_ok") : t("system.folders_bad")),
  ];
  const sites = Object.entries(d.catalogue || {});
  if (!sites.length) rows.push(h("li", { dataset: { check: "sites" } }, h("strong", { text: t("system.check.sites") }), h("p", { class: "meta", text: t("system.no_sites") })));
  for (const [name, s] of sites) {
    rows.push(entry(`site:${name}`, t("system.check.site", { name }), s.status,
      s.last_check ? t("system.site_checked", { when: when(s.last_check) }) : t("system.site_never"),
      s.until ? t("system.site_until", { when: when(s.until) }) : null,
      s.error));
  }
  const hosters = Object.entries(deps.hosters || {});
  if (!hosters.length) rows.push(h("li", { dataset: { check: "hosters" } }, h("strong", { text: t("system.check.hosters") }), h("p", { class: "meta", text: t("system.no_hosters") })));
  for (const [name, x] of hosters) {
    rows.push(entry(`hoster:${name}`, t("system.check.hoster", { name }), x.status,
      t("system.hoster_detail", { successes: x.successes, failures: x.failures }),
      x.degraded_until ? t("system.hoster_until", { when: when(x.degraded_until) }) : null,
      x.last_error));
  }
  const failing = ((d.notifications || {}).failing_targets) || [];
  rows.push(entry("notifications", t("system.check.notifications"), failing.length ? "failing" : "healthy",
    failing.length ? t("system.targets_failing", { count: failing.length }) : t("system.targets_ok"),
    ...failing.map((f) => t("system.target_failing", { name: f.name, type: f.type, error: f.last_error || "–" }))));
  return rows;
}

export async function systemView(view, ctx) {
  const overview = h("div", { id: "system-overview" }, h("p", { class: "meta", text: t("common.loading") }));
  const health = h("div", { id: "system-health" }, h("p", { class: "meta", text: t("common.loading") }));
  const level = h("select", { id: "system-level" },
    LEVELS.map((l) => h("option", { value: l, selected: l === "info", text: t(`system.level.${l}`) })));
  const refresh = h("button", { class: "btn", type: "button", id: "system-refresh", text: t("system.refresh") });
  const count = h("p", { class: "meta", id: "system-log-count", "aria-live": "polite" });
  const logs = h("div", { id: "system-logs" });
  mount(view,
    h("h1", { text: t("system.heading") }),
    h("p", { class: "hint", text: t("system.intro") }),
    h("section", { class: "card", "aria-labelledby": "system-overview-h" },
      h("h2", { id: "system-overview-h", text: t("system.overview") }), overview),
    h("section", { class: "card", "aria-labelledby": "system-health-h" },
      h("h2", { id: "system-health-h", text: t("system.health") }), health),
    h("section", { class: "card", "aria-labelledby": "system-logs-h" },
      h("h2", { id: "system-logs-h", text: t("system.logs") }),
      h("p", { class: "hint", text: t("system.logs_intro") }),
      h("div", { class: "toolbar" },
        h("div", { class: "field" }, h("label", { for: "system-level", text: t("system.level_label") }), level),
        refresh),
      count, logs));

  async function loadOverview() {
    let info, d;
    try {
      [info, d] = await Promise.all([get("/api/system"), get("/health/detailed")]);
    } catch (err) {
      if (ctx.isCurrent()) mount(overview, errorView(err, { heading: "h3", retry: loadOverview }));
      return;
    }
    if (!ctx.isCurrent()) return;
    const item = (label, value) => [h("dt", { text: label }), h("dd", { text: value })];
    mount(overview, h("dl", { class: "kv" },
      item(t("system.version"), info.version),
      item(t("system.started"), when(info.started_at)),
      item(t("system.uptime"), duration(info.uptime_seconds)),
      item(t("system.overall"), t(`system.status.${d.status === "healthy" ? "healthy" : "degraded"}`)),
      item(t("system.log_level"), LEVELS.includes(info.log_level) ? t(`system.level.${info.log_level}`) : t("system.level.off"))));
    mount(health, h("ul", { class: "health-list", id: "system-health-list" }, healthEntries(d)));
  }

  async function loadLogs() {
    let lines;
    try {
      lines = await get("/api/system/logs", { level: level.value, limit: LIMIT });
    } catch (err) {
      if (ctx.isCurrent()) mount(logs, errorView(err, { heading: "h3", retry: loadLogs }));
      return;
    }
    if (!ctx.isCurrent()) return;
    lines = Array.isArray(lines) ? lines.slice().reverse() : [];
    count.textContent = t("system.logs_count", { count: lines.length });
    mount(logs, lines.length
      ? h("ol", { class: "log-list", id: "system-log-list" }, lines.map((l) => h("li", { dataset: { level: l.level } },
        h("span", { class: "meta", text: when(l.time) }), " ",
        h("span", { class: "badge", text: LEVELS.includes(l.level) ? t(`system.level.${l.level}`) : l.level }), " ",
        h("span", { class: "meta", text: l.target }),
        h("p", { class: "log-msg", text: l.message }))))
      : h("p", { class: "empty", text: t("system.logs_empty") }));
  }

  level.addEventListener("change", loadLogs);
  refresh.addEventListener("click", () => busy(refresh, () => Promise.all([loadOverview(), loadLogs()])));
  await Promise.all([loadOverview(), loadLogs()]);
}
