//! The application configuration (`<data_dir>/config.json`) and its validation.
//!
//! The sections `name`, `data_dir`, `scheduler`, `logging`, `backup` and `other` are fixed by api.md;
//! `download`, `provider`, `nfo`, `server`, `notifications` and `history` are Aniworld's own
//! additions. Every field has a serde default, so a partial or older file loads, and
//! `AppConfig::default()` is what a fresh data dir gets (kept equal to `config/default.json` by a
//! test).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::episode::Language;

/// What redacted secrets read as in API responses.
pub const REDACTED: &str = "********";

/// A secret string (API key). `Debug` and [`AppConfig::redacted`] mask it; it is stored in
/// config.json as is, because the service needs it back after a restart.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Option<String>);

impl Secret {
    /// Wraps a value; empty strings count as unset.
    pub fn new(value: Option<String>) -> Self {
        Self(value.filter(|v| !v.trim().is_empty()))
    }
    /// The secret itself. Never log or return it.
    pub fn expose(&self) -> Option<&str> {
        self.0.as_deref()
    }
    /// Whether a value is set.
    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_set() {
            "Secret(********)"
        } else {
            "Secret(None)"
        })
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Secret::new(Option::<String>::deserialize(d)?))
    }
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppConfig {
    /// Display name of the instance.
    pub name: String,
    /// The data directory as configured (informational; the running value comes from the command line).
    pub data_dir: String,
    /// Automatic rescans.
    pub scheduler: SchedulerConfig,
    /// Log level and optional rotating log file.
    pub logging: LoggingConfig,
    /// Automatic configuration backups (kept for older clients).
    pub backup: BackupConfig,
    /// Free-form section; holds `anime_directory`.
    pub other: OtherConfig,
    /// Download queue and stream choice.
    pub download: DownloadConfig,
    /// The catalogue client.
    pub provider: ProviderConfig,
    /// TMDB and NFO writing.
    pub nfo: NfoConfig,
    /// HTTP server policies: CORS, rate limits, password hashing.
    pub server: ServerConfig,
    /// Notification targets (webhooks, chat services, e-mail, media servers) and quiet hours.
    pub notifications: crate::notifications::NotificationsConfig,
    /// The download history (docs/history.md).
    pub history: HistoryConfig,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            name: "Aniworld".into(),
            data_dir: "data".into(),
            scheduler: SchedulerConfig::default(),
            logging: LoggingConfig::default(),
            backup: BackupConfig::default(),
            other: OtherConfig::default(),
            download: DownloadConfig::default(),
            provider: ProviderConfig::default(),
            nfo: NfoConfig::default(),
            server: ServerConfig::default(),
            notifications: Default::default(),
            history: HistoryConfig::default(),
        }
    }
}

/// The download history (docs/history.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HistoryConfig {
    /// Entries older than this many days are pruned (1..=36500).
    pub keep_days: u32,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self { keep_days: 365 }
    }
}

/// Days accepted in `schedule_days`.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Scheduler settings (api.md section 5 and 7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SchedulerConfig {
    /// Whether scheduled rescans run.
    pub enabled: bool,
    /// Interval between rescans for clients of the older API; used only when `schedule_time` is unset.
    pub interval_minutes: u32,
    /// Daily time `HH:MM` (local time of `timezone`), or None for interval mode.
    pub schedule_time: Option<String>,
    /// Days on which `schedule_time` fires (`mon`..`sun`).
    pub schedule_days: Vec<String>,
    /// Queue every missing episode of the monitored series after a scheduled or triggered
    /// rescan, and start the queue.
    pub auto_download_after_rescan: bool,
    /// IANA time zone of `schedule_time` (e.g. `Europe/Berlin`); None = the process's local time.
    pub timezone: Option<String>,
    /// What the scheduler's runs look up (see docs/rescans.md): `changed` (what the catalogue's
    /// change signals name, series never scanned or whose last look-up failed, and the re-checks
    /// that are due) or `full` (every series).
    #[serde(deserialize_with = "rescan_mode_field")]
    pub rescan_mode: RescanMode,
    /// Days between two re-checks of a series that is still running (changed rescans).
    pub ongoing_recheck_days: u32,
    /// Days between two re-checks of a series whose run has ended (its page gives an end year).
    pub ended_recheck_days: u32,
    /// Most re-checks (series looked up only because their re-check is due) in one changed
    /// rescan, longest unchecked first; 0 = none (only change signals and unscanned series).
    pub max_rechecks_per_run: u32,
    /// Run once, shortly after the start, a scheduled rescan that fell while the service was
    /// down (however many were missed).
    pub catch_up: bool,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            interval_minutes: 60,
            schedule_time: Some("03:00".into()),
            schedule_days: WEEKDAYS.iter().map(|d| d.to_string()).collect(),
            auto_download_after_rescan: false,
            timezone: None,
            rescan_mode: RescanMode::Changed,
            ongoing_recheck_days: 7,
            ended_recheck_days: 30,
            max_rechecks_per_run: 30,
            catch_up: true,
        }
    }
}

/// What a library rescan looks up on the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RescanMode {
    /// Only what changed: series a change signal names, series never scanned or whose last
    /// look-up failed, and the re-checks that are due (with the series page's validators).
    #[default]
    Changed,
    /// Every series of the library, unconditionally.
    Full,
}

