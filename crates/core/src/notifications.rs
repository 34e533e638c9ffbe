//! The `notifications` section of the configuration: delivery targets, the events each gets and
//! quiet hours, with their validation and the redaction of their secrets (docs/notifications.md).
//!
//! A target is one flat object: `name`, `type`, `enabled`, `events` and the fields of its type
//! (see [`TargetType::fields`]). Keeping it flat (rather than an enum tagged by `type`) lets the
//! unknown-keys check name a typo with its path (`notifications.targets[0].ulr`), lets a partial
//! update send a target back with its secrets redacted, and lets validation name every field it
//! refuses (`notifications.targets[1].bot_token`). `aniworld-notify` turns a valid target into
//! its typed form.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::config::{REDACTED, Secret, ValidationIssue};

/// What a notification is about. The wire names (`download_completed`, ...) are the values of
/// a target's `events` list and the `event` field of the webhook body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationEvent {
    /// An episode was downloaded into the library.
    DownloadCompleted,
    /// A download failed after its last retry.
    DownloadFailed,
    /// A download left its series with no missing episode.
    SeriesCompleted,
    /// An episode file was replaced by a better one (language or quality). Fired by the
    /// upgrade work once it exists; targets may subscribe to it already.
    EpisodeUpgraded,
    /// A catalogue site put up a verification wall; its downloads wait.
    VerificationRequired,
    /// A catalogue site is degraded (its canary check failed or its session expired).
    SiteDegraded,
    /// A hoster failed repeatedly and is skipped for a while.
    HosterDegraded,
    /// A test sent from the settings or `POST /api/notifications/test`.
    Test,
}

impl NotificationEvent {
    /// Every event, in the order the documentation lists them.
    pub const ALL: [NotificationEvent; 8] = [
        NotificationEvent::DownloadCompleted,
        NotificationEvent::DownloadFailed,
        NotificationEvent::SeriesCompleted,
        NotificationEvent::EpisodeUpgraded,
        NotificationEvent::VerificationRequired,
        NotificationEvent::SiteDegraded,
        NotificationEvent::HosterDegraded,
        NotificationEvent::Test,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationEvent::DownloadCompleted => "download_completed",
            NotificationEvent::DownloadFailed => "download_failed",
            NotificationEvent::SeriesCompleted => "series_completed",
            NotificationEvent::EpisodeUpgraded => "episode_upgraded",
            NotificationEvent::VerificationRequired => "verification_required",
            NotificationEvent::SiteDegraded => "site_degraded",
            NotificationEvent::HosterDegraded => "hoster_degraded",
            NotificationEvent::Test => "test",
        }
    }

    /// The event of a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// Whether the event reports a failure that needs the user: these pass quiet hours, every
    /// other event waits for their end.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            NotificationEvent::DownloadFailed
                | NotificationEvent::VerificationRequired
                | NotificationEvent::SiteDegraded
                | NotificationEvent::HosterDegraded
        )
    }

    /// Whether a media server is told about it (a new or replaced file).
    pub fn has_new_file(self) -> bool {
        matches!(
            self,
            NotificationEvent::DownloadCompleted | NotificationEvent::EpisodeUpgraded
        )
    }
}

/// The kinds of target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetType {
    /// A JSON POST to any URL, optionally signed (HMAC-SHA256).
    Webhook,
    /// An ntfy server topic.
    Ntfy,
    /// A Discord channel webhook.
    Discord,
    /// A Telegram chat through a bot.
    Telegram,
    /// A Gotify server.
    Gotify,
    /// E-mail through an SMTP server.
    Email,
    /// A Jellyfin or Emby server, told about each new file.
    Jellyfin,
    /// A Plex server, whose section holding the new file is scanned.
    Plex,
}

/// Fields every target has, whatever its type.
const COMMON_FIELDS: [&str; 4] = ["name", "type", "enabled", "events"];

