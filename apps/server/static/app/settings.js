// Settings: scheduler (with next/last run and "run now"), downloads, metadata (with a test of the
// TMDB key), logging, the anime folder (with a test), notifications (notifications.js),
// configuration backups (create, list, restore, delete) and this browser's choices (language,
// pop-up notifications).
//
// Every form checks its values before sending them and maps the API's refusals (`details` naming
// fields such as `download.max_retries`) back to its fields: each problem is shown next to its
// field in words (never the configuration key) and listed in a summary at the top of the form
// whose links lead to the fields.

import { api, get, seg } from "./api.js";
import { h, mount, errorView, toast, busy, confirmDialog, when } from "./ui.js";
import { t, storedChoice, storeChoice } from "./i18n.js";
import { notificationsSection } from "./notifications.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const dayName = (k) => ({
  mon: t("settings.day.mon"), tue: t("settings.day.tue"), wed: t("settings.day.wed"), thu: t("settings.day.thu"),
  fri: t("settings.day.fri"), sat: t("settings.day.sat"), sun: t("settings.day.sun"),
})[k];
const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
const REDACTED = "********";
/** localStorage key of the pop-up notifications for finished downloads ("off" = none). */
const TOASTS_KEY = "aniworld.toasts";

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
      ? confirmDialog(t("settings.leave_question"), t("settings.leave"), t("settings.stay"))
      : Promise.resolve(true)));
  }
  const sched = h("section", { class: "card", "aria-labelledby": "sched-h" });
  const dl = h("section", { class: "card", "aria-labelledby": "dl-h" });
  const meta = h("section", { class: "card", "aria-labelledby": "meta-h" });
  const logs = h("section", { class: "card", "aria-labelledby": "log-h" });
  const folder = h("section", { class: "card", "aria-labelledby": "dir-h" });
  const backups = h("section", { class: "card", "aria-labelledby": "bak-h" });
  const notify = h("section", { class: "card", id: "notifications", "aria-labelledby": "notif-h" });
  const browserBox = h("section", { class: "card", "aria-labelledby": "ui-h" });
  mount(root, h("h1", { text: t("settings.title") }),
    h("div", { class: "settings-grid" }, browserBox, sched, dl, meta, logs, folder, notify, backups));
  const reload = () => settingsView(root, ctx);
  browserSection(browserBox);
  schedulerSection(sched, config);
  downloadSection(dl, config);
  metadataSection(meta, config);
  loggingSection(logs, config);
  folderSection(folder, config);
  notificationsSection(notify, config);
  backupSection(backups, reload);
}

// ---- field problems ------------------------------------------------------------------------

/**
 * The problems of a form: `rules` are the form's fields, each `{ id, label, paths, check,
 * server, focus }`: the input's id, its label, the API field names that mean it (a name
 * matches itself and what lies below it, `download.language_preference[0]`), a client-side check
 * giving a message or null, the message for a refusal by the server (given the server's words),
 * and the element to focus when the input itself is not focusable (a group of checkboxes).
 */
