//! Timestamps as stored: RFC 3339 text in UTC with nanoseconds, so text order is time order.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::StoreError;

/// The stored form of a time, e.g. `2026-01-02T03:04:05.000000000Z`.
pub(crate) fn to_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// The stored form of an optional time.
pub(crate) fn opt_to_text(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(to_text)
}

/// Parses a stored time; `what` names the column and row for the error.
pub(crate) fn from_text(
    s: &str,
    what: impl FnOnce() -> String,
) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::value(what(), format!("{s:?} is not an RFC 3339 time: {e}")))
}

/// Parses an optional stored time.
pub(crate) fn opt_from_text(
    s: Option<&str>,
    what: impl FnOnce() -> String,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    s.map(|s| from_text(s, what)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn round_trips_and_sorts_as_text() {
        let a = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let b = a + chrono::Duration::nanoseconds(1);
        assert_eq!(to_text(a), "2026-01-02T03:04:05.000000000Z");
        assert!(to_text(a) < to_text(b));
        assert_eq!(from_text(&to_text(b), String::new).unwrap(), b);
        let now = Utc::now();
        assert_eq!(from_text(&to_text(now), String::new).unwrap(), now);
    }

    #[test]
    fn bad_text_is_an_error_naming_the_value() {
        let err = from_text("yesterday", || "settings.updated_at".into()).unwrap_err();
        assert!(err.to_string().contains("settings.updated_at"), "{err}");
        assert_eq!(opt_from_text(None, String::new).unwrap(), None);
    }
}