impl TargetType {
    /// Every type.
    pub const ALL: [TargetType; 8] = [
        TargetType::Webhook,
        TargetType::Ntfy,
        TargetType::Discord,
        TargetType::Telegram,
        TargetType::Gotify,
        TargetType::Email,
        TargetType::Jellyfin,
        TargetType::Plex,
    ];

    /// The name used in `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetType::Webhook => "webhook",
            TargetType::Ntfy => "ntfy",
            TargetType::Discord => "discord",
            TargetType::Telegram => "telegram",
            TargetType::Gotify => "gotify",
            TargetType::Email => "email",
            TargetType::Jellyfin => "jellyfin",
            TargetType::Plex => "plex",
        }
    }

    /// The type of a name (`emby` is Jellyfin's API too).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "emby" => Some(TargetType::Jellyfin),
            _ => Self::ALL.into_iter().find(|t| t.as_str() == s),
        }
    }

    /// Whether the target is a media server (refreshed, never held by quiet hours).
    pub fn is_media_server(self) -> bool {
        matches!(self, TargetType::Jellyfin | TargetType::Plex)
    }

    /// The type's own fields: (name, required).
    pub fn fields(self) -> &'static [(&'static str, bool)] {
        match self {
            TargetType::Webhook => &[("url", true), ("headers", false), ("secret", false)],
            TargetType::Ntfy => &[
                ("url", true),
                ("token", false),
                ("priority", false),
                ("tags", false),
            ],
            TargetType::Discord => &[("url", true)],
            TargetType::Telegram => &[("bot_token", true), ("chat_id", true), ("api_url", false)],
            TargetType::Gotify => &[("url", true), ("token", true), ("priority", false)],
            TargetType::Email => &[
                ("host", true),
                ("port", false),
                ("tls", false),
                ("username", false),
                ("password", false),
                ("from", true),
                ("to", true),
            ],
            TargetType::Jellyfin => &[("url", true), ("api_key", true), ("path_map", false)],
            TargetType::Plex => &[("url", true), ("token", true), ("path_map", false)],
        }
    }
}

/// How an e-mail target talks to its SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTls {
    /// Plain connection upgraded with STARTTLS (port 587 by default); refused without it.
    Starttls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// No encryption (port 25 by default); for a relay on the same machine or network.
    None,
}

impl EmailTls {
    /// The value of `tls`.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailTls::Starttls => "starttls",
            EmailTls::Tls => "tls",
            EmailTls::None => "none",
        }
    }
    /// The mode of a `tls` value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "starttls" => Some(EmailTls::Starttls),
            "tls" => Some(EmailTls::Tls),
            "none" => Some(EmailTls::None),
            _ => None,
        }
    }
    /// The usual port of the mode.
    pub fn default_port(self) -> u16 {
        match self {
            EmailTls::Starttls => 587,
            EmailTls::Tls => 465,
            EmailTls::None => 25,
        }
    }
}

/// The `notifications` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotificationsConfig {
    /// Where notifications go; names are unique.
    pub targets: Vec<NotificationTarget>,
    /// `HH:MM-HH:MM` (e.g. `22:00-07:00`, in `scheduler.timezone`, else the process's local
    /// time): during these hours only failures are sent; the rest follows as one summary per
    /// target when they end. Media servers are refreshed at any hour. None = no quiet hours.
    pub quiet_hours: Option<String>,
    /// Delay before the first retry of a failed delivery, in seconds; it doubles for the
    /// second and third retry (network errors and 5xx answers are retried three times).
    pub retry_backoff_seconds: u64,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        Self {
            targets: Vec::new(),
            quiet_hours: None,
            retry_backoff_seconds: 10,
        }
    }
}

