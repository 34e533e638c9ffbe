//! The scheduler's plan: when the next automatic rescan fires.
//!
//! With `schedule_time` set, the plan is a cron expression `0 MM HH * * <days>` evaluated in the
//! configured time zone (DST-correct); without it, the older API's `interval_minutes` applies.
//! Pure computation: the runner that sleeps and triggers scans lives elsewhere.

use std::str::FromStr;

use chrono::{DateTime, Duration, Local, TimeZone, Utc};
use chrono_tz::Tz;

use crate::config::{SchedulerConfig, ValidationIssue, parse_schedule_time};

/// The time zone a plan is evaluated in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// An IANA zone.
    Named(Tz),
    /// The process's local time zone.
    Local,
}

/// How the plan fires.
#[derive(Debug, Clone)]
pub enum PlanKind {
    /// Never (scheduler disabled, or a daily time with no days).
    Disabled,
    /// At a fixed local time on chosen weekdays.
    Daily {
        /// The cron expression (seconds first, as the `cron` crate wants).
        expression: String,
        /// Parsed schedule.
        schedule: Box<cron::Schedule>,
    },
    /// Every `minutes` after the last run.
    Interval {
        /// Interval length.
        minutes: u32,
    },
}

/// A scheduler plan built from [`SchedulerConfig`].
#[derive(Debug, Clone)]
pub struct SchedulePlan {
    /// How it fires.
    pub kind: PlanKind,
    /// Where local times are evaluated.
    pub zone: Zone,
}

fn cron_day(day: &str) -> &'static str {
    match day {
        "mon" => "Mon",
        "tue" => "Tue",
        "wed" => "Wed",
        "thu" => "Thu",
        "fri" => "Fri",
        "sat" => "Sat",
        _ => "Sun",
    }
}

impl SchedulePlan {
    /// Builds the plan; invalid settings give the same issues as [`SchedulerConfig::validate`].
    pub fn from_config(cfg: &SchedulerConfig) -> Result<Self, Vec<ValidationIssue>> {
        let issues = cfg.validate("");
        if !issues.is_empty() {
            return Err(issues);
        }
        let zone = match &cfg.timezone {
            Some(name) => Zone::Named(Tz::from_str(name).map_err(|_| {
                vec![ValidationIssue::new(
                    "timezone",
                    format!("unknown time zone {name:?}"),
                )]
            })?),
            None => Zone::Local,
        };
        if !cfg.enabled {
            return Ok(Self {
                kind: PlanKind::Disabled,
                zone,
            });
        }
        let kind = match cfg.schedule_time.as_deref() {
            Some(t) => {
                let (h, m) = parse_schedule_time(t).expect("validated above");
                let mut days: Vec<&str> = Vec::new();
                for d in crate::config::WEEKDAYS {
                    if cfg.schedule_days.iter().any(|x| x == d) {
                        days.push(cron_day(d));
                    }
                }
                if days.is_empty() {
                    PlanKind::Disabled
                } else {
                    let expression = format!("0 {m} {h} * * {}", days.join(","));
                    let schedule = cron::Schedule::from_str(&expression).map_err(|e| {
                        vec![ValidationIssue::new(
                            "schedule_time",
                            format!("cannot plan {expression:?}: {e}"),
                        )]
                    })?;
                    PlanKind::Daily {
                        expression,
                        schedule: Box::new(schedule),
                    }
                }
            }
            None => PlanKind::Interval {
                minutes: cfg.interval_minutes.max(1),
            },
        };
        Ok(Self { kind, zone })
    }

    /// The first firing time strictly after `after`. In interval mode the plan fires
    /// `interval` after `last_run` (or after `after` when there was none, or when that time has
    /// already passed). None when disabled.
    pub fn next_after(
        &self,
        after: DateTime<Utc>,
        last_run: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        match &self.kind {
            PlanKind::Disabled => None,
            PlanKind::Interval { minutes } => {
                let step = Duration::minutes(i64::from(*minutes));
                match last_run.map(|l| l + step) {
                    Some(t) if t > after => Some(t),
                    _ => Some(after + step),
                }
            }
            PlanKind::Daily { schedule, .. } => match self.zone {
                Zone::Named(tz) => next_in(schedule, &tz, after),
                Zone::Local => next_in(schedule, &Local, after),
            },
        }
    }

    /// The latest firing time in `(since, now]`, i.e. a run that was due while nobody was there
    /// to start it. Interval mode counts a run as missed when `since + interval <= now`.
    pub fn missed_between(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let mut t = self.next_after(since, Some(since))?;
        if t > now {
            return None;
        }
        // Walk forward to the latest due time (bounded: a week of minutely plans at most).
        for _ in 0..10_080 {
            match self.next_after(t, Some(t)) {
                Some(n) if n <= now => t = n,
                _ => break,
            }
        }
        Some(t)
    }
}

