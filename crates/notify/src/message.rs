//! [`Notification`]: what happened, as every target type renders it. Its JSON form is the body
//! a webhook receives (docs/notifications.md has one example per event) and what the outbox
//! stores.

use aniworld_core::notifications::NotificationEvent;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// The `event` of a summary sent when quiet hours end.
pub const SUMMARY_EVENT: &str = "summary";

/// One notification (the webhook body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// The event's wire name (`download_completed`, ..., `test`, or `summary`).
    pub event: String,
    /// A short headline.
    pub title: String,
    /// One or two sentences for people.
    pub message: String,
    /// When it happened, RFC 3339 UTC.
    pub timestamp: String,
    /// The instance's display name (`name` in the configuration).
    pub instance: String,
    /// The series, for download and series events.
    pub series: Option<SeriesInfo>,
    /// The episode, for download events.
    pub episode: Option<EpisodeInfo>,
    /// The episode file in the library (as this service sees it), for completed and upgraded
    /// downloads.
    pub path: Option<String>,
    /// What went wrong, for failures.
    pub error: Option<String>,
    /// The catalogue site, for site events.
    pub site: Option<SiteInfo>,
    /// The hoster, for `hoster_degraded`.
    pub hoster: Option<HosterInfo>,
    /// The notifications a summary stands for, oldest first (summaries only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Notification>,
}

/// A series of the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesInfo {
    /// The library id (`frieren`).
    pub key: String,
    /// Display name.
    pub name: String,
    /// Folder under the anime directory.
    pub folder: String,
    /// The catalogue's cover image, when known.
    pub poster_url: Option<String>,
}

/// An episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpisodeInfo {
    /// Season (0 = movies).
    pub season: u32,
    /// Episode number.
    pub episode: u32,
    /// `S01E02`.
    pub code: String,
    /// Its title, when known.
    pub title: Option<String>,
}

impl EpisodeInfo {
    /// An episode with its `SxxEyy` code.
    pub fn new(season: u32, episode: u32, title: Option<String>) -> Self {
        Self {
            season,
            episode,
            code: format!("S{season:02}E{episode:02}"),
            title,
        }
    }
}

/// A catalogue site's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// The site id (`aniworld.to`).
    pub id: String,
    /// `verification_required`, `degraded` or `session_expired`.
    pub status: String,
    /// The end of a verification wall's cool-down, RFC 3339.
    pub until: Option<String>,
}

/// A hoster that keeps failing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HosterInfo {
    /// The catalogue's name (`VOE`).
    pub name: String,
    /// Failed extractions in a row.
    pub consecutive_failures: u32,
    /// The end of its cool-down, RFC 3339.
    pub until: Option<String>,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn episode_label(series: &SeriesInfo, episode: &EpisodeInfo) -> String {
    match &episode.title {
        Some(t) if !t.trim().is_empty() => {
            format!("{} {} \u{201c}{t}\u{201d}", series.name, episode.code)
        }
        _ => format!("{} {}", series.name, episode.code),
    }
}

impl Notification {
    fn new(event: NotificationEvent, title: String, message: String, at: DateTime<Utc>) -> Self {
        Self {
            event: event.as_str().into(),
            title,
            message,
            timestamp: rfc3339(at),
            instance: String::new(),
            series: None,
            episode: None,
            path: None,
            error: None,
            site: None,
            hoster: None,
            events: Vec::new(),
        }
    }

    /// Sets the instance name.
    pub fn from_instance(mut self, name: &str) -> Self {
        self.instance = name.to_string();
        self
    }

    /// An episode was downloaded to `path`.
    pub fn download_completed(
        series: SeriesInfo,
        episode: EpisodeInfo,
        path: String,
        at: DateTime<Utc>,
    ) -> Self {
        let label = episode_label(&series, &episode);
        let mut n = Self::new(
            NotificationEvent::DownloadCompleted,
            format!("Downloaded: {} {}", series.name, episode.code),
            format!("{label} is in the library."),
            at,
        );
        n.series = Some(series);
        n.episode = Some(episode);
        n.path = Some(path);
        n
    }

    /// A download failed after its last retry.
    pub fn download_failed(
        series: SeriesInfo,
        episode: EpisodeInfo,
        error: String,
        at: DateTime<Utc>,
    ) -> Self {
        let label = episode_label(&series, &episode);
        let mut n = Self::new(
            NotificationEvent::DownloadFailed,
            format!("Download failed: {} {}", series.name, episode.code),
            format!("{label} could not be downloaded: {error}"),
            at,
        );
        n.series = Some(series);
        n.episode = Some(episode);
        n.error = Some(error);
        n
    }

    /// The download of `episode` left the series with no missing episode.
    pub fn series_completed(series: SeriesInfo, episode: EpisodeInfo, at: DateTime<Utc>) -> Self {
        let mut n = Self::new(
            NotificationEvent::SeriesCompleted,
            format!("Complete: {}", series.name),
            format!(
                "{} has no missing episode left (the last one was {}).",
                series.name, episode.code
            ),
            at,
        );
        n.series = Some(series);
        n.episode = Some(episode);
        n
    }

    /// The file of an episode was replaced by a better one at `path`; `reason` says why
    /// (e.g. `German Dub instead of German Sub`).
    pub fn episode_upgraded(
        series: SeriesInfo,
        episode: EpisodeInfo,
        path: String,
        reason: String,
        at: DateTime<Utc>,
    ) -> Self {
        let label = episode_label(&series, &episode);
        let mut n = Self::new(
            NotificationEvent::EpisodeUpgraded,
            format!("Upgraded: {} {}", series.name, episode.code),
            format!("{label} was replaced: {reason}."),
            at,
        );
        n.series = Some(series);
        n.episode = Some(episode);
        n.path = Some(path);
        n
    }

