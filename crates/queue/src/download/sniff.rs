//! Content sniffing: HTML pages where media was expected, and TS segments disguised behind a
//! fake PNG header.

/// The MPEG-TS packet size and sync byte.
const TS_PACKET: usize = 188;
const TS_SYNC: u8 = 0x47;
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Whether `data` starts like an HTML document (after whitespace and a byte-order mark).
pub(crate) fn looks_like_html(data: &[u8]) -> bool {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let start = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(data.len());
    let head: Vec<u8> = data[start..]
        .iter()
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html") || head.starts_with(b"<head")
}

/// The offset where the real TS data of a segment starts: 0 for a normal segment, the first
/// position with TS sync bytes 188 bytes apart when the segment hides behind a PNG header.
pub(crate) fn ts_start(data: &[u8]) -> usize {
    if !data.starts_with(PNG_MAGIC) {
        return 0;
    }
    (PNG_MAGIC.len()..data.len())
        .find(|&i| {
            data[i] == TS_SYNC
                && (1..3).all(|k| data.get(i + k * TS_PACKET).is_none_or(|&b| b == TS_SYNC))
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_recognised() {
        assert!(looks_like_html(b"\n  <!DOCTYPE html><html>"));
        assert!(looks_like_html(b"<html lang=de>"));
        assert!(!looks_like_html(b"\x00\x00\x00\x18ftypmp42"));
        assert!(!looks_like_html(b""));
    }

    #[test]
    fn png_prefix_is_skipped() {
        let mut seg = PNG_MAGIC.to_vec();
        seg.extend_from_slice(&[0x47u8; 5][..1]);
        seg.extend_from_slice(b"IHDR junk");
        let start = seg.len();
        for _ in 0..3 {
            let mut pkt = vec![0u8; TS_PACKET];
            pkt[0] = TS_SYNC;
            seg.extend_from_slice(&pkt);
        }
        assert_eq!(ts_start(&seg), start);
        assert_eq!(ts_start(&seg[start..]), 0);
    }
}
