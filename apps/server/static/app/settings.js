// Settings: scheduler (with next/last run and "run now"), downloads, metadata, logging, the anime
// folder, notifications (notifications.js) and configuration backups (create, list, restore,
// delete).

import { api, get, seg } from "./api.js";
import { h, mount, errorView, toast, busy, confirmDialog, when } from "./ui.js";
import { notificationsSection } from "./notifications.js";

const DAYS = [["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"], ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"]];
const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
const REDACTED = "********";

// The ids of the forms changed since they were last saved; leaving the page with any asks first.
const dirty = new Set();
window.addEventListener("beforeunload", (e) => {
  if (!dirty.size) return;
  e.preventDefault();
  e.returnValue = "";
});

export async function settingsView(root, ctx) {
  const config = await get("/api/config");
  if (!ctx.isCurrent()) return;
  dirty.clear();
  ctx.onLeave(() => dirty.clear());
  if (ctx.guardLeave) {
    ctx.guardLeave(() => (dirty.size
      ? confirmDialog("Leave the settings without saving? Your changes are lost.", "Leave without saving", "Stay")
      : Promise.resolve(true)));
  }
  const sched = h("section", { class: "card", "aria-labelledby": "sched-h" });
  const dl = h("section", { class: "card", "aria-labelledby": "dl-h" });
  const meta = h("section", { class: "card", "aria-labelledby": "meta-h" });
  const logs = h("section", { class: "card", "aria-labelledby": "log-h" });
  const folder = h("section", { class: "card", "aria-labelledby": "dir-h" });
  const backups = h("section", { class: "card", "aria-labelledby": "bak-h" });
  const notify = h("section", { class: "card", id: "notifications", "aria-labelledby": "notif-h" });
  mount(root, h("h1", { text: "Settings" }), h("div", { class: "settings-grid" }, sched, dl, meta, logs, folder, notify, backups));
  const reload = () => settingsView(root, ctx);
  schedulerSection(sched, config);
  downloadSection(dl, config);
  metadataSection(meta, config);
  loggingSection(logs, config);
  folderSection(folder, config);
  notificationsSection(notify, config);
  backupSection(backups, reload);
}

/** A form with a heading, fields, a submit button and an area for the outcome. */
function form(box, id, title, fields, save, extra) {
  const out = h("div", { role: "status" });
  const submit = h("button", { class: "btn primary", type: "submit", text: "Save" });
  const f = h("form", { id: `${id}-form`, novalidate: true }, fields, h("div", { class: "btn-row" }, submit, extra), out);
  f.addEventListener("input", () => dirty.add(id));
  f.addEventListener("change", () => dirty.add(id));
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(submit, async () => {
      mount(out);
      try {
        const msg = await save();
        dirty.delete(id);
        mount(out, h("p", { class: "meta", text: msg || "Saved." }));
        toast(msg || `${title} saved`, "ok");
      } catch (err) {
        mount(out, errorView(err, { heading: "h3" }));
      }
    });
  });
  mount(box, h("h2", { id: `${id}-h`, text: title }), f);
  return out;
}

function field(id, label, input, hint) {
  input.id = id;
  if (hint) input.setAttribute("aria-describedby", `${id}-hint`);
  return h("div", { class: "field" }, h("label", { for: id, text: label }), input, hint ? h("span", { id: `${id}-hint`, class: "hint", text: hint }) : null);
}

function check(id, label, checked) {
  return h("div", { class: "field-inline" }, h("input", { id, type: "checkbox", checked: !!checked }), h("label", { for: id, text: label }));
}

const val = (id) => document.getElementById(id).value;
const on = (id) => document.getElementById(id).checked;

