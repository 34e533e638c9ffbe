//! Renders Kodi/Jellyfin NFO XML with quick-xml: `tvshow.nfo`, `season.nfo` and episode
//! `<video>.nfo` (episodedetails). Text is escaped by the writer; characters XML 1.0 forbids
//! are dropped.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::artwork::ChosenArt;
use crate::matching::year_of;
use crate::tmdb::model::{EpisodeDetails, SeasonSummary, TvDetails};

type W = Writer<Vec<u8>>;

/// Keeps only characters allowed in XML 1.0 text.
fn clean(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

fn start_doc() -> io::Result<W> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        Some("yes"),
    )))?;
    Ok(w)
}

/// `<name>text</name>`, skipped when the text is empty.
fn text(w: &mut W, name: &str, value: &str) -> io::Result<()> {
    let v = clean(value.trim());
    if v.is_empty() {
        return Ok(());
    }
    w.create_element(name)
        .write_text_content(BytesText::new(&v))?;
    Ok(())
}

/// `<name a="b">text</name>`, skipped when the text is empty.
fn text_attrs(w: &mut W, name: &str, attrs: &[(&str, &str)], value: &str) -> io::Result<()> {
    let v = clean(value.trim());
    if v.is_empty() {
        return Ok(());
    }
    let attrs: Vec<(&str, String)> = attrs.iter().map(|(k, v)| (*k, clean(v))).collect();
    w.create_element(name)
        .with_attributes(attrs.iter().map(|(k, v)| (*k, v.as_str())))
        .write_text_content(BytesText::new(&v))?;
    Ok(())
}

fn open(w: &mut W, name: &str) -> io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))
}

fn close(w: &mut W, name: &str) -> io::Result<()> {
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn finish(w: W) -> String {
    let mut s = String::from_utf8(w.into_inner()).unwrap_or_default();
    s.push('\n');
    s
}

fn ratings(w: &mut W, average: f64, votes: u64) -> io::Result<()> {
    if votes == 0 && average == 0.0 {
        return Ok(());
    }
    open(w, "ratings")?;
    w.create_element("rating")
        .with_attributes([("name", "tmdb"), ("max", "10"), ("default", "true")])
        .write_inner_content(|w| {
            text(w, "value", &format!("{average:.1}"))?;
            text(w, "votes", &votes.to_string())
        })?;
    close(w, "ratings")
}

/// Jellyfin's series status words for TMDB's status texts; None for texts it ignores.
pub fn jellyfin_status(tmdb: &str) -> Option<&'static str> {
    match tmdb.trim().to_ascii_lowercase().as_str() {
        "returning series" | "returning" | "pilot" | "continuing" => Some("Continuing"),
        "ended" | "canceled" | "cancelled" => Some("Ended"),
        "in production" | "planned" => Some("Unreleased"),
        _ => None,
    }
}

/// `<mpaa>` from the content ratings: the language's country first, then `US`. German
/// ratings read `FSK-16`, which both players understand.
pub fn mpaa(d: &TvDetails, language: &str) -> Option<String> {
    let country = language
        .split('-')
        .nth(1)
        .unwrap_or("US")
        .to_ascii_uppercase();
    let find = |c: &str| {
        d.content_ratings
            .results
            .iter()
            .find(|r| r.iso_3166_1.eq_ignore_ascii_case(c) && !r.rating.trim().is_empty())
    };
    let r = find(&country).or_else(|| find("US"))?;
    let rating = r.rating.trim();
    if r.iso_3166_1.eq_ignore_ascii_case("DE") && rating.chars().all(|c| c.is_ascii_digit()) {
        Some(format!("FSK-{rating}"))
    } else {
        Some(rating.to_owned())
    }
}

/// Run time in minutes: the first `episode_run_time`, else the last aired episode's.
fn runtime(d: &TvDetails) -> Option<u32> {
    d.episode_run_time
        .iter()
        .copied()
        .find(|&m| m > 0)
        .or_else(|| d.last_episode_to_air.as_ref().and_then(|e| e.runtime))
        .filter(|&m| m > 0)
}

/// Renders `tvshow.nfo` for a series. `image_url` turns an image path into a full URL;
/// the series poster is written before any season poster (Jellyfin takes the first).
pub fn render_tvshow(
    d: &TvDetails,
    art: &ChosenArt,
    language: &str,
    image_url: &dyn Fn(&str) -> String,
) -> String {
    match tvshow_xml(d, art, language, image_url) {
        Ok(s) => s,
        // Writing into a Vec cannot fail; keep a well-formed minimum anyway.
        Err(_) => String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tvshow/>\n"),
    }
}