impl RescanMode {
    /// `changed` or `full`.
    pub fn as_str(self) -> &'static str {
        match self {
            RescanMode::Changed => "changed",
            RescanMode::Full => "full",
        }
    }

    /// The mode of its name (`changed`, `full`), None for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "changed" => Some(RescanMode::Changed),
            "full" => Some(RescanMode::Full),
            _ => None,
        }
    }
}

/// Reads `scheduler.rescan_mode`, naming the field when the value is not one of the modes.
fn rescan_mode_field<'de, D: Deserializer<'de>>(d: D) -> Result<RescanMode, D::Error> {
    RescanMode::deserialize(d)
        .map_err(|e| serde::de::Error::custom(format!("scheduler.rescan_mode: {e}")))
}

/// Logging settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoggingConfig {
    /// `DEBUG`, `INFO`, `WARNING`, `ERROR` or `CRITICAL` (case-insensitive; `WARN` and `TRACE` too).
    pub level: String,
    /// File name of a rotating log file inside `<data_dir>/logs/`, or None for stderr only.
    pub file: Option<String>,
    /// Size at which the log file rotates (default 10 MiB).
    pub max_bytes: Option<u64>,
    /// Rotated files kept.
    pub backup_count: u32,
}

impl Default for LoggingConfig {
    fn default() -> Self {
        Self {
            level: "INFO".into(),
            file: None,
            max_bytes: None,
            backup_count: 3,
        }
    }
}

/// Backup settings (kept for clients of the older API; backups are made on request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupConfig {
    /// Informational.
    pub enabled: bool,
    /// Informational; backups live in `<data_dir>/config_backups/`.
    pub path: String,
    /// Informational.
    pub keep_days: u32,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            path: "data/backups".into(),
            keep_days: 30,
        }
    }
}

/// The free-form `other` section.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OtherConfig {
    /// The anime library folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anime_directory: Option<String>,
    /// Anything else clients stored here, kept as is.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Download queue settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DownloadConfig {
    /// Parallel downloads, 1..=5.
    pub max_concurrent: u32,
    /// Automatic retries of a failed download before it is marked failed, 0..=10.
    pub max_retries: u32,
    /// Base delay of the retry backoff in seconds (doubles per retry).
    pub retry_backoff_seconds: u64,
    /// Languages in order of preference.
    pub language_preference: Vec<Language>,
    /// Hoster names in order of preference; hosters not listed are tried after these.
    pub hoster_preference: Vec<String>,
    /// HLS segments fetched in parallel per download, 1..=32.
    pub segment_concurrency: u32,
    /// Highest HLS variant height to choose (e.g. 720), None = best.
    pub max_resolution: Option<u32>,
    /// Requests per second allowed to one media host, shared by all downloads. The default
    /// (300) lets a 1080p stream of small segments (0.5 MB, the low end of what hosters and
    /// Apple's authoring guide use; 1-3 MB is common) arrive at a gigabit line's speed with 20 %
    /// to spare, so the budget protects the host without being the bottleneck.
    pub host_requests_per_second: u32,
    /// Open connections allowed to one media host, shared by all downloads.
    pub host_max_connections: u32,
    /// Whether a finished download is checked with `ffprobe` before it gets its final name.
    #[serde(deserialize_with = "verify_mode_field")]
    pub verify: VerifyMode,
    /// Whether adding items to a stopped queue starts it (a paused queue stays paused).
    pub auto_start: bool,
}

/// When a finished download is checked with `ffprobe` (`download.verify`): the file must be a
/// readable container with a plausible duration, else it is deleted and the item fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerifyMode {
    /// Check when `ffprobe` is on the PATH; keep files unchecked when it is not.
    #[default]
    Auto,
    /// Always check; without `ffprobe` on the PATH every download fails with a clear error.
    Always,
    /// Never check.
    Never,
}

/// Reads `download.verify`, naming the field when the value is not one of the modes (serde's
/// own message does not say where the unknown variant was).
fn verify_mode_field<'de, D: Deserializer<'de>>(d: D) -> Result<VerifyMode, D::Error> {
    VerifyMode::deserialize(d)
        .map_err(|e| serde::de::Error::custom(format!("download.verify: {e}")))
}

impl Default for DownloadConfig {
    fn default() -> Self {
        Self {
            max_concurrent: 1,
            max_retries: 3,
            retry_backoff_seconds: 30,
            language_preference: Language::DEFAULT_PREFERENCE.to_vec(),
            hoster_preference: vec!["VOE".into(), "Vidmoly".into(), "Vidoza".into()],
            segment_concurrency: 8,
            max_resolution: None,
            host_requests_per_second: 300,
            host_max_connections: 16,
            verify: VerifyMode::Auto,
            auto_start: true,
        }
    }
}

/// Catalogue client settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderConfig {
    /// Base URL of the catalogue.
    pub base_url: String,
    /// FlareSolverr endpoint (`http://host:8191/v1`) used when the catalogue answers with a challenge.
    pub solver_url: Option<String>,
    /// HTTP(S) or SOCKS proxy for all outbound requests (`socks5://host:1080`).
    pub proxy: Option<String>,
    /// Host name -> IP address overrides, for DNS that blocks the catalogue.
    pub dns_overrides: BTreeMap<String, String>,
    /// Minimum delay between two requests to the catalogue, in milliseconds.
    pub min_request_interval_ms: u64,
    /// Timeout of one request, in seconds.
    pub timeout_seconds: u64,
    /// Retries on 429/5xx/network errors.
    pub max_retries: u32,
    /// Catalogue look-ups run in parallel during a scan.
    pub lookup_concurrency: u32,
    /// The catalogue sites (aniworld.to and s.to). aniworld.to's base URL is `base_url` above:
    /// [`ProviderConfig::normalize`] keeps the two in step.
    pub sites: Vec<SiteConfig>,
    /// First cool-down of a site after a verification wall, in seconds.
    pub verification_cooldown_seconds: u64,
    /// Longest cool-down (each new wall doubles it up to this), in seconds.
    pub verification_cooldown_max_seconds: u64,
    /// Minutes between two catalogue canary checks (0 = off).
    pub canary_interval_minutes: u32,
}