/// One target. Only `name`, `type` and the fields of the type may be set (see
/// [`TargetType::fields`]); unset fields are left out of config.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotificationTarget {
    /// Unique name, shown in the status and used by the test endpoint.
    pub name: String,
    /// `webhook`, `ntfy`, `discord`, `telegram`, `gotify`, `email`, `jellyfin` (or `emby`) or `plex`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether notifications are sent to it.
    pub enabled: bool,
    /// The events it gets (wire names); all of them by default. A test is always sent.
    pub events: Vec<String>,
    /// webhook, ntfy (server URL with the topic), discord (the channel's webhook URL, a
    /// secret), gotify, jellyfin, plex: the URL. Webhook and Discord URLs are redacted past the
    /// host in answers, since their path may carry a token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// webhook: extra request headers (values are redacted in answers).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// webhook: HMAC-SHA256 key; the body is signed in `X-Aniworld-Signature: sha256=<hex>`.
    #[serde(skip_serializing_if = "unset")]
    pub secret: Secret,
    /// ntfy (optional access token), gotify (application token), plex (`X-Plex-Token`).
    #[serde(skip_serializing_if = "unset")]
    pub token: Secret,
    /// ntfy: 1 (min) to 5 (max), default 3; gotify: 0 to 10, default 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// ntfy: tags (emoji short codes) added to each message's own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// telegram: the bot's token from @BotFather.
    #[serde(skip_serializing_if = "unset")]
    pub bot_token: Secret,
    /// telegram: the chat id (a number, or `@channel`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_number"
    )]
    pub chat_id: Option<String>,
    /// telegram: the Bot API base URL; default `https://api.telegram.org`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// email: the SMTP server's host name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// email: the SMTP port; default 587 (starttls), 465 (tls) or 25 (none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// email: `starttls` (default), `tls` or `none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<String>,
    /// email: the SMTP user name, when the server wants a login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// email: the SMTP password.
    #[serde(skip_serializing_if = "unset")]
    pub password: Secret,
    /// email: the sender address (`Aniworld <aniworld@example.org>` or a bare address).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// email: the recipients (one address or a list).
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "one_or_many"
    )]
    pub to: Vec<String>,
    /// jellyfin: an API key (Dashboard, API Keys).
    #[serde(skip_serializing_if = "unset")]
    pub api_key: Secret,
    /// jellyfin, plex: library path prefix as this service sees it -> the same folder as the
    /// media server sees it (containers mount the library in different places). The longest
    /// matching prefix wins; paths that match none are sent unchanged.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub path_map: BTreeMap<String, String>,
}

impl Default for NotificationTarget {
    fn default() -> Self {
        Self {
            name: String::new(),
            kind: String::new(),
            enabled: true,
            events: NotificationEvent::ALL
                .iter()
                .map(|e| e.as_str().to_string())
                .collect(),
            url: None,
            headers: BTreeMap::new(),
            secret: Secret::default(),
            token: Secret::default(),
            priority: None,
            tags: Vec::new(),
            bot_token: Secret::default(),
            chat_id: None,
            api_url: None,
            host: None,
            port: None,
            tls: None,
            username: None,
            password: Secret::default(),
            from: None,
            to: Vec::new(),
            api_key: Secret::default(),
            path_map: BTreeMap::new(),
        }
    }
}

fn unset(s: &Secret) -> bool {
    !s.is_set()
}

/// Accepts `"123"` and `123` (Telegram chat ids are numbers, channel names strings).
fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(i64),
    }
    Ok(Option::<Id>::deserialize(d)?.map(|id| match id {
        Id::Text(s) => s,
        Id::Number(n) => n.to_string(),
    }))
}

/// Accepts one address or a list of them.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Many {
        One(String),
        List(Vec<String>),
    }
    Ok(match Option::<Many>::deserialize(d)? {
        None => Vec::new(),
        Some(Many::One(s)) => vec![s],
        Some(Many::List(l)) => l,
    })
}

impl NotificationTarget {
    /// The type, when `kind` names one.
    pub fn target_type(&self) -> Option<TargetType> {
        TargetType::parse(&self.kind)
    }

    /// Whether the target gets `event` (a test always goes through).
    pub fn wants(&self, event: NotificationEvent) -> bool {
        event == NotificationEvent::Test || self.events.iter().any(|e| e == event.as_str())
    }

