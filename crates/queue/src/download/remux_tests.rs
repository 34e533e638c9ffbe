//! The in-process remux on real media (`tests/fixtures/`, made by its `make.sh`).

use std::io::Cursor;
use std::process::Command;

use super::*;

/// 3 s of H.264 (B-frames) and AAC-LC (44.1 kHz) as MPEG-TS.
const H264_AAC: &[u8] = include_bytes!("../../tests/fixtures/h264-aac.ts");
/// The same packets with timestamps that wrap past 2^33 about 1.5 s in.
const H264_AAC_WRAP: &[u8] = include_bytes!("../../tests/fixtures/h264-aac-wrap.ts");
/// MPEG-2 video and MP2 audio.
const MPEG2: &[u8] = include_bytes!("../../tests/fixtures/mpeg2.ts");

/// Remuxes `ts` fed in pieces of `chunk` bytes.
fn remux(ts: &[u8], chunk: usize) -> Result<Vec<u8>, Refusal> {
    let mut r = Remuxer::new(Cursor::new(Vec::new()))?;
    for piece in ts.chunks(chunk) {
        r.push(piece)?;
    }
    Ok(r.finish()?.0.into_inner())
}

#[test]
fn any_chunking_gives_the_same_mp4() {
    let whole = remux(H264_AAC, H264_AAC.len()).unwrap();
    assert_eq!(&whole[4..8], b"ftyp");
    for chunk in [1, 187, 188, 188 * 3 + 5, 65536] {
        assert!(
            remux(H264_AAC, chunk).unwrap() == whole,
            "chunks of {chunk} bytes"
        );
    }
}

#[test]
fn the_33_bit_wrap_changes_nothing() {
    let wrapped = remux(H264_AAC_WRAP, 4096).unwrap();
    assert!(wrapped == remux(H264_AAC, 4096).unwrap());
}

#[test]
fn other_codecs_are_refused_with_the_reason() {
    let err = remux(MPEG2, 65536).unwrap_err();
    assert!(err.0.contains("stream"), "{err}");
}

#[test]
fn data_that_is_not_mpeg_ts_is_refused() {
    let mut mp4 = remux(H264_AAC, 65536).unwrap();
    mp4.truncate(188 * 20);
    assert!(remux(&mp4, 65536).is_err());
    // a cut packet at the end is no MPEG-TS either
    assert!(remux(&H264_AAC[..H264_AAC.len() - 100], 65536).is_err());
}

#[test]
fn a_stream_cut_on_a_packet_boundary_keeps_what_is_whole() {
    // the way benches/run.sh cuts its data: whole packets, the last PES packets cut short
    for packets in [120, 200, H264_AAC.len() / 188 - 3] {
        let mp4 = remux(&H264_AAC[..packets * 188], 65536).unwrap();
        assert_eq!(&mp4[4..8], b"ftyp", "cut after {packets} packets");
    }
}

#[test]
fn segments_muxed_one_by_one_are_taken_but_lost_packets_are_not() {
    // the video clip twice, the second copy's timestamps following on, its continuity counters
    // starting anew (as with segments muxed one by one)
    let clip = aniworld_testkit::media::TS_VIDEO;
    let next = shift_timestamps(clip, 0, 20 * 9000);
    let mut r = Remuxer::new(Cursor::new(Vec::new())).unwrap();
    r.push(clip).unwrap();
    r.push(&next).unwrap();
    assert_eq!(r.finish().unwrap().1, 40, "every frame of both copies");
    // a packet missing inside a PES packet (neither it nor the next of its stream starts one)
    let packets: Vec<&[u8]> = H264_AAC.chunks(188).collect();
    let pid = |p: &[u8]| u16::from(p[1] & 0x1f) << 8 | u16::from(p[2]);
    let inside = |p: &[u8]| p[1] & 0x40 == 0 && p[3] & 0x10 != 0;
    let lost = (100..packets.len() - 1)
        .find(|&i| {
            pid(packets[i]) == pid(packets[i + 1]) && inside(packets[i]) && inside(packets[i + 1])
        })
        .unwrap();
    let mut cut = packets.clone();
    cut.remove(lost);
    match remux(&cut.concat(), 65536) {
        Err(e) => assert!(e.0.contains("continuity"), "{e}"),
        Ok(_) => panic!("a lost packet went unnoticed"),
    }
}

#[test]
fn a_timestamp_discontinuity_is_refused() {
    // the clip twice: the second copy starts its timestamps anew
    let twice = [H264_AAC, H264_AAC].concat();
    assert!(remux(&twice, 65536).is_err());
}

/// `ts` with `shift` added to every PTS and DTS from packet `from` on (continuity intact).
fn shift_timestamps(ts: &[u8], from: usize, shift: u64) -> Vec<u8> {
    fn get(b: &[u8]) -> u64 {
        (u64::from(b[0] >> 1 & 7) << 30)
            | (u64::from(b[1]) << 22)
            | (u64::from(b[2] >> 1) << 15)
            | (u64::from(b[3]) << 7)
            | u64::from(b[4] >> 1)
    }
    fn put(b: &mut [u8], t: u64) {
        let t = t & ((1 << 33) - 1);
        b[0] = (b[0] & 0xf1) | ((t >> 29) as u8 & 0x0e);
        b[1] = (t >> 22) as u8;
        b[2] = ((t >> 14) as u8 & 0xfe) | 1;
        b[3] = (t >> 7) as u8;
        b[4] = ((t << 1) as u8) | 1;
    }
    let mut out = ts.to_vec();
    for p in out.chunks_exact_mut(188).skip(from) {
        if p[1] & 0x40 == 0 || p[3] & 0x10 == 0 {
            continue; // no PES start, or no payload
        }
        let start = if p[3] & 0x20 != 0 {
            5 + usize::from(p[4])
        } else {
            4
        };
        let pes = &mut p[start..];
        if pes.len() < 19 || pes[..3] != [0, 0, 1] || pes[3] < 0xc0 {
            continue; // not an audio/video PES (PSI, padding)
        }
        let flags = pes[7] >> 6;
        for (on, at) in [(flags & 2 != 0, 9), (flags == 3, 14)] {
            if on {
                let t = get(&pes[at..at + 5]);
                put(&mut pes[at..at + 5], t + shift);
            }
        }
    }
    out
}

