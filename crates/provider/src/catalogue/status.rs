//! What the service knows about each catalogue site right now: which page engine it serves,
//! whether a verification wall is up (and until when), whether the configured site session
//! still works, and what the last canary check found.
//!
//! [`SiteMonitor`] outlives the catalogue clients (they are rebuilt when the configuration
//! changes) and is shared by every client of the same site. Every change of a site's derived
//! [`SiteStatus`] goes to the listener once (the server turns it into a WebSocket `site_status`
//! message and a warn log line).
//!
//! Verification walls: the first wall starts a cool-down of `cooldown`; a wall seen again by the
//! probe after a cool-down doubles it, up to `cooldown_max`. While the cool-down runs no request
//! for that site's play links is made. When it has passed, exactly one caller is admitted as the
//! probe; the others keep waiting a little until the probe has an answer. A probe that gets a
//! redirect to a hoster lifts the wall.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The page engine a site served last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// The pre-2026 layout (`div.hosterSiteDirectNav`, `table.seasonEpisodesList`).
    Legacy,
    /// The 2026 layout (`#season-nav`, `tr.episode-row`, `button.link-box`).
    V2,
}

impl Engine {
    /// `legacy` or `v2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Legacy => "legacy",
            Engine::V2 => "v2",
        }
    }
}

/// A site's status as `/health/detailed` and the `site_status` message show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteHealth {
    /// Everything seen lately worked.
    Healthy,
    /// The last canary check failed (layout change, unreachable, blocked).
    Degraded,
    /// A verification wall is up; work for the site waits until `until`.
    VerificationRequired,
    /// The configured site cookie is no longer accepted (a login page instead of content).
    SessionExpired,
}

impl SiteHealth {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SiteHealth::Healthy => "healthy",
            SiteHealth::Degraded => "degraded",
            SiteHealth::VerificationRequired => "verification_required",
            SiteHealth::SessionExpired => "session_expired",
        }
    }
}

/// One site's derived status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteStatus {
    /// The site id.
    pub site: String,
    /// Healthy, degraded, verification required or session expired.
    pub status: SiteHealth,
    /// The engine the site served last, if any page was read yet.
    pub engine: Option<Engine>,
    /// What went wrong, when not healthy.
    pub error: Option<String>,
    /// The end of a verification wall's cool-down.
    pub until: Option<DateTime<Utc>>,
    /// When the canary last checked the site.
    pub last_check: Option<DateTime<Utc>>,
}

/// Receives every change of a site's status.
pub type StatusListener = Arc<dyn Fn(&SiteStatus) + Send + Sync>;

/// How one request to a catalogue site ended (a page read and parsed, a search, a play link).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestOutcome {
    /// The answer was what was asked for.
    Ok,
    /// The series, page or link does not exist.
    NotFound,
    /// An anti-bot challenge, captcha or spam block instead of the page.
    Blocked,
    /// A verification wall in front of the play links.
    VerificationRequired,
    /// A page of an unexpected layout.
    Layout,
    /// Unreachable, timed out, an unexpected HTTP status or an unusable configuration.
    Network,
}

impl RequestOutcome {
    /// The outcome of a finished request.
    pub fn of<T>(result: &Result<T, crate::ProviderError>) -> RequestOutcome {
        use aniworld_core::ports::SourceErrorKind as K;
        match result {
            Ok(_) => RequestOutcome::Ok,
            Err(e) => match e.kind() {
                K::NotFound => RequestOutcome::NotFound,
                K::Blocked => RequestOutcome::Blocked,
                K::VerificationRequired => RequestOutcome::VerificationRequired,
                K::Layout => RequestOutcome::Layout,
                _ => RequestOutcome::Network,
            },
        }
    }

    /// `ok`, `not_found`, `blocked`, `verification_required`, `layout` or `network`.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestOutcome::Ok => "ok",
            RequestOutcome::NotFound => "not_found",
            RequestOutcome::Blocked => "blocked",
            RequestOutcome::VerificationRequired => "verification_required",
            RequestOutcome::Layout => "layout",
            RequestOutcome::Network => "network",
        }
    }
}

/// Hears the outcome of every request to a site (site id, outcome); must not block.
pub type RequestListener = Arc<dyn Fn(&str, RequestOutcome) + Send + Sync>;