    /// The fields that hold a value, by their JSON names (for the "does not apply" check).
    fn set_fields(&self) -> Vec<&'static str> {
        let mut set = Vec::new();
        let mut add = |name, on: bool| {
            if on {
                set.push(name)
            }
        };
        add("url", self.url.is_some());
        add("headers", !self.headers.is_empty());
        add("secret", self.secret.is_set());
        add("token", self.token.is_set());
        add("priority", self.priority.is_some());
        add("tags", !self.tags.is_empty());
        add("bot_token", self.bot_token.is_set());
        add("chat_id", self.chat_id.is_some());
        add("api_url", self.api_url.is_some());
        add("host", self.host.is_some());
        add("port", self.port.is_some());
        add("tls", self.tls.is_some());
        add("username", self.username.is_some());
        add("password", self.password.is_set());
        add("from", self.from.is_some());
        add("to", !self.to.is_empty());
        add("api_key", self.api_key.is_set());
        add("path_map", !self.path_map.is_empty());
        set
    }

    /// Every secret value the target holds (for log redaction): tokens, passwords, header
    /// values, and the URLs of webhook and Discord targets with their path.
    pub fn secret_values(&self) -> Vec<&str> {
        let mut out: Vec<&str> = [
            &self.secret,
            &self.token,
            &self.bot_token,
            &self.password,
            &self.api_key,
        ]
        .into_iter()
        .filter_map(Secret::expose)
        .collect();
        out.extend(self.headers.values().map(String::as_str));
        if self.url_is_secret()
            && let Some(url) = &self.url
        {
            out.push(url);
            if let Some(rest) = url_after_host(url).filter(|r| r.len() > 1) {
                out.push(rest);
            }
        }
        out
    }

    /// Whether the URL may carry a token (webhook, Discord).
    fn url_is_secret(&self) -> bool {
        matches!(
            self.target_type(),
            Some(TargetType::Webhook | TargetType::Discord)
        )
    }

    fn validate(&self, prefix: &str, v: &mut Vec<ValidationIssue>) {
        let mut bad = |field: &str, msg: String| {
            v.push(ValidationIssue::new(format!("{prefix}.{field}"), msg));
        };
        let name = self.name.trim();
        if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
            bad(
                "name",
                "must be 1 to 64 characters without control characters".into(),
            );
        }
        for (i, e) in self.events.iter().enumerate() {
            if NotificationEvent::parse(e).is_none() {
                bad(
                    &format!("events[{i}]"),
                    format!(
                        "{e:?} is not an event; use {}",
                        NotificationEvent::ALL.map(|e| e.as_str()).join(", ")
                    ),
                );
            }
        }
        let Some(kind) = self.target_type() else {
            bad(
                "type",
                format!(
                    "{:?} is not a target type; use {}",
                    self.kind,
                    TargetType::ALL.map(|t| t.as_str()).join(", ")
                ),
            );
            return;
        };
        let fields = kind.fields();
        for f in self.set_fields() {
            if !fields.iter().any(|(name, _)| *name == f) && !COMMON_FIELDS.contains(&f) {
                bad(f, format!("does not apply to {} targets", kind.as_str()));
            }
        }
        let set = self.set_fields();
        for (f, required) in fields {
            if *required && !set.contains(f) {
                bad(f, format!("is required for {} targets", kind.as_str()));
            }
        }
        if let Some(url) = &self.url
            && !valid_http_url(url)
        {
            bad("url", "must be an http(s) URL".into());
        }
        if let Some(url) = &self.api_url
            && !valid_http_url(url)
        {
            bad("api_url", "must be an http(s) URL".into());
        }
        for (k, value) in &self.headers {
            let name_ok = !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !name_ok || value.chars().any(char::is_control) {
                bad(
                    &format!("headers.{k}"),
                    "must be a header name (letters, digits, -) with a one-line value".into(),
                );
            }
        }
        if let Some(p) = self.priority {
            let range = if kind == TargetType::Gotify {
                0..=10
            } else {
                1..=5
            };
            if !range.contains(&p) {
                bad(
                    "priority",
                    format!("must be between {} and {}", range.start(), range.end()),
                );
            }
        }
        if self
            .tags
            .iter()
            .any(|t| t.trim().is_empty() || t.contains(','))
        {
            bad("tags", "must be non-empty words without commas".into());
        }
        if self
            .chat_id
            .as_deref()
            .is_some_and(|c| c.trim().is_empty() || c.chars().any(char::is_whitespace))
        {
            bad(
                "chat_id",
                "must be a chat id such as 123456789 or @channel".into(),
            );
        }
        if self
            .host
            .as_deref()
            .is_some_and(|h| h.trim().is_empty() || h.contains(['/', ' ', ':']))
        {
            bad(
                "host",
                "must be a host name such as smtp.example.org".into(),
            );
        }
        if self.port == Some(0) {
            bad("port", "must be between 1 and 65535".into());
        }
        if let Some(tls) = &self.tls
            && EmailTls::parse(tls).is_none()
        {
            bad("tls", format!("{tls:?} is not one of starttls, tls, none"));
        }
        if let Some(from) = &self.from
            && !looks_like_mailbox(from)
        {
            bad("from", "must be an e-mail address".into());
        }
        for (i, to) in self.to.iter().enumerate() {
            if !looks_like_mailbox(to) {
                bad(&format!("to[{i}]"), "must be an e-mail address".into());
            }
        }
        for (from, to) in &self.path_map {
            if !from.starts_with('/') || to.trim().is_empty() {
                bad(
                    "path_map",
                    "must map absolute library paths to the media server's paths".into(),
                );
                break;
            }
        }
    }

    /// The target as answers show it: secrets replaced by [`REDACTED`].
    fn redact(&self, v: &mut serde_json::Value) {
        for (field, secret) in [
            ("secret", &self.secret),
            ("token", &self.token),
            ("bot_token", &self.bot_token),
            ("password", &self.password),
            ("api_key", &self.api_key),
        ] {
            if secret.is_set() {
                v[field] = serde_json::Value::String(REDACTED.into());
            }
        }
        for k in self.headers.keys() {
            v["headers"][k] = serde_json::Value::String(REDACTED.into());
        }
        if self.url_is_secret()
            && let Some(url) = &self.url
        {
            v["url"] = serde_json::Value::String(redact_url_path(url));
        }
    }

    /// Takes the secrets that came back redacted from `old` (the target of the same name).
    fn keep_redacted(&mut self, old: Option<&NotificationTarget>) {
        for (new, old) in [
            (&mut self.secret, old.map(|o| &o.secret)),
            (&mut self.token, old.map(|o| &o.token)),
            (&mut self.bot_token, old.map(|o| &o.bot_token)),
            (&mut self.password, old.map(|o| &o.password)),
            (&mut self.api_key, old.map(|o| &o.api_key)),
        ] {
            if new.expose() == Some(REDACTED) {
                *new = old.cloned().unwrap_or_default();
            }
        }
        for (k, value) in self.headers.iter_mut() {
            if value == REDACTED
                && let Some(old) = old.and_then(|o| o.headers.get(k))
            {
                *value = old.clone();
            }
        }
        if let (Some(new), Some(old)) = (&self.url, old.and_then(|o| o.url.as_ref()))
            && new.contains(REDACTED)
            && *new == redact_url_path(old)
        {
            self.url = Some(old.clone());
        }
    }
}