    /// A catalogue site put up a verification wall.
    pub fn verification_required(
        site: &str,
        error: Option<String>,
        until: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Self {
        let wait = until.map_or(String::new(), |u| format!(" until {}", rfc3339(u)));
        let mut n = Self::new(
            NotificationEvent::VerificationRequired,
            format!("Verification required: {site}"),
            format!("{site} asks for a verification; its downloads wait{wait}."),
            at,
        );
        n.error = error;
        n.site = Some(SiteInfo {
            id: site.into(),
            status: "verification_required".into(),
            until: until.map(rfc3339),
        });
        n
    }

    /// A catalogue site is degraded (`status`: `degraded` or `session_expired`).
    pub fn site_degraded(
        site: &str,
        status: &str,
        error: Option<String>,
        at: DateTime<Utc>,
    ) -> Self {
        let why = error.as_deref().map_or(String::new(), |e| format!(": {e}"));
        let mut n = Self::new(
            NotificationEvent::SiteDegraded,
            format!("Site degraded: {site}"),
            format!("{site} is not working as expected ({status}){why}"),
            at,
        );
        n.error = error;
        n.site = Some(SiteInfo {
            id: site.into(),
            status: status.into(),
            until: None,
        });
        n
    }

    /// A hoster failed repeatedly and is skipped until `until`.
    pub fn hoster_degraded(
        hoster: &str,
        consecutive_failures: u32,
        error: Option<String>,
        until: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Self {
        let mut n = Self::new(
            NotificationEvent::HosterDegraded,
            format!("Hoster degraded: {hoster}"),
            format!(
                "{hoster} failed {consecutive_failures} times in a row and is tried last until {}.",
                rfc3339(until)
            ),
            at,
        );
        n.error = error;
        n.hoster = Some(HosterInfo {
            name: hoster.into(),
            consecutive_failures,
            until: Some(rfc3339(until)),
        });
        n
    }

    /// A test of target `target`.
    pub fn test(target: &str, at: DateTime<Utc>) -> Self {
        Self::new(
            NotificationEvent::Test,
            "Aniworld test notification".into(),
            format!("The target \u{201c}{target}\u{201d} works."),
            at,
        )
    }

    /// One notification for what quiet hours held back.
    pub fn summary(held: Vec<Notification>, at: DateTime<Utc>) -> Self {
        let lines: Vec<String> = held.iter().map(|n| format!("- {}", n.title)).collect();
        let instance = held.first().map(|n| n.instance.clone()).unwrap_or_default();
        Self {
            event: SUMMARY_EVENT.into(),
            title: format!("While quiet: {} notifications", held.len()),
            message: lines.join("\n"),
            timestamp: rfc3339(at),
            instance,
            series: None,
            episode: None,
            path: None,
            error: None,
            site: None,
            hoster: None,
            events: held,
        }
    }

    /// The event, when the name is one (a summary is none).
    pub fn kind(&self) -> Option<NotificationEvent> {
        NotificationEvent::parse(&self.event)
    }

    /// The files a media server should learn about: this notification's, or those of the
    /// notifications a summary stands for.
    pub fn new_files(&self) -> Vec<&str> {
        if self.events.is_empty() {
            match (&self.path, self.kind()) {
                (Some(p), Some(k)) if k.has_new_file() => vec![p.as_str()],
                _ => Vec::new(),
            }
        } else {
            self.events
                .iter()
                .flat_map(Notification::new_files)
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 20, 15, 0).unwrap()
    }

    fn series() -> SeriesInfo {
        SeriesInfo {
            key: "frieren".into(),
            name: "Frieren".into(),
            folder: "Frieren (2023)".into(),
            poster_url: None,
        }
    }

    #[test]
    fn completed_downloads_carry_series_episode_and_path() {
        let n = Notification::download_completed(
            series(),
            EpisodeInfo::new(1, 2, Some("Magic".into())),
            "/srv/anime/Frieren (2023)/Season 01/x.mp4".into(),
            at(),
        );
        let v = serde_json::to_value(&n).unwrap();
        assert_eq!(v["event"], "download_completed");
        assert_eq!(v["episode"]["code"], "S01E02");
        assert_eq!(v["series"]["key"], "frieren");
        assert_eq!(v["timestamp"], "2026-12-07T20:15:00Z");
        assert_eq!(v["error"], serde_json::Value::Null, "fixed shape: {v}");
        assert!(v.get("events").is_none());
        assert!(n.message.contains("Frieren S01E02"), "{}", n.message);
        assert_eq!(n.new_files(), ["/srv/anime/Frieren (2023)/Season 01/x.mp4"]);
        let back: Notification = serde_json::from_value(v).unwrap();
        assert_eq!(back, n);
    }

    #[test]
    fn a_summary_lists_what_was_held_and_its_files() {
        let done = Notification::download_completed(
            series(),
            EpisodeInfo::new(1, 3, None),
            "/a/b.mp4".into(),
            at(),
        );
        let whole = Notification::series_completed(series(), EpisodeInfo::new(1, 3, None), at());
        let s = Notification::summary(vec![done, whole], at());
        assert_eq!(s.event, SUMMARY_EVENT);
        assert_eq!(s.kind(), None);
        assert_eq!(s.message.lines().count(), 2);
        assert_eq!(s.new_files(), ["/a/b.mp4"]);
    }
}
