// Download errors in the user's words: the engine's messages name hoster and CDN URLs, HTTP
// statuses and internal steps. `userError` turns one into a short sentence in the UI's language
// (a URL becomes its host name) and keeps the raw text for a "Details" toggle.

import { t } from "./i18n.js";

const URL_RE = /\b(?:https?|wss?|ftp):\/\/[^\s"'<>()]+/gi;

/** The host of `url` ("cdn.example.net"), or null. */
function hostOf(url) {
  try {
    return new URL(url).hostname || null;
  } catch {
    return null;
  }
}

/** `text` with every URL replaced by its host. */
export function withoutUrls(text) {
  return String(text).replace(URL_RE, (u) => {
    const tail = /[.,;:]+$/.exec(u)?.[0] || "";
    return (hostOf(u.slice(0, u.length - tail.length)) || t("errors.a_server")) + tail;
  });
}

// Known patterns, most specific first: [test, (host, match) => sentence]. `host` is the host of
// the first URL in the text, or null.
const PATTERNS = [
  [/human verification|verification_required|anti-bot|captcha/i,
    (host) => (host ? t("errors.verification_at", { host }) : t("errors.verification"))],
  [/disk full|no space left/i, () => t("errors.disk_full")],
  [/permission denied/i, () => t("errors.permission")],
  [/target folder .* does not exist/i, () => t("errors.no_folder")],
  [/not found on the catalogue/i, () => t("errors.not_on_site")],
  [/video was deleted|file not found|offline at/i, () => t("errors.deleted")],
  [/which cannot be downloaded|unsupported stream|live stream/i, () => t("errors.unsupported")],
  [/timed? ?out|timeout/i, (host) => (host ? t("errors.timeout_at", { host }) : t("errors.timeout"))],
  [/\b(?:HTTP(?: status)?|status) 404\b/i, (host) => (host ? t("errors.http_404_at", { host }) : t("errors.http_404"))],
  [/\b(?:HTTP(?: status)?|status) 40[13]\b/i, (host) => (host ? t("errors.http_403_at", { host }) : t("errors.http_403"))],
  [/\b(?:HTTP(?: status)?|status) 429\b/i, (host) => (host ? t("errors.http_429_at", { host }) : t("errors.http_429"))],
  [/\b(?:HTTP(?: status)?|status) (5\d\d)\b/i,
    (host, m) => (host ? t("errors.http_5xx_at", { host, status: m[1] }) : t("errors.http_5xx", { status: m[1] }))],
  [/\b(?:HTTP(?: status)?|status) (\d{3})\b/i,
    (host, m) => (host ? t("errors.http_other_at", { host, status: m[1] }) : t("errors.http_other", { status: m[1] }))],
  [/connection refused|network error|could not resolve|dns error|connection reset|request to .* failed/i,
    (host) => (host ? t("errors.network_at", { host }) : t("errors.network"))],
  [/instead of media|empty file|ffprobe|transfer ended|shorter than/i, () => t("errors.bad_file")],
  [/every hoster failed|no stream found/i, () => t("errors.no_stream")],
  [/cancelled/i, () => t("errors.cancelled")],
];

/**
 * A raw error text as `{summary, details}`: `summary` a short sentence in the UI's language that
 * names no URL (at most its host), `details` the raw text ("" when there is none).
 */
export function userError(text) {
  const raw = text === null || text === undefined ? "" : String(text).trim();
  if (!raw) return { summary: t("errors.unknown"), details: "" };
  const firstUrl = (raw.match(URL_RE) || [])[0];
  const host = firstUrl ? hostOf(firstUrl) : null;
  for (const [re, sentence] of PATTERNS) {
    const m = re.exec(raw);
    if (m) return { summary: sentence(host, m), details: raw };
  }
  // Unknown: the text itself, without URLs and without the episode prefix the row shows anyway.
  const plain = withoutUrls(raw).replace(/^no stream found for S\d+E\d+:\s*/i, "");
  return { summary: plain.length > 200 ? `${plain.slice(0, 199)}…` : plain, details: raw };
}
