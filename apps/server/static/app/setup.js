// The first-run wizard: master password with the policy checked as you type, anime folder and an
// optional TMDB key (stored through the configuration after a short login), then on to /login.

import { api, at, storeToken, clearToken } from "./api.js";
import { mount, errorView, busy } from "./ui.js";
import { loadLanguage, t } from "./i18n.js";

await loadLanguage();

const RULES = {
  length: (p) => [...p].length >= 8,
  upper: (p) => /\p{Lu}/u.test(p),
  lower: (p) => /\p{Ll}/u.test(p),
  digit: (p) => /[0-9]/.test(p),
  special: (p) => /[^\p{L}\p{N}\s]/u.test(p),
};

const form = document.getElementById("setup-form");
const pw = document.getElementById("password");
const pw2 = document.getElementById("password2");
const notice = document.getElementById("notice");
const submit = document.getElementById("setup-submit");

function check() {
  const p = pw.value;
  let ok = true;
  for (const li of document.querySelectorAll("#policy li")) {
    const met = RULES[li.dataset.rule](p);
    li.classList.toggle("met", met);
    li.setAttribute("aria-label", t(met ? "setup.rule_met" : "setup.rule_missing", { rule: li.textContent }));
    ok = ok && met;
  }
  return ok;
}

pw.addEventListener("input", check);
check();

api("GET", "/api/auth/status", undefined, { allow401: true })
  .then((s) => { if (s && s.configured) location.replace(at("/login")); })
  .catch(() => {});

form.addEventListener("submit", (e) => {
  e.preventDefault();
  mount(notice);
  if (!check()) {
    mount(notice, errorView({ status: 400, message: t("setup.rules_unmet") }));
    pw.focus();
    return;
  }
  if (pw.value !== pw2.value) {
    mount(notice, errorView({ status: 400, message: t("setup.mismatch") }));
    pw2.focus();
    return;
  }
  busy(submit, async () => {
    const dir = document.getElementById("anime-dir").value.trim();
    const key = document.getElementById("tmdb-key").value.trim();
    try {
      await api("POST", "/api/auth/setup", { master_password: pw.value, anime_directory: dir || null }, { allow401: true });
    } catch (err) {
      mount(notice, errorView(err));
      return;
    }
    if (key) {
      try {
        const tok = await api("POST", "/api/auth/login", { password: pw.value, remember: false }, { allow401: true });
        storeToken(tok.access_token, false);
        await api("PUT", "/api/config", { nfo: { tmdb_api_key: key } });
        await api("POST", "/api/auth/logout", undefined, { allow401: true });
      } catch (err) {
        clearToken();
        mount(notice, errorView(err), t("setup.tmdb_not_saved"));
        setTimeout(() => location.assign(at("/login?setup=1")), 4000);
        return;
      }
      clearToken();
    }
    location.assign(at("/login?setup=1"));
  });
});
