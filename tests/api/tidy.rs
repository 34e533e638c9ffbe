//! Boundary checks: the server adapts HTTP and never talks to the database, the network or HTML
//! directly; the domain crates never depend on the web framework.

use std::path::{Path, PathBuf};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// Crates the server must not use directly (their work belongs in the domain crates).
const SERVER_FORBIDDEN: &[&str] = &[
    "diesel",
    "ureq",
    "scraper",
    "roxmltree",
    "html5ever",
    "select",
    "kuchiki",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Lines of `source` that use one of `crates` as a path (`use x::`, `x::`), comments excluded.
fn uses_of(source: &str, crates: &[&str]) -> Vec<String> {
    source
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//"))
        .filter(|l| {
            crates.iter().any(|c| {
                let needle = format!("{c}::");
                l.match_indices(&needle).any(|(i, _)| {
                    i == 0
                        || !l.as_bytes()[i - 1].is_ascii_alphanumeric()
                            && l.as_bytes()[i - 1] != b'_'
                }) || l.starts_with(&format!("extern crate {c}"))
            })
        })
        .map(str::to_string)
        .collect()
}

/// Dependency names declared in a Cargo.toml (any dependency table).
fn dependencies(manifest: &str) -> Vec<String> {
    let mut in_deps = false;
    let mut out = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line.contains("dependencies");
            continue;
        }
        if in_deps
            && !line.starts_with('#')
            && let Some((name, _)) = line.split_once('=')
        {
            out.push(name.trim().trim_matches('"').to_string());
        }
    }
    out
}

#[test]
fn the_checks_themselves_catch_violations() {
    assert_eq!(uses_of("use diesel::prelude::*;", &["diesel"]).len(), 1);
    assert_eq!(uses_of("let r = ureq::get(url);", &["ureq"]).len(), 1);
    assert!(uses_of("// no diesel::here", &["diesel"]).is_empty());
    assert!(uses_of("my_diesel::x()", &["diesel"]).is_empty());
    assert_eq!(
        dependencies("[dependencies]\nactix-web = \"4\"\n[dev-dependencies]\nawc = \"3\""),
        ["actix-web", "awc"]
    );
}

#[test]
fn the_server_uses_no_database_http_client_or_html_parser() {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("apps/server/src"), &mut files);
    assert!(files.len() > 10, "server sources not found under {ROOT}");
    let mut bad = Vec::new();
    for f in files {
        for line in uses_of(&std::fs::read_to_string(&f).unwrap(), SERVER_FORBIDDEN) {
            bad.push(format!("{}: {line}", f.display()));
        }
    }
    assert!(
        bad.is_empty(),
        "apps/server must reach these through the domain crates:\n{}",
        bad.join("\n")
    );
    let manifest = std::fs::read_to_string(Path::new(ROOT).join("apps/server/Cargo.toml")).unwrap();
    let deps = dependencies(&manifest);
    for c in SERVER_FORBIDDEN {
        assert!(
            !deps.iter().any(|d| d == c),
            "apps/server/Cargo.toml depends on {c}"
        );
    }
}

#[test]
fn no_domain_crate_depends_on_the_web_framework() {
    let crates = std::fs::read_dir(Path::new(ROOT).join("crates")).unwrap();
    let mut checked = 0;
    for c in crates.flatten() {
        let Ok(manifest) = std::fs::read_to_string(c.path().join("Cargo.toml")) else {
            continue;
        };
        checked += 1;
        for dep in dependencies(&manifest) {
            assert!(
                !(dep.starts_with("actix") || dep == "awc"),
                "{} depends on {dep}; domain crates must not know the web framework",
                c.path().display()
            );
        }
    }
    assert!(checked >= 6, "only {checked} crates checked");
}

/// Rust lines (comments included) of the `.rs` files under `dir`, up to each file's unit tests.
fn lines_outside_tests(dir: &Path) -> usize {
    let mut files = Vec::new();
    rust_files(dir, &mut files);
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            code.lines().count()
        })
        .sum()
}

