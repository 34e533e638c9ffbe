//! How the library follows a series: whether automatic runs queue it, the languages it accepts
//! (best first), the language at which no upgrade is sought (the cutoff) and whether upgrades
//! are sought at all (docs/monitoring.md).
//!
//! A series stores its settings as [`Monitoring`], where "no language list" means the global
//! `download.language_preference` in force at the time (so changing the global order changes
//! every series that never got its own) and "no cutoff" means the first accepted language.
//! [`Monitoring::effective`] gives the settings in force; [`MonitoringPatch::apply`] checks a
//! change before it is stored.

use serde::{Deserialize, Serialize};

use crate::config::ValidationIssue;
use crate::episode::Language;

/// The monitoring settings of a series, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Monitoring {
    /// Whether automatic runs (`scheduler.auto_download_after_rescan`) queue its missing
    /// episodes. Manual queueing ignores it.
    pub monitored: bool,
    /// Accepted languages, best first, never empty and without repeats; None: the global
    /// `download.language_preference`, whatever it is at the time.
    pub languages: Option<Vec<Language>>,
    /// The language at which no upgrade is sought; None: the first accepted language.
    pub cutoff: Option<Language>,
    /// Whether an episode present below its cutoff is downloaded again when a better accepted
    /// language appears.
    pub upgrade: bool,
}

impl Default for Monitoring {
    /// Monitored, the global language order, cutoff at its first language, no upgrades.
    fn default() -> Self {
        Self {
            monitored: true,
            languages: None,
            cutoff: None,
            upgrade: false,
        }
    }
}

/// The monitoring settings in force, with the defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectiveMonitoring {
    /// See [`Monitoring::monitored`].
    pub monitored: bool,
    /// The accepted languages in force, best first.
    pub languages: Vec<Language>,
    /// The cutoff in force: one of `languages`.
    pub cutoff: Language,
    /// See [`Monitoring::upgrade`].
    pub upgrade: bool,
}

/// `languages` without repeats, in their first order.
fn distinct(languages: &[Language]) -> Vec<Language> {
    let mut out: Vec<Language> = Vec::with_capacity(languages.len());
    for l in languages {
        if !out.contains(l) {
            out.push(*l);
        }
    }
    out
}

impl Monitoring {
    /// The settings in force when the global language order is `global`
    /// (`download.language_preference`). A stored cutoff that the list in force does not hold
    /// (the global order changed since) gives way to the first accepted language.
    pub fn effective(&self, global: &[Language]) -> EffectiveMonitoring {
        let mut languages = distinct(self.languages.as_deref().unwrap_or(global));
        if languages.is_empty() {
            languages = Language::DEFAULT_PREFERENCE.to_vec();
        }
        let cutoff = self
            .cutoff
            .filter(|c| languages.contains(c))
            .unwrap_or(languages[0]);
        EffectiveMonitoring {
            monitored: self.monitored,
            languages,
            cutoff,
            upgrade: self.upgrade,
        }
    }
}

/// A change of the monitoring settings: `None` keeps a setting; `Some(None)` gives `languages`
/// and `cutoff` back to their defaults (the global order; the first accepted language).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitoringPatch {
    /// New [`Monitoring::monitored`].
    pub monitored: Option<bool>,
    /// New [`Monitoring::languages`].
    pub languages: Option<Option<Vec<Language>>>,
    /// New [`Monitoring::cutoff`].
    pub cutoff: Option<Option<Language>>,
    /// New [`Monitoring::upgrade`].
    pub upgrade: Option<bool>,
}

impl MonitoringPatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `current` with this patch, checked against the global order `global`: a language list
    /// must not be empty nor name a language twice (`languages`), and a cutoff, sent or kept,
    /// must be one of the accepted languages in force (`cutoff`). The issue names the field.
    pub fn apply(
        self,
        current: &Monitoring,
        global: &[Language],
    ) -> Result<Monitoring, ValidationIssue> {
        if let Some(Some(list)) = &self.languages {
            if list.is_empty() {
                return Err(ValidationIssue::new(
                    "languages",
                    "must name at least one language (or be null for download.language_preference)",
                ));
            }
            if let Some(twice) = list
                .iter()
                .find(|l| list.iter().filter(|m| m == l).count() > 1)
            {
                return Err(ValidationIssue::new(
                    "languages",
                    format!("names {twice} more than once"),
                ));
            }
        }
        let cutoff_sent = matches!(self.cutoff, Some(Some(_)));
        let next = Monitoring {
            monitored: self.monitored.unwrap_or(current.monitored),
            languages: self.languages.unwrap_or_else(|| current.languages.clone()),
            cutoff: self.cutoff.unwrap_or(current.cutoff),
            upgrade: self.upgrade.unwrap_or(current.upgrade),
        };
        if let Some(cutoff) = next.cutoff {
            let accepted = next.effective(global).languages;
            if !accepted.contains(&cutoff) {
                let names: Vec<&str> = accepted.iter().map(|l| l.name()).collect();
                let problem = if cutoff_sent {
                    format!(
                        "{cutoff} is not one of the accepted languages ({})",
                        names.join(", ")
                    )
                } else {
                    format!(
                        "the current cutoff {cutoff} is not one of the new languages ({}); send a \
                         cutoff from that list, or null for the first",
                        names.join(", ")
                    )
                };
                return Err(ValidationIssue::new("cutoff", problem));
            }
        }
        Ok(next)
    }
}

