//! Who the client of a request is behind reverse proxies, and the service's sub-path.
//!
//! `server.trusted_proxies` lists the proxies (addresses and CIDR ranges) whose `Forwarded` /
//! `X-Forwarded-For` headers are believed. [`client_address`] walks the chain those headers
//! carry from the nearest hop outwards and stops at the first address that is not a trusted
//! proxy: that one is the client. A request from any other peer is its own client, whatever
//! headers it sends, so nobody can pick the address their rate limit or login lockout is
//! counted under.
//!
//! `server.base_path` ([`valid_base_path`]) is the sub-path the service is served under.

use std::net::IpAddr;

/// An address range: an address and the number of leading bits that must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    addr: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Parses `10.0.0.1`, `10.0.0.0/8`, `::1` or `fd00::/8`; None for anything else (a prefix
    /// longer than the address, host bits are allowed and ignored).
    pub fn parse(s: &str) -> Option<IpRange> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => max,
        };
        (prefix <= max).then_some(IpRange { addr, prefix })
    }

    /// Whether `ip` lies in the range (an IPv4-mapped IPv6 address counts as its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// `::ffff:a.b.c.d` as `a.b.c.d`; any other address as it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The ranges of `entries` that parse (validation refuses the others before they are stored).
pub fn parse_ranges(entries: &[String]) -> Vec<IpRange> {
    entries.iter().filter_map(|e| IpRange::parse(e)).collect()
}

/// One node of a `Forwarded` `for=` parameter or an `X-Forwarded-For` entry as an address:
/// quotes, brackets and a port are taken off; `unknown` and obfuscated names give None.
fn node_address(node: &str) -> Option<IpAddr> {
    let n = node.trim().trim_matches('"');
    if let Some(rest) = n.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    if let Ok(ip) = n.parse() {
        return Some(ip);
    }
    // `a.b.c.d:port`
    let (host, port) = n.rsplit_once(':')?;
    port.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The `for=` nodes of `Forwarded` header values, nearest hop last (RFC 7239).
fn forwarded_chain(values: &[&str]) -> Vec<Option<IpAddr>> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| node_address(v))
            })
        })
        .collect()
}

/// The entries of `X-Forwarded-For` header values, nearest hop last.
fn x_forwarded_for_chain(values: &[&str]) -> Vec<Option<IpAddr>> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|e| !e.trim().is_empty())
        .map(node_address)
        .collect()
}

/// The client of a request that came from `peer` with these `Forwarded` and `X-Forwarded-For`
/// header values (each header may appear several times). Only when `peer` is in `trusted` are
/// the headers read (`X-Forwarded-For` when present, else `Forwarded`: nginx, Caddy and Traefik
/// append to the first but pass a client's own `Forwarded` on unchanged): the chain is walked from
/// the nearest hop outwards past every trusted proxy; the first other address is the client.
/// A hop that is not an address (`unknown`, an obfuscated name) ends the walk at the proxy that
/// named it.
pub fn client_address(
    peer: IpAddr,
    forwarded: &[&str],
    x_forwarded_for: &[&str],
    trusted: &[IpRange],
) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let chain = if x_forwarded_for.is_empty() {
        forwarded_chain(forwarded)
    } else {
        x_forwarded_for_chain(x_forwarded_for)
    };
    let mut client = peer;
    for hop in chain.iter().rev() {
        match hop {
            Some(ip) => {
                client = canonical(*ip);
                if !is_trusted(client) {
                    return client;
                }
            }
            None => return client,
        }
    }
    client
}

/// First path segments of the service's own routes, which a base path must not start with
/// (the service also answers outside its base path, so the two must not overlap).
pub const RESERVED_SEGMENTS: [&str; 10] = [
    "api",
    "ws",
    "static",
    "health",
    "openapi.json",
    "login",
    "setup",
    "queue",
    "metrics",
    "favicon.ico",
];

