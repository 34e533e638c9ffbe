// Settings › Notifications: the targets (add, edit, remove, test each), their delivery status
// and the quiet hours. Targets are saved with PUT /api/config as the whole
// `notifications.targets` list; secrets are write-only: the API answers "********" for them, an
// empty secret field keeps the stored value (it is sent back as "********").

import { api, get } from "./api.js";
import { h, mount, errorView, toast, busy, confirmDialog, when } from "./ui.js";
import { t } from "./i18n.js";

const REDACTED = "********";

/** The events a target can be sent, with their names. */
function eventList() {
  return [
    ["download_completed", t("notif.ev.download_completed")],
    ["download_failed", t("notif.ev.download_failed")],
    ["series_completed", t("notif.ev.series_completed")],
    ["episode_upgraded", t("notif.ev.episode_upgraded")],
    ["verification_required", t("notif.ev.verification_required")],
    ["site_degraded", t("notif.ev.site_degraded")],
    ["hoster_degraded", t("notif.ev.hoster_degraded")],
  ];
}

/** Per type: [field, label, kind, required, hint]. kind: url, text, secret, number, select, list, map, headers. */
function typeList() {
  const pathMap = ["path_map", t("notif.f.path_map"), "map", false, t("notif.h.path_map")];
  return {
    webhook: { label: t("notif.type.webhook"), fields: [
      ["url", t("notif.f.url"), "url", true, t("notif.h.webhook_url")],
      ["secret", t("notif.f.signing_secret"), "secret", false, t("notif.h.signing_secret")],
      ["headers", t("notif.f.headers"), "headers", false, t("notif.h.headers")],
    ] },
    ntfy: { label: t("notif.type.ntfy"), fields: [
      ["url", t("notif.f.ntfy_url"), "url", true, t("notif.h.ntfy_url")],
      ["token", t("notif.f.access_token"), "secret", false, null],
      ["priority", t("notif.f.priority_ntfy"), "number", false, t("notif.h.priority_ntfy")],
      ["tags", t("notif.f.tags"), "list", false, t("notif.h.tags")],
    ] },
    discord: { label: t("notif.type.discord"), fields: [
      ["url", t("notif.f.webhook_url"), "secret-url", true, t("notif.h.discord_url")],
    ] },
    telegram: { label: t("notif.type.telegram"), fields: [
      ["bot_token", t("notif.f.bot_token"), "secret", true, t("notif.h.bot_token")],
      ["chat_id", t("notif.f.chat_id"), "text", true, t("notif.h.chat_id")],
      ["api_url", t("notif.f.bot_api_url"), "url", false, t("notif.h.bot_api_url")],
    ] },
    gotify: { label: t("notif.type.gotify"), fields: [
      ["url", t("notif.f.server_url"), "url", true, null],
      ["token", t("notif.f.app_token"), "secret", true, null],
      ["priority", t("notif.f.priority_gotify"), "number", false, t("notif.h.priority_gotify")],
    ] },
    email: { label: t("notif.type.email"), fields: [
      ["host", t("notif.f.smtp_host"), "text", true, t("notif.h.smtp_host")],
      ["tls", t("notif.f.tls"), "select", false, null, [["starttls", t("notif.tls.starttls")], ["tls", t("notif.tls.tls")], ["none", t("notif.tls.none")]]],
      ["port", t("notif.f.port"), "number", false, t("notif.h.port")],
      ["username", t("notif.f.username"), "text", false, t("notif.h.username")],
      ["password", t("notif.f.password"), "secret", false, null],
      ["from", t("notif.f.from"), "text", true, t("notif.h.from")],
      ["to", t("notif.f.to"), "list", true, t("notif.h.to")],
    ] },
    jellyfin: { label: t("notif.type.jellyfin"), fields: [
      ["url", t("notif.f.server_url"), "url", true, t("notif.h.jellyfin_url")],
      ["api_key", t("notif.f.api_key"), "secret", true, t("notif.h.jellyfin_key")],
      pathMap,
    ] },
    plex: { label: t("notif.type.plex"), fields: [
      ["url", t("notif.f.server_url"), "url", true, t("notif.h.plex_url")],
      ["token", t("notif.f.plex_token"), "secret", true, t("notif.h.plex_token")],
      pathMap,
    ] },
  };
}

