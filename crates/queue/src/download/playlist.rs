//! HLS playlists: choosing the best variant of a master playlist and turning a media playlist
//! into a plan of absolute segment requests (keys, IVs, init sections, byte ranges).

use std::collections::HashMap;
use std::sync::Arc;

use m3u8_rs::{
    AlternativeMedia, AlternativeMediaType, ByteRange, KeyMethod, MasterPlaylist, MediaPlaylist,
    MediaPlaylistType, VariantStream,
};
use url::Url;

use super::DownloadError;

/// An AES-128 key to apply to a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeySpec {
    /// Where the 16 key bytes are.
    pub uri: Url,
    /// The explicit IV, when the playlist gives one.
    pub iv: Option<[u8; 16]>,
}

/// An `EXT-X-MAP` init section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MapSpec {
    /// Where it is.
    pub uri: Url,
    /// Byte range as (start, length).
    pub range: Option<(u64, u64)>,
    /// The key in force where the map appears (used only with an explicit IV).
    pub key: Option<Arc<KeySpec>>,
}

/// One media segment to fetch.
#[derive(Debug, Clone)]
pub(crate) struct SegmentSpec {
    /// Absolute URI.
    pub uri: Url,
    /// Byte range as (start, length).
    pub range: Option<(u64, u64)>,
    /// Decryption key, when encrypted.
    pub key: Option<Arc<KeySpec>>,
    /// Media sequence number (the default IV).
    pub sequence: u64,
    /// Index into [`MediaPlan::maps`] of the init section in force.
    pub map: Option<usize>,
}

/// Everything needed to fetch a media playlist's segments.
#[derive(Debug, Clone)]
pub(crate) struct MediaPlan {
    /// The media playlist's URL (after redirects).
    pub url: Url,
    /// Segments in playback order.
    pub segments: Vec<SegmentSpec>,
    /// Distinct init sections.
    pub maps: Vec<MapSpec>,
    /// Sum of the segment durations in seconds.
    pub duration: f64,
}

/// The variant with the greatest height not above `max_height` (then the greatest bandwidth);
/// I-frame playlists are ignored; variants without RESOLUTION rank by bandwidth alone. When every
/// variant is above the cap, the smallest one is taken.
pub(crate) fn choose_variant(
    master: &MasterPlaylist,
    max_height: Option<u32>,
) -> Option<&VariantStream> {
    let usable: Vec<&VariantStream> = master
        .variants
        .iter()
        .filter(|v| !v.is_i_frame && !v.uri.trim().is_empty())
        .collect();
    let height = |v: &VariantStream| v.resolution.map_or(0, |r| r.height);
    let bandwidth = |v: &VariantStream| v.average_bandwidth.unwrap_or(v.bandwidth).max(v.bandwidth);
    let under_cap = |v: &&VariantStream| max_height.is_none_or(|cap| height(v) <= u64::from(cap));
    usable
        .iter()
        .copied()
        .filter(under_cap)
        .max_by_key(|v| (height(v), bandwidth(v)))
        .or_else(|| {
            usable
                .iter()
                .copied()
                .min_by_key(|v| (height(v), std::cmp::Reverse(bandwidth(v))))
        })
}

/// The audio rendition to play with `variant`: among the `EXT-X-MEDIA` audio renditions of the
/// variant's `AUDIO` group, the first whose `LANGUAGE` starts with one of `languages`, else the
/// `DEFAULT=YES` one, else the `AUTOSELECT=YES` one, else the first. None when the variant names
/// no audio group or the group is empty. A rendition without `URI` is carried in the variant's
/// own segments (muxed); one with a `URI` is a playlist of its own.
pub(crate) fn choose_audio<'a>(
    master: &'a MasterPlaylist,
    variant: &VariantStream,
    languages: &[&str],
) -> Option<&'a AlternativeMedia> {
    let group = variant.audio.as_deref()?;
    let renditions: Vec<&AlternativeMedia> = master
        .alternatives
        .iter()
        .filter(|a| a.media_type == AlternativeMediaType::Audio && a.group_id == group)
        .collect();
    let speaks = |a: &&AlternativeMedia| {
        a.language.as_deref().is_some_and(|l| {
            let l = l.to_ascii_lowercase();
            languages.iter().any(|want| {
                l == *want
                    || l.starts_with(&format!("{want}-"))
                    || l.starts_with(&format!("{want}_"))
            })
        })
    };
    renditions
        .iter()
        .copied()
        .find(speaks)
        .or_else(|| renditions.iter().copied().find(|a| a.default))
        .or_else(|| renditions.iter().copied().find(|a| a.autoselect))
        .or_else(|| renditions.first().copied())
}

