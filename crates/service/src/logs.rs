//! The recent log records of the process, kept in memory for the system page (docs/system.md).
//!
//! The logger the front end installs hands every record it writes to [`record`], its message
//! already redacted (credentials and configured secrets masked); this module only keeps the
//! newest [`CAPACITY`] of them and answers [`recent`]. Nothing is written to disk here and
//! nothing survives a restart. A process without such a logger (a test embedding the service)
//! simply has an empty buffer.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use log::Level;

use crate::error::ServiceError;

/// Records kept at most; the oldest go first.
pub const CAPACITY: usize = 1000;
/// Records a query returns when it does not say.
pub const DEFAULT_LIMIT: usize = 200;
/// Characters of a message kept at most (a longer one is cut and ends in `…`).
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// One log record as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// When it was logged.
    pub time: DateTime<Utc>,
    /// Its level.
    pub level: Level,
    /// The module (or target) that logged it.
    pub target: String,
    /// The redacted message.
    pub message: String,
}

/// What [`recent`] returns: records of `level` and more severe, the newest `limit` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogQuery {
    /// The least severe level included.
    pub level: Level,
    /// How many records at most (1 to [`CAPACITY`]).
    pub limit: usize,
}

impl Default for LogQuery {
    fn default() -> Self {
        Self {
            level: Level::Info,
            limit: DEFAULT_LIMIT,
        }
    }
}

impl LogQuery {
    /// Parses the query values as a front end received them: `level` one of `trace`, `debug`,
    /// `info`, `warn` (or `warning`), `error`, any case; `limit` 1 to [`CAPACITY`]. Absent or
    /// blank values take the defaults (`info`, [`DEFAULT_LIMIT`]); a bad one is refused naming
    /// its field.
    pub fn parse(level: Option<&str>, limit: Option<&str>) -> Result<Self, ServiceError> {
        let mut query = Self::default();
        if let Some(l) = level.map(str::trim).filter(|l| !l.is_empty()) {
            query.level = parse_level(l).ok_or_else(|| {
                ServiceError::invalid("level", "must be trace, debug, info, warn or error")
            })?;
        }
        if let Some(n) = limit.map(str::trim).filter(|n| !n.is_empty()) {
            query.limit = n
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=CAPACITY).contains(n))
                .ok_or_else(|| {
                    ServiceError::invalid("limit", format!("must be a number from 1 to {CAPACITY}"))
                })?;
        }
        Ok(query)
    }
}

/// A level by its name, any case: `trace`, `debug`, `info`, `warn` (or `warning`), `error` (or
/// `critical`, as `logging.level` may say).
pub fn parse_level(name: &str) -> Option<Level> {
    match name.trim().to_ascii_lowercase().as_str() {
        "trace" => Some(Level::Trace),
        "debug" => Some(Level::Debug),
        "info" => Some(Level::Info),
        "warn" | "warning" => Some(Level::Warn),
        "error" | "critical" => Some(Level::Error),
        _ => None,
    }
}

static RECENT: Mutex<VecDeque<LogRecord>> = Mutex::new(VecDeque::new());

/// Keeps one record (its message already redacted by the caller), dropping the oldest beyond
/// [`CAPACITY`].
pub fn record(level: Level, target: &str, message: &str) {
    let message = if message.chars().count() > MAX_MESSAGE_CHARS {
        let mut cut: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
        cut.push('…');
        cut
    } else {
        message.to_string()
    };
    let entry = LogRecord {
        time: Utc::now(),
        level,
        target: target.to_string(),
        message,
    };
    let mut recent = RECENT.lock().unwrap_or_else(|p| p.into_inner());
    if recent.len() >= CAPACITY {
        recent.pop_front();
    }
    recent.push_back(entry);
}

/// The newest records matching `query`, oldest first (newest last).
pub fn recent(query: &LogQuery) -> Vec<LogRecord> {
    let recent = RECENT.lock().unwrap_or_else(|p| p.into_inner());
    let mut out: Vec<LogRecord> = recent
        .iter()
        .rev()
        .filter(|r| r.level <= query.level)
        .take(query.limit)
        .cloned()
        .collect();
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: ServiceError) -> String {
        match e {
            ServiceError::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn queries_parse_or_name_their_field() {
        assert_eq!(LogQuery::parse(None, None).unwrap(), LogQuery::default());
        assert_eq!(
            LogQuery::parse(Some(" WARNING "), Some("5")).unwrap(),
            LogQuery {
                level: Level::Warn,
                limit: 5
            }
        );
        assert_eq!(
            LogQuery::parse(Some(""), Some(" ")).unwrap(),
            LogQuery::default()
        );
        assert_eq!(
            field(LogQuery::parse(Some("loud"), None).unwrap_err()),
            "level"
        );
        assert_eq!(
            field(LogQuery::parse(None, Some("0")).unwrap_err()),
            "limit"
        );
        assert_eq!(
            field(LogQuery::parse(None, Some("1001")).unwrap_err()),
            "limit"
        );
        assert_eq!(
            field(LogQuery::parse(None, Some("x")).unwrap_err()),
            "limit"
        );
    }

    #[test]
    fn the_buffer_keeps_the_newest_and_filters_by_severity() {
        for i in 0..CAPACITY + 5 {
            record(Level::Debug, "t", &format!("unit-debug-{i}"));
        }
        record(Level::Warn, "t", "unit-warn");
        record(Level::Error, "t", &"x".repeat(MAX_MESSAGE_CHARS + 10));
        let all = recent(&LogQuery {
            level: Level::Trace,
            limit: CAPACITY,
        });
        assert_eq!(all.len(), CAPACITY);
        assert!(
            !all.iter().any(|r| r.message == "unit-debug-0"),
            "oldest dropped"
        );
        assert_eq!(all.last().unwrap().level, Level::Error, "newest last");
        assert_eq!(
            all.last().unwrap().message.chars().count(),
            MAX_MESSAGE_CHARS + 1
        );
        let warn = recent(&LogQuery {
            level: Level::Warn,
            limit: 10,
        });
        assert_eq!(warn.len(), 2);
        assert_eq!(warn[0].message, "unit-warn");
        let two = recent(&LogQuery {
            level: Level::Debug,
            limit: 2,
        });
        assert_eq!(two.len(), 2);
        assert_eq!(two[0].message, "unit-warn");
    }
}
