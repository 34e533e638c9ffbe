//! The web UI's assets: precompressed (brotli, gzip) variants chosen by `Accept-Encoding`,
//! versioned immutable URLs, and the transfer size of a cold library page.

use std::collections::{BTreeSet, VecDeque};
use std::io::Read;

use crate::helpers::{TestApp, spawn_app};

/// One raw answer: status, headers, body as sent (not decompressed).
struct Raw {
    status: u16,
    encoding: Option<String>,
    vary: Option<String>,
    cache_control: Option<String>,
    body: Vec<u8>,
}

async fn raw(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> Raw {
    let mut req = app
        .client
        .get(format!("{}{path}", app.address))
        .no_decompress();
    if let Some(ae) = accept_encoding {
        req = req.insert_header(("Accept-Encoding", ae));
    }
    let mut res = req.send().await.expect("request");
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (encoding, vary, cache_control) = (
        header("content-encoding"),
        header("vary"),
        header("cache-control"),
    );
    let body = res.body().limit(20_000_000).await.expect("body").to_vec();
    Raw {
        status: res.status().as_u16(),
        encoding,
        vary,
        cache_control,
        body,
    }
}

fn unbrotli(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(body, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

fn ungzip(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

/// `base` + `rel`, resolving `.` and `..` (paths without scheme or host).
fn resolve(base: &str, rel: &str) -> String {
    let mut segs: Vec<&str> = base.split('/').collect();
    segs.pop();
    for seg in rel.split('/') {
        match seg {
            "." => {}
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    segs.join("/")
}

/// Whether `Vary` names `Accept-Encoding` (CORS adds its own names).
fn varies(r: &Raw) -> bool {
    r.vary
        .as_deref()
        .is_some_and(|v| v.split(',').any(|x| x.trim() == "Accept-Encoding"))
}

/// Checks one URL in every encoding: the right headers and bytes that decompress to identity.
/// Returns the brotli answer and the size of the gzip one.
async fn check_encodings(app: &TestApp, path: &str) -> (Raw, usize) {
    let identity = raw(app, path, None).await;
    assert_eq!(identity.status, 200, "{path}");
    assert_eq!(identity.encoding, None, "{path}");
    assert!(varies(&identity), "{path}: {:?}", identity.vary);
    let plain = raw(app, path, Some("identity")).await;
    assert_eq!(plain.encoding, None, "{path}");
    assert_eq!(plain.body, identity.body, "{path}");

    let br = raw(app, path, Some("br")).await;
    assert_eq!(br.encoding.as_deref(), Some("br"), "{path}");
    assert!(varies(&br), "{path}");
    assert_eq!(unbrotli(&br.body), identity.body, "{path}");
    assert!(br.body.len() < identity.body.len(), "{path}");
    // A browser's usual header: br is preferred.
    let both = raw(app, path, Some("gzip, deflate, br, zstd")).await;
    assert_eq!(both.encoding.as_deref(), Some("br"), "{path}");

    let gz = raw(app, path, Some("gzip")).await;
    assert_eq!(gz.encoding.as_deref(), Some("gzip"), "{path}");
    assert!(varies(&gz), "{path}");
    assert_eq!(ungzip(&gz.body), identity.body, "{path}");
    assert_eq!(identity.cache_control, br.cache_control, "{path}");
    (br, gz.body.len())
}

/// Links to `static/` of a page (`src`/`href`) or a module (`import ... from "./x.js"`).
fn links(text: &str) -> Vec<String> {
    let html = regex::Regex::new(r##"(?:src|href)="([^"#]+)""##).unwrap();
    let js = regex::Regex::new(r#"(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']"#).unwrap();
    html.captures_iter(text)
        .chain(js.captures_iter(text))
        .map(|c| c[1].to_string())
        .collect()
}

#[actix_web::test]
async fn assets_are_served_precompressed_under_versioned_urls() {
    let app = spawn_app().await;
    let version_re =
        regex::Regex::new(r"^static/app/([0-9a-f]{12})/[a-z]+\.(js|css|svg)$").unwrap();

    let mut total_br = 0;
    for page in ["/", "/login", "/setup", "/queue"] {
        let (br, mut page_gz) = check_encodings(&app, page).await;
        let html = String::from_utf8(unbrotli(&br.body)).unwrap();
        let mut seen = BTreeSet::new();
        let mut todo: VecDeque<String> = VecDeque::new();
        let mut versions = BTreeSet::new();
        for link in links(&html)
            .into_iter()
            .filter(|l| l.starts_with("static/"))
        {
            // The pages reference only versioned URLs.
            let caps = version_re
                .captures(&link)
                .unwrap_or_else(|| panic!("{page} links {link} without a version"));
            versions.insert(caps[1].to_string());
            todo.push_back(format!("/{link}"));
        }
        assert_eq!(versions.len(), 1, "{page}: {versions:?}");
        let version = versions.into_iter().next().unwrap();
        let mut page_br = br.body.len();
        while let Some(path) = todo.pop_front() {
            if !seen.insert(path.clone()) {
                continue;
            }
            assert!(
                path.starts_with(&format!("/static/app/{version}/")),
                "{path}"
            );
            let (r, gz) = check_encodings(&app, &path).await;
            page_gz += gz;
            assert_eq!(
                r.cache_control.as_deref(),
                Some("public, max-age=31536000, immutable"),
                "{path}"
            );
            page_br += r.body.len();
            if path.ends_with(".js") {
                let js = String::from_utf8(unbrotli(&r.body)).unwrap();
                for import in links(&js) {
                    if import.starts_with("./") || import.starts_with("../") {
                        todo.push_back(resolve(&path, &import));
                    }
                }
            }
        }
        if page == "/" {
            // The dictionary of the UI's language is imported by name at start (the larger,
            // German one counts), the other views when first opened.
            let (r, gz) = check_encodings(&app, &format!("/static/app/{version}/lang-de.js")).await;
            page_br += r.body.len();
            page_gz += gz;
        }
        assert!(seen.len() >= 3, "{page} loads {seen:?}");
        println!(
            "cold {page}: {} files, {page_br} bytes brotli, {page_gz} bytes gzip",
            seen.len() + 1
        );
        if page == "/" {
            total_br = page_br;
        }
    }
    assert!(
        total_br < 40 * 1024,
        "a cold library page transfers {total_br} bytes (brotli), over 40 KB"
    );

    // The unversioned paths of older pages keep working, revalidated on each use; another
    // build's version is not served (no mixing of old and new modules).
    let old = raw(&app, "/static/app/main.js", Some("br")).await;
    assert_eq!(old.status, 200);
    assert_eq!(old.cache_control.as_deref(), Some("no-cache"));
    assert_eq!(old.encoding.as_deref(), Some("br"));
    assert_eq!(
        raw(&app, "/static/app/000000000000/main.js", None)
            .await
            .status,
        404
    );
    // ReDoc's vendored bundle is versioned and precompressed as well.
    let redoc = String::from_utf8(raw(&app, "/api/redoc", None).await.body).unwrap();
    for link in links(&redoc) {
        let path = resolve("/api/redoc", &link);
        let r = raw(&app, &path, Some("br")).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.encoding.as_deref(), Some("br"), "{path}");
        assert_eq!(
            r.cache_control.as_deref(),
            Some("public, max-age=31536000, immutable"),
            "{path}"
        );
    }
}

/// The keys of a dictionary file (`"key": ...` lines).
fn dictionary_keys(text: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(r#"(?m)^\s*"([a-z0-9_.]+)":"#).unwrap();
    re.captures_iter(text).map(|c| c[1].to_string()).collect()
}

/// Every text key the UI uses (`t("key")`, `data-i18n="key"`, `data-i18n-attr="attr:key"`)
/// exists in both languages, and both dictionaries have the same keys.
#[test]
fn every_ui_text_exists_in_english_and_german() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static/app");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let en = dictionary_keys(&read("lang-en.js"));
    let de = dictionary_keys(&read("lang-de.js"));
    assert!(en.len() > 50, "{}", en.len());
    let only_en: Vec<_> = en.difference(&de).collect();
    let only_de: Vec<_> = de.difference(&en).collect();
    assert!(only_en.is_empty(), "missing in lang-de.js: {only_en:?}");
    assert!(only_de.is_empty(), "missing in lang-en.js: {only_de:?}");

    let uses = regex::Regex::new(
        r#"\bt\(\s*"([a-z0-9_.]+)"|data-i18n="([a-z0-9_.]+)"|data-i18n-attr="([^"]+)""#,
    )
    .unwrap();
    let mut unknown = Vec::new();
    let mut used = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !(name.ends_with(".js") || name.ends_with(".html"))
            || name.starts_with("lang-")
            || name == "i18n.js"
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for c in uses.captures_iter(&text) {
            let keys: Vec<String> = if let Some(k) = c.get(1).or(c.get(2)) {
                vec![k.as_str().to_string()]
            } else {
                c[3].split(';')
                    .filter_map(|pair| pair.split_once(':'))
                    .map(|(_, k)| k.trim().to_string())
                    .collect()
            };
            for k in keys {
                used += 1;
                if !en.contains(&k) {
                    unknown.push(format!("{name}: {k}"));
                }
            }
        }
    }
    assert!(used > 50, "{used}");
    assert!(
        unknown.is_empty(),
        "texts without a dictionary entry: {unknown:?}"
    );
}
