// The library page's router: #/ (series list), #/series/<key>, #/search, #/wanted, #/history,
// #/settings and #/system.

import { startShell } from "./shell.js";
import { loadLanguage } from "./i18n.js";
import { mount, errorView } from "./ui.js";
import { libraryView } from "./library.js";

// The other views load when first opened, so that a cold library page stays small.
const lazy = (module, name) => async (...args) => (await import(`./${module}.js`))[name](...args);
const seriesView = lazy("series", "seriesView");
const searchView = lazy("search", "searchView");
const settingsView = lazy("settings", "settingsView");
const wantedView = lazy("wanted", "wantedView");
const historyView = lazy("history", "historyView");
const systemView = lazy("system", "systemView");

const view = document.getElementById("view");
let live;
let cleanup = null;
let generation = 0;
// A view's question before it is left (unsaved settings): resolves to true to leave.
let leaveGuard = null;
// The hash of the view shown, restored when the user chooses to stay.
let shownHash = location.hash;
let restoring = false;

async function route() {
  const gen = ++generation;
  if (cleanup) cleanup();
  cleanup = null;
  leaveGuard = null;
  shownHash = location.hash;
  const hash = location.hash.replace(/^#\/?/, "");
  const [first, ...rest] = hash.split("/");
  const name = first.split("?")[0];
  const query = new URLSearchParams(hash.split("?")[1] || "");
  const ctx = { live, isCurrent: () => gen === generation, onLeave: (fn) => { cleanup = fn; }, guardLeave: (fn) => { leaveGuard = fn; } };
  mount(view);
  try {
    if (name === "series" && rest.length) await seriesView(view, decodeURIComponent(rest.join("/")), ctx);
    else if (name === "search") await searchView(view, ctx);
    else if (name === "settings") await settingsView(view, ctx);
    else if (name === "wanted") await wantedView(view, ctx, query);
    else if (name === "history") await historyView(view, ctx, query);
    else if (name === "system") await systemView(view, ctx);
    else await libraryView(view, ctx, query);
  } catch (err) {
    if (gen === generation) mount(view, errorView(err, { retry: route }));
  }
  const heading = view.querySelector("h1");
  if (heading && document.activeElement === document.body) document.title = `${heading.textContent} – Aniworld`;
}

await loadLanguage();
startShell().then((l) => {
  live = l;
  window.addEventListener("hashchange", async () => {
    if (restoring) {
      restoring = false;
      return;
    }
    if (leaveGuard && !(await leaveGuard())) {
      restoring = location.hash !== shownHash;
      location.hash = shownHash;
      return;
    }
    // Focus moves to the new content, unless the view put it into a field of its own (the
    // search page focuses its search field).
    route().then(() => {
      const active = document.activeElement;
      if (!active || active === document.body || !view.contains(active)) document.getElementById("main").focus({ preventScroll: true });
    });
  });
  route();
});
