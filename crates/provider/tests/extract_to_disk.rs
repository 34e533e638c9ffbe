//! From the catalogue's episode page to bytes on disk, for every hoster: a fake catalogue serves
//! the episode page and its `/redirect/<id>` links, each hoster's embed page lives on a fake
//! hoster host, and the media (a direct MP4 with Range support, or an HLS master and media
//! playlist with segments, AES-128 for some) on a separate fake media host; the media is real
//! (the clip of `aniworld_testkit::media`). The real [`Resolver`] (catalogue client + HTTP
//! fetcher) picks the media source, and the queue's `fetch_media` writes it, checked with
//! ffprobe when the machine has it and without the ffmpeg remux; the final file must equal the
//! served media byte for byte (HLS: the decrypted segments in order) and no `.part` file may
//! remain. Also: fallback from a broken
//! preferred hoster, every hoster broken, and a permanently broken media host.

mod disk_support;
mod hoster_support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aniworld_core::config::ProviderConfig;
use aniworld_core::ports::{CancelToken, MediaKind, MediaSource, SourceErrorKind, StreamResolver};
use aniworld_core::{EpisodeId, Language};
use aniworld_provider::catalogue::{Catalogue, CatalogueOptions};
use aniworld_provider::hosters::{self, Hoster};
use aniworld_provider::http::HttpOptions;
use aniworld_provider::resolver::Resolver;
use aniworld_queue::download::{DownloadError, FetchOptions, HostBudget, VerifyMode, fetch_media};
use aniworld_testkit::{FakeResponse, FakeServer};
use disk_support::{Shape2026, direct_media, hls_media, media_for, serve_dood_mirror};
use disk_support::{serve_embed, serve_embed_2026, serve_unavailable};

const KEY: &str = "demon-slayer-kimetsu-no-yaiba";

/// The catalogue's episode page (the real fixture) with its hoster list replaced by `links`:
/// (redirect id, hoster name), all German Dub.
fn episode_page(links: &[(u32, &str)]) -> String {
    let path = format!(
        "{}/tests/fixtures/catalogue/episode_all_languages.html",
        env!("CARGO_MANIFEST_DIR")
    );
    let html = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let video = html
        .find("class=\"hosterSiteVideo\"")
        .expect("hoster block");
    let start = video + html[video..].find("<ul class=\"row\">").expect("list") + 16;
    let end = start + html[start..].find("</ul>").expect("list end");
    let items: String = links
        .iter()
        .map(|(id, name)| {
            format!(
                r#"
                    <li class="col-md-3 col-xs-12 col-sm-6 episodeLink{id}" data-lang-key="1" data-link-id="{id}" data-link-target="/redirect/{id}" data-external-embed="false">
                        <div>
                            <a class="watchEpisode" itemprop="url" href="/redirect/{id}" target="_blank">
                                <i class="icon {name}" title="Hoster {name}"></i>
                                <h4>{name}</h4>
                                <div class="hosterSiteVideoButton">Video öffnen</div>
                            </a>
                        </div>
                    </li>"#
            )
        })
        .collect();
    format!(
        "{}{items}\n                {}",
        &html[..start],
        &html[end..]
    )
}

/// A fake catalogue whose episode 1 offers `links`: (hoster, embed URL) in page order.
struct Site {
    _server: FakeServer,
    catalogue: Arc<Catalogue>,
}

fn site(links: &[(&str, String)]) -> Site {
    site_with(links, &[])
}

/// [`site`] whose client resolves each of `hosts` to 127.0.0.1 (`provider.dns_overrides`), so
/// hoster pages can live on real mirror domain names.
fn site_with(links: &[(&str, String)], hosts: &[&str]) -> Site {
    let server = FakeServer::start();
    let ids: Vec<(u32, &str)> = links
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (3_100_000 + i as u32, *name))
        .collect();
    server.serve(
        &format!("/anime/stream/{KEY}/staffel-1/episode-1"),
        FakeResponse::html(episode_page(&ids)),
    );
    for ((id, _), (_, embed)) in ids.iter().zip(links) {
        server.serve(&format!("/redirect/{id}"), FakeResponse::redirect(embed));
    }
    let cfg = ProviderConfig {
        base_url: server.url(),
        min_request_interval_ms: 1,
        timeout_seconds: 10,
        max_retries: 1,
        dns_overrides: hosts
            .iter()
            .map(|h| (h.to_string(), "127.0.0.1".to_string()))
            .collect(),
        ..ProviderConfig::default()
    };
    let opts = CatalogueOptions {
        http: HttpOptions {
            backoff_base: Duration::from_millis(2),
            backoff_max: Duration::from_millis(10),
            ..HttpOptions::default()
        },
        ..CatalogueOptions::default()
    };
    Site {
        catalogue: Arc::new(Catalogue::with_options(&cfg, opts).unwrap()),
        _server: server,
    }
}