fn tvshow_xml(
    d: &TvDetails,
    art: &ChosenArt,
    language: &str,
    image_url: &dyn Fn(&str) -> String,
) -> io::Result<String> {
    let mut w = start_doc()?;
    open(&mut w, "tvshow")?;
    let title = if d.name.trim().is_empty() {
        &d.original_name
    } else {
        &d.name
    };
    text(&mut w, "title", title)?;
    text(&mut w, "originaltitle", &d.original_name)?;
    text(&mut w, "showtitle", title)?;
    text(&mut w, "sorttitle", title)?;
    if let Some(y) = year_of(&d.first_air_date) {
        text(&mut w, "year", &y.to_string())?;
    }
    ratings(&mut w, d.vote_average, d.vote_count)?;
    text(&mut w, "plot", &d.overview)?;
    text(&mut w, "outline", &d.overview)?;
    text(&mut w, "tagline", &d.tagline)?;
    if let Some(m) = runtime(d) {
        text(&mut w, "runtime", &m.to_string())?;
    }
    if let Some(p) = &art.poster {
        text_attrs(&mut w, "thumb", &[("aspect", "poster")], &image_url(p))?;
    }
    if let Some(l) = &art.logo {
        text_attrs(&mut w, "thumb", &[("aspect", "clearlogo")], &image_url(l))?;
    }
    for s in &d.seasons {
        if let Some(p) = s.poster_path.as_deref().filter(|p| !p.is_empty()) {
            let n = s.season_number.to_string();
            text_attrs(
                &mut w,
                "thumb",
                &[("aspect", "poster"), ("type", "season"), ("season", &n)],
                &image_url(p),
            )?;
        }
    }
    if !art.backdrops.is_empty() {
        open(&mut w, "fanart")?;
        for b in &art.backdrops {
            text(&mut w, "thumb", &image_url(b))?;
        }
        close(&mut w, "fanart")?;
    }
    if let Some(m) = mpaa(d, language) {
        text(&mut w, "mpaa", &m)?;
    }
    text(&mut w, "episodeguide", &episode_guide(d))?;
    text_attrs(
        &mut w,
        "uniqueid",
        &[("type", "tmdb"), ("default", "true")],
        &d.id.to_string(),
    )?;
    if let Some(imdb) = &d.external_ids.imdb_id {
        text_attrs(&mut w, "uniqueid", &[("type", "imdb")], imdb)?;
    }
    if let Some(tvdb) = d.external_ids.tvdb_id {
        text_attrs(&mut w, "uniqueid", &[("type", "tvdb")], &tvdb.to_string())?;
    }
    for g in &d.genres {
        text(&mut w, "genre", &g.name)?;
    }
    for c in &d.origin_country {
        text(&mut w, "country", c)?;
    }
    for k in &d.keywords.results {
        text(&mut w, "tag", &k.name)?;
    }
    for c in &d.created_by {
        text(&mut w, "credits", &c.name)?;
    }
    text(&mut w, "premiered", &d.first_air_date)?;
    let status = jellyfin_status(&d.status);
    if let Some(s) = status {
        text(&mut w, "status", s)?;
    }
    if status == Some("Ended") {
        text(&mut w, "enddate", &d.last_air_date)?;
    }
    for n in &d.networks {
        text(&mut w, "studio", &n.name)?;
    }
    for a in &d.credits.cast {
        if a.name.trim().is_empty() {
            continue;
        }
        open(&mut w, "actor")?;
        text(&mut w, "name", &a.name)?;
        text(&mut w, "role", &a.character)?;
        text(&mut w, "order", &a.order.to_string())?;
        if let Some(p) = a.profile_path.as_deref().filter(|p| !p.is_empty()) {
            text(&mut w, "thumb", &image_url(p))?;
        }
        close(&mut w, "actor")?;
    }
    for s in &d.seasons {
        text_attrs(
            &mut w,
            "namedseason",
            &[("number", &s.season_number.to_string())],
            &s.name,
        )?;
    }
    close(&mut w, "tvshow")?;
    Ok(finish(w))
}

/// Kodi v19+ `<episodeguide>` JSON of the ids.
fn episode_guide(d: &TvDetails) -> String {
    let mut m = serde_json::Map::new();
    m.insert("tmdb".into(), d.id.to_string().into());
    if let Some(i) = &d.external_ids.imdb_id {
        m.insert("imdb".into(), i.clone().into());
    }
    if let Some(t) = d.external_ids.tvdb_id {
        m.insert("tvdb".into(), t.to_string().into());
    }
    serde_json::Value::Object(m).to_string()
}

