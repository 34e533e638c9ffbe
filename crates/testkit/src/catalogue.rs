//! A fake catalogue site on 127.0.0.1 that plays either page engine (provider-reference sections
//! 0-6.1) on either site family, for tests of the catalogue client, the resolver and the API.
//!
//! **Engines.** [`Engine::Legacy`] serves aniworld's pre-December-2026 pages: `POST /ajax/search`
//! (JSON list with `<em>` markup, entities, episode and FAQ entries), `GET /ajax/seriesSearch`, the
//! series page with `div.hosterSiteDirectNav#stream`, `table.seasonEpisodesList` season pages and
//! episode pages with `li[data-lang-key][data-link-target="/redirect/<id>"]`. [`Engine::V2`] serves
//! the Bootstrap/Laravel pages in the shape of the fixtures in
//! `crates/provider/tests/fixtures/catalogue/v2/`: `GET /api/search/suggest?term=` (JSON),
//! `GET /suche?term=[&page=N]` (HTML, [`FakeCatalogue::search_page_size`] hits per page, `rel=next`),
//! series pages with `#season-nav`, season pages with `tr.episode-row`, episode pages with
//! `#episode-links button.link-box[data-play-url="/r?t=<token>"]`.
//!
//! **Families.** [`Family::Aniworld`] serves `/anime/stream/<slug>/…`; with
//! [`FakeSite::short_anime_paths`] the pages live at `/anime/<slug>/…` and `/anime/stream/<slug>/…`
//! answers a 301 there. [`Family::Sto`] serves `/serie/<slug>/…` and answers `/serie/stream/<slug>/…`
//! with a 301 there (whatever the engine). Page links always use the family's serving paths.
//!
//! **Play links.** Each (episode, language, hoster) configured on a series (default: German Dub
//! VOE and German Sub VOE; see [`FakeSeries::links`] and [`FakeSeries::episode_links`]) is one
//! link. A play link (`/redirect/<id>` or `/r?t=<token>`) answers a 302 to the hoster embed URL
//! that [`FakeCatalogue::hoster_target`] computes from its [`PlayTarget`] (default
//! `https://<hoster>.example/e/<key>-s<S>e<E>-<language>`; [`FakeCatalogue::hoster_base`] gives
//! `<base>/e/<key>-s<S>e<E>`). v2 tokens are fresh on every fetch of an episode page; with
//! [`FakeCatalogue::expire_first_tokens`] the tokens of an episode's first fetch answer 419
//! (Laravel's "page expired"; see [`FakeCatalogue::expired_status`]) and those of later fetches
//! work. Every play-link request is recorded with its time ([`FakeCatalogue::play_requests`]).
//!
//! **Verification wall.** After [`FakeCatalogue::gate_after`]`(n)` successful play-link
//! redirects, play links answer the gate interstitial (status 200, or
//! [`FakeCatalogue::gate_status`]) and episode pages carry the gate markers, until
//! [`FakeCatalogue::lift_gate`] or until [`FakeCatalogue::gate_lifts_after`] has passed since the
//! wall went up; then the count starts again.
//!
//! **Sessions.** With [`FakeCatalogue::require_cookie`], pages show the signed-in markers
//! (`form[action="/logout"]`, `a[href^="/user/"]`) only to requests sending that cookie, and
//! episode pages answer the sign-in page (200) otherwise. `GET /login` always answers it.
//!
//! **Change signals.** `GET /neue-episoden` lists the episodes announced with
//! [`FakeCatalogue::announce`] (or [`FakeCatalogue::release_episode`]), newest first, in each
//! engine's shape (legacy: `div.newEpisodeList` rows of `<a href>`; v2: `tr` rows whose link is
//! only in `onclick`), beside a box of series links (popular series) that a client must not
//! take for new episodes; [`FakeCatalogue::new_episodes_gone`] makes it answer 404. With
//! [`FakeCatalogue::send_validators`], series pages carry an `ETag` and a `Last-Modified` that
//! change with the series, and a request whose `If-None-Match` (or `If-Modified-Since`) matches
//! is answered 304 with no body ([`FakeCatalogue::not_modified_answers`]). A series is shown as
//! ended (an end year) when it has a year, unless it is [`FakeSeries::ongoing`].
//!
//! **Other answers.** Unknown series: the engine's not-found page with 404. A series marked
//! [`FakeSeries::unknown_layout`] answers every page with a 200 page of neither engine; one
//! marked [`FakeSeries::movies_page_missing`] links a movies page that answers 404.
//! [`FakeCatalogue::override_series`] answers a series' pages with any response and
//! [`FakeCatalogue::hold_series_pages`] holds series pages until a [`Gate`] opens.

