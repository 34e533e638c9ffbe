//! Telling pages apart: whether a page belongs to the v2 engine, whether it is the site's "not
//! found" page, whether it carries the redirect gate (Turnstile/ALTCHA verification wall), and
//! whether it was served to a signed-in session.
//!
//! A v2 page is recognised by its content markers (`#season-nav`, `tr.episode-row`,
//! `#episode-links`, `button.link-box[data-play-url]`, `.show-header-wrapper`, result cards in
//! `div[data-group]`, `#episode-nav`, the gate root and form) or, for pages without content of
//! their own (the not-found page, the login page), by the v2 site chrome: the search form of the
//! navigation bar posts to `/suche` (the legacy engine's form goes to `/search`).

use std::sync::LazyLock;

use scraper::{Html, Selector};

use crate::catalogue::text::{clean, sel};

struct Selectors {
    content: Selector,
    chrome: Selector,
    legacy_not_found: Selector,
    title: Selector,
    heading: Selector,
    gate_root: Selector,
    prepare_form: Selector,
    turnstile: Selector,
    altcha: Selector,
    logout: Selector,
    user_link: Selector,
    login_form: Selector,
    password: Selector,
}

static S: LazyLock<Selectors> = LazyLock::new(|| Selectors {
    content: sel(
        "#season-nav, tr.episode-row, #episode-links, button.link-box[data-play-url], \
         .show-header-wrapper, div[data-group] a.show-cover, div[data-group='shows'] .card, \
         #episode-nav, table.episode-table, #episode-redirect-gate-root, form#player-prepare-form",
    ),
    chrome: sel("form[action$='/suche']"),
    legacy_not_found: sel("div.messageAlert.danger"),
    title: sel("title"),
    heading: sel("h1"),
    gate_root: sel("#episode-redirect-gate-root"),
    prepare_form: sel("form#player-prepare-form"),
    turnstile: sel(".cf-turnstile, [data-turnstile-sitekey], #player-prepare-turnstile"),
    altcha: sel("altcha-widget, [data-altcha-challenge-url]"),
    logout: sel("form[action$='/logout']"),
    user_link: sel("a[href^='/user/']"),
    login_form: sel("form[action$='/login']"),
    password: sel("input[type='password']"),
});

/// Whether the HTML is a page of the v2 engine (any page kind, including its not-found and
/// login pages and the gate interstitial).
pub fn is_v2(html: &str) -> bool {
    let doc = Html::parse_document(html);
    doc.select(&S.content).next().is_some() || doc.select(&S.chrome).next().is_some()
}

/// Whether the page has v2 content of its own (series header, season or episode lists, links).
pub(super) fn has_content(doc: &Html) -> bool {
    doc.select(&S.content).next().is_some()
}

/// Whether the page is the site's "not found" page: the legacy alert box, or a page without
/// any v2 content whose `<title>` or `h1` says 404 / "nicht gefunden" / "not found".
pub(super) fn is_not_found(doc: &Html) -> bool {
    if doc.select(&S.legacy_not_found).next().is_some() {
        return true;
    }
    if has_content(doc) {
        return false;
    }
    let says_not_found = |text: String| {
        let t = text.to_lowercase();
        t.split(|c: char| !c.is_ascii_digit()).any(|n| n == "404")
            || t.contains("nicht gefunden")
            || t.contains("not found")
    };
    doc.select(&S.title)
        .chain(doc.select(&S.heading))
        .any(|e| says_not_found(clean(&e.text().collect::<String>())))
}

/// The redirect gate: Some(description of the markers seen) when the HTML is a verification
/// wall or carries one in front of its play links (the gate root, the prepare form, a
/// Turnstile or ALTCHA widget, the "Stream wird vorbereitet" interstitial, or a Cloudflare
/// challenge), else None.
pub fn redirect_gate(html: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let mut seen: Vec<String> = Vec::new();
    if let Some(root) = doc.select(&S.gate_root).next() {
        match root.value().attr("data-redirect-gate-tier") {
            Some(tier) => seen.push(format!(
                "#episode-redirect-gate-root (tier {:?})",
                clean(tier)
            )),
            None => seen.push("#episode-redirect-gate-root".into()),
        }
    }
    if let Some(form) = doc.select(&S.prepare_form).next() {
        let action = form.value().attr("action").unwrap_or("");
        seen.push(format!(
            "form#player-prepare-form (action {:?})",
            clean(action)
        ));
    }
    let lower = html.to_lowercase();
    if doc.select(&S.turnstile).next().is_some() || lower.contains("cf-turnstile") {
        seen.push("Turnstile widget".into());
    }
    if doc.select(&S.altcha).next().is_some() || lower.contains("altcha-widget") {
        seen.push("ALTCHA widget".into());
    }
    if lower.contains("stream wird vorbereitet") {
        seen.push("\"Stream wird vorbereitet\" interstitial".into());
    }
    let title = doc
        .select(&S.title)
        .next()
        .map(|t| clean(&t.text().collect::<String>()).to_lowercase())
        .unwrap_or_default();
    if title.starts_with("just a moment") {
        seen.push("challenge title \"Just a moment\"".into());
    }
    if lower.contains("cdn-cgi/challenge-platform") {
        seen.push("cdn-cgi/challenge-platform script".into());
    }
    if lower.contains("cf_chl_") {
        seen.push("cf_chl_ challenge parameters".into());
    }
    (!seen.is_empty()).then(|| seen.join(", "))
}

