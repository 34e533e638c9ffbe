//! Which episodes of a series are wanted, and in which language (docs/monitoring.md).
//!
//! The rule, per episode, with the series' [`EffectiveMonitoring`]:
//! - **missing** (no file): wanted in the first accepted language the catalogue offers it in;
//!   when the catalogue offers none of them, it waits ([`WantedReason::WaitingForLanguage`]) and
//!   is never queued for it; when the catalogue's pages do not say what they offer (legacy
//!   pages), it is wanted in the accepted languages in order, as the resolver tries them
//!   (`language` None).
//! - **upgrade** (a file the service wrote, in a language after the cutoff or not accepted, and
//!   `upgrade` on): wanted in the best accepted language the catalogue offers that is better
//!   than the file's (it may still be below the cutoff: the next better one is sought after it,
//!   until the cutoff is met). A file the service did not write counts as meeting the cutoff; so
//!   does one whose offer is unknown.
//!
//! Whether the series is monitored and what is already in the queue are for the caller.

use crate::episode::{EpisodeId, Language};
use crate::monitoring::EffectiveMonitoring;
use crate::ports::EpisodeRecord;

/// Why an episode is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WantedReason {
    /// No file yet, and an accepted language is on offer (or the offer is unknown).
    Missing,
    /// A file below the cutoff, and a better accepted language is on offer.
    Upgrade,
    /// No file yet, and none of the accepted languages is on offer.
    WaitingForLanguage,
}

impl WantedReason {
    /// `missing`, `upgrade` or `waiting_for_language`.
    pub fn as_str(self) -> &'static str {
        match self {
            WantedReason::Missing => "missing",
            WantedReason::Upgrade => "upgrade",
            WantedReason::WaitingForLanguage => "waiting_for_language",
        }
    }
}

/// One wanted episode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// Season/episode.
    pub id: EpisodeId,
    /// Why.
    pub reason: WantedReason,
    /// The language it would be downloaded in; None while waiting, or when the catalogue does
    /// not say what it offers (the accepted languages are then tried in order).
    pub language: Option<Language>,
}

/// Whether (and how) `episode` is wanted under `profile`; None when it is not.
pub fn wanted(profile: &EffectiveMonitoring, episode: &EpisodeRecord) -> Option<Wanted> {
    let offered = episode.languages_offered.as_deref();
    let first_offered = |among: &[Language]| {
        among
            .iter()
            .copied()
            .find(|l| offered.is_some_and(|o| o.contains(l)))
    };
    let id = episode.id;
    if !episode.is_downloaded {
        return Some(match offered {
            None => Wanted {
                id,
                reason: WantedReason::Missing,
                language: None,
            },
            Some(_) => match first_offered(&profile.languages) {
                Some(language) => Wanted {
                    id,
                    reason: WantedReason::Missing,
                    language: Some(language),
                },
                None => Wanted {
                    id,
                    reason: WantedReason::WaitingForLanguage,
                    language: None,
                },
            },
        });
    }
    if !profile.upgrade {
        return None;
    }
    let present = episode.language?;
    let rank = |l: Language| profile.languages.iter().position(|x| *x == l);
    let cutoff = rank(profile.cutoff).unwrap_or(0);
    let present_rank = rank(present).unwrap_or(usize::MAX);
    if present_rank <= cutoff {
        return None;
    }
    let better = &profile.languages[..present_rank.min(profile.languages.len())];
    first_offered(better).map(|language| Wanted {
        id,
        reason: WantedReason::Upgrade,
        language: Some(language),
    })
}