/// The id of aniworld.to.
pub const SITE_ANIWORLD: &str = "aniworld.to";
/// The id of s.to (serienstream.to).
pub const SITE_STO: &str = "s.to";
/// Every site id the service knows.
pub const SITE_IDS: [&str; 2] = [SITE_ANIWORLD, SITE_STO];

/// One catalogue site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteConfig {
    /// `aniworld.to` or `s.to`.
    pub id: String,
    /// Base URL the service requests.
    pub base_url: String,
    /// Other addresses of the same site: links to them are accepted and mapped to `base_url`.
    pub mirrors: Vec<String>,
    /// Whether the site is searched, scanned and downloaded from.
    pub enabled: bool,
    /// A `Cookie` header value of a signed-in browser session (a secret), sent to this site only.
    pub cookie: Secret,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig::default_for(SITE_ANIWORLD).expect("known site")
    }
}

impl SiteConfig {
    /// The default entry of a known site id (`s.to` and `serienstream.to` are the same site).
    pub fn default_for(id: &str) -> Option<SiteConfig> {
        match canonical_site_id(id)? {
            SITE_ANIWORLD => Some(SiteConfig {
                id: SITE_ANIWORLD.into(),
                base_url: "https://aniworld.to".into(),
                mirrors: Vec::new(),
                enabled: true,
                cookie: Secret::default(),
            }),
            _ => Some(SiteConfig {
                id: SITE_STO.into(),
                base_url: "https://serienstream.to".into(),
                mirrors: vec!["https://serienstream.cx".into()],
                enabled: false,
                cookie: Secret::default(),
            }),
        }
    }
}

/// The canonical id of a site id as users write it (`serienstream.to` -> `s.to`).
pub fn canonical_site_id(id: &str) -> Option<&'static str> {
    match id.trim().to_ascii_lowercase().as_str() {
        "aniworld.to" | "aniworld" => Some(SITE_ANIWORLD),
        "s.to" | "serienstream.to" | "serienstream" | "sto" => Some(SITE_STO),
        _ => None,
    }
}

impl Default for ProviderConfig {
    fn default() -> Self {
        Self {
            base_url: "https://aniworld.to".into(),
            solver_url: None,
            proxy: None,
            dns_overrides: BTreeMap::new(),
            min_request_interval_ms: 250,
            timeout_seconds: 30,
            max_retries: 3,
            lookup_concurrency: 4,
            sites: SITE_IDS
                .iter()
                .filter_map(|id| SiteConfig::default_for(id))
                .collect(),
            verification_cooldown_seconds: 900,
            verification_cooldown_max_seconds: 3600,
            canary_interval_minutes: 60,
        }
    }
}

impl ProviderConfig {
    /// Puts the site list in its canonical form: one entry per known site in a fixed order
    /// (missing ones from the defaults, ids canonical), and aniworld.to's base URL equal to
    /// `base_url`. Unknown ids are kept so that validation can name them.
    pub fn normalize(&mut self) {
        let mut out: Vec<SiteConfig> = Vec::new();
        for id in SITE_IDS {
            let entry = self
                .sites
                .iter()
                .find(|s| canonical_site_id(&s.id) == Some(id))
                .cloned()
                .or_else(|| SiteConfig::default_for(id));
            if let Some(mut e) = entry {
                e.id = id.to_string();
                if id == SITE_ANIWORLD {
                    e.base_url = self.base_url.clone();
                }
                out.push(e);
            }
        }
        out.extend(
            self.sites
                .iter()
                .filter(|s| canonical_site_id(&s.id).is_none())
                .cloned(),
        );
        self.sites = out;
    }

    /// The entry of a site id (after [`ProviderConfig::normalize`]).
    pub fn site(&self, id: &str) -> Option<&SiteConfig> {
        let id = canonical_site_id(id)?;
        self.sites.iter().find(|s| s.id == id)
    }

    /// The enabled sites, aniworld.to first.
    pub fn enabled_sites(&self) -> impl Iterator<Item = &SiteConfig> {
        self.sites
            .iter()
            .filter(|s| s.enabled && canonical_site_id(&s.id).is_some())
    }
}

/// TMDB and NFO settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NfoConfig {
    /// TMDB v3 API key or v4 read access token.
    pub tmdb_api_key: Secret,
    /// Base URL of the TMDB v3 API.
    pub tmdb_api_url: String,
    /// Base URL of TMDB images.
    pub tmdb_image_url: String,
    /// Language of NFO text (`de-DE`); English fills fields without text.
    pub language: String,
    /// Create tvshow.nfo and artwork when a series is added (in the background, once a TMDB
    /// key is set; on by default).
    pub auto_create: bool,
    /// Write `<video>.nfo` for downloaded episodes.
    pub episode_nfo: bool,
    /// Write `season.nfo` and season posters.
    pub season_nfo: bool,
    /// Download poster.jpg.
    pub download_poster: bool,
    /// Download logo.png.
    pub download_logo: bool,
    /// Download fanart.jpg.
    pub download_fanart: bool,
}

