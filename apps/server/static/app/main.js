// The library page's router: #/ (series list), #/series/<key>, #/search and #/settings.

import { startShell } from "./shell.js";
import { mount, errorView } from "./ui.js";
import { libraryView } from "./library.js";
import { seriesView } from "./series.js";
import { searchView } from "./search.js";
import { settingsView } from "./settings.js";

const view = document.getElementById("view");
let live;
let cleanup = null;
let generation = 0;

async function route() {
  const gen = ++generation;
  if (cleanup) cleanup();
  cleanup = null;
  const hash = location.hash.replace(/^#\/?/, "");
  const [name, ...rest] = hash.split("/");
  const ctx = { live, isCurrent: () => gen === generation, onLeave: (fn) => { cleanup = fn; } };
  mount(view);
  try {
    if (name === "series" && rest.length) await seriesView(view, decodeURIComponent(rest.join("/")), ctx);
    else if (name === "search") await searchView(view, ctx);
    else if (name === "settings") await settingsView(view, ctx);
    else await libraryView(view, ctx, new URLSearchParams(hash.split("?")[1] || ""));
  } catch (err) {
    if (gen === generation) mount(view, errorView(err, { retry: route }));
  }
  const heading = view.querySelector("h1");
  if (heading && document.activeElement === document.body) document.title = `${heading.textContent} – Aniworld`;
}

startShell().then((l) => {
  live = l;
  window.addEventListener("hashchange", () => {
    route().then(() => document.getElementById("main").focus({ preventScroll: true }));
  });
  route();
});