/// The stored form of a language list: wire names joined by commas (`German Dub,German Sub`).
pub fn languages_to_text(languages: &[Language]) -> String {
    languages
        .iter()
        .map(|l| l.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// The language list of its stored form ([`languages_to_text`]); the name that is not a
/// language when one is not.
pub fn languages_from_text(text: &str) -> Result<Vec<Language>, String> {
    text.split(',')
        .map(|name| language_from_name(name).ok_or_else(|| name.to_string()))
        .collect()
}

/// The language of its exact wire name (`German Dub`); None for anything else.
pub fn language_from_name(name: &str) -> Option<Language> {
    Language::ALL.into_iter().find(|l| l.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Language::{EnglishDub, EnglishSub, GermanDub, GermanSub};

    const GLOBAL: [Language; 3] = [GermanDub, GermanSub, EnglishSub];

    fn patch(
        languages: Option<Option<Vec<Language>>>,
        cutoff: Option<Option<Language>>,
    ) -> MonitoringPatch {
        MonitoringPatch {
            languages,
            cutoff,
            ..MonitoringPatch::default()
        }
    }

    /// The settings `p` makes of `current`, or the field its refusal names.
    fn check(current: &Monitoring, p: MonitoringPatch, expected: Result<Monitoring, &str>) {
        match (p.apply(current, &GLOBAL), expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(issue), Err(field)) => assert_eq!(issue.field, field, "{issue:?}"),
            (got, want) => panic!("{got:?} instead of {want:?}"),
        }
    }

    #[test]
    fn defaults_follow_the_global_order() {
        let e = Monitoring::default().effective(&GLOBAL);
        assert!(e.monitored && !e.upgrade);
        assert_eq!(e.languages, GLOBAL);
        assert_eq!(e.cutoff, GermanDub);
        // A cutoff the global order no longer holds gives way to its first language.
        let pinned = Monitoring {
            cutoff: Some(EnglishDub),
            ..Monitoring::default()
        };
        assert_eq!(pinned.effective(&GLOBAL).cutoff, GermanDub);
        assert_eq!(
            pinned.effective(&[EnglishSub, EnglishDub]).cutoff,
            EnglishDub
        );
    }

    #[test]
    fn patches_are_checked_against_the_list_in_force() {
        let base = Monitoring::default();
        let own = Monitoring {
            languages: Some(vec![GermanSub, EnglishDub]),
            cutoff: Some(EnglishDub),
            ..Monitoring::default()
        };
        check(&base, MonitoringPatch::default(), Ok(base.clone()));
        check(
            &base,
            patch(
                Some(Some(vec![GermanSub, EnglishDub])),
                Some(Some(EnglishDub)),
            ),
            Ok(own.clone()),
        );
        check(&base, patch(Some(Some(vec![])), None), Err("languages"));
        check(
            &base,
            patch(Some(Some(vec![GermanSub, GermanSub])), None),
            Err("languages"),
        );
        // A cutoff outside the list in force: the new list, the kept list, the global order.
        check(
            &base,
            patch(Some(Some(vec![GermanSub])), Some(Some(GermanDub))),
            Err("cutoff"),
        );
        check(&own, patch(None, Some(Some(GermanDub))), Err("cutoff"));
        check(&base, patch(None, Some(Some(EnglishDub))), Err("cutoff"));
        // The kept cutoff must be in a new list; null gives it back to the default.
        check(
            &own,
            patch(Some(Some(vec![GermanSub])), None),
            Err("cutoff"),
        );
        check(
            &own,
            patch(Some(Some(vec![GermanSub])), Some(None)),
            Ok(Monitoring {
                languages: Some(vec![GermanSub]),
                cutoff: None,
                ..Monitoring::default()
            }),
        );
        check(&own, patch(Some(None), None), Err("cutoff"));
        check(
            &own,
            MonitoringPatch {
                monitored: Some(false),
                upgrade: Some(true),
                ..MonitoringPatch::default()
            },
            Ok(Monitoring {
                monitored: false,
                upgrade: true,
                ..own.clone()
            }),
        );
    }

    #[test]
    fn language_lists_round_trip_through_their_stored_form() {
        let list = vec![EnglishDub, GermanSub, GermanDub, EnglishSub];
        let text = languages_to_text(&list);
        assert_eq!(text, "English Dub,German Sub,German Dub,English Sub");
        assert_eq!(languages_from_text(&text), Ok(list));
        assert_eq!(
            languages_from_text("German Dub,Klingon"),
            Err("Klingon".to_string())
        );
        assert_eq!(language_from_name("german dub"), None);
    }
}