impl Default for NfoConfig {
    fn default() -> Self {
        Self {
            tmdb_api_key: Secret::default(),
            tmdb_api_url: "https://api.themoviedb.org/3".into(),
            tmdb_image_url: "https://image.tmdb.org/t/p".into(),
            language: "de-DE".into(),
            auto_create: true,
            episode_nfo: true,
            season_nfo: true,
            download_poster: true,
            download_logo: true,
            download_fanart: true,
        }
    }
}

/// HTTP server policies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerConfig {
    /// Origins allowed by CORS besides the service's own (exact `scheme://host[:port]`).
    pub cors_origins: Vec<String>,
    /// Requests per minute per `Origin` on `/api/*`.
    pub origin_rate_limit_per_minute: u32,
    /// Login and setup requests per 60 s per client address.
    pub auth_rate_limit_per_minute: u32,
    /// bcrypt cost of the master password hash (4..=31).
    pub bcrypt_cost: u32,
    /// Token lifetime without "remember me", in hours.
    pub token_hours: u32,
    /// Token lifetime with "remember me", in days.
    pub remember_days: u32,
    /// Whether `GET /metrics` answers (Prometheus text format, docs/metrics.md); off: 404.
    pub metrics: bool,
    /// A bearer token of its own for `GET /metrics` (at least 16 characters), for scrapers that
    /// cannot log in; a login token works as well. Redacted in answers like every secret.
    pub metrics_token: Secret,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers name the client:
    /// addresses and CIDR ranges (`127.0.0.1`, `10.0.0.0/8`, `fd00::/8`). Empty: the address
    /// a request comes from is its client, and those headers are ignored.
    pub trusted_proxies: Vec<String>,
    /// The sub-path the service is served under behind a reverse proxy (`/aniworld`); empty:
    /// the root. UI, API and WebSocket move under it; `/health` stays at the root as well.
    pub base_path: String,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            origin_rate_limit_per_minute: 60,
            auth_rate_limit_per_minute: 5,
            bcrypt_cost: 12,
            token_hours: 24,
            remember_days: 30,
            metrics: false,
            metrics_token: Secret::default(),
            trusted_proxies: Vec::new(),
            base_path: String::new(),
        }
    }
}

/// One validation failure: the dotted field path and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationIssue {
    /// Dotted path of the field, e.g. `scheduler.schedule_time`.
    pub field: String,
    /// Human-readable message.
    pub message: String,
}

impl ValidationIssue {
    /// Builds an issue.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Parses `HH:MM` (00:00..=23:59) into hour and minute.
pub fn parse_schedule_time(s: &str) -> Option<(u32, u32)> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

fn valid_log_level(level: &str) -> bool {
    matches!(
        level.to_ascii_uppercase().as_str(),
        "TRACE" | "DEBUG" | "INFO" | "WARN" | "WARNING" | "ERROR" | "CRITICAL"
    )
}

fn valid_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"));
    rest.is_some_and(|r| {
        !r.is_empty() && !r.starts_with('/') && !r.chars().any(char::is_whitespace)
    })
}

fn valid_file_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && !s.starts_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl SchedulerConfig {
    /// Whether the schedule is on, daily at a time, but on no day: it would never run. Refused
    /// by [`SchedulerConfig::validate`]; older versions stored it, so loading turns it off.
    pub fn runs_on_no_day(&self) -> bool {
        self.enabled && self.schedule_time.is_some() && self.schedule_days.is_empty()
    }

    /// Validation issues of this section (field paths prefixed with `prefix`).
    pub fn validate(&self, prefix: &str) -> Vec<ValidationIssue> {
        let mut v = Vec::new();
        if self.interval_minutes < 1 {
            v.push(ValidationIssue::new(
                format!("{prefix}interval_minutes"),
                "must be at least 1",
            ));
        }
        if let Some(t) = &self.schedule_time
            && parse_schedule_time(t).is_none()
        {
            v.push(ValidationIssue::new(
                format!("{prefix}schedule_time"),
                format!("{t:?} is not a time HH:MM between 00:00 and 23:59"),
            ));
        }
        for d in &self.schedule_days {
            if !WEEKDAYS.contains(&d.as_str()) {
                v.push(ValidationIssue::new(
                    format!("{prefix}schedule_days"),
                    format!("{d:?} is not one of mon tue wed thu fri sat sun"),
                ));
            }
        }
        if self.runs_on_no_day() {
            v.push(ValidationIssue::new(
                format!("{prefix}schedule_days"),
                "pick at least one day, or turn scheduled rescans off",
            ));
        }
        if let Some(tz) = &self.timezone
            && tz.parse::<chrono_tz::Tz>().is_err()
        {
            v.push(ValidationIssue::new(
                format!("{prefix}timezone"),
                format!("{tz:?} is not an IANA time zone such as Europe/Berlin"),
            ));
        }
        for (field, value, max) in [
            ("ongoing_recheck_days", self.ongoing_recheck_days, 365),
            ("ended_recheck_days", self.ended_recheck_days, 3650),
        ] {
            if !(1..=max).contains(&value) {
                v.push(ValidationIssue::new(
                    format!("{prefix}{field}"),
                    format!("must be between 1 and {max}"),
                ));
            }
        }
        if self.max_rechecks_per_run > 100_000 {
            v.push(ValidationIssue::new(
                format!("{prefix}max_rechecks_per_run"),
                "must be at most 100000",
            ));
        }
        v
    }
}