async function schedulerSection(box, config) {
  let envelope = null;
  try {
    envelope = await get("/api/scheduler/config");
  } catch (err) {
    if (err.status !== 404) {
      mount(box, h("h2", { id: "sched-h", text: "Scheduler" }), errorView(err, { heading: "h3" }));
      return;
    }
  }
  const c = (envelope && envelope.config) || config.scheduler || {};
  const status = envelope && envelope.status;
  const days = new Set(c.schedule_days || []);
  const statusList = h("dl", { class: "kv", id: "sched-status" },
    h("dt", { text: "Next run" }), h("dd", { id: "sched-next", text: status ? (c.enabled ? when(status.next_run) : "disabled") : "–" }),
    h("dt", { text: "Last run" }), h("dd", { id: "sched-last", text: status ? when(status.last_run) : "–" }),
    h("dt", { text: "Scan running" }), h("dd", { text: status ? (status.scan_in_progress ? "yes" : "no") : "–" }));
  const runNow = h("button", { class: "btn", type: "button", text: "Run now" });
  runNow.addEventListener("click", () => busy(runNow, async () => {
    try {
      const r = await api("POST", "/api/scheduler/trigger-rescan");
      toast(r && r.message ? r.message : "Rescan started", "ok");
    } catch (err) {
      mount(out, errorView(err, { heading: "h3" }));
    }
  }));
  const out = form(box, "sched", "Scheduler", [
    check("sched-enabled", "Run scheduled rescans", c.enabled),
    field("sched-time", "Time of day", h("input", { type: "time", value: c.schedule_time || "03:00", required: true })),
    h("fieldset", {}, h("legend", { text: "Days" }), h("div", { class: "days" },
      DAYS.map(([k, name]) => h("label", {}, h("input", { type: "checkbox", id: `day-${k}`, value: k, checked: days.has(k) }), name)))),
    check("sched-auto", "Download missing episodes after each rescan", c.auto_download_after_rescan),
    field("sched-interval", "Interval in minutes (older clients)", h("input", { type: "number", min: "1", value: c.interval_minutes || 60 })),
    envelope ? statusList : null,
  ], async () => {
    const body = {
      enabled: on("sched-enabled"),
      schedule_time: val("sched-time"),
      schedule_days: DAYS.map(([k]) => k).filter((k) => on(`day-${k}`)),
      auto_download_after_rescan: on("sched-auto"),
      interval_minutes: Number(val("sched-interval")),
    };
    if (envelope) {
      const r = await api("POST", "/api/scheduler/config", body);
      if (r && r.status) {
        document.getElementById("sched-next").textContent = r.config && !r.config.enabled ? "disabled" : when(r.status.next_run);
        document.getElementById("sched-last").textContent = when(r.status.last_run);
      }
    } else {
      await api("PUT", "/api/config", { scheduler: body });
    }
    return "Scheduler saved.";
  }, envelope ? runNow : null);
}

/** An ordered list with Move up / Move down buttons; `read()` gives the order. */
// An ordered list of choices; with `all`, choices missing from `items` are listed after them
// unticked, and `read` gives the ticked ones in order.
function orderList(id, label, items, all) {
  const used = new Set(items);
  if (all) for (const a of all) if (!items.includes(a)) items.push(a);
  const list = h("ol", { class: "order", id, "aria-label": label });
  const draw = () => mount(list, items.map((it, i) => {
    const up = h("button", { class: "btn small", type: "button", disabled: i === 0, "aria-label": `Move ${it} up`, text: "↑" });
    const down = h("button", { class: "btn small", type: "button", disabled: i === items.length - 1, "aria-label": `Move ${it} down`, text: "↓" });
    const move = (d, btn) => {
      [items[i], items[i + d]] = [items[i + d], items[i]];
      draw();
      list.dispatchEvent(new Event("change", { bubbles: true }));
      const again = list.querySelectorAll("li")[i + d].querySelectorAll("button")[btn];
      (again.disabled ? list.querySelectorAll("li")[i + d].querySelector("button:not(:disabled)") : again)?.focus();
    };
    up.addEventListener("click", () => move(-1, 0));
    down.addEventListener("click", () => move(1, 1));
    const name = all
      ? h("label", {}, h("input", { type: "checkbox", checked: used.has(it), "aria-label": `Use ${it}`,
          onchange: (e) => { if (e.target.checked) used.add(it); else used.delete(it); } }), " ", it)
      : h("span", { text: it });
    return h("li", {}, name, h("span", { class: "btn-row" }, up, down));
  }));
  draw();
  return { el: h("div", {}, h("span", { class: "hint", text: label }), list), read: () => (all ? items.filter((i) => used.has(i)) : [...items]) };
}