impl Site {
    fn resolver(&self) -> Resolver {
        Resolver::new(self.catalogue.clone(), self.catalogue.http().clone())
    }
}

/// A hoster host on which every page answers HTTP 502.
fn broken_host() -> FakeServer {
    let s = FakeServer::start();
    s.route("/*", |_| {
        FakeResponse::html("<h1>502 Bad Gateway</h1>").with_status(502)
    });
    s
}

fn opts() -> FetchOptions {
    FetchOptions {
        segment_concurrency: 3,
        max_resolution: None,
        budget: Arc::new(HostBudget::unlimited()),
        // No remux, so the file keeps the served bytes; real media, so ffprobe may check it.
        use_ffmpeg: false,
        remux_in_process: true,
        verify: VerifyMode::Auto,
        tool_dirs: None,
        // A cut transfer is noticed when reads stall, so keep the wait short on localhost.
        timeout: Duration::from_secs(2),
        segment_retries: 3,
        retry_backoff: Duration::from_millis(5),
    }
}

/// A library folder with an existing series folder; returns it and the episode's final path.
fn target() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let series = dir.path().join("Demon Slayer (2019)");
    std::fs::create_dir(&series).unwrap();
    let file = series
        .join("Season 01")
        .join("Demon Slayer - S01E001 - (German Dub).mp4");
    (dir, file)
}

/// Names of the files in `file`'s folder (empty when the folder does not exist).
fn files_beside(file: &Path) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(file.parent().unwrap()) else {
        return Vec::new();
    };
    let mut names: Vec<String> = dir
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn resolve(r: &Resolver, hosters: &[&str]) -> MediaSource {
    let prefs: Vec<String> = hosters.iter().map(|s| s.to_string()).collect();
    let (media, _) = r
        .resolve(
            KEY,
            EpisodeId::new(1, 1),
            &Language::DEFAULT_PREFERENCE,
            &prefs,
            &CancelToken::new(),
        )
        .unwrap_or_else(|(e, attempts)| panic!("{e:?} {attempts:?}"));
    media
}

fn download(media: &MediaSource, file: &Path) -> Result<u64, DownloadError> {
    fetch_media(media, file, &opts(), &|_| {}, &CancelToken::new()).map(|o| o.bytes)
}

/// Catalogue -> redirect -> `h`'s embed page -> media -> file on disk, byte-identical.
fn embed_page_to_disk(h: Hoster, seed: u64) {
    let media = media_for(h, seed);
    let embed = FakeServer::start();
    let embed_url = serve_embed(h, &embed, &media.url);
    let site = site(&[(h.name(), embed_url)]);
    to_disk(h, &site, &media);
}

/// Resolves the episode of `site` (whose only link is hoster `h`), downloads it and checks the
/// file against `media`, the leftovers, the health record and the variant choice.
fn to_disk(h: Hoster, site: &Site, media: &disk_support::Media) -> MediaSource {
    let r = site.resolver();
    let source = resolve(&r, &[h.name()]);
    assert_eq!(source.hoster, h.name());
    assert_eq!(source.language, Language::GermanDub);
    let (_dir, file) = target();
    let bytes = download(&source, &file).unwrap_or_else(|e| panic!("{}: {e}", h.name()));
    let on_disk = std::fs::read(&file).unwrap();
    assert!(
        on_disk == media.expected,
        "{}: the file differs from the served media",
        h.name()
    );
    assert_eq!(bytes, media.expected.len() as u64);
    assert_eq!(
        files_beside(&file),
        [file.file_name().unwrap().to_string_lossy()]
    );
    let health = r.health();
    assert_eq!(
        (health[h.name()].successes, health[h.name()].failures),
        (1, 0)
    );
    let media_hits = media.server.requests();
    assert!(!media_hits.is_empty());
    match source.kind {
        MediaKind::Hls => {
            let dir = format!("/hls/{}", h.name().to_ascii_lowercase());
            assert_eq!(
                media.server.hits(&format!("{dir}/v360/s0.ts")),
                0,
                "{}: best variant",
                h.name()
            );
            assert!(media_hits.iter().all(|r| !r.path.contains("iframes")));
        }
        MediaKind::Direct => {}
    }
    source
}