impl AppConfig {
    /// The anime folder in force: `other.anime_directory` when it is set and not blank. The one
    /// reading of that setting; every use case asks here.
    pub fn anime_dir(&self) -> Option<std::path::PathBuf> {
        self.other
            .anime_directory
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(std::path::PathBuf::from)
    }

    /// Every validation issue of the configuration; empty when it is valid.
    pub fn validate(&self) -> Vec<ValidationIssue> {
        let mut v = Vec::new();
        let mut bad = |field: &str, msg: &str| v.push(ValidationIssue::new(field, msg));
        if self.name.trim().is_empty() || self.name.len() > 100 {
            bad("name", "must be 1 to 100 characters");
        }
        if !valid_log_level(&self.logging.level) {
            bad(
                "logging.level",
                "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
            );
        }
        if let Some(f) = &self.logging.file
            && !valid_file_name(f)
        {
            bad(
                "logging.file",
                "must be a plain file name ([A-Za-z0-9._-], not starting with a dot)",
            );
        }
        if self.logging.max_bytes.is_some_and(|b| b < 1024) {
            bad("logging.max_bytes", "must be at least 1024");
        }
        if self.logging.backup_count > 100 {
            bad("logging.backup_count", "must be at most 100");
        }
        if let Some(dir) = &self.other.anime_directory {
            if dir.trim().is_empty() || dir.contains('\0') {
                bad("other.anime_directory", "must be a non-empty path");
            } else if !std::path::Path::new(dir).is_absolute() {
                bad(
                    "other.anime_directory",
                    &format!(
                        "{dir:?} is a relative path; give the full path, such as /srv/media/anime"
                    ),
                );
            }
        }
        let d = &self.download;
        if !(1..=5).contains(&d.max_concurrent) {
            bad("download.max_concurrent", "must be between 1 and 5");
        }
        if d.max_retries > 10 {
            bad("download.max_retries", "must be between 0 and 10");
        }
        if d.retry_backoff_seconds > 86_400 {
            bad("download.retry_backoff_seconds", "must be at most 86400");
        }
        if d.language_preference.is_empty() {
            bad(
                "download.language_preference",
                "must name at least one language",
            );
        }
        if d.hoster_preference.iter().any(|h| h.trim().is_empty()) {
            bad(
                "download.hoster_preference",
                "hoster names must not be empty",
            );
        }
        if !(1..=32).contains(&d.segment_concurrency) {
            bad("download.segment_concurrency", "must be between 1 and 32");
        }
        if d.max_resolution.is_some_and(|r| !(144..=4320).contains(&r)) {
            bad("download.max_resolution", "must be between 144 and 4320");
        }
        if !(1..=1000).contains(&d.host_requests_per_second) {
            bad(
                "download.host_requests_per_second",
                "must be between 1 and 1000",
            );
        }
        if !(1..=64).contains(&d.host_max_connections) {
            bad("download.host_max_connections", "must be between 1 and 64");
        }
        let p = &self.provider;
        if !valid_http_url(&p.base_url) {
            bad("provider.base_url", "must be an http(s) URL");
        }
        if p.solver_url.as_deref().is_some_and(|u| !valid_http_url(u)) {
            bad("provider.solver_url", "must be an http(s) URL");
        }
        if let Some(proxy) = &p.proxy {
            let ok = [
                "http://",
                "https://",
                "socks4://",
                "socks4a://",
                "socks5://",
                "socks5h://",
            ]
            .iter()
            .any(|s| proxy.starts_with(s) && proxy.len() > s.len());
            if !ok {
                bad("provider.proxy", "must be an http(s):// or socks5:// URL");
            }
        }
        for (host, addr) in &p.dns_overrides {
            if host.is_empty() || addr.parse::<std::net::IpAddr>().is_err() {
                bad(
                    "provider.dns_overrides",
                    "must map host names to IP addresses",
                );
            }
        }
        if !(1..=600).contains(&p.timeout_seconds) {
            bad("provider.timeout_seconds", "must be between 1 and 600");
        }
        if p.max_retries > 10 {
            bad("provider.max_retries", "must be between 0 and 10");
        }
        if p.min_request_interval_ms > 60_000 {
            bad("provider.min_request_interval_ms", "must be at most 60000");
        }
        if !(1..=16).contains(&p.lookup_concurrency) {
            bad("provider.lookup_concurrency", "must be between 1 and 16");
        }
        let mut seen_sites = Vec::new();
        for (i, site) in p.sites.iter().enumerate() {
            match canonical_site_id(&site.id) {
                None => bad(
                    &format!("provider.sites[{i}].id"),
                    "must be \"aniworld.to\" or \"s.to\"",
                ),
                Some(id) if seen_sites.contains(&id) => {
                    bad(&format!("provider.sites[{i}].id"), "appears twice")
                }
                Some(id) => seen_sites.push(id),
            }
            if !valid_http_url(&site.base_url) {
                bad(
                    &format!("provider.sites[{i}].base_url"),
                    "must be an http(s) URL",
                );
            }
            if site.mirrors.iter().any(|m| !valid_http_url(m)) {
                bad(
                    &format!("provider.sites[{i}].mirrors"),
                    "must be http(s) URLs",
                );
            }
            if site
                .cookie
                .expose()
                .is_some_and(|c| c.len() > 8192 || c.chars().any(|ch| ch.is_control()))
            {
                bad(
                    &format!("provider.sites[{i}].cookie"),
                    "must be one Cookie header value (no line breaks, at most 8192 bytes)",
                );
            }
        }
        if !(1..=86_400).contains(&p.verification_cooldown_seconds) {
            bad(
                "provider.verification_cooldown_seconds",
                "must be between 1 and 86400",
            );
        }
        if p.verification_cooldown_max_seconds < p.verification_cooldown_seconds
            || p.verification_cooldown_max_seconds > 86_400
        {
            bad(
                "provider.verification_cooldown_max_seconds",
                "must be at least verification_cooldown_seconds and at most 86400",
            );
        }
        if p.canary_interval_minutes > 10_080 {
            bad(
                "provider.canary_interval_minutes",
                "must be between 0 (off) and 10080",
            );
        }
        let n = &self.nfo;
        if !valid_http_url(&n.tmdb_api_url) {
            bad("nfo.tmdb_api_url", "must be an http(s) URL");
        }
        if !valid_http_url(&n.tmdb_image_url) {
            bad("nfo.tmdb_image_url", "must be an http(s) URL");
        }
        let lang_ok = n.language.len() == 5
            && n.language.as_bytes()[2] == b'-'
            && n.language[..2].bytes().all(|b| b.is_ascii_lowercase())
            && n.language[3..].bytes().all(|b| b.is_ascii_uppercase());
        if !lang_ok {
            bad("nfo.language", "must be a language tag such as de-DE");
        }
        let s = &self.server;
        if s.cors_origins
            .iter()
            .any(|o| !valid_http_url(o) || o.ends_with('/'))
        {
            bad(
                "server.cors_origins",
                "must be origins such as https://example.org (no path)",
            );
        }
        if !(1..=100_000).contains(&s.origin_rate_limit_per_minute) {
            bad(
                "server.origin_rate_limit_per_minute",
                "must be between 1 and 100000",
            );
        }
        if !(1..=1000).contains(&s.auth_rate_limit_per_minute) {
            bad(
                "server.auth_rate_limit_per_minute",
                "must be between 1 and 1000",
            );
        }
        if !(4..=31).contains(&s.bcrypt_cost) {
            bad("server.bcrypt_cost", "must be between 4 and 31");
        }
        if !(1..=24 * 365).contains(&s.token_hours) {
            bad("server.token_hours", "must be between 1 and 8760");
        }
        if !(1..=365).contains(&s.remember_days) {
            bad("server.remember_days", "must be between 1 and 365");
        }
        if s.metrics_token
            .expose()
            .is_some_and(|t| t.trim().len() < 16)
        {
            bad("server.metrics_token", "must be at least 16 characters");
        }
        for (i, entry) in s.trusted_proxies.iter().enumerate() {
            if crate::forwarded::IpRange::parse(entry).is_none() {
                let field = format!("server.trusted_proxies[{i}]");
                bad(
                    &field,
                    "must be an IP address or a CIDR range such as 10.0.0.0/8",
                );
            }
        }
        if !crate::forwarded::valid_base_path(&s.base_path) {
            bad(
                "server.base_path",
                "must be empty or a path such as /aniworld (segments of A-Z a-z 0-9 . _ ~ -, \
                 no trailing slash, not starting with a route of the service such as /api)",
            );
        }
        if !(1..=36_500).contains(&self.history.keep_days) {
            bad("history.keep_days", "must be between 1 and 36500");
        }
        v.extend(self.scheduler.validate("scheduler."));
        v.extend(self.notifications.validate());
        v
    }