mod legacy;
mod raw;
mod routes;
mod tokens;
mod v2;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aniworld_core::{EpisodeId, Language};
use serde_json::Value;

pub use raw::{RawResponse, get};
use routes::{dispatch, episode_path};
use tokens::{laravel_token, url_encode};

use crate::{FakeResponse, FakeServer, Gate, RecordedRequest};

/// The legacy engine's anti-bot challenge page (DDoS-Guard, served with 403).
pub const CHALLENGE_PAGE: &str =
    include_str!("../../provider/tests/fixtures/catalogue/ddos_guard_challenge.html");

/// A Cloudflare managed-challenge page ("Just a moment...", served with 403).
pub const CLOUDFLARE_CHALLENGE_PAGE: &str =
    include_str!("../../provider/tests/fixtures/catalogue/v2/challenge_cloudflare.html");

/// The user name the signed-in pages show (`/user/fake-user`).
pub const FAKE_USER: &str = "fake-user";

/// Which page engine the site runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// aniworld's engine before December 2026 (and s.to's before 2026).
    Legacy,
    /// The Bootstrap/Laravel engine (s.to since January 2026, aniworld since December 2026).
    V2,
}

/// Which site's URL family the pages live under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/anime/stream/<slug>` (or `/anime/<slug>` with short paths).
    Aniworld,
    /// `/serie/<slug>`, with `/serie/stream/<slug>` redirecting there.
    Sto,
}

/// What kind of site the fake plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FakeSite {
    /// The page engine.
    pub engine: Engine,
    /// The URL family.
    pub family: Family,
    /// Aniworld family only: pages live at `/anime/<slug>` and `/anime/stream/<slug>` answers a
    /// 301 there.
    pub short_anime_paths: bool,
}

impl Default for FakeSite {
    fn default() -> Self {
        Self::legacy_aniworld()
    }
}

impl FakeSite {
    /// An engine on a family, long paths.
    pub fn new(engine: Engine, family: Family) -> Self {
        Self {
            engine,
            family,
            short_anime_paths: false,
        }
    }

    /// aniworld.to before December 2026: legacy engine, `/anime/stream/<slug>`.
    pub fn legacy_aniworld() -> Self {
        Self::new(Engine::Legacy, Family::Aniworld)
    }

    /// aniworld.to since December 2026: v2 engine, pages at `/anime/<slug>`, 301 from
    /// `/anime/stream/<slug>`.
    pub fn v2_aniworld() -> Self {
        Self::new(Engine::V2, Family::Aniworld).short_anime_paths(true)
    }

    /// s.to (serienstream.to) since January 2026: v2 engine, `/serie/<slug>`.
    pub fn v2_sto() -> Self {
        Self::new(Engine::V2, Family::Sto)
    }

    /// Sets [`FakeSite::short_anime_paths`].
    pub fn short_anime_paths(mut self, on: bool) -> Self {
        self.short_anime_paths = on;
        self
    }

