// Search and add: type to search the catalogue (debounced); each result shows its cover, year and
// a short description when the catalogue gives them; Add asks how to follow the series
// (monitored, accepted languages in order) and adds it.

import { api, get, seg } from "./api.js";
import { h, mount, errorView, errorLine, toast, debounce, busy, yearOf, seriesId } from "./ui.js";
import { t } from "./i18n.js";
import { modal, languageOrder } from "./monitoring.js";

// The longest description shown under a result (the catalogue's can run to pages).
const DESCRIPTION_CHARS = 280;

export async function searchView(root, ctx) {
  const input = h("input", { id: "search-q", type: "search", autocomplete: "off", maxlength: "200", placeholder: t("search.placeholder"), "aria-describedby": "search-hint" });
  const results = h("div", { "aria-live": "polite", id: "search-results" });
  mount(root,
    h("h1", { text: t("search.title") }),
    h("form", { class: "card", role: "search", onsubmit: (e) => { e.preventDefault(); run(); } },
      h("div", { class: "field" },
        h("label", { for: "search-q", text: t("search.label") }),
        input,
        h("span", { id: "search-hint", class: "hint", text: t("search.hint") }))),
    results);
  let seq = 0;
  async function run() {
    const q = input.value.trim();
    const mine = ++seq;
    if (q.length < 2) {
      mount(results);
      return;
    }
    mount(results, h("p", { class: "meta", text: t("search.searching") }));
    let rows;
    try {
      rows = await get("/api/anime/search", { query: q });
    } catch (err) {
      if (mine === seq && ctx.isCurrent()) mount(results, errorView(err, { retry: run }));
      return;
    }
    if (mine !== seq || !ctx.isCurrent()) return;
    if (!rows || !rows.length) {
      mount(results, h("p", { class: "empty", text: t("search.nothing", { query: q }) }));
      return;
    }
    mount(results,
      h("p", { class: "meta", text: t("search.count", { count: rows.length }) }),
      h("ul", { class: "results", "aria-label": t("search.results") }, rows.map(result)));
  }
  input.addEventListener("input", debounce(run, 350));
  input.focus();
}

/** A description cut to a few lines' worth at a word boundary. */
function short(text) {
  const s = String(text || "").trim();
  if (s.length <= DESCRIPTION_CHARS) return s;
  const cut = s.slice(0, DESCRIPTION_CHARS);
  const space = cut.lastIndexOf(" ");
  return `${(space > DESCRIPTION_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

function result(r) {
  const year = r.year || yearOf(r.folder);
  // The cover comes from the catalogue's own host (the server drops any other); a fixed box
  // keeps the list from jumping while covers load.
  const cover = r.cover_url
    ? h("img", { class: "result-cover", src: r.cover_url, alt: t("search.cover_alt", { name: r.name }), loading: "lazy", decoding: "async", width: "75", height: "112" })
    : h("div", { class: "result-cover none", "aria-hidden": "true" });
  const add = h("button", { class: "btn primary small", type: "button", "aria-label": t("search.add_label", { name: r.name }), text: t("search.add") });
  const status = h("span", { class: "meta", role: "status" });
  const li = h("li", { class: "result" },
    cover,
    h("div", { class: "result-body" },
      h("h2", { class: "result-name", text: r.name }),
      h("p", { class: "meta", text: [year, r.site].filter(Boolean).join(" · ") }),
      r.description ? h("p", { class: "result-desc", text: short(r.description) }) : null),
    h("div", { class: "btn-row" }, status, add));
  const added = (res) => {
    const n = res && Number.isFinite(res.total_missing) ? res.total_missing : 0;
    mount(status, t("search.added", { count: n }), " ", h("a", { href: `#/series/${seg(seriesId({ site: res.site || r.site, key: res.key || r.key }))}`, text: t("search.open", { name: r.name }) }));
    add.textContent = t("search.added_button");
    add.disabled = true;
    toast(t("search.added_toast", { name: r.name, count: n }), "ok");
  };
  const known = () => {
    mount(status, t("search.in_library"), " ", h("a", { href: `#/series/${seg(seriesId(r))}`, text: t("search.open", { name: r.name }) }));
    add.textContent = t("search.in_library_button");
    add.disabled = true;
  };
  add.addEventListener("click", () => addDialog(r, { added, known, focusBack: () => add.focus() }));
  return li;
}

