//! Conversions of numbers between their domain (`u32`, `u64`) and stored (`i32`, `i64`) forms.

use crate::error::StoreError;

/// A domain `u32` as a stored INTEGER.
pub(crate) fn to_i32(v: u32, what: impl FnOnce() -> String) -> Result<i32, StoreError> {
    i32::try_from(v).map_err(|_| StoreError::value(what(), format!("{v} is too large to store")))
}

/// A stored INTEGER as a domain `u32`.
pub(crate) fn to_u32(v: i32, what: impl FnOnce() -> String) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::value(what(), format!("{v} is negative")))
}

/// A domain `u64` as a stored BIGINT (saturating: byte counters never reach 2^63).
pub(crate) fn to_i64_saturating(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A stored BIGINT as a domain `u64`.
pub(crate) fn to_u64(v: i64, what: impl FnOnce() -> String) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::value(what(), format!("{v} is negative")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_convert_or_fail_with_context() {
        assert_eq!(to_i32(7, String::new).unwrap(), 7);
        let err = to_i32(u32::MAX, || "episodes.season".into()).unwrap_err();
        assert!(err.to_string().contains("episodes.season"), "{err}");
        assert_eq!(to_u32(3, String::new).unwrap(), 3);
        assert!(to_u32(-1, String::new).is_err());
        assert_eq!(to_i64_saturating(u64::MAX), i64::MAX);
        assert_eq!(to_u64(5, String::new).unwrap(), 5);
        assert!(to_u64(-5, String::new).is_err());
    }
}
