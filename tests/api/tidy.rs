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
