//! The catalogue parsers on fixture pages shaped like the real ones (full page chrome,
//! entities, Unicode titles, a series with movies, an episode without some languages, an
//! unexpected layout, a not-found page, both search answers).

use aniworld_core::{EpisodeId, Language};
use aniworld_provider::ProviderError;
use aniworld_provider::catalogue::{
    CatalogueUrls, parse_ajax_search, parse_episode_page, parse_json_array, parse_season_page,
    parse_series_page, parse_series_search,
};

const BASE: &str = "https://aniworld.to";
const DS: &str = "demon-slayer-kimetsu-no-yaiba";

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/catalogue/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn urls() -> CatalogueUrls {
    CatalogueUrls::new(BASE).unwrap()
}

#[test]
fn series_with_movies() {
    let url = format!("{BASE}/anime/stream/{DS}");
    let p = parse_series_page(&fixture("series_with_movies.html"), &url, DS, &urls()).unwrap();
    assert_eq!(p.key, DS);
    assert_eq!(p.title, "Demon Slayer: Kimetsu no Yaiba");
    assert_eq!(
        p.alt_titles,
        vec![
            "Kimetsu no Yaiba",
            "鬼滅の刃",
            "Demon Slayer",
            "Истребитель демонов"
        ]
    );
    assert_eq!(p.start_year, Some(2019));
    assert_eq!(p.end_year, None, "\"Heute\" means still running");
    let d = p.description.unwrap();
    assert!(
        d.starts_with("Japan in der Taishō-Zeit: Tanjirō Kamado"),
        "{d}"
    );
    assert!(
        d.contains("„Dämonenjäger“") && d.contains("Menschen zurückzuverwandeln & den Mörder"),
        "{d}"
    );
    assert!(d.contains("\"finale Auslese\""), "{d}");
    assert!(d.ends_with("Vorlage: Manga von Koyoharu Gotōge."), "{d}");
    assert!(!d.contains("mehr anzeigen") && !d.contains("<br>"), "{d}");
    assert_eq!(
        p.genres,
        vec!["Action", "Abenteuer", "Drama", "Fantasy", "Historisch"]
    );
    assert_eq!(
        p.cover_url.as_deref(),
        Some(
            "https://aniworld.to/public/img/cover/demon-slayer-kimetsu-no-yaiba-stream-cover-8HnbVDtS2bmnVJ0LQpl3LbEN2W6OmL5T_220x330.jpg"
        )
    );
    assert_eq!(p.imdb_id.as_deref(), Some("tt9335498"));
    assert_eq!(p.fsk, Some(16));
    assert_eq!(p.seasons, vec![1, 2, 3, 4, 5]);
    assert!(p.has_movies);
}

#[test]
fn ended_series_without_movies() {
    let url = format!("{BASE}/anime/stream/attack-on-titan");
    let p = parse_series_page(
        &fixture("series_ended.html"),
        &url,
        "attack-on-titan",
        &urls(),
    )
    .unwrap();
    assert_eq!(p.title, "Attack on Titan");
    assert_eq!(
        p.alt_titles,
        vec!["Shingeki no Kyojin", "進撃の巨人", "L'Attaque des Titans"]
    );
    assert_eq!((p.start_year, p.end_year), (Some(2013), Some(2023)));
    assert!(
        p.description
            .as_deref()
            .unwrap()
            .contains("Mauern verschanzt & leben seitdem in Frieden – bis")
    );
    assert_eq!(p.genres, vec!["Action", "Drama", "Fantasy", "Horror"]);
    assert!(p.cover_url.unwrap().ends_with("_220x330.png"));
    assert_eq!(p.seasons, vec![1, 2, 3, 4]);
    assert!(!p.has_movies);
}

#[test]
fn season_page_lists_episodes_with_both_titles() {
    let url = format!("{BASE}/anime/stream/{DS}/staffel-1");
    let eps = parse_season_page(&fixture("season_page.html"), &url, DS, 1).unwrap();
    assert_eq!(eps.len(), 26);
    assert_eq!(
        eps.iter().map(|e| e.id.episode).collect::<Vec<_>>(),
        (1..=26).collect::<Vec<_>>()
    );
    assert!(eps.iter().all(|e| e.id.season == 1));
    assert_eq!(eps[0].title_de.as_deref(), Some("Grausamkeit"));
    assert_eq!(eps[0].title_en.as_deref(), Some("Cruelty"));
    assert_eq!(
        eps[13].title_de.as_deref(),
        Some("Das \"Wisteria\"-Haus"),
        "twice-encoded entities"
    );
    assert_eq!(
        eps[16].title_de.as_deref(),
        Some("Beherrsche eine Sache & perfektioniere sie")
    );
    assert_eq!(eps[19].title_de.as_deref(), Some("Die \"Familie\""));
    assert_eq!(eps[24].title_de, None, "empty German title");
    assert_eq!(eps[24].title_en.as_deref(), Some("Tsuguko, Kanao Tsuyuri"));
}

