//! Authentication: the master password, tokens, the login lockout and the middleware that
//! protects every route api.md does not list as public.
//!
//! - `password.rs`: the password policy and bcrypt.
//! - `lockout.rs`: how long login stays locked after failed attempts (pure).
//! - `tokens.rs`: HS256 JWTs with a `jti`.
//! - `service.rs`: setup, login, logout and token checks against the repositories.
//! - `middleware.rs`: puts the caller's [`Identity`] into the request and refuses protected
//!   routes without one.

pub mod lockout;
pub mod middleware;
pub mod password;
pub mod service;
pub mod tokens;

pub use middleware::{Identity, authenticate, is_public};
pub use service::AuthService;
