// How the library follows a series: the edit dialog (monitored, accepted languages in order,
// cutoff, upgrades; PATCH /api/anime/{id}) and removing a series (DELETE /api/anime/{id}).

import { api, seg } from "./api.js";
import { h, mount, errorLine, toast, busy } from "./ui.js";
import { t, lang } from "./i18n.js";

// Every language the catalogue sites offer (the values of the API).
export const LANGUAGES = ["German Dub", "German Sub", "English Sub", "English Dub"];

/** The name of a language value of the API ("German Dub") in the UI's language. */
export function languageName(value) {
  const names = {
    "German Dub": t("language.german_dub"),
    "German Sub": t("language.german_sub"),
    "English Sub": t("language.english_sub"),
    "English Dub": t("language.english_dub"),
  };
  return names[value] || String(value ?? "");
}

/** Language values as a list of names: "German Dub, English Sub". */
export function languageList(list) {
  return (list || []).filter(Boolean).map(languageName).join(", ");
}

/** Language values as names joined by "or" in the UI's language: "German Dub or German Sub". */
export function orList(list) {
  const names = (list || []).filter(Boolean).map(languageName);
  try {
    return new Intl.ListFormat(lang(), { type: "disjunction" }).format(names);
  } catch {
    return names.join(", ");
  }
}

/** A modal <dialog> titled `title`; `close()` removes it again. */
export function modal(id, title) {
  const titleId = `${id}-h`;
  const dlg = h("dialog", { id, "aria-labelledby": titleId });
  const close = () => { if (dlg.open) dlg.close(); dlg.remove(); };
  dlg.addEventListener("close", () => dlg.remove());
  return { dlg, close, heading: h("h2", { id: titleId, text: title }) };
}

/**
 * The accepted languages of a series in order, best first (the series edit and add dialogs):
 * every language with a tick box, reordered by dragging or with the Move up and Move down
 * buttons. `chosen` are the accepted languages in order, the others follow unticked; `onChange`
 * runs after every change. Gives the <ol> (id `id`), `all()` (every language in order),
 * `accepted()` (the ticked ones in order) and `acceptAll()`.
 */
export function languageOrder(id, chosen, onChange = () => {}) {
  const items = [...(chosen || [])];
  const used = new Set(items);
  for (const l of LANGUAGES) if (!items.includes(l)) items.push(l);
  const list = h("ol", { class: "order", id });
  const drawList = () => mount(list, items.map((it, i) => {
    const up = h("button", { class: "btn small", type: "button", disabled: i === 0, "aria-label": t("monitoring.move_up", { language: languageName(it) }), text: "↑" });
    const down = h("button", { class: "btn small", type: "button", disabled: i === items.length - 1, "aria-label": t("monitoring.move_down", { language: languageName(it) }), text: "↓" });
    const move = (d, which) => {
      [items[i], items[i + d]] = [items[i + d], items[i]];
      drawList();
      onChange();
      const row = list.querySelectorAll("li")[i + d];
      const again = row.querySelectorAll("button")[which];
      (again.disabled ? row.querySelector("button:not(:disabled)") : again).focus();
    };
    up.addEventListener("click", () => move(-1, 0));
    down.addEventListener("click", () => move(1, 1));
    const box = h("input", { type: "checkbox", checked: used.has(it), "aria-label": t("monitoring.accept", { language: languageName(it) }),
      onchange: (e) => { if (e.target.checked) used.add(it); else used.delete(it); onChange(); } });
    const li = h("li", { class: "qitem", draggable: "true", dataset: { language: it } },
      h("span", { class: "handle", "aria-hidden": "true", text: "⠿" }), h("label", { class: "what" }, box, " ", languageName(it)), h("span", { class: "btn-row" }, up, down));
    // Drag and drop moves a language to where it is dropped.
    li.addEventListener("dragstart", (e) => { li.classList.add("dragging"); e.dataTransfer.setData("text/plain", String(i)); e.dataTransfer.effectAllowed = "move"; });
    li.addEventListener("dragend", () => li.classList.remove("dragging"));
    li.addEventListener("dragover", (e) => { e.preventDefault(); li.classList.add("drag-over"); });
    li.addEventListener("dragleave", () => li.classList.remove("drag-over"));
    li.addEventListener("drop", (e) => {
      e.preventDefault();
      li.classList.remove("drag-over");
      const from = Number(e.dataTransfer.getData("text/plain"));
      if (!Number.isInteger(from) || from === i || !items[from]) return;
      const [moved] = items.splice(from, 1);
      items.splice(i, 0, moved);
      drawList();
      onChange();
    });
    return li;
  }));
  drawList();
  return {
    list,
    all: () => [...items],
    accepted: () => items.filter((l) => used.has(l)),
    acceptAll: () => { for (const l of items) used.add(l); drawList(); },
  };
}

/**
 * Opens the edit dialog of a series (`detail` as GET /api/anime/{id} gives it, `id` its library
 * id); `onSaved` gets the answer of the PATCH.
 */