    /// The path prefix pages are served under (`/anime/stream/`, `/anime/`, `/serie/`).
    fn prefix(&self) -> &'static str {
        match self.family {
            Family::Aniworld if self.short_anime_paths => "/anime/",
            Family::Aniworld => "/anime/stream/",
            Family::Sto => "/serie/",
        }
    }

    /// The prefix that answers a 301 to [`FakeSite::prefix`], if any.
    fn moved_prefix(&self) -> Option<&'static str> {
        match self.family {
            Family::Aniworld if self.short_anime_paths => Some("/anime/stream/"),
            Family::Aniworld => None,
            Family::Sto => Some("/serie/stream/"),
        }
    }
}

/// The (language, hoster) links of an episode.
pub type Links = Vec<(Language, String)>;

/// One series of the fake catalogue.
#[derive(Debug, Clone)]
pub struct FakeSeries {
    /// Key (slug).
    pub key: String,
    /// Title shown on the page.
    pub title: String,
    /// First year.
    pub year: Option<i32>,
    /// Full description.
    pub description: String,
    /// Season number -> number of episodes (1..=n).
    pub seasons: BTreeMap<u32, u32>,
    /// Number of movies (season 0); 0 = no movies page.
    pub movies: u32,
    /// The (language, hoster) links of every episode without its own list.
    pub links: Links,
    /// Per-episode link lists.
    pub episode_links: BTreeMap<EpisodeId, Links>,
    /// Every page of the series is a page of neither engine (status 200).
    pub unknown_layout: bool,
    /// The series page links its movies, but the movies page answers the not-found page (404).
    pub movies_page_missing: bool,
    /// Still running: the page shows no end year ("Heute" / "NA") instead of `year + 1`.
    pub ongoing: bool,
}

impl FakeSeries {
    /// A series with the given seasons (`(season, episodes)`), no movies, no year, and German
    /// Dub VOE plus German Sub VOE on every episode.
    pub fn new(key: &str, title: &str, seasons: &[(u32, u32)]) -> Self {
        Self {
            key: key.into(),
            title: title.into(),
            year: None,
            description: format!("{title} & friends – die ganze Geschichte."),
            seasons: seasons.iter().copied().collect(),
            movies: 0,
            links: vec![
                (Language::GermanDub, "VOE".into()),
                (Language::GermanSub, "VOE".into()),
            ],
            episode_links: BTreeMap::new(),
            unknown_layout: false,
            movies_page_missing: false,
            ongoing: false,
        }
    }

    /// Marks the series as still running (no end year on its page).
    pub fn ongoing(mut self) -> Self {
        self.ongoing = true;
        self
    }

    /// Sets the first year.
    pub fn year(mut self, year: i32) -> Self {
        self.year = Some(year);
        self
    }

    /// Sets the number of movies.
    pub fn movies(mut self, n: u32) -> Self {
        self.movies = n;
        self
    }

    /// Sets the (language, hoster) links of every episode (`&[(Language::EnglishDub, "VOE")]`).
    pub fn links(mut self, links: &[(Language, &str)]) -> Self {
        self.links = to_links(links);
        self
    }

    /// Sets the links of one episode (or movie, season 0).
    pub fn episode_links(mut self, id: EpisodeId, links: &[(Language, &str)]) -> Self {
        self.episode_links.insert(id, to_links(links));
        self
    }

    /// Makes every page of the series a page of neither engine.
    pub fn unknown_layout(mut self) -> Self {
        self.unknown_layout = true;
        self
    }

    /// Keeps the `Filme` link on the series page (at least one movie is announced) but makes
    /// the movies page answer the engine's not-found page with 404.
    pub fn movies_page_missing(mut self) -> Self {
        self.movies = self.movies.max(1);
        self.movies_page_missing = true;
        self
    }

    /// The links of an episode.
    pub fn links_of(&self, id: EpisodeId) -> &Links {
        self.episode_links.get(&id).unwrap_or(&self.links)
    }

    /// Whether the episode (or movie) exists.
    pub fn has_episode(&self, id: EpisodeId) -> bool {
        let count = if id.season == 0 {
            self.movies
        } else {
            self.seasons.get(&id.season).copied().unwrap_or(0)
        };
        (1..=count).contains(&id.episode)
    }

