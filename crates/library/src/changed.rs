//! The changed scan: a rescan that costs what changed (docs/rescans.md).
//!
//! It asks the catalogue once per site for its change signal (the list of new episodes) and
//! looks up only:
//!
//! 1. the series a signal names (unconditionally: something is new);
//! 2. the series never scanned, or whose last look-up failed;
//! 3. the series whose re-check is due ([`crate::recheck`]), at most
//!    [`RecheckPolicy::max_per_run`](crate::RecheckPolicy) of them, longest unchecked first, each
//!    with its series page's stored validators, so an unchanged page costs one 304 and no
//!    season page.
//!
//! Everything else is skipped and counted in the report by reason. A site that gives no signal
//! (the list failed or named nothing) is left to the re-checks: it never means "everything
//! changed". Lists 1 and 3 are short; list 2 is read a page at a time. The store answers each
//! from an index, so an unchanged library costs a few small reads and one request per site.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::Instant;

use aniworld_core::Series;
use aniworld_core::config::RescanMode;
use aniworld_core::ports::CancelToken;
use chrono::Utc;

use crate::error::LibraryError;
use crate::scan::{Job, SCAN_PAGE, ScanProgress, ScanReport, Scanner};
use crate::walk::check_anime_dir;

/// Whether a series counts under rule 2 (never scanned, or its last look-up failed).
fn unscanned(s: &Series) -> bool {
    s.last_scanned_at.is_none() || s.last_scan_error.is_some()
}

impl Scanner {
    /// Looks up what changed (see the module documentation) and saves it like
    /// [`Scanner::scan_all`] does; `on_progress` counts the series looked up. Fails as a whole
    /// only when the anime directory is missing or the store cannot be read.
    pub fn scan_changed(
        &self,
        anime_dir: &Path,
        on_progress: &mut dyn FnMut(ScanProgress),
        cancel: &CancelToken,
    ) -> Result<ScanReport, LibraryError> {
        let started = Instant::now();
        check_anime_dir(anime_dir)?;
        let policy = self.recheck_policy();
        let total = self.repo.count_series()?;
        let by_site = self.repo.count_series_by_site()?;
        let signal = if total == 0 {
            Default::default()
        } else {
            self.source.change_signal()
        };
        let named: Vec<String> = signal.changed.iter().cloned().collect();
        let listed = if named.is_empty() {
            Vec::new()
        } else {
            self.repo.series_with_keys(&named)?
        };
        let due = self.repo.series_due(&policy.due_query(Utc::now()))?;
        let unscanned_total = self.repo.count_unscanned_series()?;
        let mut report = ScanReport {
            series_total: total,
            mode: RescanMode::Changed,
            signal_sites: signal.sites.keys().cloned().collect(),
            ..Default::default()
        };

        // Rules 1 and 3 first (short lists), then rule 2 a page at a time.
        let mut first: Vec<Job> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut overlap = 0;
        for serie in listed {
            if seen.insert(serie.key.clone()) {
                overlap += usize::from(unscanned(&serie));
                report.looked_up.signal += 1;
                first.push(Job {
                    serie,
                    recheck: None,
                });
            }
        }
        for serie in due {
            if seen.insert(serie.key.clone()) {
                let state = self.repo.recheck_state(&serie.key)?;
                report.looked_up.due += 1;
                first.push(Job {
                    serie,
                    recheck: Some(state),
                });
            }
        }
        let planned = first.len() + unscanned_total.saturating_sub(overlap);
        let mut done = 0;
        let mut progress = |key: &str| {
            done += 1;
            on_progress(ScanProgress {
                done,
                total: planned.max(done),
                current_key: key.to_string(),
            });
        };
        let mut per_site: BTreeMap<String, usize> = BTreeMap::new();
        let mut run = |jobs: Vec<Job>, report: &mut ScanReport| -> Result<(), LibraryError> {
            if jobs.is_empty() {
                return Ok(());
            }
            for job in &jobs {
                *per_site.entry(job.serie.site.clone()).or_default() += 1;
            }
            let walk = self.walk(anime_dir, jobs.iter().map(|j| j.serie.folder.clone()))?;
            report.walk += walk.stats;
            self.scan_page(&jobs, &walk, report, &mut progress, cancel);
            Ok(())
        };
        let mut first = first.into_iter().peekable();
        while first.peek().is_some() && !cancel.is_cancelled() {
            let page: Vec<Job> = first.by_ref().take(SCAN_PAGE).collect();
            run(page, &mut report)?;
        }
        let mut after: Option<String> = None;
        while !cancel.is_cancelled() {
            let page = self
                .repo
                .unscanned_series_after(after.as_deref(), SCAN_PAGE)?;
            let Some(last) = page.last() else { break };
            after = Some(last.key.clone());
            let more = page.len() == SCAN_PAGE;
            let jobs: Vec<Job> = page
                .into_iter()
                .filter(|s| !seen.contains(&s.key))
                .map(|serie| Job {
                    serie,
                    recheck: None,
                })
                .collect();
            report.looked_up.unscanned += jobs.len();
            run(jobs, &mut report)?;
            if !more {
                break;
            }
        }

        for (site, n) in &by_site {
            let skipped = n.saturating_sub(per_site.get(site).copied().unwrap_or(0));
            if signal.covers(site) {
                report.skipped.unchanged += skipped;
            } else {
                report.skipped.not_due += skipped;
            }
        }
        report.cancelled = cancel.is_cancelled() && done < planned;
        report.duration = started.elapsed();
        log::info!(
            "changed scan finished: {} of {} series looked up ({} named by a change signal, {} \
             unscanned, {} re-checks), {} saved, {} not modified, {} failed; skipped {} unchanged \
             and {} not due; {} missing episodes, {:?}",
            done,
            total,
            report.looked_up.signal,
            report.looked_up.unscanned,
            report.looked_up.due,
            report.series_scanned,
            report.skipped.not_modified,
            report.failed.len(),
            report.skipped.unchanged,
            report.skipped.not_due,
            report.missing_total,
            report.duration
        );
        Ok(report)
    }
}