export function editSeriesDialog(id, detail, onSaved) {
  const name = detail.title || detail.name || detail.key;
  const { dlg, close, heading } = modal("series-edit", t("monitoring.edit_title", { name }));
  const order = languageOrder("se-languages", detail.languages, () => drawCutoff());

  const monitored = h("input", { id: "se-monitored", type: "checkbox", checked: detail.monitored !== false });
  const upgrade = h("input", { id: "se-upgrade", type: "checkbox", checked: !!detail.upgrade });
  const cutoff = h("select", { id: "se-cutoff", "aria-describedby": "se-cutoff-error" });
  const list = order.list;
  list.setAttribute("aria-labelledby", "se-languages-label");
  list.setAttribute("aria-describedby", "se-languages-error");
  const errors = {};
  const errorEl = (f) => (errors[f] = h("p", { id: `se-${f}-error`, class: "field-error", role: "alert" }));
  const general = h("div", { id: "se-error" });
  let chosenCutoff = detail.cutoff || order.all()[0];

  const drawCutoff = () => {
    const accepted = order.accepted();
    if (cutoff.value) chosenCutoff = cutoff.value;
    mount(cutoff, accepted.map((l) => h("option", { value: l, selected: l === chosenCutoff, text: languageName(l) })));
    if (!accepted.includes(chosenCutoff) && accepted.length) cutoff.value = accepted[0];
    cutoff.disabled = accepted.length === 0;
  };
  drawCutoff();

  const save = h("button", { id: "se-save", class: "btn primary", type: "submit", text: t("monitoring.save") });
  const cancel = h("button", { id: "se-cancel", class: "btn", type: "button", text: t("common.cancel"), onclick: close });
  const form = h("form", { id: "series-edit-form", novalidate: true },
    heading,
    h("div", { class: "field-inline" }, monitored, h("label", { for: "se-monitored", text: t("monitoring.monitored") })),
    h("p", { class: "hint", text: t("monitoring.monitored_hint") }),
    h("fieldset", {},
      h("legend", { id: "se-languages-label", text: t("monitoring.languages") }),
      h("p", { class: "hint", text: t("monitoring.languages_hint") }),
      list, errorEl("languages")),
    h("div", { class: "field" }, h("label", { for: "se-cutoff", text: t("monitoring.cutoff") }), cutoff, errorEl("cutoff")),
    h("div", { class: "field-inline" }, upgrade, h("label", { for: "se-upgrade", text: t("monitoring.upgrade") })),
    errorEl("monitored"), errorEl("upgrade"),
    general,
    h("div", { class: "btn-row" }, save, cancel));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(save, async () => {
      for (const el of Object.values(errors)) el.textContent = "";
      mount(general);
      form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
      const accepted = order.accepted();
      const body = {
        monitored: monitored.checked,
        languages: accepted,
        cutoff: accepted.includes(cutoff.value) ? cutoff.value : null,
        upgrade: upgrade.checked,
      };
      try {
        const r = await api("PATCH", `/api/anime/${seg(id)}`, body);
        close();
        toast(t("monitoring.saved", { name }), "ok");
        if (onSaved) onSaved(r);
      } catch (err) {
        const field = err.details && typeof err.details.field === "string" ? err.details.field : "";
        const base = (/^[a-z_]+/.exec(field) || [""])[0];
        const target = errors[base];
        if (err.status === 422 && target) {
          target.textContent = err.message;
          const input = { languages: list, cutoff, monitored, upgrade }[base];
          input.setAttribute("aria-invalid", "true");
          (base === "languages" ? list.querySelector("input") : input).focus();
        } else {
          mount(general, h("p", { class: "field-error", role: "alert", text: errorLine(err) }));
        }
      }
    });
  });
  dlg.append(form);
  document.body.append(dlg);
  dlg.showModal();
  monitored.focus();
}

/**
 * Asks whether to remove a series (and its downloaded files), then removes it; `onDeleted` gets
 * the answer of the DELETE.
 */
export function deleteSeriesDialog(id, detail, onDeleted) {
  const name = detail.title || detail.name || detail.key;
  const folder = detail.folder || name;
  const { dlg, close, heading } = modal("series-delete", t("monitoring.delete_title", { name }));
  const files = h("input", { id: "del-files", type: "checkbox" });
  const what = h("p", { id: "del-what" });
  let queued = null; // how many queue items of the series go too, once known
  const explain = () => {
    const values = { name, folder, count: queued ?? 0 };
    if (files.checked) {
      what.textContent = queued === null ? t("monitoring.delete_files", values) : t("monitoring.delete_files_count", values);
    } else {
      what.textContent = queued === null ? t("monitoring.delete_keep", values) : t("monitoring.delete_keep_count", values);
    }
  };
  files.addEventListener("change", explain);
  explain();
  api("GET", "/api/queue/status").then((q) => {
    const st = (q && q.status) || {};
    queued = ["active_downloads", "pending_queue", "failed_downloads", "completed_downloads"]
      .flatMap((k) => st[k] || []).filter((i) => i.serie_id === id).length;
    explain();
  }).catch(() => {});
  const ok = h("button", { id: "del-confirm", class: "btn danger", type: "button", text: t("monitoring.delete_confirm") });
  const cancel = h("button", { id: "del-cancel", class: "btn", type: "button", text: t("common.cancel"), onclick: close });
  const out = h("div", {});
  ok.addEventListener("click", () => busy(ok, async () => {
    mount(out);
    try {
      const query = files.checked ? "?delete_files=true" : "";
      const r = await api("DELETE", `/api/anime/${seg(id)}` + query);
      close();
      toast(r && r.message ? r.message : t("monitoring.deleted", { name }), "ok");
      if (onDeleted) onDeleted(r);
    } catch (err) {
      mount(out, h("p", { class: "field-error", role: "alert", text: errorLine(err) }));
    }
  }));
  dlg.append(heading, what,
    h("div", { class: "field-inline" }, files, h("label", { for: "del-files", text: t("monitoring.delete_files_box") })),
    out, h("div", { class: "btn-row" }, ok, cancel));
  document.body.append(dlg);
  dlg.showModal();
  cancel.focus();
}