impl NotificationsConfig {
    /// Validation issues of the section; field paths start with `notifications.`.
    pub fn validate(&self) -> Vec<ValidationIssue> {
        let mut v = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            let prefix = format!("notifications.targets[{i}]");
            if names.contains(&t.name.trim()) {
                v.push(ValidationIssue::new(
                    format!("{prefix}.name"),
                    format!("{:?} is the name of another target", t.name),
                ));
            }
            names.push(t.name.trim());
            t.validate(&prefix, &mut v);
        }
        if let Some(q) = &self.quiet_hours
            && QuietHours::parse(q).is_none()
        {
            v.push(ValidationIssue::new(
                "notifications.quiet_hours",
                format!("{q:?} is not a span HH:MM-HH:MM such as 22:00-07:00"),
            ));
        }
        if !(1..=3600).contains(&self.retry_backoff_seconds) {
            v.push(ValidationIssue::new(
                "notifications.retry_backoff_seconds",
                "must be between 1 and 3600",
            ));
        }
        v
    }

    /// The target of a name.
    pub fn target(&self, name: &str) -> Option<&NotificationTarget> {
        self.targets.iter().find(|t| t.name == name)
    }

    /// Every secret value of the section, for log redaction.
    pub fn secret_values(&self) -> Vec<&str> {
        self.targets
            .iter()
            .flat_map(NotificationTarget::secret_values)
            .collect()
    }

    /// Replaces the secrets in `v` (this section serialised) with [`REDACTED`].
    pub fn redact(&self, v: &mut serde_json::Value) {
        for (i, t) in self.targets.iter().enumerate() {
            t.redact(&mut v["targets"][i]);
        }
    }

    /// Puts back the secrets that arrived as [`REDACTED`], from the target of the same name in
    /// `current`, or (for a renamed target) from the target of the same type at the same place.
    pub fn keep_redacted_secrets(&mut self, current: &NotificationsConfig) {
        let names: Vec<String> = self.targets.iter().map(|t| t.name.clone()).collect();
        for (i, t) in self.targets.iter_mut().enumerate() {
            // The old target at this place was renamed when its name is gone from the list.
            let old = current.target(&t.name).or_else(|| {
                current
                    .targets
                    .get(i)
                    .filter(|o| o.kind == t.kind && !names.contains(&o.name))
            });
            t.keep_redacted(old);
        }
    }

    /// Whether the quiet hours hold messages back at `now` in the time zone `tz` (an IANA
    /// name; the process's local time when None or unknown).
    pub fn quiet_now(&self, now: DateTime<Utc>, tz: Option<&str>) -> bool {
        let Some(q) = self.quiet_hours.as_deref().and_then(QuietHours::parse) else {
            return false;
        };
        let local = match tz.and_then(|t| t.parse::<chrono_tz::Tz>().ok()) {
            Some(tz) => now.with_timezone(&tz).time(),
            None => now.with_timezone(&chrono::Local).time(),
        };
        q.contains(local)
    }
}

