//! Precompresses the web UI's files (`static/`) at build time.
//!
//! Every file is embedded three times (identity, brotli, gzip; a compressed variant only when it
//! is smaller), so the server picks bytes by `Accept-Encoding` and never compresses or
//! decompresses anything per request, and idle memory stays what the binary maps. The pages'
//! links to `static/app/...` are rewritten to `static/app/<version>/...`, where the version is a
//! hash of every file: a new build's pages never load an old build's modules (see `assets.rs`).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read static dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            let rel = path
                .strip_prefix(root)
                .expect("under static/")
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read(&path).expect("read static file")));
        }
    }
}

fn mime(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        _ => "text/plain; charset=utf-8",
    }
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).expect("brotli");
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("out dir"));
    let root = manifest.join("static");
    println!("cargo:rerun-if-changed=static");
    println!("cargo:rerun-if-changed=build.rs");

    let mut files = Vec::new();
    walk(&root, &root, &mut files);

    // FNV-1a over every path and content: the version segment of the immutable URLs.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (rel, data) in &files {
        for b in rel
            .bytes()
            .chain([0])
            .chain(data.iter().copied())
            .chain([0])
        {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    let version = format!("{:012x}", hash >> 16);
    println!("cargo:rustc-env=ANIWORLD_ASSETS_VERSION={version}");

    let dir = out_dir.join("assets");
    std::fs::create_dir_all(&dir).expect("create assets dir");
    let mut table = String::from("&[\n");
    for (i, (rel, data)) in files.iter().enumerate() {
        let identity = if rel.starts_with("app/") && rel.ends_with(".html") {
            String::from_utf8_lossy(data)
                .replace("\"static/app/", &format!("\"static/app/{version}/"))
                .into_bytes()
        } else {
            data.clone()
        };
        let write = |suffix: &str, bytes: &[u8]| {
            let p = dir.join(format!("{i}.{suffix}"));
            std::fs::write(&p, bytes).expect("write asset");
            format!("include_bytes!({:?})", p.to_string_lossy())
        };
        let id = write("id", &identity);
        let some = |s: String| format!("Some({s})");
        let br = brotli(&identity);
        let gz = gzip(&identity);
        let br = if br.len() < identity.len() {
            some(write("br", &br))
        } else {
            "None".into()
        };
        let gz = if gz.len() < identity.len() {
            some(write("gz", &gz))
        } else {
            "None".into()
        };
        writeln!(
            table,
            "    Asset {{ path: {rel:?}, mime: {:?}, identity: {id}, br: {br}, gzip: {gz} }},",
            mime(rel)
        )
        .expect("write table");
    }
    table.push_str("]\n");
    std::fs::write(out_dir.join("assets.rs"), table).expect("write assets.rs");
}