    /// The configuration as JSON with every secret replaced by [`REDACTED`] (or null when unset).
    pub fn redacted(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).expect("configuration serialises");
        if self.nfo.tmdb_api_key.is_set() {
            v["nfo"]["tmdb_api_key"] = serde_json::Value::String(REDACTED.into());
        }
        if self.server.metrics_token.is_set() {
            v["server"]["metrics_token"] = serde_json::Value::String(REDACTED.into());
        }
        if let Some(proxy) = &self.provider.proxy {
            v["provider"]["proxy"] = serde_json::Value::String(redact_userinfo(proxy));
        }
        for (i, site) in self.provider.sites.iter().enumerate() {
            if site.cookie.is_set() {
                v["provider"]["sites"][i]["cookie"] = serde_json::Value::String(REDACTED.into());
            }
        }
        self.notifications.redact(&mut v["notifications"]);
        v
    }

    /// Merges a partial JSON update into this configuration (objects merge recursively, other
    /// values replace). A secret sent back as [`REDACTED`] keeps its current value.
    /// Returns the merged configuration, or the serde error text when the result has wrong types.
    pub fn merged(&self, patch: &serde_json::Value) -> Result<AppConfig, String> {
        let mut base = serde_json::to_value(self).map_err(|e| e.to_string())?;
        merge_json(&mut base, patch);
        // A new aniworld.to base URL sent in the site list (and not as provider.base_url) wins.
        let site_base = patch
            .pointer("/provider/sites")
            .and_then(|s| s.as_array())
            .and_then(|sites| {
                sites.iter().find(|s| {
                    s.get("id")
                        .and_then(|i| i.as_str())
                        .and_then(canonical_site_id)
                        == Some(SITE_ANIWORLD)
                })
            })
            .and_then(|s| s.get("base_url"))
            .and_then(|b| b.as_str())
            .map(str::to_string);
        if let Some(b) = site_base
            && patch.pointer("/provider/base_url").is_none()
        {
            base["provider"]["base_url"] = serde_json::Value::String(b);
        }
        let mut out: AppConfig = serde_json::from_value(base).map_err(|e| e.to_string())?;
        out.keep_redacted_secrets(self);
        out.provider.normalize();
        Ok(out)
    }

    /// Replaces secrets that arrived as [`REDACTED`] with the values of `current`.
    pub fn keep_redacted_secrets(&mut self, current: &AppConfig) {
        if self.nfo.tmdb_api_key.expose() == Some(REDACTED) {
            self.nfo.tmdb_api_key = current.nfo.tmdb_api_key.clone();
        }
        if self.server.metrics_token.expose() == Some(REDACTED) {
            self.server.metrics_token = current.server.metrics_token.clone();
        }
        if let (Some(new), Some(old)) = (&self.provider.proxy, &current.provider.proxy)
            && new.contains(REDACTED)
            && *new == redact_userinfo(old)
        {
            self.provider.proxy = Some(old.clone());
        }
        for site in &mut self.provider.sites {
            if site.cookie.expose() == Some(REDACTED) {
                site.cookie = current
                    .provider
                    .site(&site.id)
                    .map(|s| s.cookie.clone())
                    .unwrap_or_default();
            }
        }
        self.notifications
            .keep_redacted_secrets(&current.notifications);
    }
}