/// Whether a play-link request for a site may go out now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// No wall: go ahead.
    Open,
    /// The cool-down has passed and this caller is the one probe: go ahead and report.
    Probe,
    /// Wait until then without a request.
    Wait(DateTime<Utc>),
}

#[derive(Debug, Default, Clone)]
struct Wall {
    until: Option<DateTime<Utc>>,
    cooldown: Duration,
    probe_started: Option<DateTime<Utc>>,
    reason: String,
}

#[derive(Debug, Default, Clone)]
struct State {
    engine: Option<Engine>,
    wall: Option<Wall>,
    /// The cool-down the next wall starts with (doubles while walls keep coming).
    next_cooldown: Option<Duration>,
    session_expired: Option<String>,
    /// A page with the signed-in markers was seen with the configured cookie.
    session_seen: bool,
    canary_error: Option<String>,
    last_check: Option<DateTime<Utc>>,
    last_sent: Option<SiteStatus>,
}

/// How long waiting callers wait for a running probe before they ask again.
const PROBE_RECHECK: chrono::Duration = chrono::Duration::seconds(2);
/// A probe that has not reported after this long is taken as lost.
const PROBE_STALE: chrono::Duration = chrono::Duration::seconds(120);

/// The state of every site; cheap to clone, all clones share it.
#[derive(Clone, Default)]
pub struct SiteMonitor {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    sites: Mutex<BTreeMap<String, State>>,
    listener: Mutex<Option<StatusListener>>,
    requests: Mutex<Option<RequestListener>>,
    cooldown: Mutex<(Duration, Duration)>,
}

impl std::fmt::Debug for SiteMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteMonitor").finish_non_exhaustive()
    }
}

impl SiteMonitor {
    /// A monitor with the default cool-downs (15 minutes doubling to 60).
    pub fn new() -> Self {
        let m = Self::default();
        m.set_cooldowns(Duration::from_secs(900), Duration::from_secs(3600));
        m
    }

    /// Sets the first and the longest cool-down after a verification wall.
    pub fn set_cooldowns(&self, first: Duration, max: Duration) {
        let first = first.max(Duration::from_secs(1));
        *self
            .inner
            .cooldown
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = (first, max.max(first));
    }

    /// Sets the listener that hears every status change.
    pub fn set_listener(&self, listener: StatusListener) {
        *self
            .inner
            .listener
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(listener);
    }

    /// Sets the listener that hears the outcome of every request to a site (for counters).
    pub fn set_request_listener(&self, listener: RequestListener) {
        *self
            .inner
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(listener);
    }

    /// Reports how a request to `site` ended to the request listener, and passes it on.
    pub fn observe<T>(
        &self,
        site: &str,
        result: Result<T, crate::ProviderError>,
    ) -> Result<T, crate::ProviderError> {
        let listener = self
            .inner
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(l) = listener {
            l(site, RequestOutcome::of(&result));
        }
        result
    }

