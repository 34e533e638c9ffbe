//! Setup, login, logout and token checks. The blocking methods (bcrypt, SQLite) must be called
//! through `blocking`; [`AuthService::decode`] and [`AuthService::cached_revocation`] are cheap.
//!
//! The master password hash and the token signing secret live in the settings repository under
//! [`PASSWORD_HASH_KEY`] and [`JWT_SECRET_KEY`]; neither is ever returned or logged. Revoked token
//! ids are persisted until the token would have expired, and cached in memory once looked up;
//! each revocation is also announced to [`AuthService::revocations_feed`] subscribers (WebSocket
//! sessions end when their token is revoked).
//!
//! Login honours the per-address lockout and the global brake of [`lockout`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use aniworld_core::Secret;
use aniworld_core::ports::{AuthRepo, SettingsRepo};
use chrono::{Duration, Utc};
use rand::RngCore;
use tokio::sync::broadcast;

use super::tokens::{Claims, TokenKeys};
use super::{lockout, password};
use crate::error::ApiError;
use aniworld_service::ConfigService;

/// Settings key of the bcrypt hash of the master password.
pub const PASSWORD_HASH_KEY: &str = "auth.master_password_hash";
/// Settings key of the generated token signing secret.
pub const JWT_SECRET_KEY: &str = "auth.jwt_secret";

/// The authentication state of the service.
pub struct AuthService {
    settings: Arc<dyn SettingsRepo>,
    repo: Arc<dyn AuthRepo>,
    config: Arc<ConfigService>,
    keys: TokenKeys,
    configured: AtomicBool,
    setup_lock: Mutex<()>,
    revocations: Mutex<HashMap<String, bool>>,
    revoked_feed: broadcast::Sender<String>,
}

impl std::fmt::Debug for AuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService")
            .field("configured", &self.is_configured())
            .finish_non_exhaustive()
    }
}

impl AuthService {
    /// Loads (or generates once and stores) the signing secret, unless `secret_override` is set,
    /// and forgets revocations of tokens that have expired anyway. Blocking.
    pub fn init(
        settings: Arc<dyn SettingsRepo>,
        repo: Arc<dyn AuthRepo>,
        config: Arc<ConfigService>,
        secret_override: &Secret,
    ) -> Result<Self, ApiError> {
        let secret = match secret_override.expose() {
            Some(s) => s.to_string(),
            None => match settings.get_setting(JWT_SECRET_KEY)? {
                Some(s) if !s.is_empty() => s,
                _ => {
                    let mut bytes = [0u8; 32];
                    rand::rng().fill_bytes(&mut bytes);
                    let s: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                    settings.set_setting(JWT_SECRET_KEY, &s)?;
                    log::info!("generated a new token signing secret");
                    s
                }
            },
        };
        let configured = settings.get_setting(PASSWORD_HASH_KEY)?.is_some();
        let purged = repo.purge_expired_revocations(Utc::now())?;
        if purged > 0 {
            log::debug!("forgot {purged} revocation(s) of expired tokens");
        }
        Ok(Self {
            settings,
            repo,
            config,
            keys: TokenKeys::new(secret.as_bytes()),
            configured: AtomicBool::new(configured),
            setup_lock: Mutex::new(()),
            revocations: Mutex::new(HashMap::new()),
            revoked_feed: broadcast::channel(64).0,
        })
    }

    /// Whether the master password has been set.
    pub fn is_configured(&self) -> bool {
        self.configured.load(Ordering::SeqCst)
    }

