// HTTP client of the web UI: the token, JSON requests and one error type for every answer shape.

import { t as text } from "./i18n.js";

const KEY = "aniworld.token";

// Whether the last request reached the service; the shell shows "offline" at once when one
// fails and reconnects the live connection at once when one gets through again.
let reachable = true;
function reached(ok) {
  if (ok === reachable) return;
  reachable = ok;
  window.dispatchEvent(new Event(ok ? "aniworld:reachable" : "aniworld:unreachable"));
}

/**
 * The path the service is served under: "" at the root, "/aniworld" behind a reverse proxy with
 * `server.base_path` (taken from where this script was loaded: <base>/static/app/<version>/api.js,
 * or <base>/static/app/api.js).
 */
export const BASE = new URL(import.meta.url).pathname.replace(/\/static\/app\/(?:[^/]+\/)?api\.js$/, "");

/** An absolute path of the service ("/api/...", "/login") under its base path. */
export function at(path) {
  return BASE + path;
}

/** The stored token (a "remember me" token lives in localStorage, others in sessionStorage). */
export function token() {
  return sessionStorage.getItem(KEY) || localStorage.getItem(KEY);
}

/** Stores a fresh token. */
export function storeToken(value, remember) {
  clearToken();
  (remember ? localStorage : sessionStorage).setItem(KEY, value);
}

/** Forgets the token everywhere. */
export function clearToken() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}

/** A failed request: the HTTP status plus whatever the body said, whatever its shape. */
export class ApiError extends Error {
  constructor({ status, code, message, details, requestId, retryAfter, path }) {
    super(message);
    this.status = status; // 0 = the server could not be reached
    this.code = code || null; // e.g. VALIDATION_ERROR
    this.details = details || null; // field -> problem
    this.requestId = requestId || null;
    this.retryAfter = retryAfter; // seconds, for 429
    this.path = path;
  }
}

/** Sends to the login page, keeping where the user was. */
export function toLogin() {
  const here = location.pathname + location.search + location.hash;
  const next = here === at("/") || here.startsWith(at("/login")) ? "" : "?next=" + encodeURIComponent(here);
  location.assign(at("/login") + next);
}

/**
 * Calls the API. `body` is sent as JSON. Resolves to the parsed JSON (or null for 204);
 * rejects with ApiError. A 401 on a protected call forgets the token and goes to /login.
 */
export async function api(method, path, body, opts = {}) {
  const headers = { Accept: "application/json" };
  const t = token();
  if (t && !opts.anonymous) headers.Authorization = "Bearer " + t;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(at(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (e) {
    reached(false);
    throw new ApiError({ status: 0, message: text("error.unreachable"), path });
  }
  reached(true);
  const raw = await res.text();
  let json = null;
  if (raw) {
    try { json = JSON.parse(raw); } catch { json = null; }
  }
  if (res.ok) return json;
  const retry = Number(res.headers.get("Retry-After"));
  const err = new ApiError({
    status: res.status,
    code: json && typeof json.error === "string" ? json.error : null,
    message: messageOf(json, raw, res),
    details: json && json.details && typeof json.details === "object" ? json.details : null,
    requestId: (json && json.request_id) || res.headers.get("X-Request-Id"),
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : null,
    path,
  });
  if (res.status === 401 && !opts.allow401) {
    clearToken();
    toLogin();
  }
  throw err;
}

function messageOf(json, text, res) {
  if (json && typeof json.message === "string" && json.message) return json.message;
  if (json && typeof json.detail === "string") return json.detail; // rate-limit shape
  if (json && Array.isArray(json.detail)) return json.detail.map((d) => d.msg || JSON.stringify(d)).join("; ");
  if (text && text.length < 300 && !text.trimStart().startsWith("<")) return text;
  return text("error.answered", { status: `${res.status} ${res.statusText || ""}`.trim() });
}

/** GET with a query object (undefined/null/"" values are left out). */
export function get(path, query) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return api("GET", s ? `${path}?${s}` : path);
}

/** `/api/.../{segment}` with the segment escaped. */
export function seg(value) {
  return encodeURIComponent(value);
}

/**
 * Fetches a protected binary (e.g. a poster) with the token and resolves to a blob URL, or to
 * null when it is missing or cannot be loaded. Never rejects; the caller revokes the URL.
 */
export async function blobUrl(path) {
  const t = token();
  try {
    const res = await fetch(at(path), { headers: t ? { Authorization: "Bearer " + t } : {}, cache: "no-store" });
    if (!res.ok) return null;
    const blob = await res.blob();
    return blob.size > 0 ? URL.createObjectURL(blob) : null;
  } catch {
    return null;
  }
}

/** Whether the service answers now (its unauthenticated /health), without raising. */
export async function probe() {
  try {
    const res = await fetch(at("/health"), { cache: "no-store" });
    reached(res.ok);
    return res.ok;
  } catch {
    reached(false);
    return false;
  }
}