#[test]
fn a_timestamp_jump_is_refused_but_a_shift_of_everything_is_not() {
    let packets = H264_AAC.len() / 188;
    // everything 13 hours and 20 minutes later: the same MP4 (the wrap: the fixture above)
    let later = shift_timestamps(H264_AAC, 0, 90_000 * 1200 + (1 << 32));
    assert!(remux(&later, 65536).unwrap() == remux(H264_AAC, 65536).unwrap());
    // the second half 20 s later: a discontinuity
    let jump = shift_timestamps(H264_AAC, packets / 2, 90_000 * 20);
    let err = remux(&jump, 65536).unwrap_err();
    assert!(err.0.contains("jump"), "{err}");
}

#[test]
fn timestamps_unwrap_across_2_pow_33() {
    let mut c = Clock::default();
    let top = (1u64 << 33) - 100;
    assert_eq!(c.unwrap(top), top as i64);
    assert_eq!(c.unwrap(50), (1i64 << 33) + 50);
    assert_eq!(c.unwrap(top), top as i64, "a little back, before the wrap");
    assert_eq!(c.unwrap(200), (1i64 << 33) + 200);
}

#[test]
fn annex_b_becomes_length_prefixed() {
    let au = [
        0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x65, 1, 2, 3, 0, 0, 0, 1, 0x06, 7,
    ];
    let (nals, key) = nal_units(&au);
    assert!(key);
    let mut avcc = Vec::new();
    for r in nals {
        avcc.extend_from_slice(&(r.len() as u32).to_be_bytes());
        avcc.extend_from_slice(&au[r]);
    }
    assert_eq!(
        avcc,
        [
            0, 0, 0, 2, 0x09, 0xf0, 0, 0, 0, 4, 0x65, 1, 2, 3, 0, 0, 0, 2, 0x06, 7
        ]
    );
}

/// Per stream (codec, packets, duration in seconds) as ffprobe reads `file`.
fn streams(ffprobe: &Path, file: &Path) -> Vec<(String, String, String)> {
    let out = Command::new(ffprobe)
        .args(["-v", "error", "-count_packets", "-show_entries"])
        .args([
            "stream=codec_name,nb_read_packets,duration",
            "-of",
            "csv=p=0",
        ])
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "ffprobe reads {}", file.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

/// Per packet (stream, pts, dts, duration, size) as ffprobe reads `file`.
fn packets(ffprobe: &Path, file: &Path) -> String {
    let out = Command::new(ffprobe)
        .args(["-v", "error", "-show_entries"])
        .args([
            "packet=stream_index,pts,dts,duration,size",
            "-of",
            "csv=p=0",
        ])
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_result_matches_ffmpegs_own_remux() {
    let (Some(ffmpeg), Some(ffprobe)) = (
        super::super::finish::find_tool("ffmpeg", None),
        super::super::finish::find_tool("ffprobe", None),
    ) else {
        eprintln!("the_result_matches_ffmpegs_own_remux: skipped, ffmpeg/ffprobe not on the PATH");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (ts, ours, theirs) = (
        dir.path().join("in.ts"),
        dir.path().join("ours.mp4"),
        dir.path().join("ffmpeg.mp4"),
    );
    fs::write(&ts, H264_AAC).unwrap();
    fs::write(&ours, remux(H264_AAC, 65536).unwrap()).unwrap();
    let ok = Command::new(ffmpeg)
        .args(["-v", "error", "-i"])
        .arg(&ts)
        .args(["-map", "0", "-c", "copy", "-f", "mp4"])
        .arg(&theirs)
        .status()
        .unwrap();
    assert!(ok.success());
    let ours_streams = streams(&ffprobe, &ours);
    assert_eq!(ours_streams.len(), 2);
    assert_eq!(ours_streams, streams(&ffprobe, &theirs));
    // Timing per packet relative to its stream's first decode time: the start offset between
    // the streams is an edit list, which ffmpeg rounds to its movie timescale (1 ms) and this
    // remux writes in 90 kHz ticks.
    let relative = |s: String| {
        let rows: Vec<Vec<i64>> = s
            .lines()
            .map(|l| l.split(',').map(|f| f.parse().unwrap()).collect())
            .collect();
        let mut out = Vec::new();
        for stream in [0, 1] {
            let mine: Vec<&Vec<i64>> = rows.iter().filter(|r| r[0] == stream).collect();
            let first = mine.first().map_or(0, |r| r[2]);
            out.extend(
                mine.iter()
                    .map(|r| [r[0], r[1] - first, r[2] - first, r[3], r[4]]),
            );
        }
        out
    };
    let (a, b) = (
        relative(packets(&ffprobe, &ours)),
        relative(packets(&ffprobe, &theirs)),
    );
    assert_eq!(a.len(), 75 + 136, "every frame of the clip");
    assert_eq!(a, b, "every packet's timing and size");
}