const isUrl = (s) => /^https?:\/\/[^/\s]+\S*$/.test(s);

/** Renders the Notifications section into `box` from the configuration `config`. */
export function notificationsSection(box, config) {
  const EVENTS = eventList();
  const TYPES = typeList();
  let targets = structuredClone((config.notifications && config.notifications.targets) || []);
  let quiet = (config.notifications && config.notifications.quiet_hours) || "";
  const list = h("div", { id: "notif-list" });
  const editor = h("div", { id: "notif-editor" });
  const out = h("div", { role: "status", id: "notif-out" });
  const typeSel = h("select", { id: "notif-new-type" }, Object.entries(TYPES).map(([k, type]) => h("option", { value: k, text: type.label })));
  const add = h("button", { class: "btn", type: "button", id: "notif-add", text: t("notif.add") });
  add.addEventListener("click", () => edit(-1, { name: "", type: typeSel.value, enabled: true, events: EVENTS.map(([e]) => e) }));
  const testAll = h("button", { class: "btn", type: "button", id: "notif-test-all", text: t("notif.test_all") });
  testAll.addEventListener("click", () => busy(testAll, () => runTest(null)));
  const quietInput = h("input", { id: "quiet-hours", type: "text", value: quiet, placeholder: t("notif.quiet_placeholder"), "aria-describedby": "quiet-hours-hint" });
  const quietSave = h("button", { class: "btn", type: "submit", text: t("notif.quiet_save") });
  const quietForm = h("form", { id: "quiet-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "quiet-hours", text: t("notif.quiet") }), quietInput,
      h("span", { id: "quiet-hours-hint", class: "hint", text: t("notif.quiet_hint") }),
      h("span", { id: "quiet-hours-error", class: "field-error", role: "alert" })),
    h("div", { class: "btn-row" }, quietSave));
  quietForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = quietInput.value.trim();
    const err = document.getElementById("quiet-hours-error");
    err.textContent = "";
    quietInput.removeAttribute("aria-invalid");
    if (v && !/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/.test(v)) {
      err.textContent = t("notif.err.quiet");
      quietInput.setAttribute("aria-invalid", "true");
      return;
    }
    busy(quietSave, async () => {
      try {
        await api("PUT", "/api/config", { notifications: { quiet_hours: v || null } });
        quiet = v;
        toast(t("notif.quiet_saved"), "ok");
        await drawList();
      } catch (e2) {
        if (!quietProblem(e2)) mount(out, errorView(e2, { heading: "h3" }));
      }
    });
  });

  /** A refusal of the quiet hours shown at the field; false when it is about something else. */
  function quietProblem(e2) {
    const problem = e2 && e2.status === 422 && e2.details && e2.details["notifications.quiet_hours"];
    if (!problem) return false;
    document.getElementById("quiet-hours-error").textContent = t("notif.err.quiet");
    quietInput.setAttribute("aria-invalid", "true");
    return true;
  }
  mount(box, h("h2", { id: "notif-h", text: t("notif.title") }),
    h("p", { class: "hint", text: t("notif.intro") }),
    list,
    h("div", { class: "btn-row" }, h("label", { for: "notif-new-type", text: t("notif.type") }), typeSel, add, testAll),
    editor, out, quietForm);
  drawList();

  async function drawList() {
    let status = { targets: [] };
    try {
      status = await get("/api/notifications/status");
    } catch (err) {
      mount(out, errorView(err, { heading: "h3" }));
    }
    const byName = new Map((status.targets || []).map((st) => [st.name, st]));
    if (!targets.length) {
      mount(list, h("p", { class: "meta", id: "notif-empty", text: t("notif.none") }));
      return;
    }
    mount(list, h("ul", { class: "notif-targets" }, targets.map((tg, i) => {
      const s = byName.get(tg.name) || {};
      const test = h("button", { class: "btn small", type: "button", "aria-label": t("notif.test_label", { name: tg.name }), text: t("notif.test") });
      const change = h("button", { class: "btn small", type: "button", "aria-label": t("notif.edit_label", { name: tg.name }), text: t("notif.edit") });
      const remove = h("button", { class: "btn small danger", type: "button", "aria-label": t("notif.remove_label", { name: tg.name }), text: t("notif.remove") });
      test.addEventListener("click", () => busy(test, () => runTest(tg.name)));
      change.addEventListener("click", () => edit(i, tg));
      remove.addEventListener("click", async () => {
        if (!(await confirmDialog(t("notif.remove_question", { name: tg.name }), t("notif.remove")))) return;
        busy(remove, async () => {
          const next = targets.filter((_, j) => j !== i);
          if (await save(next)) toast(t("notif.removed", { name: tg.name }), "ok");
        });
      });
      const state = s.failing ? h("span", { class: "badge bad", text: t("notif.failing") })
        : tg.enabled ? h("span", { class: "badge ok", text: t("notif.enabled_badge") }) : h("span", { class: "badge", text: t("notif.disabled_badge") });
      return h("li", { class: "notif-target", dataset: { name: tg.name } },
        h("div", { class: "btn-row" }, h("strong", { text: tg.name }), h("span", { class: "meta", text: (TYPES[tg.type] || { label: tg.type }).label }), state),
        h("dl", { class: "kv" },
          h("dt", { text: t("notif.last_delivery") }), h("dd", { class: "notif-last", text: s.last_delivery ? when(s.last_delivery) : t("notif.never") }),
          h("dt", { text: t("notif.pending") }), h("dd", { class: "notif-pending", text: String(s.pending ?? 0) }),
          s.last_error ? [h("dt", { text: t("notif.last_error") }), h("dd", { class: "notif-error", text: t("notif.error_at", { error: s.last_error, when: when(s.last_error_at) }) })] : null),
        h("div", { class: "btn-row" }, test, change, remove),
        h("div", { class: "notif-result", role: "status", dataset: { result: tg.name } }));
    })));
  }

  async function runTest(name) {
    try {
      const r = await api("POST", "/api/notifications/test", name ? { target: name } : undefined);
      const results = r.results || [];
      if (!name) toast(t("notif.tested", { count: results.length }), "ok");
      // The list is drawn again with the new status, then each result goes below its target.
      await drawList();
      for (const res of results) {
        const slot = list.querySelector(`[data-result="${CSS.escape(res.target)}"]`);
        if (slot) mount(slot, h("p", { class: res.delivered ? "test-ok" : "test-bad", text: res.delivered ? t("notif.test_delivered") : t("notif.test_failed", { error: res.error }) }));
      }
    } catch (err) {
      mount(out, errorView(err, { heading: "h3" }));
    }
  }

  /** Saves `next` as the target list; true when the server took it. */
  async function save(next, index) {
    mount(out);
    try {
      const r = await api("PUT", "/api/config", { notifications: { targets: next } });
      targets = structuredClone((r.notifications && r.notifications.targets) || next);
      mount(editor);
      await drawList();
      return true;
    } catch (err) {
      showServerErrors(err, index);
      return false;
    }
  }

  /**
   * Field problems of the edited target beside their fields, in words of this page (never the
   * configuration's field names); anything else in the error view.
   */
  function showServerErrors(err, index) {
    const details = (err && err.status === 422 && err.details) || null;
    if (!details || typeof details !== "object") {
      mount(out, errorView(err, { heading: "h3" }));
      return false;
    }
    const prefix = `notifications.targets[${index}].`;
    const others = [];
    let shown = false;
    for (const [path, problem] of Object.entries(details)) {
      if (path === "field" || typeof problem !== "string") continue;
      if (index !== undefined && path.startsWith(prefix)) {
        const field = path.slice(prefix.length).replace(/[.[].*$/, "");
        if (setError(field, t("notif.err.server", { problem }))) {
          shown = true;
          continue;
        }
      }
      if (path === "notifications.targets" && Object.keys(details).some((k) => k.startsWith("notifications.targets["))) continue;
      others.push(problem);
    }
    mount(out, h("section", { class: "error-view", role: "alert" },
      h("h3", { text: t("notif.err.title") }),
      shown ? h("p", { text: t("notif.err.marked") }) : null,
      others.length ? h("ul", {}, others.map((p) => h("li", { text: t("notif.err.server", { problem: p }) }))) : null));
    if (shown) document.querySelector("#notif-form [aria-invalid=true]")?.focus();
    return shown;
  }

  function setError(field, message) {
    const slot = document.getElementById(`nt-${field}-error`);
    const input = document.getElementById(`nt-${field}`);
    if (!slot) return false;
    slot.textContent = message;
    if (input) input.setAttribute("aria-invalid", "true");
    return true;
  }

  function edit(index, tg) {
    const type = tg.type;
    const spec = TYPES[type] || TYPES.webhook;
    const isNew = index < 0;
    const rows = [];
    const fieldRow = (id, label, input, hint) => {
      input.id = `nt-${id}`;
      const describedBy = [hint ? `nt-${id}-hint` : null, `nt-${id}-error`].filter(Boolean).join(" ");
      input.setAttribute("aria-describedby", describedBy);
      return h("div", { class: "field" }, h("label", { for: `nt-${id}`, text: label }), input,
        hint ? h("span", { id: `nt-${id}-hint`, class: "hint", text: hint }) : null,
        h("span", { id: `nt-${id}-error`, class: "field-error", role: "alert" }));
    };
    rows.push(fieldRow("name", t("notif.f.name"), h("input", { type: "text", value: tg.name || "", maxlength: "64", required: true }), t("notif.h.name")));
    rows.push(h("div", { class: "field-inline" }, h("input", { id: "nt-enabled", type: "checkbox", checked: tg.enabled !== false }), h("label", { for: "nt-enabled", text: t("notif.f.enabled") })));
    for (const [field, label, kind, required, fieldHint, options] of spec.fields) {
      const v = tg[field];
      let hint = fieldHint;
      let input;
      if (kind === "secret" || kind === "secret-url") {
        const stored = typeof v === "string" && v !== "";
        input = h("input", { type: "password", autocomplete: "off", placeholder: stored ? t("notif.secret_placeholder") : "" });
        input.dataset.stored = stored ? "yes" : "";
        hint = [hint, stored ? t("notif.secret_stored") : null].filter(Boolean).join(" ");
      } else if (kind === "select") {
        input = h("select", {}, options.map(([val, text]) => h("option", { value: val, text, selected: (v || options[0][0]) === val })));
      } else if (kind === "number") {
        input = h("input", { type: "number", value: v ?? "" });
      } else if (kind === "list") {
        input = h("input", { type: "text", value: Array.isArray(v) ? v.join(", ") : (v || "") });
      } else if (kind === "map" || kind === "headers") {
        const sep = kind === "map" ? " => " : ": ";
        input = h("textarea", { rows: "2" });
        input.value = Object.entries(v || {}).map(([a, b]) => `${a}${sep}${kind === "headers" ? (b === REDACTED ? REDACTED : b) : b}`).join("\n");
      } else {
        input = h("input", { type: kind === "url" ? "url" : "text", value: v || "" });
      }
      rows.push(fieldRow(field, required ? t("notif.required_label", { label }) : label, input, hint));
    }
    const wanted = new Set(tg.events || EVENTS.map(([e]) => e));
    rows.push(h("fieldset", {}, h("legend", { text: t("notif.events") }), EVENTS.map(([e, label]) =>
      h("div", { class: "field-inline" }, h("input", { type: "checkbox", id: `nt-ev-${e}`, checked: wanted.has(e) }), h("label", { for: `nt-ev-${e}`, text: label })))));
    const submit = h("button", { class: "btn primary", type: "submit", id: "nt-save", text: isNew ? t("notif.add_one") : t("notif.save") });
    const cancel = h("button", { class: "btn", type: "button", text: t("common.cancel") });
    cancel.addEventListener("click", () => mount(editor));
    const form = h("form", { id: "notif-form", novalidate: true, "aria-labelledby": "nt-h" },
      h("h3", { id: "nt-h", text: isNew ? t("notif.new_target", { type: spec.label }) : t("notif.edit_target", { name: tg.name }) }), rows, h("div", { class: "btn-row" }, submit, cancel));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
      for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
      const { target, problems } = read(type, spec, tg, index);
      for (const [field, msg] of problems) setError(field, msg);
      if (problems.length) {
        document.getElementById(`nt-${problems[0][0]}`)?.focus();
        return;
      }
      busy(submit, async () => {
        const next = structuredClone(targets);
        const at = isNew ? next.length : index;
        if (isNew) next.push(target); else next[index] = target;
        if (await save(next, at)) toast(t("notif.saved", { name: target.name }), "ok");
      });
    });
    mount(editor, form);
    document.getElementById("nt-name").focus();
  }

  /** The target the form describes, and the problems found before sending it. */
  function read(type, spec, old, index) {
    const problems = [];
    const val = (id) => document.getElementById(`nt-${id}`).value.trim();
    const target = { name: val("name"), type, enabled: document.getElementById("nt-enabled").checked,
      events: EVENTS.map(([e]) => e).filter((e) => document.getElementById(`nt-ev-${e}`).checked) };
    if (!target.name) problems.push(["name", t("notif.err.name")]);
    else if (targets.some((o, i) => i !== index && o.name === target.name)) problems.push(["name", t("notif.err.name_taken")]);
    for (const [field, label, kind, required] of spec.fields) {
      const raw = val(field);
      const stored = document.getElementById(`nt-${field}`).dataset.stored === "yes";
      let value;
      if (kind === "secret" || kind === "secret-url") {
        value = raw || (stored ? old[field] : undefined);
        if (kind === "secret-url" && raw && !isUrl(raw)) problems.push([field, t("notif.err.url", { label })]);
      } else if (kind === "number") {
        value = raw === "" ? undefined : Number(raw);
        if (value !== undefined && !Number.isInteger(value)) problems.push([field, t("notif.err.whole", { label })]);
      } else if (kind === "list") {
        value = raw.split(",").map((s) => s.trim()).filter(Boolean);
        if (!value.length) value = undefined;
      } else if (kind === "map" || kind === "headers") {
        const sep = kind === "map" ? "=>" : ":";
        const entries = {};
        for (const line of document.getElementById(`nt-${field}`).value.split("\n").map((l) => l.trim()).filter(Boolean)) {
          const at = line.indexOf(sep);
          if (at <= 0) {
            problems.push([field, kind === "map" ? t("notif.err.map_line") : t("notif.err.header_line")]);
            break;
          }
          entries[line.slice(0, at).trim()] = line.slice(at + sep.length).trim();
        }
        value = Object.keys(entries).length ? entries : undefined;
      } else {
        value = raw || undefined;
        if (value && kind === "url" && !isUrl(value)) problems.push([field, t("notif.err.url", { label })]);
      }
      if (required && (value === undefined || value === "")) problems.push([field, t("notif.err.required", { label })]);
      if (value !== undefined) target[field] = value;
    }
    return { target, problems };
  }
}
