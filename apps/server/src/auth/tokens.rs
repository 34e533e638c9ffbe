//! HS256 access tokens with a unique `jti`, so a single token can be revoked at logout.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: always `admin` (one master password).
    pub sub: String,
    /// Unique token id, revoked at logout.
    pub jti: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expiry (Unix seconds).
    pub exp: i64,
}

impl Claims {
    /// Expiry as a timestamp.
    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.exp, 0).unwrap_or_default()
    }
}

/// Signing and verification keys derived from the secret.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(********)")
    }
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Signature, format or expiry check failed.
    #[error("invalid or expired token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
}

impl TokenKeys {
    /// Keys for `secret`.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Issues a token valid for `lifetime` from `now`.
    pub fn issue(
        &self,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> Result<(String, Claims), TokenError> {
        let claims = Claims {
            sub: "admin".into(),
            jti: uuid::Uuid::new_v4().to_string(),
            iat: now.timestamp(),
            exp: (now + lifetime).timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims))
    }

    /// Checks signature, algorithm and expiry (no leeway) and returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let mut v = Validation::new(Algorithm::HS256);
        v.leeway = 0;
        v.set_required_spec_claims(&["exp", "sub", "jti"]);
        Ok(jsonwebtoken::decode::<Claims>(token, &self.decoding, &v)?.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let (t, c) = keys.issue(Utc::now(), Duration::hours(24)).unwrap();
        assert_eq!(keys.verify(&t).unwrap(), c);
        let (t2, c2) = keys.issue(Utc::now(), Duration::hours(24)).unwrap();
        assert_ne!(c.jti, c2.jti);
        assert!(
            TokenKeys::new(b"another-secret-another-secret!!!")
                .verify(&t2)
                .is_err()
        );
        let (old, _) = keys
            .issue(Utc::now() - Duration::days(2), Duration::hours(1))
            .unwrap();
        assert!(keys.verify(&old).is_err());
        assert!(keys.verify("garbage").is_err());
        let mut tampered = t.clone();
        tampered.pop();
        assert!(keys.verify(&tampered).is_err());
    }
}