/// Signed-in state of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionMarkers {
    /// The page was served to a signed-in session: `form[action$="/logout"]` or
    /// `a[href^="/user/"]` is present.
    pub logged_in: bool,
    /// The page offers a sign-in form: `form[action$="/login"]` with a password input.
    pub login_form: bool,
}

/// Reads the signed-in markers of a page.
pub fn session_markers(html: &str) -> SessionMarkers {
    let doc = Html::parse_document(html);
    SessionMarkers {
        logged_in: doc.select(&S.logout).next().is_some()
            || doc.select(&S.user_link).next().is_some(),
        login_form: doc
            .select(&S.login_form)
            .any(|f| f.select(&S.password).next().is_some()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_v2_pages_by_content_or_chrome() {
        for html in [
            r#"<div id="season-nav"></div>"#,
            r#"<table><tr class="episode-row"><td></td></tr></table>"#,
            r#"<button class="link-box" data-play-url="/r?t=x"></button>"#,
            r#"<div class="show-header-wrapper"></div>"#,
            r#"<div data-group="shows"><div class="card"></div></div>"#,
            r#"<div id="episode-redirect-gate-root"></div>"#,
            r#"<nav><form class="d-flex" action="https://s.to/suche"><input name="term"></form></nav>"#,
        ] {
            assert!(is_v2(html), "{html}");
        }
        for html in [
            "",
            "{\"shows\":[]}",
            r#"<div class="hosterSiteDirectNav" id="stream"></div>"#,
            r#"<form action="/search"><input name="q"></form><p>season-nav</p>"#,
        ] {
            assert!(!is_v2(html), "{html}");
        }
    }

    #[test]
    fn not_found_pages() {
        let nf = |h: &str| is_not_found(&Html::parse_document(h));
        assert!(nf("<title>Seite nicht gefunden</title><h1>404</h1>"));
        assert!(nf("<h1 class=\"display-1\">404</h1>"));
        assert!(nf("<div class=\"messageAlert danger\">x</div>"));
        assert!(!nf(
            "<title>404 | S.to</title><div class=\"show-header-wrapper\"><h1>404</h1></div><div id=\"season-nav\"></div>"
        ));
        assert!(!nf("<title>Film 4040</title><h1>Film 4040</h1>"));
    }

    #[test]
    fn gate_markers() {
        assert_eq!(redirect_gate("<html><title>Folge 1</title></html>"), None);
        let g = redirect_gate(
            r#"<div id="episode-redirect-gate-root" data-redirect-gate-tier="turnstile_altcha"></div>
               <form id="player-prepare-form" method="POST" action="/r"></form>"#,
        )
        .unwrap();
        assert!(g.contains("tier \"turnstile_altcha\""), "{g}");
        assert!(
            g.contains("form#player-prepare-form (action \"/r\")"),
            "{g}"
        );
        let g = redirect_gate("<title>Just a moment...</title><script src=\"/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1\"></script>").unwrap();
        assert!(
            g.contains("Just a moment") && g.contains("challenge-platform"),
            "{g}"
        );
        assert!(redirect_gate("<script>window._cf_chl_opt={}</script>").is_some());
        assert!(redirect_gate("<altcha-widget challengeurl=\"/x\"></altcha-widget>").is_some());
        assert!(redirect_gate("<h1>Stream wird vorbereitet...</h1>").is_some());
    }

    #[test]
    fn session() {
        let m = session_markers(
            r#"<form action="https://s.to/logout" method="POST"></form><a href="/user/alice">alice</a>"#,
        );
        assert_eq!(
            m,
            SessionMarkers {
                logged_in: true,
                login_form: false
            }
        );
        let m = session_markers(
            r#"<form action="/login" method="POST"><input name="email"><input type="password" name="password"></form>"#,
        );
        assert_eq!(
            m,
            SessionMarkers {
                logged_in: false,
                login_form: true
            }
        );
        assert_eq!(
            session_markers(r#"<form action="/login"><input name="q"></form>"#),
            SessionMarkers::default()
        );
    }
}
