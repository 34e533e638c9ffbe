//! Media servers: they learn about each new or replaced file, never through a full scan.
//!
//! - Jellyfin (and Emby): `POST /Library/Media/Updated` with the file's path as the server sees
//!   it (`path_map`) and `X-Emby-Token`; a test reads `/System/Info` with the key.
//! - Plex: `GET /library/sections` (`X-Plex-Token`, JSON) to find the section whose location
//!   holds the file's folder, then `GET /library/sections/<key>/refresh?path=<folder>`: a
//!   partial scan of that folder only. A test reads the sections.

use serde_json::{Value, json};

use crate::deliver::{Deliverer, DeliveryError};
use crate::message::Notification;
use crate::target::{PathMap, Target};

/// Tells the media server about the notification's new files (a test checks the credentials).
pub(crate) fn refresh(
    d: &Deliverer,
    target: &Target,
    n: &Notification,
) -> Result<(), DeliveryError> {
    let is_test = n.event == "test";
    match target {
        Target::Jellyfin {
            url,
            api_key,
            path_map,
        } => {
            let auth = [("X-Emby-Token", api_key.as_str())];
            if is_test {
                return d
                    .get("Jellyfin", &format!("{url}/System/Info"), &auth)
                    .map(drop);
            }
            let updates: Vec<Value> = n
                .new_files()
                .into_iter()
                .map(|p| {
                    let kind = if n.event == "episode_upgraded" {
                        "Modified"
                    } else {
                        "Created"
                    };
                    json!({"Path": path_map.apply(p), "UpdateType": kind})
                })
                .collect();
            if updates.is_empty() {
                return Ok(());
            }
            let body = json!({ "Updates": updates }).to_string().into_bytes();
            d.post(
                "Jellyfin",
                &format!("{url}/Library/Media/Updated"),
                &auth,
                "application/json",
                body,
            )
            .map(drop)
        }
        Target::Plex {
            url,
            token,
            path_map,
        } => plex(d, url, token, path_map, n, is_test),
        _ => Ok(()),
    }
}

fn plex(
    d: &Deliverer,
    url: &str,
    token: &str,
    path_map: &PathMap,
    n: &Notification,
    is_test: bool,
) -> Result<(), DeliveryError> {
    let headers = [("X-Plex-Token", token), ("Accept", "application/json")];
    let files = n.new_files();
    if files.is_empty() && !is_test {
        return Ok(());
    }
    let text = d.get("Plex", &format!("{url}/library/sections"), &headers)?;
    let sections: Value = serde_json::from_str(&text).map_err(|e| {
        DeliveryError::permanent(format!("Plex sent sections that are not JSON: {e}"))
    })?;
    let sections = section_locations(&sections);
    let mut folders: Vec<String> = files.iter().map(|p| path_map.apply(&parent(p))).collect();
    folders.dedup();
    for folder in folders {
        let key = sections
            .iter()
            .filter(|(_, loc)| holds(loc, &folder))
            .max_by_key(|(_, loc)| loc.len())
            .map(|(key, _)| key.clone())
            .ok_or_else(|| {
                DeliveryError::permanent(format!(
                    "no Plex library section holds {folder} (check path_map)"
                ))
            })?;
        let refresh = format!(
            "{url}/library/sections/{}/refresh?path={}",
            encode(&key),
            encode(&folder)
        );
        d.get("Plex", &refresh, &headers)?;
    }
    Ok(())
}

/// (section key, location path) of every section location in Plex's `/library/sections` JSON.
fn section_locations(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let dirs = v["MediaContainer"]["Directory"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for dir in dirs {
        let key = match &dir["key"] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        for loc in dir["Location"].as_array().into_iter().flatten() {
            if let Some(path) = loc["path"].as_str() {
                out.push((key.clone(), path.trim_end_matches('/').to_string()));
            }
        }
    }
    out
}

/// Whether `folder` lies in `location`.
fn holds(location: &str, folder: &str) -> bool {
    folder
        .strip_prefix(location)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The folder of a file path.
fn parent(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((dir, _)) if !dir.is_empty() => dir.to_string(),
        _ => path.to_string(),
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986) and `/`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_holding_a_folder_is_found_by_whole_path_parts() {
        let v = json!({"MediaContainer": {"Directory": [
            {"key": "1", "title": "Movies", "Location": [{"id": 1, "path": "/media/movies"}]},
            {"key": 2, "title": "Anime", "Location": [{"id": 2, "path": "/media/anime/"}]}
        ]}});
        let s = section_locations(&v);
        assert_eq!(
            s,
            [
                ("1".into(), "/media/movies".into()),
                ("2".into(), "/media/anime".into())
            ]
        );
        assert!(holds("/media/anime", "/media/anime/A/Season 01"));
        assert!(!holds("/media/anime", "/media/animex/A"));
        assert_eq!(
            parent("/media/anime/A/Season 01/x.mp4"),
            "/media/anime/A/Season 01"
        );
        assert_eq!(encode("/a b/Ä&"), "/a%20b/%C3%84%26");
    }
}