    fn cooldowns(&self) -> (Duration, Duration) {
        *self
            .inner
            .cooldown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn sites(&self) -> MutexGuard<'_, BTreeMap<String, State>> {
        self.inner.sites.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `f` to a site's state and announces the status when it changed.
    fn update<R>(&self, site: &str, f: impl FnOnce(&mut State) -> R) -> R {
        let (out, changed) = {
            let mut sites = self.sites();
            let st = sites.entry(site.to_string()).or_default();
            let out = f(st);
            let now = derive(site, st);
            // The time of the last check alone is no change worth announcing.
            let key = |s: &SiteStatus| (s.status, s.engine, s.error.clone(), s.until);
            let changed = st.last_sent.as_ref().map(key) != Some(key(&now));
            if changed {
                st.last_sent = Some(now.clone());
            }
            (out, changed.then_some(now))
        };
        if let Some(status) = changed {
            let level = if status.status == SiteHealth::Healthy {
                log::Level::Info
            } else {
                log::Level::Warn
            };
            log::log!(
                level,
                "catalogue {}: {}{}{}",
                status.site,
                status.status.as_str(),
                status
                    .engine
                    .map(|e| format!(" ({} engine)", e.as_str()))
                    .unwrap_or_default(),
                status
                    .error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            );
            let listener = self
                .inner
                .listener
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            if let Some(l) = listener {
                l(&status);
            }
        }
        out
    }

    /// Records the engine of a page the site served.
    pub fn saw_engine(&self, site: &str, engine: Engine) {
        let known = self.sites().get(site).and_then(|s| s.engine);
        if known != Some(engine) {
            self.update(site, |st| st.engine = Some(engine));
        }
    }

    /// The engine the site served last.
    pub fn engine(&self, site: &str) -> Option<Engine> {
        self.sites().get(site).and_then(|s| s.engine)
    }

    /// Whether a play-link request for `site` may go out now (see [`Admission`]).
    pub fn admit(&self, site: &str, now: DateTime<Utc>) -> Admission {
        let mut sites = self.sites();
        let Some(wall) = sites.get_mut(site).and_then(|s| s.wall.as_mut()) else {
            return Admission::Open;
        };
        let until = wall.until.unwrap_or(now);
        if now < until {
            return Admission::Wait(until);
        }
        match wall.probe_started {
            Some(started) if now - started < PROBE_STALE => Admission::Wait(now + PROBE_RECHECK),
            _ => {
                wall.probe_started = Some(now);
                Admission::Probe
            }
        }
    }

    /// A verification wall was met: starts (or, after a probe, doubles) the cool-down and
    /// returns its end.
    pub fn walled(&self, site: &str, reason: &str, now: DateTime<Utc>) -> DateTime<Utc> {
        let (first, max) = self.cooldowns();
        self.update(site, |st| {
            let cooldown = match &st.wall {
                // Another caller that was already in flight hit the same wall: keep its end.
                Some(w) if w.probe_started.is_none() && w.until.is_some_and(|u| u > now) => {
                    return w.until.unwrap_or(now);
                }
                Some(w) => (w.cooldown * 2).min(max),
                None => st.next_cooldown.unwrap_or(first),
            };
            let until = now
                + chrono::Duration::from_std(cooldown).unwrap_or(chrono::Duration::seconds(900));
            st.wall = Some(Wall {
                until: Some(until),
                cooldown,
                probe_started: None,
                reason: reason.to_string(),
            });
            st.next_cooldown = Some(cooldown);
            until
        })
    }

    /// A play link redirected to a hoster: any wall is gone.
    pub fn passed(&self, site: &str) {
        let walled = self.sites().get(site).is_some_and(|s| s.wall.is_some());
        if walled {
            self.update(site, |st| {
                st.wall = None;
                st.next_cooldown = None;
            });
        }
    }

    /// The probe ended without an answer about the wall (another error): the next caller
    /// after the cool-down may probe again.
    pub fn probe_inconclusive(&self, site: &str) {
        if let Some(w) = self.sites().get_mut(site).and_then(|s| s.wall.as_mut()) {
            w.probe_started = None;
        }
    }

    /// The wall's end, while one is up.
    pub fn wall_until(&self, site: &str) -> Option<DateTime<Utc>> {
        self.sites()
            .get(site)
            .and_then(|s| s.wall.as_ref())
            .and_then(|w| w.until)
    }

    /// A page read with the configured session cookie showed whether it is signed in.
    pub fn session_seen(&self, site: &str, signed_in: bool, login_page: bool, url: &str) {
        let (seen_before, expired) = self.sites().get(site).map_or((false, false), |s| {
            (s.session_seen, s.session_expired.is_some())
        });
        if signed_in {
            if !seen_before || expired {
                self.update(site, |st| {
                    st.session_seen = true;
                    st.session_expired = None;
                });
            }
        } else if (login_page || seen_before) && !expired {
            let why = format!(
                "the site session is no longer accepted ({url} showed {})",
                if login_page {
                    "a login form"
                } else {
                    "no signed-in markers"
                }
            );
            self.update(site, |st| st.session_expired = Some(why));
        }
    }

    /// Records the outcome of a canary check.
    pub fn canary(
        &self,
        site: &str,
        engine: Option<Engine>,
        error: Option<String>,
        at: DateTime<Utc>,
    ) {
        self.update(site, |st| {
            if engine.is_some() {
                st.engine = engine;
            }
            st.canary_error = error;
            st.last_check = Some(at);
        });
    }

    /// The status of one site.
    pub fn status(&self, site: &str) -> SiteStatus {
        let sites = self.sites();
        match sites.get(site) {
            Some(st) => derive(site, st),
            None => derive(site, &State::default()),
        }
    }
}

/// The status a site's state amounts to: a wall first, then an expired session, then a failed
/// canary.
fn derive(site: &str, st: &State) -> SiteStatus {
    let (status, error, until) = if let Some(w) = &st.wall {
        (
            SiteHealth::VerificationRequired,
            Some(w.reason.clone()),
            w.until,
        )
    } else if let Some(e) = &st.session_expired {
        (SiteHealth::SessionExpired, Some(e.clone()), None)
    } else if let Some(e) = &st.canary_error {
        (SiteHealth::Degraded, Some(e.clone()), None)
    } else {
        (SiteHealth::Healthy, None, None)
    };
    SiteStatus {
        site: site.to_string(),
        status,
        engine: st.engine,
        error,
        until,
        last_check: st.last_check,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_wall_waits_then_admits_one_probe_and_doubles_up_to_the_max() {
        let m = SiteMonitor::new();
        m.set_cooldowns(Duration::from_secs(10), Duration::from_secs(25));
        assert_eq!(m.admit("s.to", at(0)), Admission::Open);
        let until = m.walled("s.to", "gate", at(0));
        assert_eq!(until, at(10));
        assert_eq!(m.status("s.to").status, SiteHealth::VerificationRequired);
        assert_eq!(m.admit("s.to", at(5)), Admission::Wait(at(10)));
        assert_eq!(m.admit("aniworld.to", at(5)), Admission::Open);
        assert_eq!(m.admit("s.to", at(10)), Admission::Probe);
        assert_eq!(m.admit("s.to", at(10)), Admission::Wait(at(12)));
        // The probe meets the wall again: 20 s, then capped at 25 s.
        assert_eq!(m.walled("s.to", "gate", at(11)), at(31));
        assert_eq!(m.admit("s.to", at(31)), Admission::Probe);
        assert_eq!(m.walled("s.to", "gate", at(31)), at(56));
        assert_eq!(m.admit("s.to", at(56)), Admission::Probe);
        m.passed("s.to");
        assert_eq!(m.admit("s.to", at(57)), Admission::Open);
        assert_eq!(m.status("s.to").status, SiteHealth::Healthy);
        // A new wall later starts from the first cool-down again.
        assert_eq!(m.walled("s.to", "gate", at(100)), at(110));
    }

    #[test]
    fn callers_in_flight_share_the_wall_they_hit() {
        let m = SiteMonitor::new();
        m.set_cooldowns(Duration::from_secs(10), Duration::from_secs(40));
        assert_eq!(m.walled("s.to", "gate", at(0)), at(10));
        assert_eq!(m.walled("s.to", "gate", at(1)), at(10));
    }

    #[test]
    fn an_inconclusive_probe_lets_the_next_caller_probe() {
        let m = SiteMonitor::new();
        m.set_cooldowns(Duration::from_secs(10), Duration::from_secs(40));
        m.walled("s.to", "gate", at(0));
        assert_eq!(m.admit("s.to", at(10)), Admission::Probe);
        m.probe_inconclusive("s.to");
        assert_eq!(m.admit("s.to", at(11)), Admission::Probe);
    }

    #[test]
    fn every_change_is_announced_once() {
        let m = SiteMonitor::new();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        m.set_listener(Arc::new(move |st: &SiteStatus| {
            s.lock().unwrap().push(st.status);
        }));
        m.saw_engine("s.to", Engine::V2);
        m.saw_engine("s.to", Engine::V2);
        m.canary("s.to", Some(Engine::V2), Some("layout".into()), at(0));
        m.canary("s.to", Some(Engine::V2), Some("layout".into()), at(0));
        m.canary("s.to", Some(Engine::V2), None, at(60));
        m.session_seen("s.to", true, false, "u");
        m.session_seen("s.to", false, false, "u");
        m.session_seen("s.to", false, true, "u");
        m.session_seen("s.to", true, false, "u");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            vec![
                SiteHealth::Healthy,
                SiteHealth::Degraded,
                SiteHealth::Healthy,
                SiteHealth::SessionExpired,
                SiteHealth::Healthy,
            ]
        );
        let st = m.status("s.to");
        assert_eq!(st.engine, Some(Engine::V2));
        assert_eq!(st.last_check, Some(at(60)));
    }
}