#[test]
fn movies_page_numbers_from_film_links() {
    let url = format!("{BASE}/anime/stream/{DS}/filme");
    let films = parse_season_page(&fixture("movies_page.html"), &url, DS, 0).unwrap();
    assert_eq!(films.len(), 3);
    assert_eq!(films[0].id, EpisodeId::new(0, 1));
    assert_eq!(films[2].id, EpisodeId::new(0, 3));
    assert_eq!(films[0].title_de, None);
    assert_eq!(
        films[0].title_en.as_deref(),
        Some("Demon Slayer: Kimetsu no Yaiba – The Movie: Mugen Train")
    );
}

#[test]
fn episode_page_with_all_languages() {
    let url = format!("{BASE}/anime/stream/{DS}/staffel-1/episode-1");
    let links =
        parse_episode_page(&fixture("episode_all_languages.html"), &url, "e", &urls()).unwrap();
    let summary: Vec<(Language, &str, &str)> = links
        .iter()
        .map(|l| (l.language, l.hoster.as_str(), l.redirect_url.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                Language::GermanDub,
                "VOE",
                "https://aniworld.to/redirect/2738955"
            ),
            (
                Language::GermanDub,
                "Filemoon",
                "https://aniworld.to/redirect/2738956"
            ),
            (
                Language::GermanDub,
                "Vidmoly",
                "https://aniworld.to/redirect/2738957"
            ),
            (
                Language::GermanDub,
                "Doodstream",
                "https://aniworld.to/redirect/2738958"
            ),
            (
                Language::EnglishSub,
                "VOE",
                "https://aniworld.to/redirect/2738960"
            ),
            (
                Language::EnglishSub,
                "Filemoon",
                "https://aniworld.to/redirect/2738961"
            ),
            (
                Language::GermanSub,
                "VOE",
                "https://aniworld.to/redirect/2738970"
            ),
            (
                Language::GermanSub,
                "Vidoza",
                "https://aniworld.to/redirect/2738971"
            ),
        ],
        "the duplicate VOE link of key 3 appears once"
    );
}

#[test]
fn episode_page_with_some_languages_missing() {
    let url = format!("{BASE}/anime/stream/attack-on-titan/staffel-4/episode-30");
    let links =
        parse_episode_page(&fixture("episode_some_languages.html"), &url, "e", &urls()).unwrap();
    assert!(links.iter().all(|l| l.language != Language::GermanDub));
    let sub_de: Vec<&str> = links
        .iter()
        .filter(|l| l.language == Language::GermanSub)
        .map(|l| l.hoster.as_str())
        .collect();
    let sub_en: Vec<&str> = links
        .iter()
        .filter(|l| l.language == Language::EnglishSub)
        .map(|l| l.hoster.as_str())
        .collect();
    assert_eq!(sub_de, vec!["VOE", "Filemoon"]);
    assert_eq!(sub_en, vec!["VOE", "Luluvdo", "LoadX"]);
}

#[test]
fn movie_episode_page() {
    let url = format!("{BASE}/anime/stream/{DS}/filme/film-1");
    let links = parse_episode_page(&fixture("episode_movie.html"), &url, "m", &urls()).unwrap();
    assert_eq!(links.len(), 2);
    assert_eq!(links[1].hoster, "Streamtape");
    assert_eq!(links[1].language, Language::GermanDub);
}

#[test]
fn language_map_comes_from_the_page() {
    // A page whose box maps key 2 to German subtitles must be read as such.
    let html = r#"<html><body><div class="hosterSiteVideo">
        <div class="changeLanguageBox">
          <img data-lang-key="2" src="/public/img/japanese-german.svg" title="mit Untertitel Deutsch">
        </div>
        <ul class="row"><li data-lang-key="2" data-link-target="/redirect/9"><a class="watchEpisode" href="/redirect/9"><h4>VOE</h4></a></li>
        <li data-lang-key="7" data-link-target="/redirect/10"><h4>VOE</h4></li></ul></div></body></html>"#;
    let links = parse_episode_page(html, "u", "e", &urls()).unwrap();
    assert_eq!(links.len(), 1, "unknown key 7 is skipped");
    assert_eq!(links[0].language, Language::GermanSub);
}