// Every language the catalogue sites offer.
const LANGUAGES = ["German Dub", "German Sub", "English Sub", "English Dub"];

function downloadSection(box, config) {
  const d = config.download || {};
  const langs = orderList("lang-order", "Languages, preferred first (untick to never download one)", [...(d.language_preference || [])], LANGUAGES);
  form(box, "dl", "Downloads", [
    field("dl-concurrent", "Parallel downloads (1–5)", h("input", { type: "number", min: "1", max: "5", value: d.max_concurrent ?? 1 })),
    field("dl-retries", "Automatic retries (0–10)", h("input", { type: "number", min: "0", max: "10", value: d.max_retries ?? 3 })),
    check("dl-autostart", "Start the queue when episodes are queued", d.auto_start ?? true),
    langs.el,
    field("dl-hosters", "Hosters, preferred first", h("input", { type: "text", value: (d.hoster_preference || []).join(", ") }), "Comma separated, e.g. VOE, Vidmoly, Vidoza"),
    field("dl-resolution", "Highest resolution (empty = best)", h("input", { type: "number", min: "144", value: d.max_resolution ?? "" })),
  ], async () => {
    const res = val("dl-resolution").trim();
    await api("PUT", "/api/config", { download: {
      max_concurrent: Number(val("dl-concurrent")),
      max_retries: Number(val("dl-retries")),
      auto_start: on("dl-autostart"),
      language_preference: langs.read(),
      hoster_preference: val("dl-hosters").split(",").map((s) => s.trim()).filter(Boolean),
      max_resolution: res ? Number(res) : null,
    } });
    return "Download settings saved.";
  });
}

function metadataSection(box, config) {
  const n = config.nfo || {};
  const hasKey = n.tmdb_api_key === REDACTED || (typeof n.tmdb_api_key === "string" && n.tmdb_api_key !== "");
  const clear = h("button", { class: "btn danger", type: "button", disabled: !hasKey, text: "Remove key" });
  const out = form(box, "meta", "Metadata", [
    field("meta-key", "TMDB API key", h("input", { type: "password", autocomplete: "off", placeholder: hasKey ? "A key is set – type to replace it" : "" }),
      hasKey ? "A key is stored. Leave empty to keep it." : "No key yet: metadata cannot be written."),
    field("meta-lang", "Metadata language", h("input", { type: "text", value: n.language || "de-DE" }), "e.g. de-DE or en-US"),
    check("meta-auto", "Create metadata when a series is added", n.auto_create),
    check("meta-episode", "Write episode NFOs after downloads", n.episode_nfo),
    check("meta-poster", "Download poster", n.download_poster),
    check("meta-logo", "Download logo", n.download_logo),
    check("meta-fanart", "Download fanart", n.download_fanart),
  ], async () => {
    const nfo = {
      language: val("meta-lang").trim(),
      auto_create: on("meta-auto"),
      episode_nfo: on("meta-episode"),
      download_poster: on("meta-poster"),
      download_logo: on("meta-logo"),
      download_fanart: on("meta-fanart"),
    };
    const key = val("meta-key").trim();
    if (key) nfo.tmdb_api_key = key;
    await api("PUT", "/api/config", { nfo });
    document.getElementById("meta-key").value = "";
    if (key) clear.disabled = false;
    return "Metadata settings saved.";
  }, clear);
  clear.addEventListener("click", async () => {
    if (!(await confirmDialog("Remove the stored TMDB API key?", "Remove"))) return;
    busy(clear, async () => {
      try {
        await api("PUT", "/api/config", { nfo: { tmdb_api_key: null } });
        toast("TMDB key removed", "ok");
        clear.disabled = true;
      } catch (err) {
        mount(out, errorView(err, { heading: "h3" }));
      }
    });
  });
}