    /// The German title the pages show for an episode.
    pub fn title_de(id: EpisodeId) -> String {
        format!("Folge {} & mehr", id.episode)
    }

    /// The English title the pages show for an episode.
    pub fn title_en(id: EpisodeId) -> String {
        format!("Episode {}", id.episode)
    }
}

fn to_links(links: &[(Language, &str)]) -> Links {
    links.iter().map(|(l, h)| (*l, (*h).to_string())).collect()
}

/// What a play link stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlayTarget {
    /// Series key.
    pub key: String,
    /// Episode (season 0 = movie).
    pub episode: EpisodeId,
    /// Language of the link.
    pub language: Language,
    /// Hoster name (`VOE`).
    pub hoster: String,
}

impl PlayTarget {
    /// `<key>-s<season>e<episode>` (the embed code of [`FakeCatalogue::hoster_base`]).
    pub fn code(&self) -> String {
        format!(
            "{}-s{}e{}",
            self.key, self.episode.season, self.episode.episode
        )
    }

    /// A short language tag: `ger-dub`, `ger-sub`, `eng-sub`, `eng-dub`.
    pub fn language_tag(&self) -> &'static str {
        match self.language {
            Language::GermanDub => "ger-dub",
            Language::GermanSub => "ger-sub",
            Language::EnglishSub => "eng-sub",
            Language::EnglishDub => "eng-dub",
        }
    }
}

/// How a play-link request was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlayOutcome {
    /// 302 to this hoster URL.
    Redirect(String),
    /// The token had expired (419 or the configured status).
    Expired,
    /// The verification wall answered.
    Gate,
    /// No such token or id (403 for tokens, 404 for ids).
    Unknown,
}

/// One play-link request.
#[derive(Debug, Clone)]
pub struct PlayRequest {
    /// When it arrived.
    pub at: Instant,
    /// Path and query as requested.
    pub url: String,
    /// The link it stood for, when known.
    pub target: Option<PlayTarget>,
    /// How it was answered.
    pub outcome: PlayOutcome,
    /// Its `Cookie` header.
    pub cookie: Option<String>,
}

/// A special answer for the pages of one series.
type Override = Arc<dyn Fn(&RecordedRequest) -> FakeResponse + Send + Sync>;
/// Computes a play link's hoster URL.
type TargetFn = Arc<dyn Fn(&PlayTarget) -> String + Send + Sync>;

struct Token {
    target: PlayTarget,
    /// Which fetch of the episode page handed it out (1 = first).
    generation: u32,
}

struct Inner {
    site: FakeSite,
    series: BTreeMap<String, FakeSeries>,
    overrides: BTreeMap<String, Override>,
    hold: Option<Gate>,
    hoster_target: TargetFn,
    series_hits: HashMap<String, usize>,
    episode_hits: HashMap<(String, EpisodeId), u32>,
    link_ids: HashMap<PlayTarget, u64>,
    targets_by_id: HashMap<u64, PlayTarget>,
    next_id: u64,
    tokens: HashMap<String, Token>,
    token_seq: u64,
    expire_first_tokens: bool,
    expired_status: u16,
    play_requests: Vec<PlayRequest>,
    redirects: u32,
    gate_after: Option<u32>,
    gate_since: Option<Instant>,
    gate_lifts_after: Option<Duration>,
    gate_status: u16,
    required_cookie: Option<String>,
    suggest_gone: bool,
    search_page_size: usize,
    /// Announced new episodes, oldest first.
    new_episodes: Vec<(String, EpisodeId)>,
    new_episodes_gone: bool,
    send_validators: bool,
    not_modified: usize,
}