/// A daily span of time, `start` included, `end` excluded; it may wrap past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// Start of the span.
    pub start: NaiveTime,
    /// End of the span.
    pub end: NaiveTime,
}

impl QuietHours {
    /// Parses `HH:MM-HH:MM`; start and end must differ.
    pub fn parse(s: &str) -> Option<Self> {
        let (a, b) = s.trim().split_once('-')?;
        let (ah, am) = crate::config::parse_schedule_time(a.trim())?;
        let (bh, bm) = crate::config::parse_schedule_time(b.trim())?;
        let start = NaiveTime::from_hms_opt(ah, am, 0)?;
        let end = NaiveTime::from_hms_opt(bh, bm, 0)?;
        (start != end).then_some(Self { start, end })
    }

    /// Whether `t` lies in the span.
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

fn valid_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"));
    rest.is_some_and(|r| {
        !r.is_empty() && !r.starts_with('/') && !r.chars().any(char::is_whitespace)
    })
}

/// `name@domain`, optionally as `Display Name <name@domain>`.
fn looks_like_mailbox(s: &str) -> bool {
    let addr = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => &s[i + 1..s.len() - 1],
        _ => s,
    };
    let Some((local, domain)) = addr.trim().split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !addr
            .trim()
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
}

/// The part of a URL after `scheme://host[:port]` (path and query), when there is one.
fn url_after_host(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let i = rest.find(['/', '?'])?;
    Some(&rest[i..])
}