#[test]
fn voe_current_generation_hls_aes_to_disk() {
    embed_page_to_disk(Hoster::Voe, 1);
}

#[test]
fn doodstream_direct_resumed_to_disk() {
    embed_page_to_disk(Hoster::Doodstream, 2);
}

#[test]
fn vidoza_direct_to_disk() {
    embed_page_to_disk(Hoster::Vidoza, 3);
}

#[test]
fn streamtape_redirected_direct_resumed_to_disk() {
    embed_page_to_disk(Hoster::Streamtape, 4);
}

#[test]
fn filemoon_packed_player_hls_to_disk() {
    embed_page_to_disk(Hoster::Filemoon, 5);
}

#[test]
fn vidmoly_hls_aes_to_disk() {
    embed_page_to_disk(Hoster::Vidmoly, 6);
}

#[test]
fn speedfiles_direct_to_disk() {
    embed_page_to_disk(Hoster::SpeedFiles, 7);
}

#[test]
fn loadx_hls_to_disk() {
    embed_page_to_disk(Hoster::LoadX, 8);
}

#[test]
fn luluvdo_hls_to_disk() {
    embed_page_to_disk(Hoster::Luluvdo, 9);
}

#[test]
fn a_resumed_direct_download_asked_for_the_rest_with_range() {
    let media = direct_media("resume", 11, true);
    let embed = FakeServer::start();
    let url = serve_embed(Hoster::Vidoza, &embed, &media.url);
    let site = site(&[("Vidoza", url)]);
    let source = resolve(&site.resolver(), &["Vidoza"]);
    let (_dir, file) = target();
    download(&source, &file).unwrap();
    assert!(std::fs::read(&file).unwrap() == media.expected);
    let reqs = media.server.requests();
    assert!(reqs.len() >= 2, "{} request(s)", reqs.len());
    let range = reqs
        .last()
        .unwrap()
        .header("range")
        .unwrap_or_default()
        .to_string();
    assert!(
        range.starts_with("bytes=") && !range.starts_with("bytes=0-"),
        "{range}"
    );
}

#[test]
fn a_broken_preferred_hoster_falls_back_to_the_next_one_on_disk() {
    let dead = broken_host();
    let media = media_for(Hoster::Vidmoly, 21);
    let embed = FakeServer::start();
    let vidmoly = serve_embed(Hoster::Vidmoly, &embed, &media.url);
    let site = site(&[
        ("Vidmoly", vidmoly),
        ("VOE", format!("{}/e/v0e1", dead.url())),
    ]);
    let r = site.resolver();
    let prefs: Vec<String> = ["VOE", "Vidmoly"].iter().map(|s| s.to_string()).collect();
    let (source, attempts) = r
        .resolve(
            KEY,
            EpisodeId::new(1, 1),
            &Language::DEFAULT_PREFERENCE,
            &prefs,
            &CancelToken::new(),
        )
        .unwrap_or_else(|(e, a)| panic!("{e:?} {a:?}"));
    assert_eq!(source.hoster, "Vidmoly");
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0].hoster, "VOE");
    assert!(attempts[0].error.contains("502"), "{}", attempts[0].error);
    assert!(dead.hits("/e/v0e1") >= 1, "the preferred hoster was tried");
    let (_dir, file) = target();
    download(&source, &file).unwrap();
    assert!(std::fs::read(&file).unwrap() == media.expected);
    assert_eq!(files_beside(&file).len(), 1);
    let health = r.health();
    assert_eq!((health["VOE"].successes, health["VOE"].failures), (0, 1));
    assert_eq!(
        (health["Vidmoly"].successes, health["Vidmoly"].failures),
        (1, 0)
    );
}

