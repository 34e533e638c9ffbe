// Search and add: type to search the catalogue (debounced), add a result with one click.

import { api, get, seg } from "./api.js";
import { h, mount, errorView, toast, debounce, yearOf, seriesId } from "./ui.js";

export async function searchView(root, ctx) {
  const input = h("input", { id: "search-q", type: "search", autocomplete: "off", maxlength: "200", placeholder: "e.g. Attack on Titan", "aria-describedby": "search-hint" });
  const results = h("div", { "aria-live": "polite", id: "search-results" });
  mount(root,
    h("h1", { text: "Search and add" }),
    h("form", { class: "card", role: "search", onsubmit: (e) => { e.preventDefault(); run(); } },
      h("div", { class: "field" },
        h("label", { for: "search-q", text: "Search the catalogue" }),
        input,
        h("span", { id: "search-hint", class: "hint", text: "Results appear as you type. Add puts the series into your library and finds its missing episodes." }))),
    results);
  let seq = 0;
  async function run() {
    const q = input.value.trim();
    const mine = ++seq;
    if (q.length < 2) {
      mount(results);
      return;
    }
    mount(results, h("p", { class: "meta", text: "Searching…" }));
    let rows;
    try {
      rows = await get("/api/anime/search", { query: q });
    } catch (err) {
      if (mine === seq && ctx.isCurrent()) mount(results, errorView(err, { retry: run }));
      return;
    }
    if (mine !== seq || !ctx.isCurrent()) return;
    if (!rows || !rows.length) {
      mount(results, h("p", { class: "empty", text: `Nothing found for “${q}”.` }));
      return;
    }
    mount(results, h("p", { class: "meta", text: `${rows.length} result(s)` }), h("ul", { class: "results", "aria-label": "Search results" }, rows.map(result)));
  }
  input.addEventListener("input", debounce(run, 350));
  input.focus();
}

function result(r) {
  const year = yearOf(r.folder);
  const add = h("button", { class: "btn primary small", type: "button", "aria-label": `Add ${r.name} to the library`, text: "Add" });
  const status = h("span", { class: "meta", role: "status" });
  add.addEventListener("click", async () => {
    add.disabled = true;
    status.textContent = "Adding…";
    try {
      const res = await api("POST", "/api/anime/add", { link: r.link, name: r.name });
      const n = res && Number.isFinite(res.total_missing) ? res.total_missing : 0;
      mount(status, `Added, ${n} missing episode(s). `, h("a", { href: `#/series/${seg(seriesId({ site: res.site || r.site, key: res.key || r.key }))}`, text: `Open ${r.name}` }));
      add.textContent = "Added";
      toast(`Added ${r.name}: ${n} missing episode(s)`, "ok");
    } catch (err) {
      if (err.status === 409) {
        mount(status, "Already in the library. ", h("a", { href: `#/series/${seg(seriesId(r))}`, text: `Open ${r.name}` }));
        add.textContent = "In library";
        return;
      }
      add.disabled = false;
      status.textContent = "";
      const li = add.closest("li");
      li.querySelector(".error-view")?.remove();
      li.append(errorView(err, { heading: "h3" }));
    }
  });
  return h("li", { class: "result" },
    h("div", {}, h("strong", { text: r.name }), " ", h("span", { class: "meta", text: [year, r.site].filter(Boolean).join(" · ") })),
    h("div", { class: "btn-row" }, status, add));
}