#[test]
fn unexpected_layout_is_a_typed_error() {
    let html = fixture("unexpected_layout.html");
    let url = format!("{BASE}/anime/stream/frieren");
    let err = parse_series_page(&html, &url, "frieren", &urls()).unwrap_err();
    assert!(matches!(err, ProviderError::Layout { .. }), "{err:?}");
    assert!(matches!(
        parse_season_page(&html, &url, "frieren", 1),
        Err(ProviderError::Layout { .. })
    ));
    assert!(matches!(
        parse_episode_page(&html, &url, "e", &urls()),
        Err(ProviderError::Layout { .. })
    ));
    // A page with a title but no season navigation says so.
    let no_nav = r#"<div class="series-title"><h1 itemprop="name"><span>X</span></h1></div>"#;
    let err =
        parse_series_page(no_nav, "https://aniworld.to/anime/stream/x", "x", &urls()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unexpected page layout: no season navigation on https://aniworld.to/anime/stream/x"
    );
}

#[test]
fn not_found_page() {
    let html = fixture("not_found.html");
    for err in [
        parse_series_page(&html, "u", "nope", &urls()).unwrap_err(),
        parse_season_page(&html, "u", "nope", 2).unwrap_err(),
        parse_episode_page(&html, "u", "e", &urls()).unwrap_err(),
    ] {
        assert!(matches!(err, ProviderError::NotFound { .. }), "{err:?}");
    }
}

#[test]
fn garbage_never_panics() {
    for html in [
        "",
        "<",
        "<html><div class=\"series-title\"><h1><span>",
        "\u{0}\u{feff}<table class=\"seasonEpisodesList\"><tbody><tr data-episode-season-id=\"x\"></tr></tbody></table>",
        "<div class=\"hosterSiteVideo\"><li data-lang-key=\"1\"></li></div>",
    ] {
        let _ = parse_series_page(html, "u", "k", &urls());
        let _ = parse_season_page(html, "u", "k", 1);
        let _ = parse_episode_page(html, "u", "e", &urls());
    }
    let eps = parse_season_page(
        "<table class=\"seasonEpisodesList\"><tbody><tr data-episode-season-id=\"x\"></tr></tbody></table>",
        "u",
        "k",
        1,
    )
    .unwrap();
    assert!(eps.is_empty());
}

#[test]
fn ajax_search_answer() {
    let items = parse_json_array(&fixture("search_ajax.json")).unwrap();
    let hits = parse_ajax_search(&items, &urls());
    let keys: Vec<&str> = hits.iter().map(|h| h.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            DS,
            "the-demon-girl-next-door",
            "demon-lord-retry-r",
            "das-demon-koenigreich"
        ]
    );
    assert_eq!(hits[0].name, "Demon Slayer: Kimetsu no Yaiba");
    assert_eq!(hits[0].link, format!("{BASE}/anime/stream/{DS}"));
    assert!(
        hits[0]
            .description
            .as_deref()
            .unwrap()
            .starts_with("Japan in der Taishō-Zeit: Tanjirō")
    );
    assert_eq!(
        hits[1].description.as_deref(),
        Some("Yuko Yoshida erwacht eines Morgens mit Hörnern & einem Schwanz.")
    );
    assert_eq!(
        hits[2].description.as_deref(),
        Some("Hakuto Kunai 's zweite Chance")
    );
    assert_eq!(hits[3].name, "Das \"Demon\" Königreich");
    assert_eq!(hits[3].description, None);
}

#[test]
fn series_search_answer_with_bom_and_controls() {
    let body = fixture("series_search.json");
    assert!(body.starts_with('\u{feff}'));
    let items = parse_json_array(&body).unwrap();
    let hits = parse_series_search(&items, &urls());
    assert_eq!(hits.len(), 3, "the duplicate is dropped");
    assert_eq!(hits[0].key, DS);
    assert_eq!(hits[0].year, Some(2019));
    assert_eq!(hits[1].year, Some(2019));
    assert_eq!(hits[2].year, Some(2024));
    assert_eq!(
        hits[1].description.as_deref(),
        Some("Yuko Yoshida & Momo Chiyoda")
    );
    assert_eq!(
        hits[2].description.as_deref(),
        Some("Hakuto Kunai's zweite Chance")
    );
    assert_eq!(
        hits[2].cover_url.as_deref(),
        Some(
            "https://aniworld.to/public/img/cover/demon-lord-retry-r-stream-cover-Zp0aQ7_150x225.png"
        )
    );
    assert_eq!(
        hits[2].link,
        format!("{BASE}/anime/stream/demon-lord-retry-r")
    );
}