/// Whether a media playlist is complete: it ends with `#EXT-X-ENDLIST`, or is of type VOD
/// (which cannot change). Anything else is a live or still growing (EVENT) stream.
pub(crate) fn is_complete(pl: &MediaPlaylist) -> bool {
    pl.end_list || pl.playlist_type == Some(MediaPlaylistType::Vod)
}

fn parse_iv(iv: &str) -> Option<[u8; 16]> {
    let hex = iv.trim();
    let hex = hex
        .strip_prefix("0x")
        .or_else(|| hex.strip_prefix("0X"))
        .unwrap_or(hex);
    if hex.is_empty() || hex.len() > 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let padded = format!("{hex:0>32}");
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&padded[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

/// Parses a playlist. `#EXT-X-KEY:METHOD=NONE` without an IV (the usual form) is given a dummy
/// IV first, because the parser rejects it otherwise and would keep the previous key in force.
pub(crate) fn parse(data: &[u8]) -> Result<m3u8_rs::Playlist, String> {
    let text = String::from_utf8_lossy(data);
    let fixed: String = text
        .lines()
        .map(|line| {
            let t = line.trim_end();
            if t.starts_with("#EXT-X-KEY:") && t.contains("METHOD=NONE") && !t.contains("IV=") {
                format!("{t},IV=0x0\n")
            } else {
                format!("{t}\n")
            }
        })
        .collect();
    m3u8_rs::parse_playlist_res(fixed.as_bytes()).map_err(|e| e.to_string())
}

/// Resolves `uri` against the playlist URL (after redirects).
pub(crate) fn join(base: &Url, uri: &str, what: &str) -> Result<Url, DownloadError> {
    base.join(uri.trim()).map_err(|e| DownloadError::Playlist {
        url: base.to_string(),
        what: format!("bad {what} URI {uri:?}: {e}"),
    })
}

/// Turns a media playlist at `base` into a [`MediaPlan`].
pub(crate) fn plan_media(pl: &MediaPlaylist, base: &Url) -> Result<MediaPlan, DownloadError> {
    let mut key: Option<Arc<KeySpec>> = None;
    let mut map: Option<usize> = None;
    let mut maps: Vec<MapSpec> = Vec::new();
    let mut range_ends: HashMap<Url, u64> = HashMap::new();
    let mut segments = Vec::with_capacity(pl.segments.len());
    let mut duration = 0.0f64;
    for (i, seg) in pl.segments.iter().enumerate() {
        if let Some(k) = &seg.key {
            key = match &k.method {
                KeyMethod::None => None,
                KeyMethod::AES128 => {
                    let format_ok = k
                        .keyformat
                        .as_deref()
                        .is_none_or(|f| f.eq_ignore_ascii_case("identity"));
                    let uri = k.uri.as_deref().unwrap_or("");
                    if !format_ok || uri.starts_with("skd://") {
                        return Err(DownloadError::Unsupported {
                            what: format!(
                                "DRM key format {}",
                                k.keyformat.as_deref().unwrap_or(uri)
                            ),
                        });
                    }
                    if uri.is_empty() {
                        return Err(DownloadError::Playlist {
                            url: base.to_string(),
                            what: "AES-128 key without URI".into(),
                        });
                    }
                    let iv = match k.iv.as_deref() {
                        Some(iv) => Some(parse_iv(iv).ok_or_else(|| DownloadError::Playlist {
                            url: base.to_string(),
                            what: format!("bad IV {iv:?}"),
                        })?),
                        None => None,
                    };
                    Some(Arc::new(KeySpec {
                        uri: join(base, uri, "key")?,
                        iv,
                    }))
                }
                KeyMethod::SampleAES => {
                    return Err(DownloadError::Unsupported {
                        what: "SAMPLE-AES encryption (DRM)".into(),
                    });
                }
                KeyMethod::Other(m) => {
                    return Err(DownloadError::Unsupported {
                        what: format!("encryption method {m}"),
                    });
                }
            };
        }
        if let Some(m) = &seg.map {
            let spec = MapSpec {
                uri: join(base, &m.uri, "map")?,
                range: m
                    .byte_range
                    .as_ref()
                    .map(|r| (r.offset.unwrap_or(0), r.length)),
                key: key.clone().filter(|k| k.iv.is_some()),
            };
            map = Some(maps.iter().position(|x| *x == spec).unwrap_or_else(|| {
                maps.push(spec);
                maps.len() - 1
            }));
        }
        let uri = join(base, &seg.uri, "segment")?;
        let range = seg.byte_range.as_ref().map(|ByteRange { length, offset }| {
            let start = offset.unwrap_or_else(|| range_ends.get(&uri).copied().unwrap_or(0));
            range_ends.insert(uri.clone(), start.saturating_add(*length));
            (start, *length)
        });
        duration += f64::from(seg.duration.max(0.0));
        segments.push(SegmentSpec {
            uri,
            range,
            key: key.clone(),
            sequence: pl.media_sequence.wrapping_add(i as u64),
            map,
        });
    }
    Ok(MediaPlan {
        url: base.clone(),
        segments,
        maps,
        duration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master(text: &str) -> MasterPlaylist {
        m3u8_rs::parse_master_playlist_res(text.as_bytes()).unwrap()
    }

    fn media(text: &str) -> MediaPlaylist {
        match parse(text.as_bytes()).unwrap() {
            m3u8_rs::Playlist::MediaPlaylist(m) => m,
            m3u8_rs::Playlist::MasterPlaylist(_) => panic!("not a media playlist"),
        }
    }

    const MASTER: &str = "#EXTM3U\n\
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\nlow.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=5000000,RESOLUTION=1920x1080\nhigh.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720\nmid.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=3000000,RESOLUTION=1280x720\nmid2.m3u8\n\
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=9000000,RESOLUTION=3840x2160,URI=\"iframe.m3u8\"\n";

    #[test]
    fn best_variant_by_height_then_bandwidth_under_the_cap() {
        let m = master(MASTER);
        assert_eq!(choose_variant(&m, None).unwrap().uri, "high.m3u8");
        assert_eq!(choose_variant(&m, Some(720)).unwrap().uri, "mid2.m3u8");
        assert_eq!(choose_variant(&m, Some(200)).unwrap().uri, "low.m3u8");
    }

    #[test]
    fn variants_without_resolution_rank_by_bandwidth() {
        let m = master(
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100\na.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=300\nb.m3u8\n",
        );
        assert_eq!(choose_variant(&m, Some(480)).unwrap().uri, "b.m3u8");
    }

    const AUDIO_MASTER: &str = "#EXTM3U\n\
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",LANGUAGE=\"ja\",NAME=\"Japanisch\",DEFAULT=YES,AUTOSELECT=YES,URI=\"a/ja.m3u8\"\n\
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aud\",LANGUAGE=\"de-DE\",NAME=\"Deutsch\",AUTOSELECT=YES,URI=\"a/de.m3u8\"\n\
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"subs\",LANGUAGE=\"de\",NAME=\"Untertitel\",URI=\"s/de.m3u8\"\n\
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"muxed\",LANGUAGE=\"en\",NAME=\"Main\",DEFAULT=YES\n\
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"muxed\",LANGUAGE=\"es\",NAME=\"Alt\",URI=\"a/es.m3u8\"\n\
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,AUDIO=\"aud\",SUBTITLES=\"subs\"\nv/360.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,AUDIO=\"muxed\"\nv/360m.m3u8\n\
#EXT-X-STREAM-INF:BANDWIDTH=700000,RESOLUTION=640x360\nv/360n.m3u8\n";

    #[test]
    fn audio_rendition_by_language_then_default() {
        let m = master(AUDIO_MASTER);
        let separate = &m.variants[0];
        let pick = |v, langs: &[&str]| choose_audio(&m, v, langs).map(|a| a.name.clone());
        assert_eq!(pick(separate, &[]), Some("Japanisch".into()));
        assert_eq!(
            pick(separate, &["de", "deu", "ger"]),
            Some("Deutsch".into())
        );
        assert_eq!(pick(separate, &["fr"]), Some("Japanisch".into()));
        // The default of this group is carried in the variant: no URI, nothing to fetch.
        let muxed = choose_audio(&m, &m.variants[1], &[]).unwrap();
        assert_eq!((muxed.name.as_str(), muxed.uri.as_deref()), ("Main", None));
        assert!(
            choose_audio(&m, &m.variants[2], &["de"]).is_none(),
            "no audio group"
        );
    }

    #[test]
    fn live_and_event_playlists_are_not_complete() {
        let check = |head: &str, tail: &str, complete: bool| {
            let pl = media(&format!(
                "#EXTM3U\n#EXT-X-TARGETDURATION:4\n{head}#EXTINF:4.0,\na.ts\n{tail}"
            ));
            assert_eq!(is_complete(&pl), complete, "{head} {tail}");
        };
        check("", "#EXT-X-ENDLIST\n", true);
        check("#EXT-X-PLAYLIST-TYPE:VOD\n", "", true);
        check("", "", false);
        check("#EXT-X-PLAYLIST-TYPE:EVENT\n", "", false);
        check("#EXT-X-PLAYLIST-TYPE:EVENT\n", "#EXT-X-ENDLIST\n", true);
    }

    #[test]
    fn iv_parsing_pads_left() {
        assert_eq!(parse_iv("0x1").unwrap()[15], 1);
        assert_eq!(
            parse_iv("0X000102030405060708090a0b0c0d0e0f").unwrap()[1],
            1
        );
        assert!(parse_iv("0xzz").is_none());
    }

    #[test]
    fn plan_resolves_uris_keys_maps_and_ranges() {
        let base = Url::parse("https://cdn.example/v/1/index.m3u8?token=x").unwrap();
        let pl = media(
            "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:7\n\
#EXT-X-MAP:URI=\"init.mp4\",BYTERANGE=\"100@0\"\n\
#EXT-X-KEY:METHOD=AES-128,URI=\"/keys/k1\"\n\
#EXT-X-BYTERANGE:500@100\n#EXTINF:4.0,\nall.mp4\n\
#EXT-X-BYTERANGE:300\n#EXTINF:4.0,\nall.mp4\n\
#EXT-X-KEY:METHOD=NONE\n#EXTINF:2.0,\nhttps://other.example/s3.ts\n#EXT-X-ENDLIST\n",
        );
        let plan = plan_media(&pl, &base).unwrap();
        assert_eq!(plan.segments.len(), 3);
        assert_eq!(plan.maps.len(), 1);
        assert_eq!(
            plan.maps[0].uri.as_str(),
            "https://cdn.example/v/1/init.mp4"
        );
        assert_eq!(plan.maps[0].range, Some((0, 100)));
        let s = &plan.segments;
        assert_eq!(s[0].range, Some((100, 500)));
        assert_eq!(s[1].range, Some((600, 300)));
        assert_eq!(s[0].sequence, 7);
        assert_eq!(
            s[1].key.as_ref().unwrap().uri.as_str(),
            "https://cdn.example/keys/k1"
        );
        assert!(s[2].key.is_none());
        assert_eq!(s[2].map, Some(0));
        assert_eq!(s[2].uri.as_str(), "https://other.example/s3.ts");
        assert!((plan.duration - 10.0).abs() < 1e-6);
    }

    #[test]
    fn drm_is_unsupported() {
        let base = Url::parse("https://cdn.example/i.m3u8").unwrap();
        for key in [
            "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://x\"",
            "#EXT-X-KEY:METHOD=AES-128,URI=\"k\",KEYFORMAT=\"com.apple.streamingkeydelivery\"",
        ] {
            let pl = media(&format!(
                "#EXTM3U\n#EXT-X-TARGETDURATION:4\n{key}\n#EXTINF:4.0,\na.ts\n#EXT-X-ENDLIST\n"
            ));
            assert!(matches!(
                plan_media(&pl, &base),
                Err(DownloadError::Unsupported { .. })
            ));
        }
    }

    #[test]
    fn hostile_numbers_do_not_overflow() {
        let base = Url::parse("https://cdn.example/i.m3u8").unwrap();
        let pl = media(
            "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:18446744073709551615\n\
#EXTINF:4.0,\n#EXT-X-BYTERANGE:18446744073709551615@18446744073709551615\nv.ts\n\
#EXTINF:4.0,\n#EXT-X-BYTERANGE:10\nv.ts\n#EXT-X-ENDLIST\n",
        );
        let plan = plan_media(&pl, &base).unwrap();
        assert_eq!(plan.segments.len(), 2);
        assert_eq!(plan.segments[1].range, Some((u64::MAX, 10)));
        assert_eq!(plan.segments[1].sequence, 0);
    }
}
