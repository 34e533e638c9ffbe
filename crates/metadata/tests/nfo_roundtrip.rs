//! Every written tvshow.nfo parses as XML, carries the Kodi/Jellyfin fields, and round-trips
//! through the reader, including titles with `&`, `<`, quotes and Japanese characters.

mod common;

use std::fs;

use aniworld_metadata::{CreateRequest, MetadataService, read_nfo};
use common::{FakeTmdb, Show};
use roxmltree::{Document, Node};

/// `aspect`, `type`, `season` and URL of a `<thumb>`.
type Thumb<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, String);

fn texts<'a>(root: Node<'a, 'a>, name: &str) -> Vec<String> {
    root.children()
        .filter(|c| c.has_tag_name(name))
        .map(|c| c.text().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn tvshow_nfo_has_every_field_and_round_trips() {
    let title = "Tom & Jerry's <\"Abenteuer\"> 冒険";
    let mut s = Show::new(1001, title, "2020-01-05");
    s.original_name = "トムとジェリー「冒険」 & <co>".into();
    s.status = "Ended".into();
    let f = FakeTmdb::start(vec![s]);
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("Tom & Jerry (2020)");
    fs::create_dir_all(&dir).unwrap();
    let svc = MetadataService::new(f.settings());
    let req = CreateRequest {
        name: Some(title.into()),
        year: Some(2020),
        ..CreateRequest::default()
    };
    let out = svc.create(&dir, &req).unwrap();
    assert_eq!(out.title, title);

    let raw = fs::read(dir.join("tvshow.nfo")).unwrap();
    let xml = String::from_utf8(raw).expect("UTF-8");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"));
    let doc = Document::parse(&xml).expect("well-formed XML");
    let tv = doc.root_element();
    assert_eq!(tv.tag_name().name(), "tvshow");
    let one = |n: &str| {
        let v = texts(tv, n);
        assert_eq!(v.len(), 1, "<{n}> once in\n{xml}");
        v[0].clone()
    };

    assert_eq!(one("title"), title);
    assert_eq!(one("originaltitle"), "トムとジェリー「冒険」 & <co>");
    assert_eq!(one("showtitle"), title);
    assert_eq!(one("sorttitle"), title);
    assert_eq!(one("year"), "2020");
    assert_eq!(one("plot"), format!("Deutsche Beschreibung von {title}."));
    assert_eq!(one("outline"), one("plot"));
    assert_eq!(one("runtime"), "24");
    assert_eq!(one("mpaa"), "FSK-16");
    assert_eq!(one("premiered"), "2020-01-05");
    assert_eq!(one("status"), "Ended");
    assert_eq!(one("enddate"), "2023-12-22");
    assert_eq!(texts(tv, "studio"), ["AT-X"]);
    assert_eq!(texts(tv, "genre"), ["Animation", "Action & Adventure"]);
    assert_eq!(texts(tv, "country"), ["JP"]);
    assert_eq!(texts(tv, "tag"), ["anime", "dark fantasy"]);
    assert_eq!(texts(tv, "credits"), ["Kumo Kagyu"]);

    let rating = tv.descendants().find(|n| n.has_tag_name("rating")).unwrap();
    assert_eq!(rating.attribute("name"), Some("tmdb"));
    assert_eq!(rating.attribute("max"), Some("10"));
    assert_eq!(rating.attribute("default"), Some("true"));
    assert_eq!(texts(rating, "value"), ["7.9"]);
    assert_eq!(texts(rating, "votes"), ["1350"]);

    let ids: Vec<(String, Option<String>, String)> = tv
        .children()
        .filter(|c| c.has_tag_name("uniqueid"))
        .map(|c| {
            (
                c.attribute("type").unwrap().to_owned(),
                c.attribute("default").map(str::to_owned),
                c.text().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("tmdb".into(), Some("true".into()), "1001".into()),
            ("imdb".into(), None, "tt0001001".into()),
            ("tvdb".into(), None, "101001".into()),
        ]
    );
    let guide: serde_json::Value = serde_json::from_str(&one("episodeguide")).unwrap();
    assert_eq!(guide["tmdb"], "1001");

    let image = |p: &str| format!("{}/t/p/original{p}", f.images.url());
    let thumbs: Vec<Thumb> = tv
        .children()
        .filter(|c| c.has_tag_name("thumb"))
        .map(|c| {
            (
                c.attribute("aspect"),
                c.attribute("type"),
                c.attribute("season"),
                c.text().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        thumbs,
        [
            (Some("poster"), None, None, image("/1001-poster.jpg")),
            (Some("clearlogo"), None, None, image("/1001-logo.png")),
            (
                Some("poster"),
                Some("season"),
                Some("0"),
                image("/1001-season0.jpg")
            ),
            (
                Some("poster"),
                Some("season"),
                Some("1"),
                image("/1001-season1.jpg")
            ),
        ]
    );
    let fanart = tv.children().find(|c| c.has_tag_name("fanart")).unwrap();
    assert_eq!(
        texts(fanart, "thumb"),
        [image("/1001-fanart.jpg"), image("/1001-en-fanart.jpg")]
    );

    let actors: Vec<Node> = tv.children().filter(|c| c.has_tag_name("actor")).collect();
    assert_eq!(actors.len(), 2);
    assert_eq!(texts(actors[0], "name"), ["Yūichirō Umehara"]);
    assert_eq!(texts(actors[0], "role"), ["Goblin Slayer"]);
    assert_eq!(texts(actors[0], "order"), ["0"]);
    assert_eq!(texts(actors[0], "thumb"), [image("/actor1.jpg")]);
    assert!(texts(actors[1], "thumb").is_empty());

    let seasons: Vec<(String, String)> = tv
        .children()
        .filter(|c| c.has_tag_name("namedseason"))
        .map(|c| {
            (
                c.attribute("number").unwrap().to_owned(),
                c.text().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seasons,
        [
            ("0".into(), "Specials".into()),
            ("1".into(), "Staffel 1".into())
        ]
    );

    let info = read_nfo(&dir.join("tvshow.nfo")).unwrap();
    assert_eq!(info.title.as_deref(), Some(title));
    assert_eq!(info.year, Some(2020));
    assert_eq!(info.tmdb_id, Some(1001));
    assert_eq!(info.imdb_id.as_deref(), Some("tt0001001"));
    assert_eq!(info.tvdb_id, Some(101001));
}

#[test]
fn reader_rejects_a_broken_file_with_its_path() {
    let root = tempfile::tempdir().unwrap();
    let p = root.path().join("tvshow.nfo");
    fs::write(&p, "<tvshow><title>Cut off").unwrap();
    match read_nfo(&p) {
        Err(aniworld_metadata::MetadataError::InvalidNfo { path, reason }) => {
            assert_eq!(path, p);
            assert!(!reason.is_empty());
        }
        other => panic!("expected InvalidNfo, got {other:?}"),
    }
}