#[test]
fn every_hoster_broken_is_a_typed_error_and_no_file() {
    let dead = broken_host();
    let links: Vec<(&str, String)> = Hoster::ALL
        .iter()
        .map(|h| {
            (
                h.name(),
                format!("{}/e/{}", dead.url(), h.name().to_ascii_lowercase()),
            )
        })
        .collect();
    let site = site(&links);
    let r = site.resolver();
    let (_dir, file) = target();
    let (err, attempts) = r
        .resolve(
            KEY,
            EpisodeId::new(1, 1),
            &Language::DEFAULT_PREFERENCE,
            &[],
            &CancelToken::new(),
        )
        .unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Network, "{err:?}");
    assert_eq!(attempts.len(), Hoster::ALL.len());
    for h in Hoster::ALL {
        assert!(
            err.message.contains(h.name()),
            "{} lacks {}",
            err.message,
            h.name()
        );
        assert_eq!(r.health()[h.name()].failures, 1);
    }
    assert!(!file.exists());
    assert!(files_beside(&file).is_empty());
}

#[test]
fn a_permanently_broken_media_host_is_a_typed_error_and_no_final_file() {
    let media_host = FakeServer::start();
    media_host.route("/*", |_| {
        FakeResponse::html("<h1>Service Unavailable</h1>").with_status(503)
    });
    let embed = FakeServer::start();
    let url = serve_embed(
        Hoster::Vidoza,
        &embed,
        &format!("{}/files/gone.mp4", media_host.url()),
    );
    let site = site(&[("Vidoza", url)]);
    let source = resolve(&site.resolver(), &["Vidoza"]);
    let (_dir, file) = target();
    let err = download(&source, &file).unwrap_err();
    assert!(
        matches!(
            err,
            DownloadError::Http { status: 503, .. } | DownloadError::Network { .. }
        ),
        "{err:?}"
    );
    assert!(!file.exists());
}

/// A 2026 page shape of `shape`'s hoster, from the catalogue to bytes on disk.
fn shape_2026_to_disk(shape: Shape2026, seed: u64) -> (MediaSource, disk_support::Media) {
    let h = shape.hoster();
    let media = media_for(h, seed);
    let embed = FakeServer::start();
    let url = serve_embed_2026(shape, &embed, &media.server, &media.url);
    let site = site(&[(h.name(), url)]);
    let source = to_disk(h, &site, &media);
    (source, media)
}

#[test]
fn streamtape_2026_captchalink_arithmetic_to_disk() {
    let (source, _media) = shape_2026_to_disk(Shape2026::StreamtapeCaptchalink, 31);
    assert!(source.url.contains("token=g00dT0k"), "{}", source.url);
    assert!(source.url.ends_with("&stream=1"), "{}", source.url);
}

/// The link written into `norobotlink` with `('xyz<token>').substring(2).substring(1)`, after a
/// decoy line with a wrong token.
#[test]
fn streamtape_2026_norobotlink_substring_chain_to_disk() {
    let (source, _media) = shape_2026_to_disk(Shape2026::StreamtapeNorobotlink, 35);
    assert!(
        source
            .url
            .ends_with("/get_video?id=StNo26&expires=1767225600&ip=F0x&token=n0R0b0t&stream=1"),
        "{}",
        source.url
    );
}

#[test]
fn vidmoly_dash_manifest_first_is_skipped_to_disk() {
    let (source, media) = shape_2026_to_disk(Shape2026::VidmolyDashFirst, 32);
    assert_eq!(source.kind, MediaKind::Hls);
    assert!(source.url.ends_with("master.m3u8"), "{}", source.url);
    assert_eq!(
        media.server.hits("/dash/manifest.mpd"),
        0,
        "the DASH manifest is never fetched"
    );
}

#[test]
fn filemoon_2026_byse_front_end_to_disk() {
    let (source, media) = shape_2026_to_disk(Shape2026::FilemoonByse, 33);
    assert_eq!(source.kind, MediaKind::Hls);
    assert_eq!(source.url, media.url);
}

