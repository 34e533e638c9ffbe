//! Host-name overrides for DNS that blocks the catalogue (`provider.dns_overrides`).
//!
//! A ureq resolver that answers configured host names with a fixed IP address and hands every
//! other name to ureq's default resolver. TLS still verifies the certificate against the host
//! name of the URL, so an override only changes where the connection goes.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use crate::error::ProviderError;

/// A resolver with fixed answers for some host names.
#[derive(Debug, Default)]
pub struct OverrideResolver {
    overrides: HashMap<String, IpAddr>,
    inner: DefaultResolver,
}

impl OverrideResolver {
    /// Builds the resolver from `host -> IP` pairs; host names are compared case-insensitively.
    pub fn new(map: &BTreeMap<String, String>) -> Result<Self, ProviderError> {
        let mut overrides = HashMap::new();
        for (host, ip) in map {
            let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
            if host.is_empty() {
                return Err(ProviderError::Config {
                    what: "dns_overrides: empty host name".into(),
                });
            }
            let ip: IpAddr = ip
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .map_err(|_| ProviderError::Config {
                    what: format!("dns_overrides: {ip:?} for {host:?} is not an IP address"),
                })?;
            overrides.insert(host, ip);
        }
        Ok(Self {
            overrides,
            inner: DefaultResolver::default(),
        })
    }

    /// The overridden address of a host, if any.
    pub fn lookup(&self, host: &str) -> Option<IpAddr> {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        self.overrides.get(&host).copied()
    }
}

impl Resolver for OverrideResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let hit = uri.host().and_then(|h| self.lookup(h));
        match hit {
            Some(ip) => {
                let port = uri
                    .port_u16()
                    .or_else(|| match uri.scheme_str() {
                        Some("https") => Some(443),
                        Some("http") => Some(80),
                        _ => None,
                    })
                    .ok_or(ureq::Error::HostNotFound)?;
                let mut out = self.empty();
                out.push(SocketAddr::new(ip, port));
                Ok(out)
            }
            None => self.inner.resolve(uri, config, timeout),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_looks_up() {
        let mut m = BTreeMap::new();
        m.insert("Catalogue.Test".to_string(), "127.0.0.1".to_string());
        m.insert("v6.test".to_string(), "[::1]".to_string());
        let r = OverrideResolver::new(&m).unwrap();
        assert_eq!(
            r.lookup("catalogue.test"),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(
            r.lookup("CATALOGUE.test."),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(r.lookup("v6.test"), Some("::1".parse().unwrap()));
        assert_eq!(r.lookup("other.test"), None);
    }

    #[test]
    fn rejects_bad_addresses() {
        let mut m = BTreeMap::new();
        m.insert("a.test".to_string(), "not-an-ip".to_string());
        assert!(matches!(
            OverrideResolver::new(&m),
            Err(ProviderError::Config { .. })
        ));
    }
}