/// The dotted paths (`scheduler.schedule_tme`, `provider.sites[0].cookies`) of the keys in
/// `value` that match no field of `T`, so that a typo is reported instead of silently dropped.
/// Keys under `other` are free-form and never reported. A value whose types do not fit `T` reports
/// the unknown keys found before the mismatch (the mismatch itself is the caller's to report).
pub fn unknown_keys<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Vec<String> {
    let mut found = Vec::new();
    let _ = serde_ignored::deserialize::<_, _, T>(value, |path| found.push(dotted_path(&path)));
    found
}

/// `a.b[2].c` for a path of serde_ignored.
fn dotted_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path as P;
    match path {
        P::Root => String::new(),
        P::Seq { parent, index } => format!("{}[{index}]", dotted_path(parent)),
        P::Map { parent, key } => match dotted_path(parent) {
            p if p.is_empty() => key.clone(),
            p => format!("{p}.{key}"),
        },
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            dotted_path(parent)
        }
    }
}

/// Replaces the password of `scheme://user:password@host` with [`REDACTED`].
fn redact_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:{REDACTED}@{host}"),
        None => url.to_string(),
    }
}

/// Recursive JSON merge: objects merge key by key, everything else replaces.
pub fn merge_json(base: &mut serde_json::Value, patch: &serde_json::Value) {
    match (base, patch) {
        (serde_json::Value::Object(b), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) => merge_json(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_matches_the_documented_defaults() {
        let c = AppConfig::default();
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        assert_eq!(c.download.max_concurrent, 1);
        assert_eq!(c.download.max_retries, 3);
        assert_eq!(c.download.hoster_preference[0], "VOE");
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["other"], serde_json::json!({}));
        assert_eq!(v["scheduler"]["schedule_days"].as_array().unwrap().len(), 7);
    }

    #[test]
    fn default_file_matches_default_config() {
        let file: AppConfig =
            serde_json::from_str(include_str!("../../../config/default.json")).unwrap();
        assert_eq!(file, AppConfig::default());
    }

    #[test]
    fn partial_files_load_with_defaults() {
        let c: AppConfig = serde_json::from_str(r#"{"scheduler":{"enabled":false}}"#).unwrap();
        assert!(!c.scheduler.enabled);
        assert_eq!(c.scheduler.interval_minutes, 60);
        assert_eq!(c.name, "Aniworld");
    }

    #[test]
    fn validation_names_the_field() {
        let mut c = AppConfig::default();
        c.scheduler.schedule_time = Some("25:00".into());
        c.scheduler.schedule_days = vec!["mon".into(), "funday".into()];
        c.scheduler.interval_minutes = 0;
        c.download.max_concurrent = 9;
        let fields: Vec<String> = c.validate().into_iter().map(|i| i.field).collect();
        assert_eq!(
            fields,
            [
                "download.max_concurrent",
                "scheduler.interval_minutes",
                "scheduler.schedule_time",
                "scheduler.schedule_days"
            ]
        );
    }

    #[test]
    fn an_enabled_daily_schedule_needs_a_day() {
        let mut c = AppConfig::default();
        c.scheduler.schedule_days.clear();
        let fields: Vec<String> = c.validate().into_iter().map(|i| i.field).collect();
        assert_eq!(fields, ["scheduler.schedule_days"]);
        c.scheduler.enabled = false;
        assert!(c.validate().is_empty(), "off: no day is fine");
        c.scheduler.enabled = true;
        c.scheduler.schedule_time = None;
        assert!(c.validate().is_empty(), "interval mode ignores the days");
    }

    #[test]
    fn the_anime_directory_must_be_an_absolute_path() {
        let check = |dir: &str| {
            let mut c = AppConfig::default();
            c.other.anime_directory = Some(dir.into());
            c.validate()
                .into_iter()
                .map(|i| i.field)
                .collect::<Vec<_>>()
        };
        assert!(check("/srv/media/anime").is_empty());
        assert!(check("/srv/x/../anime").is_empty());
        for bad in ["anime", "./anime", "../anime", "~/anime", " ", ""] {
            assert_eq!(check(bad), ["other.anime_directory"], "{bad:?}");
        }
    }

    #[test]
    fn download_verify_is_a_lowercase_mode_and_unknown_values_name_the_field() {
        let c = AppConfig::default();
        assert_eq!(c.download.verify, VerifyMode::Auto);
        for (text, mode) in [
            ("auto", VerifyMode::Auto),
            ("always", VerifyMode::Always),
            ("never", VerifyMode::Never),
        ] {
            let m = c
                .merged(&serde_json::json!({"download": {"verify": text}}))
                .unwrap();
            assert_eq!(m.download.verify, mode);
            assert_eq!(
                serde_json::to_value(&m).unwrap()["download"]["verify"],
                text
            );
        }
        for bad in [
            serde_json::json!("sometimes"),
            serde_json::json!("Always"),
            serde_json::json!(true),
        ] {
            let err = c
                .merged(&serde_json::json!({"download": {"verify": bad}}))
                .unwrap_err();
            assert!(err.starts_with("download.verify: "), "{err}");
        }
    }

    #[test]
    fn rescan_settings_default_validate_and_name_their_field() {
        let c = AppConfig::default();
        let s = &c.scheduler;
        assert_eq!(s.rescan_mode, RescanMode::Changed);
        assert_eq!(
            (
                s.ongoing_recheck_days,
                s.ended_recheck_days,
                s.max_rechecks_per_run
            ),
            (7, 30, 30)
        );
        let full = c
            .merged(&serde_json::json!({"scheduler": {"rescan_mode": "full"}}))
            .unwrap();
        assert_eq!(full.scheduler.rescan_mode, RescanMode::Full);
        let err = c
            .merged(&serde_json::json!({"scheduler": {"rescan_mode": "some"}}))
            .unwrap_err();
        assert!(err.starts_with("scheduler.rescan_mode: "), "{err}");
        for (field, value) in [
            ("ongoing_recheck_days", 0),
            ("ongoing_recheck_days", 366),
            ("ended_recheck_days", 0),
            ("ended_recheck_days", 3651),
            ("max_rechecks_per_run", 100_001),
        ] {
            let bad = c
                .merged(&serde_json::json!({"scheduler": {field: value}}))
                .unwrap();
            let fields: Vec<String> = bad.validate().into_iter().map(|i| i.field).collect();
            assert_eq!(fields, [format!("scheduler.{field}")], "{field} = {value}");
        }
        let none = c
            .merged(&serde_json::json!({"scheduler": {"max_rechecks_per_run": 0}}))
            .unwrap();
        assert!(none.validate().is_empty());
    }

    #[test]
    fn schedule_times_parse_strictly() {
        assert_eq!(parse_schedule_time("03:00"), Some((3, 0)));
        assert_eq!(parse_schedule_time("23:59"), Some((23, 59)));
        for bad in ["24:00", "3:00", "03:60", "0300", "ab:cd", "03:00:00", ""] {
            assert_eq!(parse_schedule_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn secrets_are_redacted_and_kept_when_sent_back() {
        let mut c = AppConfig::default();
        c.nfo.tmdb_api_key = Secret::new(Some("abcdef0123456789abcdef0123456789".into()));
        c.provider.proxy = Some("socks5://me:hunter2@proxy:1080".into());
        let red = c.redacted();
        let text = red.to_string();
        assert!(!text.contains("abcdef0123"));
        assert!(!text.contains("hunter2"));
        assert!(format!("{c:?}").contains("Secret(********)"));
        let merged = c.merged(&red).unwrap();
        assert_eq!(merged, c);
        let changed = c
            .merged(&serde_json::json!({"nfo": {"tmdb_api_key": "new"}}))
            .unwrap();
        assert_eq!(changed.nfo.tmdb_api_key.expose(), Some("new"));
    }

    #[test]
    fn unknown_keys_are_named_with_their_path() {
        let check = |v: serde_json::Value, expected: &[&str]| {
            assert_eq!(unknown_keys::<AppConfig>(&v), expected, "{v}");
        };
        check(serde_json::to_value(AppConfig::default()).unwrap(), &[]);
        check(AppConfig::default().redacted(), &[]);
        check(serde_json::json!({"other": {"anything": {"goes": 1}}}), &[]);
        check(serde_json::json!({"nmae": "x"}), &["nmae"]);
        check(
            serde_json::json!({"scheduler": {"schedule_tme": "06:30", "enabled": true}}),
            &["scheduler.schedule_tme"],
        );
        check(
            serde_json::json!({"provider": {"sites": [{"id": "s.to"}, {"id": "aniworld.to", "cookies": "a=b"}]}}),
            &["provider.sites[1].cookies"],
        );
        check(
            serde_json::json!({"download": {"verify": "never", "verfy": 1}, "zzz": null}),
            &["download.verfy", "zzz"],
        );
    }

    #[test]
    fn merge_keeps_fields_not_sent_and_reports_wrong_types() {
        let c = AppConfig::default();
        let m = c
            .merged(&serde_json::json!({"scheduler": {"schedule_time": "06:30"}}))
            .unwrap();
        assert_eq!(m.scheduler.schedule_time.as_deref(), Some("06:30"));
        assert_eq!(m.scheduler.interval_minutes, 60);
        assert!(
            c.merged(&serde_json::json!({"scheduler": {"enabled": "yes"}}))
                .is_err()
        );
    }
}