/// The languages a download of `episode` tries, best first: for a file the service wrote, with
/// upgrades on, only the accepted languages better than the file's (an upgrade never takes the
/// same or a worse language); otherwise every accepted language.
pub fn languages_to_try(
    profile: &EffectiveMonitoring,
    episode: Option<&EpisodeRecord>,
) -> Vec<Language> {
    let present = episode
        .filter(|e| e.is_downloaded && profile.upgrade)
        .and_then(|e| e.language);
    match present {
        Some(l) => {
            let rank = profile
                .languages
                .iter()
                .position(|x| *x == l)
                .unwrap_or(profile.languages.len());
            profile.languages[..rank].to_vec()
        }
        None => profile.languages.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Language::{EnglishDub, EnglishSub, GermanDub, GermanSub};

    fn profile(languages: &[Language], cutoff: Language, upgrade: bool) -> EffectiveMonitoring {
        EffectiveMonitoring {
            monitored: true,
            languages: languages.to_vec(),
            cutoff,
            upgrade,
        }
    }

    fn ep(
        downloaded: bool,
        language: Option<Language>,
        offered: Option<&[Language]>,
    ) -> EpisodeRecord {
        EpisodeRecord {
            id: EpisodeId::new(1, 1),
            title_de: None,
            title_en: None,
            is_downloaded: downloaded,
            file_path: downloaded.then(|| "Season 01/x.mp4".to_string()),
            languages_offered: offered.map(<[Language]>::to_vec),
            language,
        }
    }

    fn reason(
        p: &EffectiveMonitoring,
        e: &EpisodeRecord,
    ) -> Option<(&'static str, Option<Language>)> {
        wanted(p, e).map(|w| (w.reason.as_str(), w.language))
    }

    #[test]
    fn a_missing_episode_takes_the_first_accepted_language_on_offer_or_waits() {
        let p = profile(&[GermanDub, GermanSub], GermanDub, false);
        assert_eq!(
            reason(
                &p,
                &ep(false, None, Some(&[EnglishSub, GermanSub, GermanDub]))
            ),
            Some(("missing", Some(GermanDub)))
        );
        assert_eq!(
            reason(&p, &ep(false, None, Some(&[GermanSub]))),
            Some(("missing", Some(GermanSub)))
        );
        // Only English Sub on offer, German wanted: held back.
        let only_german = profile(&[GermanDub], GermanDub, false);
        assert_eq!(
            reason(&only_german, &ep(false, None, Some(&[EnglishSub]))),
            Some(("waiting_for_language", None))
        );
        assert_eq!(
            reason(&only_german, &ep(false, None, Some(&[]))),
            Some(("waiting_for_language", None))
        );
        // The offer is unknown (legacy pages): wanted, the resolver tries the languages in order.
        assert_eq!(
            reason(&only_german, &ep(false, None, None)),
            Some(("missing", None))
        );
    }

    #[test]
    fn an_upgrade_is_sought_only_when_on_below_the_cutoff_and_better_is_offered() {
        let all = [GermanDub, GermanSub, EnglishSub];
        let on = profile(&all, GermanDub, true);
        let sub_with_dub = ep(true, Some(GermanSub), Some(&[GermanSub, GermanDub]));
        assert_eq!(
            reason(&on, &sub_with_dub),
            Some(("upgrade", Some(GermanDub)))
        );
        // Off: never.
        assert_eq!(
            reason(&profile(&all, GermanDub, false), &sub_with_dub),
            None
        );
        // At the cutoff: nothing to seek.
        let cut_at_sub = profile(&all, GermanSub, true);
        assert_eq!(reason(&cut_at_sub, &sub_with_dub), None);
        // English Sub below a German Sub cutoff: the best better language on offer.
        let english = ep(true, Some(EnglishSub), Some(&[EnglishSub, GermanSub]));
        assert_eq!(
            reason(&cut_at_sub, &english),
            Some(("upgrade", Some(GermanSub)))
        );
        // Below the cutoff, a better language that is still below it is taken meanwhile.
        assert_eq!(reason(&on, &english), Some(("upgrade", Some(GermanSub))));
        // Nothing better on offer yet.
        let nothing = ep(true, Some(GermanSub), Some(&[GermanSub, EnglishSub]));
        assert_eq!(reason(&on, &nothing), None);
        // A file in a language no longer accepted is below any cutoff.
        let dub_file = ep(true, Some(EnglishDub), Some(&[EnglishDub, GermanSub]));
        assert_eq!(reason(&on, &dub_file), Some(("upgrade", Some(GermanSub))));
        // A file the service did not write meets the cutoff; so does an unknown offer.
        assert_eq!(reason(&on, &ep(true, None, Some(&[GermanDub]))), None);
        assert_eq!(reason(&on, &ep(true, Some(GermanSub), None)), None);
    }

    #[test]
    fn an_upgrade_tries_only_better_languages() {
        let all = [GermanDub, GermanSub, EnglishSub];
        let on = profile(&all, GermanDub, true);
        let sub = ep(true, Some(GermanSub), Some(&[GermanSub, GermanDub]));
        assert_eq!(languages_to_try(&on, Some(&sub)), vec![GermanDub]);
        let dub_file = ep(true, Some(EnglishDub), None);
        assert_eq!(languages_to_try(&on, Some(&dub_file)), all.to_vec());
        // Missing, unknown, or upgrades off: every accepted language.
        assert_eq!(
            languages_to_try(&on, Some(&ep(false, None, None))),
            all.to_vec()
        );
        assert_eq!(languages_to_try(&on, None), all.to_vec());
        let off = profile(&all, GermanDub, false);
        assert_eq!(languages_to_try(&off, Some(&sub)), all.to_vec());
    }
}