/** The preferred languages of the download settings, best first (null when unknown). */
async function preferredLanguages() {
  try {
    const c = await get("/api/config");
    const l = c && c.download && c.download.language_preference;
    return Array.isArray(l) && l.length ? l : null;
  } catch {
    return null;
  }
}

/**
 * Asks how to follow the series `r` (monitored, accepted languages in order; the pieces of the
 * series edit dialog), then adds it. The languages are sent only when changed, so that a series
 * added as it comes follows the download settings.
 */
async function addDialog(r, { added, known, focusBack }) {
  if (document.getElementById("search-add")) return;
  const { dlg, close, heading } = modal("search-add", t("search.dialog_title", { name: r.name }));
  const preferred = await preferredLanguages();
  let changed = false;
  const order = languageOrder("sa-languages", preferred || [], () => { changed = true; });
  if (!preferred) order.acceptAll();
  order.list.setAttribute("aria-labelledby", "sa-languages-label");
  order.list.setAttribute("aria-describedby", "sa-languages-error");
  const monitored = h("input", { id: "sa-monitored", type: "checkbox", checked: true });
  const errors = {
    monitored: h("p", { id: "sa-monitored-error", class: "field-error", role: "alert" }),
    languages: h("p", { id: "sa-languages-error", class: "field-error", role: "alert" }),
  };
  const general = h("div", { id: "sa-error" });
  const submit = h("button", { id: "sa-submit", class: "btn primary", type: "submit", text: t("search.dialog_submit") });
  const cancel = h("button", { id: "sa-cancel", class: "btn", type: "button", text: t("common.cancel"), onclick: () => { close(); focusBack(); } });
  const form = h("form", { id: "search-add-form", novalidate: true },
    heading,
    h("div", { class: "field-inline" }, monitored, h("label", { for: "sa-monitored", text: t("monitoring.monitored") })),
    h("p", { class: "hint", text: t("monitoring.monitored_hint") }),
    errors.monitored,
    h("fieldset", {},
      h("legend", { id: "sa-languages-label", text: t("monitoring.languages") }),
      h("p", { class: "hint", text: t("monitoring.languages_hint") }),
      h("p", { class: "hint", text: t("search.languages_default") }),
      order.list, errors.languages),
    general,
    h("div", { class: "btn-row" }, submit, cancel));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    busy(submit, async () => {
      for (const el of Object.values(errors)) el.textContent = "";
      mount(general);
      form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
      const body = { link: r.link, name: r.name, monitored: monitored.checked };
      if (changed) body.languages = order.accepted();
      try {
        const res = await api("POST", "/api/anime/add", body);
        close();
        added(res);
        focusBack();
      } catch (err) {
        if (err.status === 409) {
          close();
          known();
          focusBack();
          return;
        }
        const field = err.details && typeof err.details.field === "string" ? err.details.field : "";
        const base = (/^[a-z_]+/.exec(field) || [""])[0];
        if (err.status === 422 && errors[base]) {
          errors[base].textContent = err.message;
          const target = base === "languages" ? order.list : monitored;
          target.setAttribute("aria-invalid", "true");
          (base === "languages" ? order.list.querySelector("input") : monitored).focus();
        } else {
          mount(general, h("p", { class: "field-error", role: "alert", text: errorLine(err) }));
        }
      }
    });
  });
  dlg.addEventListener("cancel", () => focusBack());
  dlg.append(form);
  document.body.append(dlg);
  dlg.showModal();
  monitored.focus();
}