/// Renders `season.nfo` (Jellyfin) for one season.
pub fn render_season(s: &SeasonSummary, image_url: &dyn Fn(&str) -> String) -> String {
    let build = || -> io::Result<String> {
        let mut w = start_doc()?;
        open(&mut w, "season")?;
        text(&mut w, "title", &s.name)?;
        text(&mut w, "seasonnumber", &s.season_number.to_string())?;
        text(&mut w, "plot", &s.overview)?;
        if let Some(a) = &s.air_date {
            text(&mut w, "premiered", a)?;
            if let Some(y) = year_of(a) {
                text(&mut w, "year", &y.to_string())?;
            }
        }
        if let Some(p) = s.poster_path.as_deref().filter(|p| !p.is_empty()) {
            text_attrs(&mut w, "thumb", &[("aspect", "poster")], &image_url(p))?;
        }
        close(&mut w, "season")?;
        Ok(finish(w))
    };
    build()
        .unwrap_or_else(|_| String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<season/>\n"))
}

/// Renders an episode NFO (`<episodedetails>`).
pub fn render_episode(
    show_title: &str,
    e: &EpisodeDetails,
    image_url: &dyn Fn(&str) -> String,
) -> String {
    let build = || -> io::Result<String> {
        let mut w = start_doc()?;
        open(&mut w, "episodedetails")?;
        let title = if e.name.trim().is_empty() {
            format!("Episode {}", e.episode_number)
        } else {
            e.name.clone()
        };
        text(&mut w, "title", &title)?;
        text(&mut w, "showtitle", show_title)?;
        text(&mut w, "season", &e.season_number.to_string())?;
        text(&mut w, "episode", &e.episode_number.to_string())?;
        text(&mut w, "plot", &e.overview)?;
        if let Some(a) = &e.air_date {
            text(&mut w, "aired", a)?;
            text(&mut w, "premiered", a)?;
        }
        if let Some(r) = e.runtime.filter(|&r| r > 0) {
            text(&mut w, "runtime", &r.to_string())?;
        }
        ratings(&mut w, e.vote_average, e.vote_count)?;
        text_attrs(
            &mut w,
            "uniqueid",
            &[("type", "tmdb"), ("default", "true")],
            &e.id.to_string(),
        )?;
        if let Some(p) = e.still_path.as_deref().filter(|p| !p.is_empty()) {
            text(&mut w, "thumb", &image_url(p))?;
        }
        close(&mut w, "episodedetails")?;
        Ok(finish(w))
    };
    build().unwrap_or_else(|_| {
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<episodedetails/>\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tmdb::model::{ContentRating, Results};

    #[test]
    fn status_mapping() {
        assert_eq!(jellyfin_status("Returning Series"), Some("Continuing"));
        assert_eq!(jellyfin_status("Canceled"), Some("Ended"));
        assert_eq!(jellyfin_status("Planned"), Some("Unreleased"));
        assert_eq!(jellyfin_status("Something"), None);
    }

    #[test]
    fn mpaa_prefers_language_country_then_us() {
        let mut d = TvDetails {
            content_ratings: Results {
                results: vec![
                    ContentRating {
                        iso_3166_1: "US".into(),
                        rating: "TV-14".into(),
                    },
                    ContentRating {
                        iso_3166_1: "DE".into(),
                        rating: "16".into(),
                    },
                ],
            },
            ..TvDetails::default()
        };
        assert_eq!(mpaa(&d, "de-DE").as_deref(), Some("FSK-16"));
        assert_eq!(mpaa(&d, "fr-FR").as_deref(), Some("TV-14"));
        d.content_ratings.results.clear();
        assert_eq!(mpaa(&d, "de-DE"), None);
    }

    #[test]
    fn control_characters_are_dropped_and_text_escaped() {
        let d = TvDetails {
            id: 7,
            name: "A & B <C> \"q\" 'x'\u{1}".into(),
            ..TvDetails::default()
        };
        let xml = render_tvshow(&d, &ChosenArt::default(), "de-DE", &|p| p.to_owned());
        assert!(xml.contains("<title>A &amp; B &lt;C&gt;"));
        assert!(!xml.contains('\u{1}'));
        roxmltree::Document::parse(&xml).unwrap();
    }
}