function loggingSection(box, config) {
  const l = config.logging || {};
  const level = (l.level || "INFO").toUpperCase();
  form(box, "log", "Logging", [
    field("log-level", "Level", h("select", {}, LEVELS.map((v) => h("option", { value: v, selected: v === level }, v)))),
    field("log-file", "Log file name (empty = none)", h("input", { type: "text", value: l.file || "" }), "A plain file name in the logs folder, e.g. aniworld.log"),
    field("log-count", "Rotated files to keep", h("input", { type: "number", min: "0", max: "100", value: l.backup_count ?? 3 })),
  ], async () => {
    const file = val("log-file").trim();
    await api("PUT", "/api/config", { logging: { level: val("log-level"), file: file || null, backup_count: Number(val("log-count")) } });
    return "Logging saved.";
  });
}

function folderSection(box, config) {
  const dir = (config.other && config.other.anime_directory) || "";
  form(box, "dir", "Anime folder", [
    field("dir-path", "Folder of the library", h("input", { type: "text", value: dir, required: true }), "Series folders live directly inside it. It is created when missing."),
  ], async () => {
    const r = await api("POST", "/api/config/directory", { directory: val("dir-path").trim() });
    return r && r.message ? r.message : "Anime folder saved.";
  });
}

async function backupSection(box, reload) {
  const name = h("input", { type: "text", pattern: "[A-Za-z0-9._-]{1,64}", placeholder: "optional" });
  const table = h("div", { class: "table-wrap", id: "backup-list" });
  const out = form(box, "bak", "Configuration backups", [
    field("bak-name", "Backup name", name, "Letters, digits, dot, dash and underscore. Empty = date and time."),
  ], async () => {
    const n = name.value.trim();
    const r = await api("POST", `/api/config/backups${n ? "?name=" + encodeURIComponent(n) : ""}`);
    name.value = "";
    await list();
    return `Backup ${r.name} created.`;
  });
  box.querySelector("button[type=submit]").textContent = "Create backup";
  box.append(h("h3", { text: "Saved backups" }), table);

  async function list() {
    let rows;
    try {
      rows = await get("/api/config/backups");
    } catch (err) {
      mount(table, errorView(err, { heading: "h3", retry: list }));
      return;
    }
    if (!rows.length) {
      mount(table, h("p", { class: "meta", text: "No backups yet." }));
      return;
    }
    mount(table, h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Name" }), h("th", { scope: "col", text: "Created" }), h("th", { scope: "col", text: "Size" }), h("th", { scope: "col", text: "Actions" }))),
      h("tbody", {}, rows.map((b) => {
        const restore = h("button", { class: "btn small", type: "button", "aria-label": `Restore ${b.name}`, text: "Restore" });
        const del = h("button", { class: "btn small danger", type: "button", "aria-label": `Delete ${b.name}`, text: "Delete" });
        restore.addEventListener("click", async () => {
          if (!(await confirmDialog(`Replace the current configuration with ${b.name}?`, "Restore"))) return;
          busy(restore, async () => {
            try {
              await api("POST", `/api/config/backups/${seg(b.name)}/restore`);
              toast(`Configuration restored from ${b.name}`, "ok");
              reload();
            } catch (err) {
              mount(out, errorView(err, { heading: "h3" }));
            }
          });
        });
        del.addEventListener("click", async () => {
          if (!(await confirmDialog(`Delete the backup ${b.name}?`, "Delete"))) return;
          busy(del, async () => {
            try {
              await api("DELETE", `/api/config/backups/${seg(b.name)}`);
              toast(`Backup ${b.name} deleted`, "ok");
              list();
            } catch (err) {
              mount(out, errorView(err, { heading: "h3" }));
            }
          });
        });
        return h("tr", {}, h("td", { text: b.name }), h("td", { text: when(b.created) }), h("td", { text: `${b.size} B` }), h("td", { class: "actions" }, restore, " ", del));
      }))));
  }
  await list();
}
