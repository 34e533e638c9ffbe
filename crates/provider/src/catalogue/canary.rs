//! The catalogue canary: on start and then every `provider.canary_interval_minutes`, each
//! enabled site is checked with one search and one series page, each parsed by the engine the
//! page calls for, so that a site change shows up (as a `degraded` site in the health report and
//! a status event) before any download fails.
//!
//! [`CanaryRunner`] is one named thread. Where the configuration and the library live is the
//! caller's business: it hands in a closure that says, for each run, which catalogues to check,
//! how long to wait until the next run, and which series of a site the library knows.
//!
//! Stopping waits for a check under way at most [`STOP_WAIT`]: against a site that does not
//! answer, a check lasts as long as its requests' time-outs and retries (half a minute and
//! more), and nothing it does needs finishing. The thread then ends on its own after that check.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::sites::Catalogues;

/// The search term of a canary check when the library has no series of the site yet.
pub const CANARY_QUERY: &str = "one";

/// What one canary run needs to know.
pub struct CanaryPlan {
    /// The catalogues of the current configuration.
    pub catalogues: Arc<Catalogues>,
    /// Time between two runs; None = the canary is off.
    pub interval: Option<Duration>,
}

/// Gives the plan of the next run (None when the catalogues cannot be built now).
pub type PlanSource = Arc<dyn Fn() -> Option<CanaryPlan> + Send + Sync>;
/// Gives a series the library knows on a site: (its slug, a search term for it).
pub type KnownSeries = Arc<dyn Fn(&str) -> Option<(String, String)> + Send + Sync>;

#[derive(Default)]
struct Control {
    stop: bool,
    run_now: bool,
    runs: u64,
}

/// The canary thread; stops when [`CanaryRunner::shutdown`] is called or it is dropped.
pub struct CanaryRunner {
    control: Arc<(Mutex<Control>, Condvar)>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for CanaryRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CanaryRunner").finish_non_exhaustive()
    }
}

/// How often the thread looks at the configuration while it waits (so that a changed interval
/// or a canary switched on applies without a restart).
const RECHECK: Duration = Duration::from_secs(30);

/// How long [`CanaryRunner::shutdown`] waits for a check under way.
pub const STOP_WAIT: Duration = Duration::from_secs(2);

impl CanaryRunner {
    /// Starts the thread; the first run happens at once.
    pub fn spawn(plan: PlanSource, known: KnownSeries) -> std::io::Result<CanaryRunner> {
        let control = Arc::new((Mutex::new(Control::default()), Condvar::new()));
        let c = control.clone();
        let thread = std::thread::Builder::new()
            .name("catalogue-canary".into())
            .spawn(move || run(&c, &plan, &known))?;
        Ok(CanaryRunner {
            control,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Asks for a run now.
    pub fn trigger(&self) {
        let (lock, cv) = &*self.control;
        lock.lock().unwrap_or_else(|p| p.into_inner()).run_now = true;
        cv.notify_all();
    }

    /// How many runs have finished.
    pub fn runs(&self) -> u64 {
        self.control
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .runs
    }

    /// Stops the thread and waits for it, at most [`STOP_WAIT`] for a check under way (which
    /// then ends on its own).
    pub fn shutdown(&self) {
        let (lock, cv) = &*self.control;
        lock.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        cv.notify_all();
        let handle = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            let deadline = Instant::now() + STOP_WAIT;
            while !h.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if h.is_finished() {
                let _ = h.join();
            } else {
                log::info!("catalogue check still waiting for a site; not waiting for it");
            }
        }
    }
}

impl Drop for CanaryRunner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn run(control: &Arc<(Mutex<Control>, Condvar)>, plan: &PlanSource, known: &KnownSeries) {
    let (lock, cv) = &**control;
    let interval = || plan().and_then(|p| p.interval);
    // The first run is at once, unless the canary is off.
    let mut next: Option<Instant> = interval().map(|_| Instant::now());
    loop {
        let mut c = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if c.stop {
                return;
            }
            if c.run_now {
                c.run_now = false;
                break;
            }
            if next.is_some_and(|n| Instant::now() >= n) {
                break;
            }
            let wait = next
                .map_or(RECHECK, |n| n.saturating_duration_since(Instant::now()))
                .min(RECHECK);
            c = cv
                .wait_timeout(c, wait)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            if c.stop || c.run_now {
                continue;
            }
            // Pick up a changed interval, or a canary switched on or off.
            drop(c);
            let now_interval = interval();
            c = lock.lock().unwrap_or_else(|p| p.into_inner());
            next = match (next, now_interval) {
                (_, None) => None,
                (None, Some(i)) => Some(Instant::now() + i),
                (Some(n), Some(i)) => Some(n.min(Instant::now() + i)),
            };
        }
        drop(c);
        next = match plan() {
            Some(p) => {
                let stopping = || lock.lock().unwrap_or_else(|p| p.into_inner()).stop;
                check_sites(&p.catalogues, known, &stopping);
                p.interval.map(|i| Instant::now() + i)
            }
            None => interval().map(|_| Instant::now() + RECHECK),
        };
        let mut c = lock.lock().unwrap_or_else(|p| p.into_inner());
        c.runs += 1;
        cv.notify_all();
    }
}

/// One canary check of every enabled site.
pub fn check_all(catalogues: &Catalogues, known: &KnownSeries) {
    check_sites(catalogues, known, &|| false);
}

/// [`check_all`], stopping before the next site once `stop` says so.
fn check_sites(catalogues: &Catalogues, known: &KnownSeries, stop: &dyn Fn() -> bool) {
    for c in catalogues.sites() {
        if stop() {
            return;
        }
        let (slug, query) = match known(c.site()) {
            Some((slug, name)) => (Some(slug), name),
            None => (None, CANARY_QUERY.to_string()),
        };
        match c.canary(&query, slug.as_deref()) {
            Ok(engine) => log::debug!("canary {}: {} engine, fine", c.site(), engine.as_str()),
            Err(e) => log::debug!("canary {}: {e}", c.site()),
        }
    }
}