/// Whether `path` is a usable `server.base_path`: empty, or `/seg[/seg...]` without a trailing
/// slash, each segment of `A-Z a-z 0-9 . _ ~ -` and neither `.` nor `..`, at most 100
/// characters, not starting with one of [`RESERVED_SEGMENTS`].
pub fn valid_base_path(path: &str) -> bool {
    if path.is_empty() {
        return true;
    }
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    let first = rest.split('/').next().unwrap_or_default();
    path.len() <= 100
        && !RESERVED_SEGMENTS.contains(&first)
        && rest.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._~-".contains(&b))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn ranges(list: &[&str]) -> Vec<IpRange> {
        list.iter().map(|s| IpRange::parse(s).unwrap()).collect()
    }

    #[test]
    fn ranges_parse_and_match() {
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "10.0.0.0/",
            "x",
            "10.0.0.0/a",
        ] {
            assert!(IpRange::parse(bad).is_none(), "{bad}");
        }
        let r = IpRange::parse("10.1.0.0/16").unwrap();
        assert!(r.contains(ip("10.1.200.3")));
        assert!(!r.contains(ip("10.2.0.1")));
        assert!(r.contains(ip("::ffff:10.1.0.9")));
        assert!(IpRange::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(!IpRange::parse("0.0.0.0/0").unwrap().contains(ip("::1")));
        let one = IpRange::parse(" 127.0.0.1 ").unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6 = IpRange::parse("fd00::/8").unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
    }

    #[test]
    fn headers_count_only_from_trusted_peers() {
        let trusted = ranges(&["127.0.0.1", "10.0.0.0/8"]);
        let xff = ["203.0.113.7, 10.0.0.2"];
        // From a trusted proxy: the first untrusted hop from the right.
        assert_eq!(
            client_address(ip("127.0.0.1"), &[], &xff, &trusted),
            ip("203.0.113.7")
        );
        // From anyone else: the peer, whatever it claims.
        assert_eq!(
            client_address(ip("192.0.2.1"), &[], &xff, &trusted),
            ip("192.0.2.1")
        );
        // A client cannot hide behind a forged left-most entry.
        let forged = ["1.1.1.1, 198.51.100.9"];
        assert_eq!(
            client_address(ip("127.0.0.1"), &[], &forged, &trusted),
            ip("198.51.100.9")
        );
        // Only proxies in the chain: the left-most one.
        assert_eq!(
            client_address(ip("127.0.0.1"), &[], &["10.0.0.5"], &trusted),
            ip("10.0.0.5")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_address(ip("127.0.0.1"), &[], &[], &trusted),
            ip("127.0.0.1")
        );
        // Nothing trusted: headers never count.
        assert_eq!(
            client_address(ip("127.0.0.1"), &[], &xff, &[]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn x_forwarded_for_wins_and_forwarded_nodes_parse() {
        let trusted = ranges(&["::1", "127.0.0.1"]);
        let fwd = ["for=\"[2001:db8:cafe::17]:4711\";proto=https, for=127.0.0.1"];
        assert_eq!(
            client_address(ip("::1"), &fwd, &[], &trusted),
            ip("2001:db8:cafe::17")
        );
        // The common proxies append to X-Forwarded-For but pass a client's own Forwarded on:
        // a forged Forwarded next to the proxy's X-Forwarded-For is not believed.
        assert_eq!(
            client_address(ip("::1"), &["for=203.0.113.67"], &["9.9.9.9"], &trusted),
            ip("9.9.9.9")
        );
        assert_eq!(
            client_address(ip("::1"), &["For=192.0.2.60:8080;by=x"], &[], &trusted),
            ip("192.0.2.60")
        );
        // An unknown hop stops the walk at the proxy that reported it.
        assert_eq!(
            client_address(ip("::1"), &["for=unknown, for=127.0.0.1"], &[], &trusted),
            ip("127.0.0.1")
        );
        // Several header lines form one list.
        assert_eq!(
            client_address(
                ip("127.0.0.1"),
                &[],
                &["203.0.113.1", "127.0.0.1"],
                &trusted
            ),
            ip("203.0.113.1")
        );
    }

    #[test]
    fn base_paths() {
        for ok in ["", "/aniworld", "/a/b-c_d.e~f", "/x"] {
            assert!(valid_base_path(ok), "{ok}");
        }
        for bad in [
            "/",
            "aniworld",
            "/aniworld/",
            "/a//b",
            "/a/../b",
            "/a b",
            "/ä",
            "/.",
            "/api",
            "/ws/x",
        ] {
            assert!(!valid_base_path(bad), "{bad}");
        }
        assert!(!valid_base_path(&format!("/{}", "a".repeat(100))));
    }
}
