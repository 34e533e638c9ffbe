// The login page: master password, "remember me", and the lockout message with a live countdown.

import { api, at, storeToken, token } from "./api.js";
import { h, mount, errorView, busy, duration } from "./ui.js";
import { loadLanguage, t } from "./i18n.js";

await loadLanguage();

const form = document.getElementById("login-form");
const notice = document.getElementById("notice");
const submit = document.getElementById("login-submit");
const params = new URLSearchParams(location.search);
let lockTimer = null;

if (params.has("setup")) mount(notice, h("p", { class: "card", role: "status", text: t("login.setup_done") }));
if (params.has("loggedout")) mount(notice, h("p", { class: "card", role: "status", text: t("login.logged_out") }));

api("GET", "/api/auth/status", undefined, { allow401: true })
  .then((s) => {
    if (s && !s.configured) location.replace(at("/setup"));
    else if (s && s.authenticated && token()) location.replace(target());
  })
  .catch(() => {});

/** Where to go after login: a local path from ?next=, else the library. */
function target() {
  const next = params.get("next") || at("/");
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : at("/");
}

function lockout(err) {
  const view = errorView(err);
  const wait = err.retryAfter || 60;
  const until = Date.now() + wait * 1000;
  const line = h("p", { class: "countdown", role: "timer", "aria-live": "off" });
  view.append(line);
  mount(notice, view);
  submit.disabled = true;
  clearInterval(lockTimer);
  const tick = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(lockTimer);
      submit.disabled = false;
      line.textContent = t("login.unlocked");
      return;
    }
    line.textContent = t("login.locked", { wait: duration(left) });
  };
  tick();
  lockTimer = setInterval(tick, 1000);
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const password = document.getElementById("password").value;
  const remember = document.getElementById("remember").checked;
  if (!password) {
    mount(notice, errorView({ status: 400, message: t("login.enter_password") }));
    return;
  }
  busy(submit, async () => {
    try {
      const tok = await api("POST", "/api/auth/login", { password, remember }, { allow401: true, anonymous: true });
      storeToken(tok.access_token, remember);
      location.assign(target());
    } catch (err) {
      if (err.status === 429) {
        lockout(err);
        return;
      }
      if (err.status === 401) err.message = err.message && err.message !== "Invalid credentials" ? t("login.wrong_with", { reason: err.message }) : t("login.wrong");
      mount(notice, errorView(err));
      document.getElementById("password").select();
    }
  }).then(() => { if (lockTimer && notice.querySelector(".countdown")) submit.disabled = true; });
});