function problems(id, rules) {
  const summary = h("div", { id: `${id}-summary`, class: "error-summary", tabindex: "-1" });
  const ruleOf = (path) => rules.find((r) => (r.paths || []).some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`)));

  function clear() {
    mount(summary);
    summary.classList.remove("error-view");
    summary.removeAttribute("role");
    for (const r of rules) {
      const slot = document.getElementById(`${r.id}-error`);
      if (slot) slot.textContent = "";
      for (const el of invalidTargets(r)) el.removeAttribute("aria-invalid");
    }
  }

  function invalidTargets(r) {
    const el = document.getElementById(r.id);
    if (!el) return [];
    if (el.tagName === "FIELDSET" || el.tagName === "OL") return [...el.querySelectorAll("input")];
    return [el];
  }

  /** Shows `list` ([rule, message] or [null, message]) in place and in the summary. */
  function show(list) {
    clear();
    if (!list.length) return;
    const items = [];
    for (const [r, message] of list) {
      if (!r) {
        items.push(h("li", { text: message }));
        continue;
      }
      const slot = document.getElementById(`${r.id}-error`);
      if (slot) slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
      for (const el of invalidTargets(r)) el.setAttribute("aria-invalid", "true");
      const target = () => (r.focus ? r.focus() : document.getElementById(r.id));
      const link = h("a", { href: `#${r.id}`, text: t("settings.summary_item", { label: r.label, message }) });
      link.addEventListener("click", (e) => {
        // The page's address is the view's route: the link moves the focus, not the address.
        e.preventDefault();
        const el = target();
        if (el) {
          el.scrollIntoView({ block: "center" });
          el.focus();
        }
      });
      items.push(h("li", {}, link));
    }
    summary.classList.add("error-view");
    summary.setAttribute("role", "alert");
    mount(summary, h("h3", { text: t("settings.summary", { count: list.length }) }), h("ul", {}, items));
    summary.focus();
  }

  /** The client-side problems of the form's values. */
  function checkAll() {
    const list = [];
    for (const r of rules) {
      const message = r.check ? r.check() : null;
      if (message) list.push([r, message]);
    }
    return list;
  }

  /** The problems a refusal of the API names, with the form's words; null when it names none. */
  function fromServer(err) {
    if (!err || err.status !== 422 || !err.details || typeof err.details !== "object") return null;
    const list = [];
    const seen = new Set();
    const entries = Object.entries(err.details).filter(([k, v]) => k !== "field" && typeof v === "string");
    // A problem below a field is also reported under the field's top-level name: shown once.
    const paths = entries.map(([k]) => k);
    for (const [path, problem] of entries) {
      if (paths.some((p) => p !== path && (p.startsWith(`${path}.`) || p.startsWith(`${path}[`)))) continue;
      const r = ruleOf(path);
      const message = r ? (r.server ? r.server(problem) : r.check?.() || t("settings.err.not_accepted", { problem })) : t("settings.err.not_accepted", { problem });
      const key = `${r ? r.id : ""}|${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      list.push([r || null, message]);
    }
    return list.length ? list : null;
  }

  return { summary, clear, show, checkAll, fromServer, ruleOf };
}

// ---- form parts ----------------------------------------------------------------------------

/**
 * A form with a heading, an error summary, fields, a submit button and an area for the
 * outcome. `rules` are its fields' checks (see `problems`); `save` sends it and gives the
 * message to show.
 */
function form(box, id, title, fields, save, extra, rules = []) {
  const out = h("div", { role: "status" });
  const marks = problems(id, rules);
  const submit = h("button", { class: "btn primary", type: "submit", text: t("settings.save") });
  const f = h("form", { id: `${id}-form`, novalidate: true }, marks.summary, fields, h("div", { class: "btn-row" }, submit, extra), out);
  f.addEventListener("input", () => dirty.add(id));
  f.addEventListener("change", () => dirty.add(id));
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    mount(out);
    const found = marks.checkAll();
    marks.show(found);
    if (found.length) return;
    busy(submit, async () => {
      try {
        const msg = await save();
        dirty.delete(id);
        mount(out, h("p", { class: "meta", text: msg || t("settings.saved") }));
        toast(msg || t("settings.saved_title", { title }), "ok");
      } catch (err) {
        const refused = marks.fromServer(err);
        if (refused) marks.show(refused);
        else mount(out, errorView(err, { heading: "h3" }));
      }
    });
  });
  mount(box, h("h2", { id: `${id}-h`, text: title }), f);
  return { out, marks };
}

/** A labelled field with an optional hint and the slot of its problem. */
function field(id, label, input, hint, after) {
  input.id = id;
  input.setAttribute("aria-describedby", [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" "));
  return h("div", { class: "field" }, h("label", { for: id, text: label }),
    after ? h("div", { class: "btn-row" }, input, after) : input,
    hint ? h("span", { id: `${id}-hint`, class: "hint", text: hint }) : null,
    h("span", { id: `${id}-error`, class: "field-error" }));
}

function check(id, label, checked) {
  return h("div", { class: "field-inline" }, h("input", { id, type: "checkbox", checked: !!checked }), h("label", { for: id, text: label }));
}

const val = (id) => document.getElementById(id).value;
const on = (id) => document.getElementById(id).checked;

/** A check that the field holds a whole number from `min` to `max` (`optional`: or nothing). */
function wholeIn(id, min, max, optional) {
  return () => {
    const raw = val(id).trim();
    if (raw === "") return optional ? null : (max === undefined ? t("settings.err.min_whole", { min }) : t("settings.err.range", { min, max }));
    const n = Number(raw);
    const ok = Number.isInteger(n) && n >= min && (max === undefined || n <= max);
    if (ok) return null;
    return max === undefined ? t("settings.err.min_whole", { min }) : t("settings.err.range", { min, max });
  };
}

// ---- this browser --------------------------------------------------------------------------

function browserSection(box) {
  const choice = storedChoice();
  const select = h("select", { id: "ui-lang", "aria-describedby": "ui-lang-hint" },
    h("option", { value: "", selected: choice === "", text: t("settings.lang_auto") }),
    h("option", { value: "en", selected: choice === "en", lang: "en", text: t("settings.lang_en") }),
    h("option", { value: "de", selected: choice === "de", lang: "de", text: t("settings.lang_de") }));
  select.addEventListener("change", async () => {
    if (dirty.size && !(await confirmDialog(t("settings.lang_unsaved"), t("settings.lang_switch"), t("settings.stay")))) {
      select.value = storedChoice();
      return;
    }
    storeChoice(select.value);
    dirty.clear();
    location.reload();
  });
  let toastsOn = true;
  try {
    toastsOn = localStorage.getItem(TOASTS_KEY) !== "off";
  } catch {
    // no storage: pop-ups stay on
  }
  const toasts = h("input", { id: "ui-toasts", type: "checkbox", checked: toastsOn });
  toasts.addEventListener("change", () => {
    try {
      localStorage.setItem(TOASTS_KEY, toasts.checked ? "on" : "off");
    } catch {
      // private mode without storage: nothing to keep
    }
    toast(toasts.checked ? t("settings.toasts_on") : t("settings.toasts_off"), "ok");
  });
  mount(box, h("h2", { id: "ui-h", text: t("settings.browser") }),
    h("p", { class: "hint", text: t("settings.browser_hint") }),
    h("div", { class: "field" }, h("label", { for: "ui-lang", text: t("settings.language") }), select,
      h("span", { id: "ui-lang-hint", class: "hint", text: t("settings.language_hint") })),
    h("div", { class: "field-inline" }, toasts, h("label", { for: "ui-toasts", text: t("settings.toasts") })));
}

// ---- scheduler -----------------------------------------------------------------------------

async function schedulerSection(box, config) {
  let envelope = null;
  try {
    envelope = await get("/api/scheduler/config");
  } catch (err) {
    if (err.status !== 404) {
      mount(box, h("h2", { id: "sched-h", text: t("settings.scheduler") }), errorView(err, { heading: "h3" }));
      return;
    }
  }
  const c = (envelope && envelope.config) || config.scheduler || {};
  const status = envelope && envelope.status;
  const days = new Set(c.schedule_days || []);
  const dash = "–";
  const statusList = h("dl", { class: "kv", id: "sched-status" },
    h("dt", { text: t("settings.next_run") }), h("dd", { id: "sched-next", text: status ? (c.enabled ? when(status.next_run) : t("settings.disabled")) : dash }),
    h("dt", { text: t("settings.last_run") }), h("dd", { id: "sched-last", text: status ? when(status.last_run) : dash }),
    h("dt", { text: t("settings.scan_running") }), h("dd", { text: status ? (status.scan_in_progress ? t("settings.yes") : t("settings.no")) : dash }));
  const runNow = h("button", { class: "btn", type: "button", text: t("settings.run_now") });
  runNow.addEventListener("click", () => busy(runNow, async () => {
    try {
      await api("POST", "/api/scheduler/trigger-rescan");
      toast(t("settings.rescan_started"), "ok");
    } catch (err) {
      mount(made.out, errorView(err, { heading: "h3" }));
    }
  }));
  const daysBox = h("fieldset", { id: "sched-days", "aria-describedby": "sched-days-error" }, h("legend", { text: t("settings.days") }),
    h("div", { class: "days" }, DAYS.map((k) => h("label", {}, h("input", { type: "checkbox", id: `day-${k}`, value: k, checked: days.has(k) }), dayName(k)))),
    h("span", { id: "sched-days-error", class: "field-error" }));
  const rules = [
    { id: "sched-time", label: t("settings.time"), paths: ["schedule_time", "scheduler.schedule_time"],
      check: () => (/^([01]\d|2[0-3]):[0-5]\d$/.test(val("sched-time")) ? null : t("settings.err.time")) },
    { id: "sched-days", label: t("settings.days"), paths: ["schedule_days", "scheduler.schedule_days"],
      check: () => (on("sched-enabled") && !DAYS.some((k) => on(`day-${k}`)) ? t("settings.err.days") : null),
      server: () => t("settings.err.days"), focus: () => document.getElementById("day-mon") },
    { id: "sched-interval", label: t("settings.interval"), paths: ["interval_minutes", "scheduler.interval_minutes"], check: wholeIn("sched-interval", 1) },
  ];
  const made = form(box, "sched", t("settings.scheduler"), [
    check("sched-enabled", t("settings.sched_enabled"), c.enabled),
    field("sched-time", t("settings.time"), h("input", { type: "time", value: c.schedule_time || "03:00", required: true })),
    daysBox,
    check("sched-auto", t("settings.sched_auto"), c.auto_download_after_rescan),
    field("sched-interval", t("settings.interval"), h("input", { type: "number", min: "1", value: c.interval_minutes || 60 })),
    envelope ? statusList : null,
  ], async () => {
    const body = {
      enabled: on("sched-enabled"),
      schedule_time: val("sched-time"),
      schedule_days: DAYS.filter((k) => on(`day-${k}`)),
      auto_download_after_rescan: on("sched-auto"),
      interval_minutes: Number(val("sched-interval")),
    };
    if (envelope) {
      const r = await api("POST", "/api/scheduler/config", body);
      if (r && r.status) {
        document.getElementById("sched-next").textContent = r.config && !r.config.enabled ? t("settings.disabled") : when(r.status.next_run);
        document.getElementById("sched-last").textContent = when(r.status.last_run);
      }
    } else {
      await api("PUT", "/api/config", { scheduler: body });
    }
    return t("settings.sched_saved");
  }, envelope ? runNow : null, rules);
}

// ---- downloads -----------------------------------------------------------------------------

// An ordered list of choices; with `all`, choices missing from `items` are listed after them
// unticked, and `read` gives the ticked ones in order.
function orderList(id, label, items, all, shown = (it) => it) {
  const used = new Set(items);
  if (all) for (const a of all) if (!items.includes(a)) items.push(a);
  const list = h("ol", { class: "order", id, "aria-label": label, "aria-describedby": `${id}-error` });
  const draw = () => mount(list, items.map((it, i) => {
    const up = h("button", { class: "btn small", type: "button", disabled: i === 0, "aria-label": t("settings.move_up", { name: shown(it) }), text: "↑" });
    const down = h("button", { class: "btn small", type: "button", disabled: i === items.length - 1, "aria-label": t("settings.move_down", { name: shown(it) }), text: "↓" });
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
      ? h("label", {}, h("input", { type: "checkbox", checked: used.has(it), "aria-label": t("settings.use", { name: shown(it) }),
          onchange: (e) => { if (e.target.checked) used.add(it); else used.delete(it); } }), " ", shown(it))
      : h("span", { text: shown(it) });
    return h("li", {}, name, h("span", { class: "btn-row" }, up, down));
  }));
  draw();
  return {
    el: h("div", {}, h("span", { class: "hint", text: label }), list, h("span", { id: `${id}-error`, class: "field-error" })),
    read: () => (all ? items.filter((i) => used.has(i)) : [...items]),
  };
}

// Every language the catalogue sites offer (their names on the sites).
const LANGUAGES = ["German Dub", "German Sub", "English Sub", "English Dub"];
const languageName = (l) => ({
  "German Dub": t("settings.audio.german_dub"), "German Sub": t("settings.audio.german_sub"),
  "English Sub": t("settings.audio.english_sub"), "English Dub": t("settings.audio.english_dub"),
})[l] || l;

function downloadSection(box, config) {
  const d = config.download || {};
  const langs = orderList("lang-order", t("settings.languages"), [...(d.language_preference || [])], LANGUAGES, languageName);
  const rules = [
    { id: "dl-concurrent", label: t("settings.concurrent"), paths: ["download.max_concurrent"], check: wholeIn("dl-concurrent", 1, 5) },
    { id: "dl-retries", label: t("settings.retries"), paths: ["download.max_retries"], check: wholeIn("dl-retries", 0, 10) },
    { id: "lang-order", label: t("settings.languages_short"), paths: ["download.language_preference"],
      check: () => (langs.read().length ? null : t("settings.err.languages")), server: () => t("settings.err.languages"),
      focus: () => document.querySelector("#lang-order input") },
    { id: "dl-hosters", label: t("settings.hosters"), paths: ["download.hoster_preference"], server: () => t("settings.err.hosters") },
    { id: "dl-resolution", label: t("settings.resolution"), paths: ["download.max_resolution"], check: wholeIn("dl-resolution", 144, 4320, true) },
    { id: "dl-autostart", label: t("settings.autostart"), paths: ["download.auto_start"] },
  ];
  form(box, "dl", t("settings.downloads"), [
    field("dl-concurrent", t("settings.concurrent"), h("input", { type: "number", min: "1", max: "5", value: d.max_concurrent ?? 1 })),
    field("dl-retries", t("settings.retries"), h("input", { type: "number", min: "0", max: "10", value: d.max_retries ?? 3 })),
    check("dl-autostart", t("settings.autostart"), d.auto_start ?? true),
    langs.el,
    field("dl-hosters", t("settings.hosters"), h("input", { type: "text", value: (d.hoster_preference || []).join(", ") }), t("settings.hosters_hint")),
    field("dl-resolution", t("settings.resolution"), h("input", { type: "number", min: "144", max: "4320", value: d.max_resolution ?? "" })),
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
    return t("settings.dl_saved");
  }, null, rules);
}

// ---- metadata ------------------------------------------------------------------------------

/** The words of the TMDB key test's outcomes. */
const TMDB_RESULT = {
  accepted: () => t("settings.tmdb.accepted"),
  no_key: () => t("settings.tmdb.no_key"),
  rejected: () => t("settings.tmdb.rejected"),
  unreachable: () => t("settings.tmdb.unreachable"),
  rate_limited: () => t("settings.tmdb.rate_limited"),
  failed: () => t("settings.tmdb.failed"),
};

function metadataSection(box, config) {
  const n = config.nfo || {};
  const hasKey = n.tmdb_api_key === REDACTED || (typeof n.tmdb_api_key === "string" && n.tmdb_api_key !== "");
  const clear = h("button", { class: "btn danger", type: "button", disabled: !hasKey, text: t("settings.remove_key") });
  const test = h("button", { class: "btn", type: "button", id: "meta-key-test-btn", "aria-label": t("settings.tmdb_test_label"), text: t("settings.test") });
  const result = h("p", { id: "meta-key-result", role: "status", class: "meta" });
  const rules = [
    { id: "meta-key", label: t("settings.tmdb_key"), paths: ["nfo.tmdb_api_key", "api_key"] },
    { id: "meta-lang", label: t("settings.meta_lang"), paths: ["nfo.language"],
      check: () => (/^[a-z]{2}-[A-Z]{2}$/.test(val("meta-lang").trim()) ? null : t("settings.err.meta_lang")) },
  ];
  const made = form(box, "meta", t("settings.metadata"), [
    field("meta-key", t("settings.tmdb_key"), h("input", { type: "password", autocomplete: "off", placeholder: hasKey ? t("settings.key_placeholder") : "" }),
      hasKey ? t("settings.key_stored") : t("settings.key_missing"), test),
    result,
    field("meta-lang", t("settings.meta_lang"), h("input", { type: "text", value: n.language || "de-DE" }), t("settings.meta_lang_hint")),
    check("meta-auto", t("settings.meta_auto"), n.auto_create),
    check("meta-episode", t("settings.meta_episode"), n.episode_nfo),
    check("meta-poster", t("settings.meta_poster"), n.download_poster),
    check("meta-logo", t("settings.meta_logo"), n.download_logo),
    check("meta-fanart", t("settings.meta_fanart"), n.download_fanart),
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
    return t("settings.meta_saved");
  }, clear, rules);
  test.addEventListener("click", () => busy(test, async () => {
    mount(result);
    result.className = "meta";
    const key = val("meta-key").trim();
    try {
      const r = await api("POST", "/api/config/test/tmdb", key ? { api_key: key } : {});
      result.className = r.ok ? "test-ok" : "test-bad";
      result.textContent = (TMDB_RESULT[r.code] || TMDB_RESULT.failed)();
    } catch (err) {
      const refused = made.marks.fromServer(err);
      if (refused) made.marks.show(refused);
      else mount(result, errorView(err, { heading: "h3" }));
    }
  }));
  clear.addEventListener("click", async () => {
    if (!(await confirmDialog(t("settings.remove_key_question"), t("settings.remove")))) return;
    busy(clear, async () => {
      try {
        await api("PUT", "/api/config", { nfo: { tmdb_api_key: null } });
        toast(t("settings.key_removed"), "ok");
        clear.disabled = true;
      } catch (err) {
        mount(made.out, errorView(err, { heading: "h3" }));
      }
    });
  });
}

// ---- logging -------------------------------------------------------------------------------

function loggingSection(box, config) {
  const l = config.logging || {};
  const level = (l.level || "INFO").toUpperCase();
  const rules = [
    { id: "log-level", label: t("settings.log_level"), paths: ["logging.level"], server: () => t("settings.err.log_level") },
    { id: "log-file", label: t("settings.log_file"), paths: ["logging.file"],
      check: () => {
        const v = val("log-file").trim();
        return !v || /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(v) ? null : t("settings.err.file_name");
      } },
    { id: "log-count", label: t("settings.log_count"), paths: ["logging.backup_count"], check: wholeIn("log-count", 0, 100) },
  ];
  form(box, "log", t("settings.logging"), [
    field("log-level", t("settings.log_level"), h("select", {}, LEVELS.map((v) => h("option", { value: v, selected: v === level }, v)))),
    field("log-file", t("settings.log_file"), h("input", { type: "text", value: l.file || "" }), t("settings.log_file_hint")),
    field("log-count", t("settings.log_count"), h("input", { type: "number", min: "0", max: "100", value: l.backup_count ?? 3 })),
  ], async () => {
    const file = val("log-file").trim();
    await api("PUT", "/api/config", { logging: { level: val("log-level"), file: file || null, backup_count: Number(val("log-count")) } });
    return t("settings.log_saved");
  }, null, rules);
}

// ---- anime folder --------------------------------------------------------------------------

/** The words of the folder test's outcomes. */
function folderResult(r) {
  switch (r.code) {
    case "usable": return t("settings.dir.usable", { count: r.series_folders ?? 0 });
    case "not_set": return t("settings.dir.not_set");
    case "missing": return t("settings.dir.missing");
    case "not_a_folder": return t("settings.dir.not_a_folder");
    case "unreadable": return t("settings.dir.unreadable");
    case "not_writable": return t("settings.dir.not_writable");
    default: return t("settings.dir.unusable");
  }
}

function folderSection(box, config) {
  const dir = (config.other && config.other.anime_directory) || "";
  const absolute = () => {
    const v = val("dir-path").trim();
    if (!v) return t("settings.err.dir_required");
    return v.startsWith("/") ? null : t("settings.err.dir_absolute");
  };
  const rules = [
    { id: "dir-path", label: t("settings.dir_label"), paths: ["directory", "path", "other.anime_directory"], check: absolute,
      server: (problem) => (/relative/.test(problem) ? t("settings.err.dir_absolute")
        : /written/.test(problem) ? t("settings.err.dir_not_writable")
          : /created/.test(problem) ? t("settings.err.dir_cannot_create")
            : t("settings.err.dir_unusable")) },
  ];
  const test = h("button", { class: "btn", type: "button", id: "dir-test-btn", "aria-label": t("settings.dir_test_label"), text: t("settings.test") });
  const result = h("p", { id: "dir-result", role: "status", class: "meta" });
  const made = form(box, "dir", t("settings.folder"), [
    field("dir-path", t("settings.dir_label"), h("input", { type: "text", value: dir, required: true }), t("settings.dir_hint"), test),
    result,
    h("p", { class: "hint", id: "dir-change-note", text: t("settings.dir_change_note") }),
  ], async () => {
    const r = await api("POST", "/api/config/directory", { directory: val("dir-path").trim() });
    return t("settings.dir_saved", { count: r && typeof r.synced_series === "number" ? r.synced_series : 0 });
  }, null, rules);
  test.addEventListener("click", () => {
    mount(result);
    result.className = "meta";
    const found = made.marks.checkAll();
    made.marks.show(found);
    if (found.length) return;
    busy(test, async () => {
      try {
        const r = await api("POST", "/api/config/test/anime-directory", { path: val("dir-path").trim() });
        result.className = r.ok ? "test-ok" : "test-bad";
        result.textContent = folderResult(r);
      } catch (err) {
        const refused = made.marks.fromServer(err);
        if (refused) made.marks.show(refused);
        else mount(result, errorView(err, { heading: "h3" }));
      }
    });
  });
}

// ---- backups -------------------------------------------------------------------------------

async function backupSection(box, reload) {
  const name = h("input", { type: "text", pattern: "[A-Za-z0-9._-]{1,64}", placeholder: t("settings.optional") });
  const table = h("div", { class: "table-wrap", id: "backup-list" });
  const rules = [
    { id: "bak-name", label: t("settings.backup_name"), paths: ["name"],
      check: () => {
        const v = name.value.trim();
        return !v || /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(v) ? null : t("settings.err.backup_name");
      },
      server: (problem) => (/exists/.test(problem) ? t("settings.err.backup_exists") : t("settings.err.backup_name")) },
  ];
  const { out } = form(box, "bak", t("settings.backups"), [
    field("bak-name", t("settings.backup_name"), name, t("settings.backup_name_hint")),
  ], async () => {
    const n = name.value.trim();
    const r = await api("POST", `/api/config/backups${n ? "?name=" + encodeURIComponent(n) : ""}`);
    name.value = "";
    await list();
    return t("settings.backup_created", { name: r.name });
  }, null, rules);
  box.querySelector("button[type=submit]").textContent = t("settings.create_backup");
  box.append(h("h3", { text: t("settings.saved_backups") }), table);

  async function list() {
    let rows;
    try {
      rows = await get("/api/config/backups");
    } catch (err) {
      mount(table, errorView(err, { heading: "h3", retry: list }));
      return;
    }
    if (!rows.length) {
      mount(table, h("p", { class: "meta", text: t("settings.no_backups") }));
      return;
    }
    mount(table, h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: t("settings.col_name") }), h("th", { scope: "col", text: t("settings.col_created") }),
        h("th", { scope: "col", text: t("settings.col_size") }), h("th", { scope: "col", text: t("settings.col_actions") }))),
      h("tbody", {}, rows.map((b) => {
        const restore = h("button", { class: "btn small", type: "button", "aria-label": t("settings.restore_label", { name: b.name }), text: t("settings.restore") });
        const del = h("button", { class: "btn small danger", type: "button", "aria-label": t("settings.delete_label", { name: b.name }), text: t("settings.delete") });
        restore.addEventListener("click", async () => {
          if (!(await confirmDialog(t("settings.restore_question", { name: b.name }), t("settings.restore")))) return;
          busy(restore, async () => {
            try {
              await api("POST", `/api/config/backups/${seg(b.name)}/restore`);
              toast(t("settings.restored", { name: b.name }), "ok");
              reload();
            } catch (err) {
              mount(out, errorView(err, { heading: "h3" }));
            }
          });
        });
        del.addEventListener("click", async () => {
          if (!(await confirmDialog(t("settings.delete_question", { name: b.name }), t("settings.delete")))) return;
          busy(del, async () => {
            try {
              await api("DELETE", `/api/config/backups/${seg(b.name)}`);
              toast(t("settings.deleted", { name: b.name }), "ok");
              list();
            } catch (err) {
              mount(out, errorView(err, { heading: "h3" }));
            }
          });
        });
        return h("tr", {}, h("td", { text: b.name }), h("td", { text: when(b.created) }), h("td", { text: t("settings.bytes", { count: b.size }) }),
          h("td", { class: "actions" }, restore, " ", del));
      }))));
  }
  await list();
}
