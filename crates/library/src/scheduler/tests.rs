//! Tests of the runner with a fake job, an in-memory settings store and a clock that runs fast.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use aniworld_core::ports::RepoError;
use chrono::TimeZone;

use super::*;

/// Fake time that starts at `base` and runs `speed` times faster than the real clock.
struct FastClock {
    base: DateTime<Utc>,
    started: Instant,
    speed: u32,
}

impl FastClock {
    fn new(base: DateTime<Utc>, speed: u32) -> Arc<Self> {
        Arc::new(Self {
            base,
            started: Instant::now(),
            speed,
        })
    }
}

impl Clock for FastClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = self.started.elapsed() * self.speed;
        self.base + chrono::Duration::from_std(elapsed).unwrap()
    }

    fn real_duration(&self, span: chrono::Duration) -> Duration {
        span.to_std().unwrap_or_default() / self.speed
    }
}

#[derive(Default)]
struct MemorySettings(Mutex<HashMap<String, String>>);

impl SettingsRepo for MemorySettings {
    fn get_setting(&self, key: &str) -> Result<Option<String>, RepoError> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }
    fn set_setting(&self, key: &str, value: &str) -> Result<(), RepoError> {
        self.0.lock().unwrap().insert(key.into(), value.into());
        Ok(())
    }
    fn delete_setting(&self, key: &str) -> Result<(), RepoError> {
        self.0.lock().unwrap().remove(key);
        Ok(())
    }
}

/// Records each run (fake time, auto_download); can be held open by a gate or made to panic.
struct FakeJob {
    clock: Arc<dyn Clock>,
    runs: Mutex<Vec<(DateTime<Utc>, bool)>>,
    other_scan: AtomicBool,
    gate: Mutex<Option<mpsc::Receiver<()>>>,
    panic: AtomicBool,
}

impl FakeJob {
    fn new(clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(Self {
            clock,
            runs: Mutex::default(),
            other_scan: AtomicBool::new(false),
            gate: Mutex::default(),
            panic: AtomicBool::new(false),
        })
    }

    fn runs(&self) -> Vec<(DateTime<Utc>, bool)> {
        self.runs.lock().unwrap().clone()
    }

    /// Holds every following run until the returned sender sends (or is dropped).
    fn hold(&self) -> mpsc::Sender<()> {
        let (tx, rx) = mpsc::channel();
        *self.gate.lock().unwrap() = Some(rx);
        tx
    }
}

impl RescanJob for FakeJob {
    fn scan_in_progress(&self) -> bool {
        self.other_scan.load(Ordering::SeqCst)
    }

    fn run(&self, auto_download: bool) -> RunOutcome {
        self.runs
            .lock()
            .unwrap()
            .push((self.clock.now(), auto_download));
        if let Some(gate) = self.gate.lock().unwrap().as_ref() {
            let _ = gate.recv_timeout(Duration::from_secs(60));
        }
        assert!(
            !self.panic.load(Ordering::SeqCst),
            "the job was told to panic"
        );
        RunOutcome {
            series_scanned: 2,
            missing_found: 3,
            episodes_queued: if auto_download { 3 } else { 0 },
            error: None,
            ..RunOutcome::default()
        }
    }
}

/// Monday 2026-01-05 12:00:00 UTC.
fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 12, 0, 0).unwrap()
}

fn daily(time: &str) -> SchedulerConfig {
    SchedulerConfig {
        enabled: true,
        schedule_time: Some(time.into()),
        timezone: Some("UTC".into()),
        ..SchedulerConfig::default()
    }
}

fn interval(minutes: u32) -> SchedulerConfig {
    SchedulerConfig {
        enabled: true,
        interval_minutes: minutes,
        schedule_time: None,
        timezone: Some("UTC".into()),
        ..SchedulerConfig::default()
    }
}

fn start(
    config: SchedulerConfig,
    job: &Arc<FakeJob>,
    settings: &Arc<MemorySettings>,
    clock: Arc<dyn Clock>,
    max_sleep: Duration,
) -> Scheduler {
    Scheduler::start(
        config,
        job.clone(),
        settings.clone(),
        clock,
        SchedulerOptions {
            max_sleep,
            catch_up_delay: Duration::from_secs(30),
        },
    )
    .unwrap()
}

