//! Anti-bot handling of the HTTP client: the FlareSolverr round trip, `Blocked` errors and
//! the cool-down after a block.

use std::time::Instant;

use aniworld_core::redact::redact;

use super::{HttpClient, Method, Page, Request, challenge};
use crate::error::ProviderError;

impl HttpClient {
    /// Handles an anti-bot answer: through the solver if one is configured, else `Blocked`.
    pub(super) fn on_challenge(
        &self,
        req: &Request<'_>,
        origin: &str,
        what: &str,
    ) -> Result<Page, ProviderError> {
        let Some(solver) = &self.solver else {
            return Err(self.block(origin, req.url, what, false));
        };
        log::info!(
            "{} answered with a challenge ({what}); asking FlareSolverr",
            redact(req.url)
        );
        let plain_get = req.method == Method::Get && req.follow_redirects;
        // A plain GET takes the solved page itself; other requests solve the site root to earn
        // the cookies and are then sent once more.
        let solve_url = if plain_get {
            req.url.to_string()
        } else {
            format!("{origin}/")
        };
        self.pace(origin);
        let solution = match solver.get(&solve_url) {
            Ok(s) => s,
            Err(e) => {
                let reason = match &e {
                    ProviderError::Blocked { reason, .. } => reason.clone(),
                    other => other.to_string(),
                };
                return Err(self.block(origin, req.url, &format!("{what}; {reason}"), true));
            }
        };
        for (name, value) in &solution.cookies {
            self.cookies.set(origin, name, value);
        }
        if let Some(ua) = &solution.user_agent {
            self.cookies.set_user_agent(origin, ua);
        }
        if plain_get {
            if let Some(still) = challenge::detect(solution.status, &solution.response) {
                return Err(self.block(origin, req.url, still, true));
            }
            return Ok(Page {
                status: solution.status,
                final_url: solution.url,
                headers: Vec::new(),
                body: solution.response,
            });
        }
        self.pace(origin);
        let page = self.send_once(req, origin)?;
        if let Some(still) = challenge::detect(page.status, &page.body) {
            return Err(self.block(origin, req.url, still, true));
        }
        Ok(page)
    }

    /// Builds a `Blocked` error and starts the cool-down of the host.
    fn block(&self, origin: &str, url: &str, what: &str, solver: bool) -> ProviderError {
        let reason = format!("{what}; {}", challenge::advice(solver));
        log::warn!("{}: blocked: {reason}", redact(url));
        if !self.opts.block_cooldown.is_zero() {
            let until = Instant::now() + self.opts.block_cooldown;
            let mut b = self.blocked_until.lock().unwrap_or_else(|e| e.into_inner());
            b.retain(|(o, _, _)| o != origin);
            b.push((origin.to_string(), until, reason.clone()));
        }
        ProviderError::Blocked {
            url: url.to_string(),
            reason,
        }
    }

    /// Ends the cool-down of the host of `url` (a caller with a cool-down of its own, such as
    /// the verification wall of play links, takes over).
    pub fn clear_block(&self, url: &str) {
        if let Some(origin) = super::policy::origin_key(url) {
            self.blocked_until
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|(o, _, _)| *o != origin);
        }
    }

    /// Whether a FlareSolverr endpoint is configured.
    pub fn has_solver(&self) -> bool {
        self.solver.is_some()
    }

    /// Asks the FlareSolverr endpoint to open `url` in its browser: the URL it ended on and its
    /// status. Its cookies and user agent are kept for the host, as after a solved challenge.
    /// None without a solver.
    pub fn solve(&self, url: &str) -> Option<Result<(String, u16), ProviderError>> {
        let solver = self.solver.as_ref()?;
        let origin = super::policy::origin_key(url)?;
        self.pace(&origin);
        Some(solver.get(url).map(|solution| {
            for (name, value) in &solution.cookies {
                self.cookies.set(&origin, name, value);
            }
            if let Some(ua) = &solution.user_agent {
                self.cookies.set_user_agent(&origin, ua);
            }
            (solution.url, solution.status)
        }))
    }

    /// Fails at once while the host is cooling down after a block.
    pub(super) fn check_cooldown(&self, origin: &str, url: &str) -> Result<(), ProviderError> {
        let mut b = self.blocked_until.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        b.retain(|(_, until, _)| *until > now);
        match b.iter().find(|(o, _, _)| o == origin) {
            Some((_, until, reason)) => Err(ProviderError::Blocked {
                url: url.to_string(),
                reason: format!(
                    "{reason} (not asking again for {} s after the block)",
                    until.saturating_duration_since(now).as_secs()
                ),
            }),
            None => Ok(()),
        }
    }
}