    /// Sets the master password (once) and, optionally, the anime directory. Blocking.
    pub fn setup(
        &self,
        master_password: &str,
        anime_directory: Option<&str>,
    ) -> Result<(), ApiError> {
        let _guard = self.setup_lock.lock().unwrap_or_else(|p| p.into_inner());
        if self.is_configured() || self.settings.get_setting(PASSWORD_HASH_KEY)?.is_some() {
            return Err(ApiError::bad_request(
                "The master password is already configured",
            ));
        }
        if let Some(problem) = password::policy_violation(master_password) {
            return Err(ApiError::BadRequest {
                message: problem.clone(),
                details: serde_json::json!({ "master_password": problem }),
            });
        }
        let dir = anime_directory.map(str::trim).filter(|d| !d.is_empty());
        if let Some(dir) = dir {
            self.config
                .set_anime_directory(dir)
                .map_err(|e| e.for_anime_directory_field("anime_directory"))?;
        }
        let cost = self.config.current().server.bcrypt_cost;
        let hash = password::hash(master_password, cost)
            .map_err(|e| ApiError::internal(format!("hashing the master password failed: {e}")))?;
        self.settings.set_setting(PASSWORD_HASH_KEY, &hash)?;
        self.configured.store(true, Ordering::SeqCst);
        log::info!("master password configured");
        Ok(())
    }

    /// Checks the password (honouring the lockout of `client` and the global brake) and issues
    /// a token. Blocking: the brake sleeps on the calling thread.
    pub fn login(
        &self,
        password: &str,
        remember: bool,
        client: &str,
    ) -> Result<(String, Claims), ApiError> {
        let Some(hash) = self.settings.get_setting(PASSWORD_HASH_KEY)? else {
            return Err(ApiError::unauthorized(
                "The master password is not configured yet; run setup first",
            ));
        };
        let now = Utc::now();
        let failures = self.repo.failed_logins_since_success(client)?;
        if let Some(secs) = lockout::retry_after(&failures, now) {
            log::warn!(
                "login from {client} refused during its lockout ({} failed attempts)",
                failures.len()
            );
            return Err(ApiError::RateLimited {
                detail: "Too many failed login attempts, try again later".into(),
                retry_after_secs: secs,
            });
        }
        let recent = self
            .repo
            .failed_logins_since(lockout::brake_window_start(now))?;
        let brake = lockout::brake_delay(recent);
        if !brake.is_zero() {
            log::debug!("login brake: {brake:?} ({recent} recent failures)");
            std::thread::sleep(brake);
        }
        if !password::verify(password, &hash) {
            self.repo.record_login_attempt(client, false, now)?;
            log::warn!(
                "failed login from {client} ({} in a row)",
                failures.len() + 1
            );
            return Err(ApiError::unauthorized("Invalid credentials"));
        }
        self.repo.record_login_attempt(client, true, now)?;
        let server = &self.config.current().server;
        let lifetime = if remember {
            Duration::days(i64::from(server.remember_days))
        } else {
            Duration::hours(i64::from(server.token_hours))
        };
        let issued = self
            .keys
            .issue(now, lifetime)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        log::info!("login from {client}");
        Ok(issued)
    }

    /// Revokes the token with these claims until it expires. Blocking.
    pub fn logout(&self, claims: &Claims) -> Result<(), ApiError> {
        self.repo.revoke_token(&claims.jti, claims.expires_at())?;
        self.revocations().insert(claims.jti.clone(), true);
        // Nobody listening (no WebSocket open) is fine.
        let _ = self.revoked_feed.send(claims.jti.clone());
        Ok(())
    }

    /// A receiver of the ids of tokens revoked from now on.
    pub fn revocations_feed(&self) -> broadcast::Receiver<String> {
        self.revoked_feed.subscribe()
    }

    /// The claims of a well-signed, unexpired token (revocation not checked). Cheap.
    pub fn decode(&self, token: &str) -> Option<Claims> {
        if !self.is_configured() {
            return None;
        }
        self.keys.verify(token).ok()
    }

    /// Whether a token id is revoked, if already known in memory.
    pub fn cached_revocation(&self, jti: &str) -> Option<bool> {
        self.revocations().get(jti).copied()
    }

    /// Whether a token id is revoked, asking the database. Blocking.
    pub fn check_revoked(&self, jti: &str) -> Result<bool, ApiError> {
        let revoked = self.repo.is_token_revoked(jti)?;
        self.revocations().insert(jti.to_string(), revoked);
        Ok(revoked)
    }

    fn revocations(&self) -> std::sync::MutexGuard<'_, HashMap<String, bool>> {
        self.revocations.lock().unwrap_or_else(|p| p.into_inner())
    }
}
