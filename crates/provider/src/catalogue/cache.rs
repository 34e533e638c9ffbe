//! A small cache of parsed catalogue pages, so that one scan never fetches a page twice.
//!
//! Entries are parsed results (series pages, episode lists, hoster lists), not raw HTML, so a
//! large library stays cheap. Outside a scan an entry lives for the TTL; while a scan is open
//! (`begin_scan` .. `end_scan`) entries fetched since it began stay valid however long it takes;
//! closing the last open scan empties the cache. The number of entries is bounded; the oldest
//! go first.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aniworld_core::ports::PageValidators;

use crate::HosterLink;

use super::season_page::EpisodeEntry;
use super::series_page::SeriesPage;

/// A cached, parsed page.
#[derive(Debug, Clone)]
pub enum Cached {
    /// A series page, the URL it was served from (after the site's redirects) and the
    /// validators it came with.
    Series(Box<SeriesPage>, String, PageValidators),
    /// A season or movies page.
    Season(Vec<EpisodeEntry>),
    /// An episode page's hoster links.
    Links(Vec<HosterLink>),
}

#[derive(Debug, Default)]
struct State {
    entries: HashMap<String, (Instant, Cached)>,
    order: VecDeque<String>,
    open_scans: usize,
    scan_started: Option<Instant>,
}

/// The page cache.
#[derive(Debug)]
pub struct PageCache {
    state: Mutex<State>,
    ttl: Duration,
    capacity: usize,
}

impl PageCache {
    /// A cache with a TTL for entries outside scans and a maximum number of entries.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            ttl,
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry for `url`, if still valid.
    pub fn get(&self, url: &str) -> Option<Cached> {
        let st = self.lock();
        let (at, value) = st.entries.get(url)?;
        let in_scan = st.scan_started.is_some_and(|s| *at >= s);
        (in_scan || at.elapsed() < self.ttl).then(|| value.clone())
    }

    /// Stores the entry for `url`, dropping expired and, beyond the capacity, the oldest entries.
    pub fn put(&self, url: &str, value: Cached) {
        let mut st = self.lock();
        if st
            .entries
            .insert(url.to_string(), (Instant::now(), value))
            .is_some()
        {
            st.order.retain(|u| u != url);
        }
        st.order.push_back(url.to_string());
        // The order is oldest first: drop expired entries from the front (none during a scan).
        while st.scan_started.is_none() {
            let Some(front) = st.order.front() else { break };
            let expired = st
                .entries
                .get(front)
                .is_none_or(|(at, _)| at.elapsed() >= self.ttl);
            if !expired || front == url {
                break;
            }
            if let Some(old) = st.order.pop_front() {
                st.entries.remove(&old);
            }
        }
        while st.entries.len() > self.capacity {
            match st.order.pop_front() {
                Some(old) => {
                    st.entries.remove(&old);
                }
                None => break,
            }
        }
    }

    /// Opens a scan (scans may nest or overlap; the cache empties when the last one closes).
    pub fn begin_scan(&self) {
        let mut st = self.lock();
        if st.open_scans == 0 {
            st.scan_started = Some(Instant::now());
        }
        st.open_scans += 1;
    }

    /// Closes a scan opened with [`PageCache::begin_scan`].
    pub fn end_scan(&self) {
        let mut st = self.lock();
        st.open_scans = st.open_scans.saturating_sub(1);
        if st.open_scans == 0 {
            st.scan_started = None;
            st.entries.clear();
            st.order.clear();
        }
    }

    /// Forgets everything.
    pub fn clear(&self) {
        let mut st = self.lock();
        st.entries.clear();
        st.order.clear();
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn season(n: usize) -> Cached {
        Cached::Season(Vec::with_capacity(n))
    }

    #[test]
    fn ttl_outside_scans() {
        let c = PageCache::new(Duration::ZERO, 10);
        c.put("a", season(0));
        assert!(c.get("a").is_none(), "expired at once with a zero TTL");
        let c = PageCache::new(Duration::from_secs(600), 10);
        c.put("a", season(0));
        assert!(c.get("a").is_some());
    }

    #[test]
    fn scan_keeps_entries_then_clears() {
        let c = PageCache::new(Duration::ZERO, 10);
        c.begin_scan();
        c.put("a", season(0));
        assert!(c.get("a").is_some(), "valid during the scan");
        c.begin_scan();
        c.end_scan();
        assert!(c.get("a").is_some(), "still one scan open");
        c.end_scan();
        assert!(c.is_empty());
    }

    #[test]
    fn expired_entries_are_dropped() {
        let c = PageCache::new(Duration::ZERO, 10);
        c.put("a", season(0));
        c.put("b", season(0));
        assert_eq!(c.len(), 1, "the expired entry went when the next one came");
        let c = PageCache::new(Duration::ZERO, 10);
        c.begin_scan();
        c.put("a", season(0));
        c.put("b", season(0));
        assert_eq!(c.len(), 2, "nothing expires during a scan");
    }

    #[test]
    fn bounded() {
        let c = PageCache::new(Duration::from_secs(600), 2);
        c.put("a", season(0));
        c.put("b", season(0));
        c.put("a", season(0));
        c.put("c", season(0));
        assert_eq!(c.len(), 2);
        assert!(c.get("b").is_none(), "a was refreshed, so b was the oldest");
        assert!(c.get("a").is_some() && c.get("c").is_some());
    }
}
