//! Recognising anti-bot answers (DDoS-Guard, Cloudflare, captcha and spam-block pages).
//!
//! The catalogue sits behind DDoS-Guard; a blocked client gets a 403/503 challenge page, a
//! captcha, or the page "Deine Anfrage wurde als Spam erkannt." instead of what it asked for.
//! Such an answer must become a typed `Blocked` error, never a parse error.

/// Markers that identify a challenge page when the status is 403, 429 or 503.
const CHALLENGE_MARKERS: &[&str] = &[
    "ddg-l10n-title",
    "ddos-guard",
    "checking your browser",
    "cf-browser-verification",
    "cf-challenge",
    "challenge-platform",
    "cf-turnstile",
    "just a moment...",
    "attention required! | cloudflare",
    "captcha",
    "altcha-widget",
];

/// Markers that identify a block page whatever the status.
const ALWAYS_MARKERS: &[&str] = &[
    "deine anfrage wurde als spam erkannt",
    "id=\"ddg-l10n-title\"",
    "id='ddg-l10n-title'",
];

/// Why an answer looks like an anti-bot page, or None when it looks like a normal page.
pub fn detect(status: u16, body: &str) -> Option<&'static str> {
    // Challenge pages are small; only the head of big pages is inspected.
    let head = prefix(body, 64 * 1024).to_lowercase();
    if head.contains(ALWAYS_MARKERS[0]) {
        return Some("the site rejected the request as spam (the IP address is blacklisted)");
    }
    if ALWAYS_MARKERS[1..].iter().any(|m| head.contains(m)) {
        return Some("the site answered with a DDoS-Guard browser check");
    }
    if matches!(status, 403 | 429 | 503) && CHALLENGE_MARKERS.iter().any(|m| head.contains(m)) {
        if head.contains("captcha") || head.contains("turnstile") || head.contains("altcha") {
            return Some("the site answered with a captcha");
        }
        return Some("the site answered with an anti-bot browser check");
    }
    None
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The advice appended to every `Blocked` message.
pub fn advice(solver_configured: bool) -> &'static str {
    if solver_configured {
        "the configured FlareSolverr (provider.solver_url) could not get past it either; \
         check that the solver is running, or set provider.proxy to route through another \
         network, then try again later"
    } else {
        "set provider.solver_url to a FlareSolverr endpoint (http://host:8191/v1), route the \
         requests through another network with provider.proxy, or, if the host name is \
         DNS-blocked, map it to the site's address in provider.dns_overrides; then try again later"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: u16, body: &str, blocked: bool) {
        assert_eq!(detect(status, body).is_some(), blocked, "{status} {body}");
    }

    #[test]
    fn recognises_challenges() {
        check(
            403,
            "<h1 id=\"ddg-l10n-title\">Checking your browser before accessing</h1>",
            true,
        );
        check(
            200,
            "<h1 id=\"ddg-l10n-title\">Checking your browser before accessing</h1>",
            true,
        );
        check(503, "<title>Just a moment...</title>", true);
        check(403, "<div class=\"g-recaptcha\"></div> captcha", true);
        check(200, "<p>Deine Anfrage wurde als Spam erkannt.</p>", true);
    }

    #[test]
    fn normal_pages_pass() {
        check(
            200,
            "<html><body>captcha mentioned in a plot</body></html>",
            false,
        );
        check(503, "<html>Service Unavailable</html>", false);
        check(403, "Forbidden", false);
        check(200, "", false);
    }

    #[test]
    fn prefix_respects_char_boundaries() {
        assert_eq!(prefix("äöü", 3), "ä");
        assert_eq!(prefix("abc", 10), "abc");
    }
}