/// Polls `cond` every few milliseconds for at most `secs` seconds.
fn wait_until(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn a_config_change_wakes_the_sleeping_thread() {
    let clock = FastClock::new(base(), 60);
    let job = FakeJob::new(clock.clone());
    let settings = Arc::new(MemorySettings::default());
    let off = SchedulerConfig {
        enabled: false,
        ..interval(1)
    };
    // The thread sleeps up to an hour of real time: only the config change can wake it.
    let s = start(off, &job, &settings, clock.clone(), HOUR);
    let st = s.status();
    assert!(!st.is_running);
    assert_eq!(st.next_run, None);

    s.update_config(SchedulerConfig {
        auto_download_after_rescan: true,
        ..interval(1)
    })
    .unwrap();
    let st = s.status();
    assert!(st.is_running);
    let next = st.next_run.expect("planned once enabled");
    assert!(next > base() && next <= clock.now() + chrono::Duration::minutes(1));
    wait_until("the interval run happened", 30, || !job.runs().is_empty());
    let (at, auto) = job.runs()[0];
    assert!(at >= next, "ran at {at}, planned {next}");
    assert!(auto, "auto_download_after_rescan is passed to the job");
    wait_until("the outcome is recorded", 30, || {
        s.status().last_outcome.is_some()
    });
    let st = s.status();
    let record = st.last_outcome.unwrap();
    assert_eq!(record.trigger, RunTrigger::Scheduled);
    assert_eq!(record.outcome.episodes_queued, 3);
    assert_eq!(st.last_run, Some(record.started_at));
    s.shutdown();
    assert!(!s.status().is_running);
}

#[test]
fn a_trigger_while_a_run_is_in_progress_is_refused() {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let job = FakeJob::new(clock.clone());
    let settings = Arc::new(MemorySettings::default());
    let s = start(daily("03:00"), &job, &settings, clock, HOUR);
    let release = job.hold();
    s.trigger().unwrap();
    assert!(s.status().scan_in_progress);
    let err = s.trigger().unwrap_err();
    assert!(matches!(err, LibraryError::ScanInProgress), "{err}");
    release.send(()).unwrap();
    wait_until("the triggered run finished", 30, || {
        let st = s.status();
        !st.scan_in_progress && st.last_outcome.is_some()
    });
    assert_eq!(job.runs().len(), 1, "the refused trigger started nothing");
    let record = s.status().last_outcome.unwrap();
    assert_eq!(record.trigger, RunTrigger::Manual);
    assert_eq!(record.outcome.episodes_queued, 0, "auto download is off");

    // A scan started elsewhere (e.g. the rescan endpoint) also refuses a trigger.
    job.other_scan.store(true, Ordering::SeqCst);
    assert!(s.status().scan_in_progress);
    assert!(matches!(s.trigger(), Err(LibraryError::ScanInProgress)));
    job.other_scan.store(false, Ordering::SeqCst);
    drop(release);
    s.trigger().unwrap();
    wait_until("the second run finished", 30, || job.runs().len() == 2);
    s.shutdown();
}

#[test]
fn without_catch_up_a_run_missed_while_down_is_logged_and_not_run() {
    let settings = Arc::new(MemorySettings::default());
    let missed = base() - chrono::Duration::hours(9);
    settings
        .set_setting(
            LAST_RUN_KEY,
            &(missed - chrono::Duration::days(1)).to_rfc3339(),
        )
        .unwrap();
    settings
        .set_setting(NEXT_RUN_KEY, &missed.to_rfc3339())
        .unwrap();
    let clock = FastClock::new(base(), 60);
    let job = FakeJob::new(clock.clone());
    let no_catch_up = SchedulerConfig {
        catch_up: false,
        ..daily("12:02")
    };
    let s = start(no_catch_up, &job, &settings, clock, HOUR);
    let st = s.status();
    assert_eq!(st.missed_run, Some(missed));
    assert_eq!(
        settings.get_setting(LAST_MISSED_KEY).unwrap(),
        Some(missed.to_rfc3339())
    );
    let planned = base() + chrono::Duration::minutes(2);
    assert_eq!(st.next_run, Some(planned));
    // The first run to happen is the planned one, not the missed one.
    wait_until("the planned run happened", 30, || !job.runs().is_empty());
    let runs = job.runs();
    assert_eq!(runs.len(), 1);
    assert!(runs[0].0 >= planned, "ran at {}", runs[0].0);
    s.shutdown();
}

#[test]
fn runs_missed_while_down_are_caught_up_once_shortly_after_the_start() {
    let settings = Arc::new(MemorySettings::default());
    // Three daily runs (03:00 on the 3rd, 4th and 5th) passed while the service was down.
    let missed = base() - chrono::Duration::days(2) - chrono::Duration::hours(9);
    settings
        .set_setting(
            LAST_RUN_KEY,
            &(missed - chrono::Duration::days(1)).to_rfc3339(),
        )
        .unwrap();
    settings
        .set_setting(NEXT_RUN_KEY, &missed.to_rfc3339())
        .unwrap();
    // 60 simulated seconds per real second: the catch-up, 30 s after the start, comes at once.
    let clock = FastClock::new(base(), 60);
    let job = FakeJob::new(clock.clone());
    let s = start(daily("03:00"), &job, &settings, clock, HOUR);
    let st = s.status();
    assert_eq!(st.missed_run, Some(missed));
    let catch_up = base() + chrono::Duration::seconds(30);
    assert!(
        st.next_run
            .is_some_and(|t| t >= catch_up && t <= catch_up + chrono::Duration::seconds(1)),
        "{:?}",
        st.next_run
    );
    wait_until("the catch-up ran", 30, || s.status().last_outcome.is_some());
    let runs = job.runs();
    assert_eq!(runs.len(), 1, "one catch-up for three missed runs");
    assert!(runs[0].0 >= catch_up, "ran at {}", runs[0].0);
    // Then the plan goes on as usual: the next run is tomorrow's 03:00, not another catch-up.
    let tomorrow = (base() + chrono::Duration::days(1))
        .date_naive()
        .and_hms_opt(3, 0, 0)
        .unwrap()
        .and_utc();
    assert_eq!(s.status().next_run, Some(tomorrow));
    s.shutdown();
    assert_eq!(job.runs().len(), 1);
}

#[test]
fn a_run_cut_short_by_a_crash_is_not_reported_missed() {
    let settings = Arc::new(MemorySettings::default());
    let due = base() - chrono::Duration::hours(1);
    settings
        .set_setting(NEXT_RUN_KEY, &due.to_rfc3339())
        .unwrap();
    settings
        .set_setting(LAST_RUN_KEY, &due.to_rfc3339())
        .unwrap();
    let clock = FastClock::new(base(), 1);
    let job = FakeJob::new(clock.clone());
    let s = start(daily("03:00"), &job, &settings, clock, HOUR);
    assert_eq!(s.status().missed_run, None);
    assert_eq!(s.status().last_run, Some(due));
    s.shutdown();
    assert!(job.runs().is_empty());
}

#[test]
fn state_survives_a_restart() {
    let settings = Arc::new(MemorySettings::default());
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let job = FakeJob::new(clock.clone());
    let s = start(daily("03:00"), &job, &settings, clock.clone(), HOUR);
    s.trigger().unwrap();
    wait_until("the run finished", 30, || s.status().last_outcome.is_some());
    let before = s.status();
    s.shutdown();

    let again = start(daily("03:00"), &job, &settings, clock, HOUR);
    let after = again.status();
    assert_eq!(after.last_run, before.last_run);
    assert_eq!(after.last_outcome, before.last_outcome);
    assert_eq!(after.next_run, before.next_run);
    assert_eq!(after.missed_run, None);
    again.shutdown();
    assert_eq!(job.runs().len(), 1);
}

#[test]
fn a_firing_time_runs_once_and_the_next_is_a_day_later() {
    let clock = FastClock::new(base(), 120);
    let job = FakeJob::new(clock.clone());
    let settings = Arc::new(MemorySettings::default());
    let s = start(daily("12:01"), &job, &settings, clock, HOUR);
    let first = base() + chrono::Duration::minutes(1);
    assert_eq!(s.status().next_run, Some(first));
    wait_until("the daily run happened", 30, || {
        s.status().last_outcome.is_some()
    });
    let st = s.status();
    assert_eq!(st.next_run, Some(first + chrono::Duration::days(1)));
    assert_eq!(
        settings.get_setting(NEXT_RUN_KEY).unwrap(),
        Some((first + chrono::Duration::days(1)).to_rfc3339())
    );
    assert_eq!(job.runs().len(), 1);
    s.shutdown();
}

#[test]
fn a_firing_time_during_another_scan_is_skipped() {
    let clock = FastClock::new(base(), 120);
    let job = FakeJob::new(clock.clone());
    job.other_scan.store(true, Ordering::SeqCst);
    let settings = Arc::new(MemorySettings::default());
    let s = start(interval(1), &job, &settings, clock, HOUR);
    let first = s.status().next_run.unwrap();
    wait_until("the firing time passed and was replanned", 30, || {
        s.status().next_run.is_some_and(|n| n > first)
    });
    assert!(
        job.runs().is_empty(),
        "no run while another scan holds the library"
    );
    s.shutdown();
}

#[test]
fn a_panicking_job_is_recorded_and_the_scheduler_lives_on() {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let job = FakeJob::new(clock.clone());
    job.panic.store(true, Ordering::SeqCst);
    let settings = Arc::new(MemorySettings::default());
    let s = start(daily("03:00"), &job, &settings, clock, HOUR);
    s.trigger().unwrap();
    wait_until("the run finished", 30, || s.status().last_outcome.is_some());
    let record = s.status().last_outcome.unwrap();
    assert!(record.outcome.error.unwrap().contains("panicked"));
    assert!(s.status().is_running);
    assert!(!s.status().scan_in_progress);
    s.shutdown();
}

#[test]
fn an_invalid_config_is_refused_and_changes_nothing() {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let job = FakeJob::new(clock.clone());
    let settings = Arc::new(MemorySettings::default());
    let s = start(daily("03:00"), &job, &settings, clock, HOUR);
    let before = s.status();
    let issues = s
        .update_config(SchedulerConfig {
            schedule_days: vec!["funday".into()],
            ..daily("25:00")
        })
        .unwrap_err();
    let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
    assert!(fields.contains(&"schedule_time"), "{fields:?}");
    assert!(fields.contains(&"schedule_days"), "{fields:?}");
    assert_eq!(s.config(), daily("03:00"));
    assert_eq!(s.status(), before);
    s.shutdown();
}

#[test]
fn next_run_moves_to_the_next_firing_time_as_soon_as_a_run_starts() {
    let clock = FastClock::new(base(), 120);
    let job = FakeJob::new(clock.clone());
    let release = job.hold();
    let settings = Arc::new(MemorySettings::default());
    let s = start(daily("12:01"), &job, &settings, clock.clone(), HOUR);
    let first = base() + chrono::Duration::minutes(1);
    let second = first + chrono::Duration::days(1);
    wait_until("the daily run started", 30, || !job.runs().is_empty());
    let st = s.status();
    assert!(st.scan_in_progress, "the run is held open");
    assert_eq!(
        st.next_run,
        Some(second),
        "next_run moved when the run started"
    );
    assert!(st.next_run.unwrap() > clock.now());
    assert_eq!(
        settings.get_setting(NEXT_RUN_KEY).unwrap(),
        Some(second.to_rfc3339())
    );
    release.send(()).unwrap();
    wait_until("the run finished", 30, || s.status().last_outcome.is_some());
    assert_eq!(s.status().next_run, Some(second));
    s.shutdown();
}

#[test]
fn a_triggered_run_replans_the_interval_as_it_starts() {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let job = FakeJob::new(clock.clone());
    let release = job.hold();
    let settings = Arc::new(MemorySettings::default());
    let s = start(interval(60), &job, &settings, clock, HOUR);
    std::thread::sleep(Duration::from_millis(20));
    s.trigger().unwrap();
    wait_until("the triggered run started", 30, || !job.runs().is_empty());
    let st = s.status();
    let started = st.last_run.expect("the start is recorded");
    assert_eq!(st.next_run, Some(started + chrono::Duration::minutes(60)));
    release.send(()).unwrap();
    wait_until("the run finished", 30, || s.status().last_outcome.is_some());
    assert_eq!(
        s.status().next_run,
        Some(started + chrono::Duration::minutes(60))
    );
    s.shutdown();
}

#[test]
fn a_firing_time_that_has_come_is_never_reported() {
    // The thread sleeps in steps of an hour of real time and the clock runs 600 times faster:
    // it wakes long after the firing time. The status still never shows a time that has passed.
    struct LateClock(Arc<FastClock>);
    impl Clock for LateClock {
        fn now(&self) -> DateTime<Utc> {
            self.0.now()
        }
        fn real_duration(&self, _: chrono::Duration) -> Duration {
            HOUR
        }
    }
    let fast = FastClock::new(base(), 600);
    let clock: Arc<dyn Clock> = Arc::new(LateClock(fast.clone()));
    let job = FakeJob::new(clock.clone());
    let settings = Arc::new(MemorySettings::default());
    let s = start(daily("12:01"), &job, &settings, clock, HOUR);
    let first = base() + chrono::Duration::minutes(1);
    assert_eq!(s.status().next_run, Some(first));
    wait_until("the firing time passed", 30, || fast.now() > first);
    let st = s.status();
    assert_eq!(st.next_run, Some(first + chrono::Duration::days(1)));
    assert!(job.runs().is_empty(), "the thread is still asleep");
    s.shutdown();
}