impl Inner {
    fn new(site: FakeSite) -> Self {
        Self {
            site,
            series: BTreeMap::new(),
            overrides: BTreeMap::new(),
            hold: None,
            hoster_target: Arc::new(|t: &PlayTarget| {
                format!(
                    "https://{}.example/e/{}-{}",
                    t.hoster.to_lowercase(),
                    t.code(),
                    t.language_tag()
                )
            }),
            series_hits: HashMap::new(),
            episode_hits: HashMap::new(),
            link_ids: HashMap::new(),
            targets_by_id: HashMap::new(),
            next_id: 2_738_955,
            tokens: HashMap::new(),
            token_seq: 0,
            expire_first_tokens: false,
            expired_status: 419,
            play_requests: Vec::new(),
            redirects: 0,
            gate_after: None,
            gate_since: None,
            gate_lifts_after: None,
            gate_status: 200,
            required_cookie: None,
            suggest_gone: false,
            search_page_size: 2,
            new_episodes: Vec::new(),
            new_episodes_gone: false,
            send_validators: false,
            not_modified: 0,
        }
    }

    /// The stable numeric id of a link (legacy `/redirect/<id>`, v2 `data-link-id`).
    fn link_id(&mut self, target: &PlayTarget) -> u64 {
        if let Some(id) = self.link_ids.get(target) {
            return *id;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.link_ids.insert(target.clone(), id);
        self.targets_by_id.insert(id, target.clone());
        id
    }

    /// A fresh v2 play token for `target`, URL-encoded as it appears in `data-play-url`.
    fn issue_token(&mut self, target: &PlayTarget, generation: u32) -> String {
        self.token_seq += 1;
        let raw = laravel_token(self.token_seq);
        self.tokens.insert(
            raw.clone(),
            Token {
                target: target.clone(),
                generation,
            },
        );
        url_encode(&raw)
    }

    /// Whether the wall is up now; lifts it when its time has passed.
    fn gate_up(&mut self) -> bool {
        match (self.gate_since, self.gate_lifts_after) {
            (Some(since), Some(d)) if since.elapsed() >= d => {
                self.gate_since = None;
                self.redirects = 0;
                false
            }
            (Some(_), _) => true,
            (None, _) => false,
        }
    }

    /// Whether a request carries the required cookie (always false without one configured).
    fn signed_in(&self, req: &RecordedRequest) -> bool {
        let Some(required) = &self.required_cookie else {
            return false;
        };
        let sent: Vec<&str> = req
            .header("cookie")
            .unwrap_or("")
            .split(';')
            .map(str::trim)
            .collect();
        required
            .split(';')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .all(|p| sent.contains(&p))
    }
}

/// The fake catalogue site.
pub struct FakeCatalogue {
    /// The server; its URL is the provider base URL.
    pub server: FakeServer,
    inner: Arc<Mutex<Inner>>,
}

impl FakeCatalogue {
    /// Starts the legacy aniworld site with no series (as the fake of the API tests did).
    pub fn start() -> Self {
        Self::start_with(FakeSite::legacy_aniworld())
    }

    /// Starts a site of the given kind with no series.
    pub fn start_with(site: FakeSite) -> Self {
        let server = FakeServer::start();
        let inner = Arc::new(Mutex::new(Inner::new(site)));
        let state = inner.clone();
        server.route("/*", move |req| dispatch(&state, req));
        Self { server, inner }
    }

