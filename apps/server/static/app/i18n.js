// The web UI's texts in English and German. The language comes from the choice stored in this
// browser (Settings -> Language), else from the browser's languages; only that language's
// dictionary is loaded. Texts are whole sentences with named values ("{count} episodes"), never
// built from fragments; a plural text is an object of Intl.PluralRules categories.

const KEY = "aniworld.lang";
export const LANGUAGES = ["en", "de"];

let current = "en";
let messages = {};

/** The stored choice: "en", "de" or "" (follow the browser). */
export function storedChoice() {
  try {
    const v = localStorage.getItem(KEY) || "";
    return LANGUAGES.includes(v) ? v : "";
  } catch {
    return "";
  }
}

/** Stores the choice ("" follows the browser again); takes effect on the next page load. */
export function storeChoice(lang) {
  try {
    if (LANGUAGES.includes(lang)) localStorage.setItem(KEY, lang);
    else localStorage.removeItem(KEY);
  } catch {
    // private mode without storage: the browser's language stays in charge
  }
}

/** The language the browser asks for, among the UI's languages (English when none fits). */
export function browserLanguage() {
  for (const l of navigator.languages || [navigator.language || "en"]) {
    const base = String(l).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

/** The UI's language now: "en" or "de". */
export function lang() {
  return current;
}

/** Loads the dictionary of the chosen language and marks the document with it. */
export async function loadLanguage() {
  current = storedChoice() || browserLanguage();
  messages = (await import(`./lang-${current}.js`)).default;
  document.documentElement.lang = current;
  translate(document);
  return current;
}

/**
 * The text of `key` with `{name}` values filled in. A plural text picks its form by
 * `params.count`. An unknown key shows itself, so that a missing text is seen, not hidden.
 */
export function t(key, params = {}) {
  let msg = messages[key];
  if (msg === undefined) return key;
  if (typeof msg === "object") {
    const form = new Intl.PluralRules(current).select(Number(params.count ?? 0));
    msg = msg[form] ?? msg.other;
  }
  return msg.replace(/\{(\w+)\}/g, (m, name) => (name in params ? fmt(params[name]) : m));
}

function fmt(v) {
  return typeof v === "number" ? v.toLocaleString(current) : String(v);
}

/**
 * Translates the static markup under `root`: `data-i18n="key"` sets the text,
 * `data-i18n-attr="attr:key;attr:key"` sets attributes (aria-label, placeholder, title).
 */
export function translate(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}