/// `scheme://host[:port]/********` for a URL with a path or query (which may carry a token);
/// the URL itself when it has none.
pub fn redact_url_path(url: &str) -> String {
    match url_after_host(url) {
        Some(rest) if rest != "/" => {
            format!("{}/{REDACTED}", &url[..url.len() - rest.len()])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target(v: serde_json::Value) -> NotificationTarget {
        serde_json::from_value(v).unwrap()
    }

    fn fields(c: &NotificationsConfig) -> Vec<String> {
        c.validate().into_iter().map(|i| i.field).collect()
    }

    #[test]
    fn every_type_names_its_missing_and_foreign_fields() {
        let check = |t: serde_json::Value, expected: &[&str]| {
            let c = NotificationsConfig {
                targets: vec![target(t.clone())],
                ..Default::default()
            };
            assert_eq!(fields(&c), expected, "{t}");
        };
        check(
            json!({"name": "a", "type": "webhook", "url": "http://h/x"}),
            &[],
        );
        check(
            json!({"name": "a", "type": "webhook"}),
            &["notifications.targets[0].url"],
        );
        check(
            json!({"name": "a", "type": "discord", "url": "https://d/x", "token": "abcdef"}),
            &["notifications.targets[0].token"],
        );
        check(
            json!({"name": "a", "type": "telegram", "bot_token": "1:abc", "chat_id": 12345}),
            &[],
        );
        check(
            json!({"name": "a", "type": "email", "host": "smtp.x", "from": "a@x", "to": "b@x", "tls": "ssl"}),
            &["notifications.targets[0].tls"],
        );
        check(
            json!({"name": "a", "type": "plex", "url": "http://plex:32400", "token": "tok"}),
            &[],
        );
        check(
            json!({"name": "a", "type": "jellyfin", "url": "http://j", "api_key": "k", "path_map": {"srv": "/media"}}),
            &["notifications.targets[0].path_map"],
        );
        check(
            json!({"name": "a", "type": "slack", "url": "http://s"}),
            &["notifications.targets[0].type"],
        );
        check(
            json!({"name": "a", "type": "ntfy", "url": "http://n/t", "priority": 7, "events": ["download_completed", "nope"]}),
            &[
                "notifications.targets[0].events[1]",
                "notifications.targets[0].priority",
            ],
        );
        check(
            json!({"name": "", "type": "gotify", "url": "ftp://g", "token": "t"}),
            &[
                "notifications.targets[0].name",
                "notifications.targets[0].url",
            ],
        );
    }

    #[test]
    fn names_are_unique_and_quiet_hours_parse() {
        let t = json!({"name": "a", "type": "discord", "url": "https://d/x"});
        let mut c = NotificationsConfig {
            targets: vec![target(t.clone()), target(t)],
            quiet_hours: Some("22:00-22:00".into()),
            ..Default::default()
        };
        assert_eq!(
            fields(&c),
            ["notifications.targets[1].name", "notifications.quiet_hours"]
        );
        c.targets.pop();
        c.quiet_hours = Some("22:00-07:00".into());
        assert!(fields(&c).is_empty());
        let q = QuietHours::parse("22:00-07:00").unwrap();
        let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert!(q.contains(at(23, 0)) && q.contains(at(0, 0)) && q.contains(at(6, 59)));
        assert!(!q.contains(at(7, 0)) && !q.contains(at(12, 0)) && !q.contains(at(21, 59)));
        let day = QuietHours::parse("09:00-17:30").unwrap();
        assert!(day.contains(at(9, 0)) && !day.contains(at(17, 30)) && !day.contains(at(8, 0)));
        for bad in ["22-07", "22:00", "25:00-07:00", "22:00 07:00"] {
            assert_eq!(QuietHours::parse(bad), None, "{bad}");
        }
        let noon = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, 1, 12, 0, 0).unwrap();
        c.quiet_hours = Some("11:00-13:00".into());
        assert!(c.quiet_now(noon, Some("UTC")));
        assert!(!c.quiet_now(noon, Some("Asia/Tokyo")));
    }

    #[test]
    fn secrets_are_redacted_and_come_back_from_the_target_of_the_same_name() {
        let c = NotificationsConfig {
            targets: vec![
                target(
                    json!({"name": "hook", "type": "webhook", "url": "https://h/hooks/tok123456",
                    "secret": "hmac-secret", "headers": {"Authorization": "Bearer abc"}}),
                ),
                target(
                    json!({"name": "tg", "type": "telegram", "bot_token": "1:bot-token", "chat_id": "42"}),
                ),
                target(
                    json!({"name": "jf", "type": "jellyfin", "url": "http://jf:8096", "api_key": "jf-key"}),
                ),
            ],
            ..Default::default()
        };
        let mut v = serde_json::to_value(&c).unwrap();
        c.redact(&mut v);
        let text = v.to_string();
        for secret in [
            "tok123456",
            "hmac-secret",
            "Bearer abc",
            "1:bot-token",
            "jf-key",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(v["targets"][0]["url"], "https://h/********");
        assert_eq!(v["targets"][2]["url"], "http://jf:8096");
        assert!(
            v["targets"][1].get("url").is_none(),
            "unset fields are left out"
        );
        let mut back: NotificationsConfig = serde_json::from_value(v).unwrap();
        back.keep_redacted_secrets(&c);
        assert_eq!(back, c);
        // A renamed target keeps its own secrets; a target never takes another's.
        let mut renamed = back.clone();
        renamed.targets[1].name = "other".into();
        renamed.targets[1].bot_token = Secret::new(Some(REDACTED.into()));
        renamed.keep_redacted_secrets(&c);
        assert_eq!(renamed.targets[1].bot_token.expose(), Some("1:bot-token"));
        let mut swapped = back.clone();
        swapped.targets.swap(0, 1);
        swapped.targets[0].name = "new".into();
        swapped.targets[0].bot_token = Secret::new(Some(REDACTED.into()));
        swapped.keep_redacted_secrets(&c);
        assert!(
            !swapped.targets[0].bot_token.is_set(),
            "the webhook's place"
        );
        let secrets = c.secret_values();
        for s in [
            "hmac-secret",
            "/hooks/tok123456",
            "1:bot-token",
            "jf-key",
            "Bearer abc",
        ] {
            assert!(secrets.contains(&s), "{s} not in {secrets:?}");
        }
        assert!(!secrets.contains(&"http://jf:8096"));
    }

    #[test]
    fn unknown_keys_of_a_target_are_named_with_their_path() {
        let v = json!({"notifications": {"targets": [
            {"name": "a", "type": "webhook", "url": "http://h/x"},
            {"name": "b", "type": "webhook", "ulr": "http://h/x"}
        ], "quiet_hour": "22:00-07:00"}});
        assert_eq!(
            crate::config::unknown_keys::<crate::AppConfig>(&v),
            ["notifications.quiet_hour", "notifications.targets[1].ulr"]
        );
    }

    #[test]
    fn url_paths_are_redacted_only_when_there_is_one() {
        assert_eq!(redact_url_path("http://h:9/a/b?c=d"), "http://h:9/********");
        assert_eq!(redact_url_path("http://h:9?c"), "http://h:9/********");
        assert_eq!(redact_url_path("http://h:9/"), "http://h:9/");
        assert_eq!(redact_url_path("http://h"), "http://h");
    }

    #[test]
    fn events_default_to_all_and_tests_always_pass() {
        let t = target(json!({"name": "a", "type": "discord", "url": "https://d/x"}));
        assert!(NotificationEvent::ALL.iter().all(|e| t.wants(*e)));
        let only = target(
            json!({"name": "a", "type": "discord", "url": "https://d/x", "events": ["download_failed"]}),
        );
        assert!(only.wants(NotificationEvent::DownloadFailed));
        assert!(only.wants(NotificationEvent::Test));
        assert!(!only.wants(NotificationEvent::DownloadCompleted));
        assert_eq!(
            serde_json::to_value(NotificationEvent::SeriesCompleted).unwrap(),
            "series_completed"
        );
    }
}