    /// The kind of site.
    pub fn site(&self) -> FakeSite {
        self.lock().site
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The series link a user would paste: `/anime/stream/<key>` on the aniworld family (even
    /// with short paths, where it answers a 301), `/serie/<key>` on s.to.
    pub fn link(&self, key: &str) -> String {
        match self.site().family {
            Family::Aniworld => format!("{}/anime/stream/{key}", self.url()),
            Family::Sto => format!("{}/serie/{key}", self.url()),
        }
    }

    /// Where the series page is served (after the site's redirects).
    pub fn series_url(&self, key: &str) -> String {
        format!("{}{}{key}", self.url(), self.site().prefix())
    }

    /// Where an episode (or movie, season 0) page is served.
    pub fn episode_url(&self, key: &str, id: EpisodeId) -> String {
        format!("{}{}", self.url(), episode_path(&self.site(), key, id))
    }

    /// Adds or replaces a series.
    pub fn add(&self, series: FakeSeries) {
        self.lock().series.insert(series.key.clone(), series);
    }

    /// Changes a series in place.
    pub fn change(&self, key: &str, f: impl FnOnce(&mut FakeSeries)) {
        f(self.lock().series.get_mut(key).expect("known series"));
    }

    /// Answers every page of `key` with `f` instead of the generated page.
    pub fn override_series(
        &self,
        key: &str,
        f: impl Fn(&RecordedRequest) -> FakeResponse + Send + Sync + 'static,
    ) {
        self.lock().overrides.insert(key.into(), Arc::new(f));
    }

    /// Holds every series page until the returned gate opens (at most 60 s).
    pub fn hold_series_pages(&self) -> Gate {
        let gate = Gate::new();
        self.lock().hold = Some(gate.clone());
        gate
    }

    /// Requests for the series page of `key` so far (any family path; 301 answers not counted).
    pub fn series_page_hits(&self, key: &str) -> usize {
        self.lock().series_hits.get(key).copied().unwrap_or(0)
    }

    /// Fetches of an episode (or movie) page of `key` so far (301 answers not counted).
    pub fn episode_page_hits(&self, key: &str, id: EpisodeId) -> u32 {
        self.lock()
            .episode_hits
            .get(&(key.to_string(), id))
            .copied()
            .unwrap_or(0)
    }

    /// Play links redirect to `f(target)`.
    pub fn hoster_target(&self, f: impl Fn(&PlayTarget) -> String + Send + Sync + 'static) {
        self.lock().hoster_target = Arc::new(f);
    }

    /// Play links redirect to `<base>/e/<key>-s<S>e<E>` (every language and hoster alike).
    pub fn hoster_base(&self, base: &str) {
        let base = base.trim_end_matches('/').to_string();
        self.hoster_target(move |t| format!("{base}/e/{}", t.code()));
    }

    /// When on, the v2 tokens handed out by the first fetch of each episode page have expired.
    pub fn expire_first_tokens(&self, on: bool) {
        self.lock().expire_first_tokens = on;
    }

    /// The status an expired token answers (default 419; 403 is the other one seen).
    pub fn expired_status(&self, status: u16) {
        self.lock().expired_status = status;
    }

    /// Raises the verification wall after `n` more successful play-link redirects (counting
    /// from now); `gate_after(0)` raises it at once.
    pub fn gate_after(&self, n: u32) {
        let mut g = self.lock();
        g.gate_after = Some(n);
        g.redirects = 0;
        g.gate_since = (n == 0).then(Instant::now);
    }

    /// The wall lifts by itself this long after it went up.
    pub fn gate_lifts_after(&self, d: Duration) {
        self.lock().gate_lifts_after = Some(d);
    }

    /// The status of the wall's answer to a play link (default 200; 403 is the other one seen).
    pub fn gate_status(&self, status: u16) {
        self.lock().gate_status = status;
    }

    /// Lifts the wall; it goes up again after the configured number of redirects.
    pub fn lift_gate(&self) {
        let mut g = self.lock();
        g.gate_since = None;
        g.redirects = 0;
    }

    /// Whether the wall is up.
    pub fn gate_active(&self) -> bool {
        self.lock().gate_up()
    }

    /// Every play-link request so far, oldest first.
    pub fn play_requests(&self) -> Vec<PlayRequest> {
        self.lock().play_requests.clone()
    }

    /// Pages show the signed-in markers only to requests whose `Cookie` header holds every
    /// `name=value` pair of `cookie`; episode pages answer the sign-in page to the others.
    pub fn require_cookie(&self, cookie: &str) {
        self.lock().required_cookie = Some(cookie.to_string());
    }

    /// The path and `Cookie` header of every request so far.
    pub fn cookies(&self) -> Vec<(String, Option<String>)> {
        self.server
            .requests()
            .into_iter()
            .map(|r| {
                let cookie = r.header("cookie").map(str::to_string);
                (r.path, cookie)
            })
            .collect()
    }

    /// v2: `/api/search/suggest` answers the 404 page (the endpoint is gone), so clients must
    /// use `/suche`.
    pub fn suggest_gone(&self, on: bool) {
        self.lock().suggest_gone = on;
    }

    /// v2: hits per `/suche` page (default 2).
    pub fn search_page_size(&self, n: usize) {
        self.lock().search_page_size = n.max(1);
    }

    /// Lists episode `id` of `key` on `/neue-episoden` (newest first).
    pub fn announce(&self, key: &str, id: EpisodeId) {
        self.lock().new_episodes.push((key.to_string(), id));
    }

    /// Adds one episode to season `season` of `key` (creating the season) and announces it on
    /// `/neue-episoden`; returns its id.
    pub fn release_episode(&self, key: &str, season: u32) -> EpisodeId {
        let mut g = self.lock();
        let series = g.series.get_mut(key).expect("known series");
        let count = series.seasons.entry(season).or_insert(0);
        *count += 1;
        let id = EpisodeId::new(season, *count);
        g.new_episodes.push((key.to_string(), id));
        id
    }

    /// When on, `/neue-episoden` answers the not-found page (404): no change signal.
    pub fn new_episodes_gone(&self, on: bool) {
        self.lock().new_episodes_gone = on;
    }

    /// When on, series pages carry `ETag` and `Last-Modified` and answer 304 to a matching
    /// `If-None-Match` / `If-Modified-Since`.
    pub fn send_validators(&self, on: bool) {
        self.lock().send_validators = on;
    }

    /// Series page requests answered 304 Not Modified so far.
    pub fn not_modified_answers(&self) -> usize {
        self.lock().not_modified
    }

    /// Requests the fake has answered so far (every path, 301s included).
    pub fn request_count(&self) -> usize {
        self.server.requests().len()
    }
}

/// Escapes text for HTML content and attributes.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#039;")
}

/// Everything a page builder needs to know about the site and the request.
pub(crate) struct PageCtx {
    pub site: FakeSite,
    /// The signed-in user, when the request carries the session cookie.
    pub user: Option<&'static str>,
    /// Whether the verification wall is up.
    pub gate: bool,
}

impl PageCtx {
    /// `/anime/stream/<key>`, `/anime/<key>` or `/serie/<key>`.
    pub fn series_path(&self, key: &str) -> String {
        format!("{}{key}", self.site.prefix())
    }

