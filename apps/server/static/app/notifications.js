// Settings › Notifications: the targets (add, edit, remove, test each), their delivery status
// and the quiet hours. Targets are saved with PUT /api/config as the whole
// `notifications.targets` list; secrets are write-only: the API answers "********" for them, an
// empty secret field keeps the stored value (it is sent back as "********").

import { api, get } from "./api.js";
import { h, mount, errorView, toast, busy, confirmDialog, when } from "./ui.js";

const REDACTED = "********";

const EVENTS = [
  ["download_completed", "Download completed"],
  ["download_failed", "Download failed (after the last retry)"],
  ["series_completed", "Series complete"],
  ["episode_upgraded", "Episode upgraded"],
  ["verification_required", "Verification required"],
  ["site_degraded", "Site degraded"],
  ["hoster_degraded", "Hoster degraded"],
];

// Per type: [field, label, kind, required, hint]. kind: url, text, secret, number, select, list, map, headers.
const TYPES = {
  webhook: { label: "Webhook", fields: [
    ["url", "URL", "url", true, "The body is the event as JSON (see the documentation)."],
    ["secret", "Signing secret", "secret", false, "Signs each body: X-Aniworld-Signature: sha256=<hex>."],
    ["headers", "Extra headers", "headers", false, "One per line: Name: value"],
  ] },
  ntfy: { label: "ntfy", fields: [
    ["url", "Server URL with topic", "url", true, "e.g. https://ntfy.sh/my-topic"],
    ["token", "Access token", "secret", false, null],
    ["priority", "Priority (1–5)", "number", false, "Empty: 3, failures 4."],
    ["tags", "Tags", "list", false, "Comma separated emoji short codes, e.g. tv, anime"],
  ] },
  discord: { label: "Discord", fields: [
    ["url", "Webhook URL", "secret-url", true, "Channel settings › Integrations › Webhooks › Copy Webhook URL"],
  ] },
  telegram: { label: "Telegram", fields: [
    ["bot_token", "Bot token", "secret", true, "From @BotFather"],
    ["chat_id", "Chat id", "text", true, "A number such as 123456789, or @channel"],
    ["api_url", "Bot API URL", "url", false, "Empty: https://api.telegram.org"],
  ] },
  gotify: { label: "Gotify", fields: [
    ["url", "Server URL", "url", true, null],
    ["token", "Application token", "secret", true, null],
    ["priority", "Priority (0–10)", "number", false, "Empty: 5, failures 8."],
  ] },
  email: { label: "E-mail", fields: [
    ["host", "SMTP server", "text", true, "e.g. smtp.example.org"],
    ["tls", "Encryption", "select", false, null, [["starttls", "STARTTLS (port 587)"], ["tls", "TLS (port 465)"], ["none", "None (port 25)"]]],
    ["port", "Port", "number", false, "Empty: the usual port of the encryption"],
    ["username", "User name", "text", false, "Empty: no login"],
    ["password", "Password", "secret", false, null],
    ["from", "From", "text", true, "e.g. Aniworld <aniworld@example.org>"],
    ["to", "To", "list", true, "Comma separated addresses"],
  ] },
  jellyfin: { label: "Jellyfin / Emby", fields: [
    ["url", "Server URL", "url", true, "e.g. http://jellyfin:8096"],
    ["api_key", "API key", "secret", true, "Dashboard › API Keys"],
    ["path_map", "Path map", "map", false, "One per line: library path here => path on the server"],
  ] },
  plex: { label: "Plex", fields: [
    ["url", "Server URL", "url", true, "e.g. http://plex:32400"],
    ["token", "Plex token", "secret", true, "X-Plex-Token"],
    ["path_map", "Path map", "map", false, "One per line: library path here => path on the server"],
  ] },
};

const isUrl = (s) => /^https?:\/\/[^/\s]+\S*$/.test(s);