/// A page listing only a DASH manifest: the attempt fails with a typed reason naming the format
/// (no URL in it), the manifest is never fetched, and the resolver reports every hoster failed.
#[test]
fn vidmoly_with_only_dash_is_a_typed_no_usable_stream_error() {
    let embed = FakeServer::start();
    let media = hls_media("dashonly", 34, false);
    let dash = format!("{}/dash/manifest.mpd", media.server.url());
    let html = std::fs::read_to_string(format!(
        "{}/tests/fixtures/hosters/vidmoly_dash_first.html",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace(r#", {file:"{{HLS}}", type: "hls"}"#, "")
    .replace("{{DASH}}", &dash);
    embed.serve("/embed-d1.html", FakeResponse::html(html));
    let site = site(&[("Vidmoly", format!("{}/embed-d1.html", embed.url()))]);
    let (err, attempts) = site
        .resolver()
        .resolve(
            KEY,
            EpisodeId::new(1, 1),
            &Language::DEFAULT_PREFERENCE,
            &[],
            &CancelToken::new(),
        )
        .unwrap_err();
    assert_eq!(err.kind, SourceErrorKind::Layout, "{err:?}");
    assert_eq!(
        attempts[0].error,
        "Vidmoly: offers this video only as DASH, which cannot be downloaded"
    );
    assert_eq!(media.server.hits("/dash/manifest.mpd"), 0);
}

/// Doodstream's mirrors of 2026 by their real names (resolved to the fake host): each serves
/// the 2026 page, whose script (not the pass_md5 path) carries the token; d000d.com moves the
/// page to myvidplay.com, and every follow-up request goes to the host that served the page.
#[test]
fn doodstream_mirror_domains_and_the_script_token_to_disk() {
    const MIRRORS: [&str; 4] = ["playmogo.com", "dsvplay.com", "d000d.com", "myvidplay.com"];
    for (i, mirror) in MIRRORS.into_iter().enumerate() {
        let media = direct_media(&format!("dm{i}"), 40 + i as u64, i == 0);
        let embed = FakeServer::start();
        let moved = (mirror == "d000d.com").then_some("myvidplay.com");
        let code = format!("m26c{i}");
        let token = format!("sCr1pTt0k{i}");
        let url = serve_dood_mirror(&embed, mirror, moved, &code, &token, &media.url);
        let site = site_with(&[("Doodstream", url.clone())], &MIRRORS);
        let source = to_disk(Hoster::Doodstream, &site, &media);
        let query = source.url.split_once('?').map(|q| q.1).unwrap_or_default();
        assert!(
            query.starts_with(&format!("token={token}&expiry=")),
            "{mirror}: the token of the page script, not the path's {code}x: {}",
            source.url
        );
        let final_host = moved.unwrap_or(mirror);
        let port = embed.addr().port();
        assert_eq!(
            source
                .headers
                .iter()
                .find(|(k, _)| k == "Referer")
                .map(|(_, v)| v.as_str()),
            Some(format!("http://{final_host}:{port}/").as_str()),
            "{mirror}"
        );
        let pass_hosts: Vec<String> = embed
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/pass_md5/"))
            .map(|r| r.header("host").unwrap_or_default().to_string())
            .collect();
        assert_eq!(pass_hosts, [format!("{final_host}:{port}")], "{mirror}");
        // A link the catalogue does not name is recognised by its mirror domain.
        assert_eq!(Hoster::from_url(&url), Some(Hoster::Doodstream), "{mirror}");
        let unnamed = hosters::extract(
            &**site.catalogue.http(),
            "Anbieter",
            &url,
            Language::GermanDub,
        )
        .unwrap_or_else(|e| panic!("{mirror}: {e:?}"));
        assert_eq!(unnamed.hoster, "Doodstream", "{mirror}");
    }
}

/// The answers of 2026 next to those pages: a bare 404 embed page, a Cloudflare browser check
/// (403, met by the catalogue's client, which then leaves that hoster host alone for its
/// cool-down) and a "not available in your country" page become the same typed reasons, in
/// plain words without the hosters' URLs, and the next hoster's media reaches the disk.
#[test]
fn gone_challenged_and_geo_blocked_hosters_are_typed_and_skipped_to_disk() {
    let hosts: Vec<FakeServer> = (0..3).map(|_| FakeServer::start()).collect();
    let media = media_for(Hoster::Vidoza, 52);
    let working = FakeServer::start();
    let vidoza = serve_embed(Hoster::Vidoza, &working, &media.url);
    let site = site(&[
        ("VOE", serve_unavailable(&hosts[0], "gone")),
        ("Doodstream", serve_unavailable(&hosts[1], "challenge")),
        ("Streamtape", serve_unavailable(&hosts[2], "geo")),
        ("Vidoza", vidoza),
    ]);
    let prefs: Vec<String> = ["VOE", "Doodstream", "Streamtape", "Vidoza"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let r = site.resolver();
    let (source, attempts) = r
        .resolve(
            KEY,
            EpisodeId::new(1, 1),
            &Language::DEFAULT_PREFERENCE,
            &prefs,
            &CancelToken::new(),
        )
        .unwrap_or_else(|(e, a)| panic!("{e:?} {a:?}"));
    assert_eq!(source.hoster, "Vidoza");
    let reasons: Vec<&str> = attempts.iter().map(|a| a.error.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "VOE: the video was deleted from this hoster (the hoster answers 404 Not Found)",
            "Doodstream: the hoster asks for a human verification (an anti-bot browser check), \
             which cannot be done automatically",
            "Streamtape: blocked for this address: the hoster refuses downloads from this network \
             or country (the page says \"not available in your country\")",
        ]
    );
    // A deleted video says nothing about the hoster; the others count against it.
    let health = r.health();
    assert_eq!(health["VOE"].consecutive_failures, 0, "{health:?}");
    assert_eq!(health["Doodstream"].consecutive_failures, 1, "{health:?}");
    let (_dir, file) = target();
    download(&source, &file).unwrap();
    assert!(std::fs::read(&file).unwrap() == media.expected);
    // The challenged host is not asked again during its cool-down; the reason stays the same.
    let before = hosts[1].requests().len();
    let (_, again) = r
        .resolve(
            KEY,
            EpisodeId::new(1, 1),
            &Language::DEFAULT_PREFERENCE,
            &prefs,
            &CancelToken::new(),
        )
        .unwrap_or_else(|(e, a)| panic!("{e:?} {a:?}"));
    assert_eq!(hosts[1].requests().len(), before);
    assert_eq!(again[1].error, reasons[1]);
}

/// Hoster answers that mean "deleted", "verification required" and "blocked for this address"
/// become typed reasons in the attempts, and the resolver moves on to the next hoster, whose
/// media reaches the disk.
#[test]
fn deleted_verification_and_blocked_hosters_are_typed_and_skipped_to_disk() {
    let embed = FakeServer::start();
    let media = media_for(Hoster::Vidoza, 51);
    let working = FakeServer::start();
    let vidoza = serve_embed(Hoster::Vidoza, &working, &media.url);
    let site = site(&[
        ("VOE", serve_unavailable(&embed, "deleted")),
        ("Doodstream", serve_unavailable(&embed, "verification")),
        ("Streamtape", serve_unavailable(&embed, "blocked")),
        ("Vidoza", vidoza),
    ]);
    let r = site.resolver();
    let prefs: Vec<String> = ["VOE", "Doodstream", "Streamtape", "Vidoza"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (source, attempts) = r
        .resolve(
            KEY,
            EpisodeId::new(1, 1),
            &Language::DEFAULT_PREFERENCE,
            &prefs,
            &CancelToken::new(),
        )
        .unwrap_or_else(|(e, a)| panic!("{e:?} {a:?}"));
    assert_eq!(source.hoster, "Vidoza");
    let reasons: Vec<(&str, &str)> = attempts
        .iter()
        .map(|a| (a.hoster.as_str(), a.error.as_str()))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(
        reasons[0].1.contains("the video was deleted"),
        "{reasons:?}"
    );
    assert!(
        reasons[1].1.contains("human verification") && reasons[1].1.contains("Turnstile"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].1.contains("blocked for this address"),
        "{reasons:?}"
    );
    let (_dir, file) = target();
    download(&source, &file).unwrap();
    assert!(std::fs::read(&file).unwrap() == media.expected);

    // With no working hoster left, the error names every reason and is not a site wall.
    let only_bad = site_with(
        &[
            ("VOE", format!("{}/e/deleted", embed.url())),
            ("Doodstream", format!("{}/e/verification", embed.url())),
            ("Streamtape", format!("{}/e/blocked", embed.url())),
        ],
        &[],
    );
    let (err, attempts) = only_bad
        .resolver()
        .resolve(
            KEY,
            EpisodeId::new(1, 1),
            &Language::DEFAULT_PREFERENCE,
            &[],
            &CancelToken::new(),
        )
        .unwrap_err();
    assert_eq!(attempts.len(), 3);
    assert_eq!(err.kind, SourceErrorKind::Blocked, "{err:?}");
    assert!(
        err.wait.is_none(),
        "a hoster's captcha does not make the item wait"
    );
    for needle in ["deleted", "human verification", "blocked for this address"] {
        assert!(
            err.message.contains(needle),
            "{} lacks {needle}",
            err.message
        );
    }
}