    /// The serving path of an episode page.
    pub fn episode_path(&self, key: &str, id: EpisodeId) -> String {
        episode_path(&self.site, key, id)
    }
}

/// One link of an episode page as rendered.
pub(crate) struct RenderedLink {
    pub language: Language,
    pub hoster: String,
    pub id: u64,
    /// `/redirect/<id>` or `/r?t=<token>`.
    pub play_url: String,
}

/// Highlights each word of `title` containing `needle` with `<em>`, escaping the rest.
pub(crate) fn highlight(title: &str, needle: &str) -> String {
    title
        .split(' ')
        .map(|w| {
            if !needle.is_empty() && w.to_lowercase().contains(needle) {
                format!("<em>{}</em>", esc(w))
            } else {
                esc(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The series whose title contains `term` (case-insensitive), in key order.
pub(crate) fn matching<'a>(
    series: &'a BTreeMap<String, FakeSeries>,
    term: &str,
) -> Vec<&'a FakeSeries> {
    let needle = term.trim().to_lowercase();
    if needle.is_empty() {
        return Vec::new();
    }
    series
        .values()
        .filter(|s| !s.unknown_layout && s.title.to_lowercase().contains(&needle))
        .collect()
}

/// A JSON value as a response.
pub(crate) fn json_answer(v: Value) -> FakeResponse {
    FakeResponse::json(&v)
}

#[cfg(test)]
mod tests;