/** Renders the Notifications section into `box` from the configuration `config`. */
export function notificationsSection(box, config) {
  let targets = structuredClone((config.notifications && config.notifications.targets) || []);
  let quiet = (config.notifications && config.notifications.quiet_hours) || "";
  const list = h("div", { id: "notif-list" });
  const editor = h("div", { id: "notif-editor" });
  const out = h("div", { role: "status", id: "notif-out" });
  const typeSel = h("select", { id: "notif-new-type" }, Object.entries(TYPES).map(([k, t]) => h("option", { value: k, text: t.label })));
  const add = h("button", { class: "btn", type: "button", id: "notif-add", text: "Add target" });
  add.addEventListener("click", () => edit(-1, { name: "", type: typeSel.value, enabled: true, events: EVENTS.map(([e]) => e) }));
  const testAll = h("button", { class: "btn", type: "button", id: "notif-test-all", text: "Test all" });
  testAll.addEventListener("click", () => busy(testAll, () => runTest(null)));
  const quietInput = h("input", { id: "quiet-hours", type: "text", value: quiet, placeholder: "22:00-07:00", "aria-describedby": "quiet-hours-hint" });
  const quietSave = h("button", { class: "btn", type: "submit", text: "Save quiet hours" });
  const quietForm = h("form", { id: "quiet-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "quiet-hours", text: "Quiet hours" }), quietInput,
      h("span", { id: "quiet-hours-hint", class: "hint", text: "HH:MM-HH:MM in the scheduler's time zone. Only failures are sent then; the rest follows as one summary. Empty: none." }),
      h("span", { id: "quiet-hours-error", class: "field-error", role: "alert" })),
    h("div", { class: "btn-row" }, quietSave));
  quietForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const v = quietInput.value.trim();
    const err = document.getElementById("quiet-hours-error");
    err.textContent = "";
    quietInput.removeAttribute("aria-invalid");
    if (v && !/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/.test(v)) {
      err.textContent = "Give a span such as 22:00-07:00.";
      quietInput.setAttribute("aria-invalid", "true");
      return;
    }
    busy(quietSave, async () => {
      try {
        await api("PUT", "/api/config", { notifications: { quiet_hours: v || null } });
        quiet = v;
        toast("Quiet hours saved", "ok");
        await drawList();
      } catch (e2) {
        mount(out, errorView(e2, { heading: "h3" }));
      }
    });
  });
  mount(box, h("h2", { id: "notif-h", text: "Notifications" }),
    h("p", { class: "hint", text: "Where Aniworld reports downloads and problems, and which media servers it refreshes." }),
    list,
    h("div", { class: "btn-row" }, h("label", { for: "notif-new-type", text: "Type" }), typeSel, add, testAll),
    editor, out, quietForm);
  drawList();

  async function drawList() {
    let status = { targets: [] };
    try {
      status = await get("/api/notifications/status");
    } catch (err) {
      mount(out, errorView(err, { heading: "h3" }));
    }
    const byName = new Map((status.targets || []).map((t) => [t.name, t]));
    if (!targets.length) {
      mount(list, h("p", { class: "meta", id: "notif-empty", text: "No targets yet." }));
      return;
    }
    mount(list, h("ul", { class: "notif-targets" }, targets.map((t, i) => {
      const s = byName.get(t.name) || {};
      const test = h("button", { class: "btn small", type: "button", "aria-label": `Test ${t.name}`, text: "Test" });
      const change = h("button", { class: "btn small", type: "button", "aria-label": `Edit ${t.name}`, text: "Edit" });
      const remove = h("button", { class: "btn small danger", type: "button", "aria-label": `Remove ${t.name}`, text: "Remove" });
      test.addEventListener("click", () => busy(test, () => runTest(t.name)));
      change.addEventListener("click", () => edit(i, t));
      remove.addEventListener("click", async () => {
        if (!(await confirmDialog(`Remove the notification target ${t.name}?`, "Remove"))) return;
        busy(remove, async () => {
          const next = targets.filter((_, j) => j !== i);
          if (await save(next)) toast(`${t.name} removed`, "ok");
        });
      });
      const state = s.failing ? h("span", { class: "badge bad", text: "failing" })
        : t.enabled ? h("span", { class: "badge ok", text: "enabled" }) : h("span", { class: "badge", text: "disabled" });
      return h("li", { class: "notif-target", dataset: { name: t.name } },
        h("div", { class: "btn-row" }, h("strong", { text: t.name }), h("span", { class: "meta", text: (TYPES[t.type] || { label: t.type }).label }), state),
        h("dl", { class: "kv" },
          h("dt", { text: "Last delivery" }), h("dd", { class: "notif-last", text: s.last_delivery ? when(s.last_delivery) : "never" }),
          h("dt", { text: "Pending" }), h("dd", { class: "notif-pending", text: String(s.pending ?? 0) }),
          s.last_error ? [h("dt", { text: "Last error" }), h("dd", { class: "notif-error", text: `${s.last_error} (${when(s.last_error_at)})` })] : null),
        h("div", { class: "btn-row" }, test, change, remove),
        h("div", { class: "notif-result", role: "status", dataset: { result: t.name } }));
    })));
  }

  async function runTest(name) {
    try {
      const r = await api("POST", "/api/notifications/test", name ? { target: name } : undefined);
      const results = r.results || [];
      if (!name) toast(`Tested ${results.length} targets`, "ok");
      // The list is drawn again with the new status, then each result goes below its target.
      await drawList();
      for (const res of results) {
        const slot = list.querySelector(`[data-result="${CSS.escape(res.target)}"]`);
        if (slot) mount(slot, h("p", { class: res.delivered ? "test-ok" : "test-bad", text: res.delivered ? "Test delivered." : `Test failed: ${res.error}` }));
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

  /** Field problems of the edited target beside their fields; the rest in the error view. */
  function showServerErrors(err, index) {
    let shown = false;
    const prefix = `notifications.targets[${index}].`;
    for (const [path, problem] of Object.entries((err && err.details) || {})) {
      if (index === undefined || !path.startsWith(prefix)) continue;
      const field = path.slice(prefix.length).replace(/[.[].*$/, "");
      if (setError(field, String(problem))) shown = true;
    }
    mount(out, errorView(err, { heading: "h3" }));
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

  function edit(index, t) {
    const type = t.type;
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
    rows.push(fieldRow("name", "Name", h("input", { type: "text", value: t.name || "", maxlength: "64", required: true }), "Unique; shown in the status."));
    rows.push(h("div", { class: "field-inline" }, h("input", { id: "nt-enabled", type: "checkbox", checked: t.enabled !== false }), h("label", { for: "nt-enabled", text: "Enabled" })));
    for (const [field, label, kind, required, fieldHint, options] of spec.fields) {
      const v = t[field];
      let hint = fieldHint;
      let input;
      if (kind === "secret" || kind === "secret-url") {
        const stored = typeof v === "string" && v !== "";
        input = h("input", { type: "password", autocomplete: "off", placeholder: stored ? "Stored – type to replace" : "" });
        input.dataset.stored = stored ? "yes" : "";
        hint = [hint, stored ? "A value is stored. Leave empty to keep it." : null].filter(Boolean).join(" ");
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
      rows.push(fieldRow(field, required ? `${label} (required)` : label, input, hint));
    }
    const wanted = new Set(t.events || EVENTS.map(([e]) => e));
    rows.push(h("fieldset", {}, h("legend", { text: "Events" }), EVENTS.map(([e, label]) =>
      h("div", { class: "field-inline" }, h("input", { type: "checkbox", id: `nt-ev-${e}`, checked: wanted.has(e) }), h("label", { for: `nt-ev-${e}`, text: label })))));
    const submit = h("button", { class: "btn primary", type: "submit", id: "nt-save", text: isNew ? "Add" : "Save" });
    const cancel = h("button", { class: "btn", type: "button", text: "Cancel" });
    cancel.addEventListener("click", () => mount(editor));
    const form = h("form", { id: "notif-form", novalidate: true, "aria-labelledby": "nt-h" },
      h("h3", { id: "nt-h", text: isNew ? `New ${spec.label} target` : `Edit ${t.name}` }), rows, h("div", { class: "btn-row" }, submit, cancel));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
      for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
      const { target, problems } = read(type, spec, t, index);
      for (const [field, msg] of problems) setError(field, msg);
      if (problems.length) {
        document.getElementById(`nt-${problems[0][0]}`)?.focus();
        return;
      }
      busy(submit, async () => {
        const next = structuredClone(targets);
        const at = isNew ? next.length : index;
        if (isNew) next.push(target); else next[index] = target;
        if (await save(next, at)) toast(`${target.name} saved`, "ok");
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
    if (!target.name) problems.push(["name", "Give the target a name."]);
    else if (targets.some((t, i) => i !== index && t.name === target.name)) problems.push(["name", "Another target has this name."]);
    for (const [field, label, kind, required] of spec.fields) {
      const raw = val(field);
      const stored = document.getElementById(`nt-${field}`).dataset.stored === "yes";
      let value;
      if (kind === "secret" || kind === "secret-url") {
        value = raw || (stored ? old[field] : undefined);
        if (kind === "secret-url" && raw && !isUrl(raw)) problems.push([field, `${label} must start with http:// or https://.`]);
      } else if (kind === "number") {
        value = raw === "" ? undefined : Number(raw);
        if (value !== undefined && !Number.isInteger(value)) problems.push([field, `${label} must be a whole number.`]);
      } else if (kind === "list") {
        value = raw.split(",").map((s) => s.trim()).filter(Boolean);
        if (!value.length) value = undefined;
      } else if (kind === "map" || kind === "headers") {
        const sep = kind === "map" ? "=>" : ":";
        const entries = {};
        for (const line of document.getElementById(`nt-${field}`).value.split("\n").map((l) => l.trim()).filter(Boolean)) {
          const at = line.indexOf(sep);
          if (at <= 0) {
            problems.push([field, kind === "map" ? "Write each line as /path/here => /path/there." : "Write each line as Name: value."]);
            break;
          }
          entries[line.slice(0, at).trim()] = line.slice(at + sep.length).trim();
        }
        value = Object.keys(entries).length ? entries : undefined;
      } else {
        value = raw || undefined;
        if (value && kind === "url" && !isUrl(value)) problems.push([field, `${label} must start with http:// or https://.`]);
      }
      if (required && (value === undefined || value === "")) problems.push([field, `${label} is required.`]);
      if (value !== undefined) target[field] = value;
    }
    return { target, problems };
  }
}