fn next_in<Z: TimeZone>(
    schedule: &cron::Schedule,
    tz: &Z,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let local = after.with_timezone(tz);
    schedule.after(&local).next().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(time: Option<&str>, days: &[&str], tz: &str) -> SchedulerConfig {
        SchedulerConfig {
            enabled: true,
            interval_minutes: 60,
            schedule_time: time.map(str::to_string),
            schedule_days: days.iter().map(|d| d.to_string()).collect(),
            auto_download_after_rescan: false,
            timezone: Some(tz.to_string()),
            ..SchedulerConfig::default()
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn check(plan: &SchedulePlan, after: &str, expected: &str) {
        assert_eq!(
            plan.next_after(utc(after), None),
            Some(utc(expected)),
            "after {after}"
        );
    }

    #[test]
    fn daily_time_crosses_the_day_boundary() {
        let all = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let plan = SchedulePlan::from_config(&cfg(Some("03:00"), &all, "UTC")).unwrap();
        check(&plan, "2026-11-23T02:59:00Z", "2026-11-23T03:00:00Z");
        check(&plan, "2026-11-23T03:00:00Z", "2026-11-24T03:00:00Z");
        check(&plan, "2026-12-31T23:30:00Z", "2027-01-01T03:00:00Z");
    }

    #[test]
    fn only_chosen_weekdays_fire() {
        // 2026-11-23 is a Monday.
        let plan = SchedulePlan::from_config(&cfg(Some("06:30"), &["wed", "fri"], "UTC")).unwrap();
        check(&plan, "2026-11-23T12:00:00Z", "2026-11-25T06:30:00Z");
        check(&plan, "2026-11-25T06:30:00Z", "2026-11-27T06:30:00Z");
        check(&plan, "2026-11-27T07:00:00Z", "2026-12-02T06:30:00Z");
    }

    #[test]
    fn local_time_follows_daylight_saving_changes() {
        let all = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let plan = SchedulePlan::from_config(&cfg(Some("03:30"), &all, "Europe/Berlin")).unwrap();
        // Winter: UTC+1.
        check(&plan, "2026-03-27T12:00:00Z", "2026-03-28T02:30:00Z");
        // 2026-03-29 02:00 -> 03:00 local: 03:30 exists and is UTC+2.
        check(&plan, "2026-03-28T12:00:00Z", "2026-03-29T01:30:00Z");
        // Autumn: 2026-10-25 03:00 -> 02:00; 03:30 local is UTC+1 that day.
        check(&plan, "2026-10-24T12:00:00Z", "2026-10-25T02:30:00Z");
        let gap = SchedulePlan::from_config(&cfg(Some("02:30"), &all, "Europe/Berlin")).unwrap();
        // 02:30 does not exist on 2026-03-29: the plan never fires twice a day and never goes back.
        let next = gap.next_after(utc("2026-03-28T12:00:00Z"), None).unwrap();
        assert!(next > utc("2026-03-28T12:00:00Z"));
        assert!(next <= utc("2026-03-30T00:30:00Z"), "{next}");
    }

    #[test]
    fn interval_mode_counts_from_the_last_run() {
        let mut c = cfg(None, &[], "UTC");
        c.interval_minutes = 90;
        let plan = SchedulePlan::from_config(&c).unwrap();
        let now = utc("2026-11-23T10:00:00Z");
        assert_eq!(
            plan.next_after(now, None),
            Some(utc("2026-11-23T11:30:00Z"))
        );
        assert_eq!(
            plan.next_after(now, Some(utc("2026-11-23T09:45:00Z"))),
            Some(utc("2026-11-23T11:15:00Z"))
        );
        // A last run long ago does not make the next run lie in the past.
        assert_eq!(
            plan.next_after(now, Some(utc("2026-11-20T00:00:00Z"))),
            Some(utc("2026-11-23T11:30:00Z"))
        );
    }

    #[test]
    fn disabled_and_dayless_plans_never_fire() {
        let mut c = cfg(Some("03:00"), &["mon"], "UTC");
        c.enabled = false;
        assert!(
            SchedulePlan::from_config(&c)
                .unwrap()
                .next_after(Utc::now(), None)
                .is_none()
        );
        // On no day it would never fire: refused, naming the days.
        let c = cfg(Some("03:00"), &[], "UTC");
        let issues = SchedulePlan::from_config(&c).unwrap_err();
        assert_eq!(issues[0].field, "schedule_days");
    }

    #[test]
    fn invalid_settings_are_refused() {
        assert!(SchedulePlan::from_config(&cfg(Some("24:00"), &["mon"], "UTC")).is_err());
        assert!(SchedulePlan::from_config(&cfg(Some("03:00"), &["monday"], "UTC")).is_err());
        assert!(SchedulePlan::from_config(&cfg(Some("03:00"), &["mon"], "Mars/Base")).is_err());
    }

    #[test]
    fn missed_runs_are_found_once() {
        let all = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let plan = SchedulePlan::from_config(&cfg(Some("03:00"), &all, "UTC")).unwrap();
        let missed = plan.missed_between(utc("2026-11-20T12:00:00Z"), utc("2026-11-23T10:00:00Z"));
        assert_eq!(missed, Some(utc("2026-11-23T03:00:00Z")));
        assert_eq!(
            plan.missed_between(utc("2026-11-23T04:00:00Z"), utc("2026-11-23T10:00:00Z")),
            None
        );
    }
}
