//! Serialised answers kept while what they were computed from stays the same.
//!
//! `GET /api/anime` is asked for the same few pages over and over (every client polls the
//! first page), while the library changes rarely. [`PageCache`] keeps the JSON bytes of an
//! answer with the generation it was computed under (the library's
//! [`ListingGeneration`](aniworld_service::library::ListingGeneration)); a request under the same
//! generation gets the bytes without touching the database or leaving the async worker. A
//! generation is read *before* the answer is computed, so a change that lands meanwhile makes
//! the kept answer stale at once. At most [`PageCache::CAPACITY`] answers are kept; when full,
//! the cache starts over.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use actix_web::web::Bytes;

/// Answers by request, each with the generation it was computed under.
pub struct PageCache<K, G> {
    pages: Mutex<HashMap<K, (G, Bytes)>>,
}

impl<K, G> Default for PageCache<K, G> {
    fn default() -> Self {
        Self {
            pages: Mutex::new(HashMap::new()),
        }
    }
}

impl<K, G> std::fmt::Debug for PageCache<K, G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageCache")
    }
}

impl<K: Hash + Eq, G: PartialEq + Copy> PageCache<K, G> {
    /// Most answers kept.
    pub const CAPACITY: usize = 64;

    /// The answer to `key` computed under `generation`, if it is kept.
    pub fn get(&self, key: &K, generation: G) -> Option<Bytes> {
        let pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        pages
            .get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, body)| body.clone())
    }

    /// Keeps the answer to `key` computed under `generation`.
    pub fn put(&self, key: K, generation: G, body: Bytes) {
        let mut pages = self.pages.lock().unwrap_or_else(|p| p.into_inner());
        if pages.len() >= Self::CAPACITY && !pages.contains_key(&key) {
            pages.clear();
        }
        pages.insert(key, (generation, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_per_key_and_generation_and_bounded() {
        let cache = PageCache::<u32, u64>::default();
        assert_eq!(cache.get(&1, 7), None);
        cache.put(1, 7, Bytes::from_static(b"one"));
        assert_eq!(cache.get(&1, 7).as_deref(), Some(&b"one"[..]));
        assert_eq!(cache.get(&1, 8), None, "a newer generation misses");
        assert_eq!(cache.get(&2, 7), None);
        for k in 0..200 {
            cache.put(k, 7, Bytes::from_static(b"x"));
        }
        let kept = cache.pages.lock().unwrap().len();
        assert!(kept <= PageCache::<u32, u64>::CAPACITY, "{kept}");
    }
}
