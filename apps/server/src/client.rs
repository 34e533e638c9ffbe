//! The client address of a request: the peer, or behind a trusted reverse proxy the address its
//! `Forwarded` / `X-Forwarded-For` headers name (`server.trusted_proxies`; the rules are in
//! `aniworld_core::forwarded`). The per-address rate limits, the login lockout and the access
//! log all take it from [`client_address`].

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;
use actix_web::http::header::{FORWARDED, HeaderName};
use aniworld_core::forwarded;

/// The client of `req`, believing forwarding headers only from the proxies in `trusted`.
pub fn client_address(req: &HttpRequest, trusted: &[String]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if trusted.is_empty() {
        return peer;
    }
    let values = |name: &HeaderName| -> Vec<&str> {
        req.headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .collect()
    };
    let xff = HeaderName::from_static("x-forwarded-for");
    forwarded::client_address(
        peer,
        &values(&FORWARDED),
        &values(&xff),
        &forwarded::parse_ranges(trusted),
    )
}

/// [`client_address`] with the trusted proxies of the request's service.
pub fn client_of(req: &HttpRequest) -> IpAddr {
    let trusted = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|s| s.app.config().current().server.trusted_proxies.clone())
        .unwrap_or_default();
    client_address(req, &trusted)
}