/// Code lines of `source` (comment lines left out).
fn code_lines(source: &str) -> impl Iterator<Item = &str> {
    source
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//"))
}

#[test]
fn no_crate_knows_the_http_layer() {
    let mut bad = Vec::new();
    let mut checked = 0;
    for c in std::fs::read_dir(Path::new(ROOT).join("crates"))
        .unwrap()
        .flatten()
    {
        let mut files = Vec::new();
        if c.path().join("src").is_dir() {
            rust_files(&c.path().join("src"), &mut files);
        }
        for f in files {
            checked += 1;
            let text = std::fs::read_to_string(&f).unwrap();
            for line in code_lines(&text) {
                if line.contains("ApiError")
                    || line.contains("actix")
                    || line.contains("HttpResponse")
                {
                    bad.push(format!("{}: {line}", f.display()));
                }
            }
        }
    }
    assert!(checked > 50, "only {checked} crate files checked");
    assert!(
        bad.is_empty(),
        "crates/* must not know the HTTP layer (ApiError, actix, HttpResponse):\n{}",
        bad.join("\n")
    );
}

/// The server's modules: HTTP, WebSocket and command-line adapters only. A use case (anything
/// that decides) goes into `crates/service`; a new adapter module is added here on purpose.
const SERVER_MODULES: &[&str] = &[
    "assets.rs",
    "auth/lockout.rs",
    "auth/middleware.rs",
    "auth/mod.rs",
    "auth/password.rs",
    "auth/service.rs",
    "auth/tokens.rs",
    "base_path.rs",
    "blocking.rs",
    "body.rs",
    "cli.rs",
    "client.rs",
    "context.rs",
    "error.rs",
    "events.rs",
    "fetch_cli.rs",
    "lib.rs",
    "logging.rs",
    "main.rs",
    "metrics.rs",
    "openapi.rs",
    "page_cache.rs",
    "request_id.rs",
    "rate_limits.rs",
    "routes/anime.rs",
    "routes/anime/monitoring.rs",
    "routes/auth.rs",
    "routes/config.rs",
    "routes/health.rs",
    "routes/history.rs",
    "routes/wanted.rs",
    "routes/metrics.rs",
    "routes/mod.rs",
    "routes/nfo.rs",
    "routes/nfo/dto.rs",
    "routes/notifications.rs",
    "routes/queue.rs",
    "routes/queue/dto.rs",
    "routes/scheduler.rs",
    "routes/system.rs",
    "routes/ui.rs",
    "routes/ws.rs",
    "security.rs",
    "settings.rs",
    "state.rs",
    "websocket.rs",
    "websocket/limits.rs",
    "websocket/messages.rs",
    "websocket/protocol.rs",
    "websocket/session.rs",
];

#[test]
fn the_server_holds_only_adapter_modules() {
    let src = Path::new(ROOT).join("apps/server/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let unknown: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .filter(|m| !SERVER_MODULES.contains(&m.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "modules in apps/server/src that are not HTTP/WebSocket/CLI adapters: {unknown:?}; \
         use cases belong in crates/service (or add an adapter to SERVER_MODULES)"
    );
}

#[test]
fn the_server_is_a_small_part_of_the_workspace() {
    let root = Path::new(ROOT);
    let server = lines_outside_tests(&root.join("apps/server/src"));
    let mut total = server;
    for c in std::fs::read_dir(root.join("crates")).unwrap().flatten() {
        // The test kit is test code, whatever folder it sits in.
        if c.file_name() != "testkit" && c.path().join("src").is_dir() {
            total += lines_outside_tests(&c.path().join("src"));
        }
    }
    let share = server as f64 / total as f64;
    assert!(
        share <= 0.22,
        "apps/server/src is {:.1} % of the workspace's Rust lines ({server} of {total}); \
         at most 22 %: move use cases into crates/service",
        share * 100.0
    );
}
