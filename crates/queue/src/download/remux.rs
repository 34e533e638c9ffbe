//! The in-process remux: MPEG-TS (one H.264 video stream, at most one AAC-LC audio stream in
//! ADTS) into a progressive MP4, without ffmpeg and without re-encoding.
//!
//! The segments go through it while they arrive, as they would go to the ffmpeg pipe
//! ([`super::finish::Remux`]): [`TsRemux`] runs a thread that reads the `.part` file as far as
//! the download has written it (see [`super::tail`]), demuxes the stream with
//! `mpeg2ts-reader` (push API), turns each access unit into an MP4 sample (Annex B start codes
//! into 4-byte lengths; ADTS headers off) and appends it to the `mdat` of the output file at
//! once. `shiguredo_mp4`'s muxer keeps only the sample tables (about 85 bytes per sample, a few
//! MiB for an episode); the `moov` is built at the end, gets edit lists (the audio/video start
//! offset and the B-frame delay, as ffmpeg's mov muxer writes them) and goes after the `mdat`,
//! whose header is patched last. Media data in memory: the PES packet being assembled and the
//! one video access unit waiting for the next decode time (its duration), and the read buffer
//! of [`super::tail::PIECE`] bytes. The process's peak RSS with the `fetch` example on 600 MB of
//! 200 Mbit/s H.264 HLS is in docs/bench-download.md.
//!
//! # Fallback
//!
//! The remux never guesses. It refuses, and stops touching the data, at the first thing it does
//! not handle: a program map with anything but one H.264 stream and at most one ADTS stream,
//! several programs, AAC other than LC (or changing parameters), a packet without the sync
//! byte, a continuity error inside a PES packet (one where a PES packet starts is what segments
//! muxed one by one look like, and is taken), a PES it cannot read, a jump of the timestamps (video decode
//! times that do not increase or leap more than [`MAX_STEP`]; audio that drifts from its
//! sample count by more than a frame). The 33-bit wrap of the timestamps is no jump: every
//! timestamp is unwrapped against the one before it, so a stream crossing 2^33 ticks
//! (26.5 hours) remuxes as if it had not.
//!
//! A refusal costs no data: the remux reads the `.part` file, so the caller restarts the remux
//! from its start with ffmpeg ([`Sink`] starts an ffmpeg pipe that reads the same file) when
//! ffmpeg is on the PATH, or keeps the MPEG-TS data otherwise. Most refusals come with the
//! first segment (the program map is in its first packets), so in practice ffmpeg is started
//! early and little is read twice.
//!
//! Streams this path is not even tried for: a separate audio rendition when ffmpeg can mux it
//! in (two inputs), `#EXT-X-MAP` streams (fragmented MP4), and downloads that force the pipe
//! ([`super::FetchOptions::remux_in_process`] off, the `fetch` example's `--ffmpeg-pipe`).
//!
//! Known limits: audio sample durations are taken as 1024 (AAC-LC), so audio gaps are refused
//! rather than bridged; frames before the first SPS/PPS are skipped; the MP4 is not faststart
//! (the `moov` comes last, as with ffmpeg's default); a stream cut off inside its last audio
//! frame loses that frame. The sample tables grow by about 85 bytes per sample (about 9 MB for
//! 100,000 samples, a 45-minute episode), and the `moov` exists twice for a moment at the end
//! (the muxer's copy, with the edit lists added, and its encoding).

use std::fs::{self, File};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::num::NonZeroU32;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use aniworld_core::ports::CancelToken;
use mpeg2ts_reader::{StreamType, demultiplex, packet_filter_switch, pes, psi};
use shiguredo_mp4::bitstream::aac::{
    Mp4aSampleEntryConfig, build_mp4a_box, parse_adts_frame, parse_audio_specific_config,
};
use shiguredo_mp4::bitstream::h264::{
    H264SampleEntryConfig, LengthSize, build_avc1_box_from_annexb,
};
use shiguredo_mp4::boxes::{EdtsBox, ElstBox, ElstEntry, HdlrBox, SampleEntry};
use shiguredo_mp4::mux::{Mp4FileMuxer, Sample};
use shiguredo_mp4::{Encode, FixedPointNumber, TrackKind};

use super::DownloadError;
use super::tail::{Announcer, PIECE, tail};
use super::writeback::Writeback;

/// The size of an MPEG-TS packet.
const PACKET: usize = 188;
/// The MPEG-TS clock: 90 kHz.
const CLOCK: u32 = 90_000;
/// Largest step between two video decode times (and largest composition offset) taken as
/// continuous: 10 s. More is a discontinuity.
pub(crate) const MAX_STEP: i64 = 10 * CLOCK as i64;
/// AAC samples per frame (AAC-LC, one raw data block per ADTS frame).
const AAC_FRAME: u32 = 1024;
/// ADTS sampling frequencies by index.
const AAC_RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// Why the in-process remux gave up (the caller falls back; see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn refuse<T>(what: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(what.into()))
}

/// One PES packet of the video or the audio stream.
struct Pes {
    video: bool,
    pts: Option<u64>,
    dts: Option<u64>,
    data: Vec<u8>,
}

packet_filter_switch! {
    Filters<Ctx> {
        Pes: pes::PesPacketFilter<Ctx, Consumer>,
        Pat: demultiplex::PatPacketFilter<Ctx>,
        Pmt: demultiplex::PmtPacketFilter<Ctx>,
        Null: demultiplex::NullPacketFilter<Ctx>,
    }
}

/// The demuxer's context: the PES packets read so far, the one open per stream, and the
/// first refusal.
pub struct Ctx {
    changeset: demultiplex::FilterChangeset<Filters>,
    out: Vec<Pes>,
    /// Open PES packets: [audio, video].
    open: [Option<Pes>; 2],
    /// (pid, is video) of the streams the program map named.
    streams: Vec<(u16, bool)>,
    programs: u32,
    refused: Option<Refusal>,
    /// A continuity error in the packet being demuxed, not (yet) excused by a PES start in it.
    cc_error: bool,
    /// Whether the first program map was checked for a video stream.
    map_checked: bool,
}

impl Ctx {
    fn refuse(&mut self, what: String) {
        if self.refused.is_none() {
            self.refused = Some(Refusal(what));
        }
    }

    /// Notes a stream of the program map; false (and a refusal) when it is not wanted.
    fn stream(&mut self, pid: u16, stream_type: StreamType) -> Option<bool> {
        let video = match stream_type {
            StreamType::H264 => true,
            StreamType::ADTS => false,
            other => {
                self.refuse(format!("the program has a {other:?} stream"));
                return None;
            }
        };
        match self.streams.iter().find(|(p, _)| *p == pid) {
            Some((_, v)) if *v == video => {}
            Some(_) => {
                self.refuse("a stream changed its type".into());
                return None;
            }
            None if self.streams.iter().any(|(_, v)| *v == video) => {
                self.refuse(format!(
                    "the program has more than one {} stream",
                    if video { "video" } else { "audio" }
                ));
                return None;
            }
            None => self.streams.push((pid, video)),
        }
        Some(video)
    }
}

impl demultiplex::DemuxContext for Ctx {
    type F = Filters;

    fn filter_changeset(&mut self) -> &mut demultiplex::FilterChangeset<Filters> {
        &mut self.changeset
    }

    fn construct(&mut self, req: demultiplex::FilterRequest<'_, '_>) -> Filters {
        use demultiplex::FilterRequest as R;
        match req {
            R::ByPid(psi::pat::PAT_PID) => Filters::Pat(demultiplex::PatPacketFilter::default()),
            R::ByStream {
                stream_type,
                stream_info,
                ..
            } => match self.stream(u16::from(stream_info.elementary_pid()), stream_type) {
                Some(video) => Filters::Pes(pes::PesPacketFilter::new(Consumer { video })),
                None => Filters::Null(demultiplex::NullPacketFilter::default()),
            },
            R::Pmt {
                pid,
                program_number,
            } => {
                self.programs += 1;
                if self.programs > 1 {
                    self.refuse("the stream has more than one program".into());
                }
                Filters::Pmt(demultiplex::PmtPacketFilter::new(pid, program_number))
            }
            R::ByPid(_) | R::Nit { .. } => Filters::Null(demultiplex::NullPacketFilter::default()),
        }
    }
}

/// Collects the PES packets of one stream into [`Ctx`] (the open one lives there, so that the
/// end of the stream can flush it).
pub struct Consumer {
    video: bool,
}

impl pes::ElementaryStreamConsumer<Ctx> for Consumer {
    fn start_stream(&mut self, _ctx: &mut Ctx) {}

    fn begin_packet(&mut self, ctx: &mut Ctx, header: pes::PesHeader<'_>) {
        ctx.cc_error = false;
        let i = usize::from(self.video);
        if let Some(p) = ctx.open[i].take() {
            ctx.out.push(p);
        }
        let (mut pts, mut dts) = (None, None);
        let mut data = Vec::new();
        match header.contents() {
            pes::PesContents::Parsed(Some(parsed)) => {
                match parsed.pts_dts() {
                    Ok(pes::PtsDts::PtsOnly(Ok(p))) => pts = Some(p.value()),
                    Ok(pes::PtsDts::Both {
                        pts: Ok(p),
                        dts: Ok(d),
                    }) => {
                        pts = Some(p.value());
                        dts = Some(d.value());
                    }
                    Ok(pes::PtsDts::None) => {}
                    _ => ctx.refuse("a PES header has unreadable timestamps".into()),
                }
                data.extend_from_slice(parsed.payload());
            }
            _ => ctx.refuse("a PES header is unreadable".into()),
        }
        ctx.open[i] = Some(Pes {
            video: self.video,
            pts,
            dts,
            data,
        });
    }

    fn continue_packet(&mut self, ctx: &mut Ctx, data: &[u8]) {
        if let Some(p) = &mut ctx.open[usize::from(self.video)] {
            p.data.extend_from_slice(data);
        }
    }

    fn end_packet(&mut self, ctx: &mut Ctx) {
        if let Some(p) = ctx.open[usize::from(self.video)].take() {
            ctx.out.push(p);
        }
    }

    fn continuity_error(&mut self, ctx: &mut Ctx) {
        // Excused when this packet starts a PES packet (see `Demux::push_packets`).
        ctx.cc_error = true;
    }
}

/// The demuxer with the glue `mpeg2ts-reader` needs: it drops a partial packet at the end of
/// each pushed buffer, so that part is carried over to the next push.
struct Demux {
    ctx: Ctx,
    demux: demultiplex::Demultiplex<Ctx>,
    carry: Vec<u8>,
}

impl Demux {
    fn new() -> Self {
        let mut ctx = Ctx {
            changeset: demultiplex::FilterChangeset::default(),
            out: Vec::new(),
            open: [None, None],
            streams: Vec::new(),
            programs: 0,
            refused: None,
            cc_error: false,
            map_checked: false,
        };
        let demux = demultiplex::Demultiplex::new(&mut ctx);
        Self {
            ctx,
            demux,
            carry: Vec::with_capacity(PACKET),
        }
    }

    fn push_packets(&mut self, data: &[u8]) -> Result<(), Refusal> {
        if data.chunks_exact(PACKET).any(|p| p[0] != 0x47) {
            return refuse("a packet without the MPEG-TS sync byte");
        }
        // One packet at a time, to tell where a continuity error is: segments muxed one by one
        // restart the counters, which is harmless where a PES packet starts (nothing of it is
        // missing; HTTP loses no packets of the one before); inside a PES packet it means lost
        // data.
        for packet in data.chunks_exact(PACKET) {
            self.demux.push(&mut self.ctx, packet);
            if std::mem::take(&mut self.ctx.cc_error) {
                return refuse("a continuity error inside a PES packet (lost packets)");
            }
            if !self.ctx.map_checked && !self.ctx.streams.is_empty() {
                // the whole program map is read with the packet that ends it
                self.ctx.map_checked = true;
                if !self.ctx.streams.iter().any(|(_, video)| *video) {
                    return refuse("the program has no H.264 video");
                }
            }
        }
        match self.ctx.refused.take() {
            Some(r) => Err(r),
            None => Ok(()),
        }
    }

    /// Demuxes `chunk`; the PES packets completed are in `self.ctx.out`.
    fn push(&mut self, mut chunk: &[u8]) -> Result<(), Refusal> {
        if !self.carry.is_empty() {
            let take = (PACKET - self.carry.len()).min(chunk.len());
            self.carry.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if self.carry.len() < PACKET {
                return Ok(());
            }
            let packet = std::mem::take(&mut self.carry);
            self.push_packets(&packet)?;
            self.carry = packet;
            self.carry.clear();
        }
        let whole = chunk.len() / PACKET * PACKET;
        self.push_packets(&chunk[..whole])?;
        self.carry.extend_from_slice(&chunk[whole..]);
        Ok(())
    }

    /// The end of the stream: flushes the open PES packets (video PES packets have no length,
    /// they end with the next one).
    fn finish(&mut self) -> Result<(), Refusal> {
        if !self.carry.is_empty() {
            return refuse("the stream ends inside a packet");
        }
        for i in 0..2 {
            if let Some(p) = self.ctx.open[i].take() {
                self.ctx.out.push(p);
            }
        }
        Ok(())
    }
}

/// Unwraps 33-bit timestamps: each one is taken as the nearest value to the one before it
/// (of either stream; they are seconds apart at most), so counting goes on across 2^33.
#[derive(Default)]
struct Clock {
    last: Option<(u64, i64)>,
}

impl Clock {
    fn unwrap(&mut self, raw: u64) -> i64 {
        const WRAP: u64 = 1 << 33;
        let raw = raw & (WRAP - 1);
        let ext = match self.last {
            None => raw as i64,
            Some((last_raw, last_ext)) => {
                let d = raw.wrapping_sub(last_raw) & (WRAP - 1);
                let d = if d >= WRAP / 2 {
                    d as i64 - WRAP as i64
                } else {
                    d as i64
                };
                last_ext + d
            }
        };
        self.last = Some((raw, ext));
        ext
    }
}

/// A video access unit waiting for the next one (its duration is the step to the next DTS).
struct PendingVideo {
    /// The PES payload (Annex B) and its NAL units.
    data: Vec<u8>,
    nals: Vec<Range<usize>>,
    dts: i64,
    pts: i64,
    key: bool,
    entry: Option<SampleEntry>,
}

/// The NAL units of an Annex B access unit (ranges without start codes and trailing zeros),
/// and whether an IDR slice is among them. The sample is written from these ranges, each behind
/// its 4-byte length, without a converted copy of the access unit.
fn nal_units(b: &[u8]) -> (Vec<Range<usize>>, bool) {
    let mut nals = Vec::new();
    let mut key = false;
    let mut starts = memchr::memmem::find_iter(b, &[0u8, 0, 1])
        .map(|i| i + 3)
        .peekable();
    while let Some(s) = starts.next() {
        let mut e = starts.peek().map_or(b.len(), |n| n - 3);
        // trailing zero bytes belong to the next (4-byte) start code or are padding
        while e > s && b[e - 1] == 0 {
            e -= 1;
        }
        if e <= s {
            continue;
        }
        if b[s] & 0x1f == 5 {
            key = true;
        }
        nals.push(s..e);
    }
    (nals, key)
}

/// The audio parameters fixed by the first ADTS frame.
struct AudioFormat {
    header: [u8; 2],
    rate: u32,
}

/// The streaming remux into any seekable output: feed it with [`Remuxer::push`], end it with
/// [`Remuxer::finish`]. The output holds the `ftyp`, a `free` and a growing `mdat`; the
/// `moov` follows at the end.
pub(crate) struct Remuxer<W: Write + Seek> {
    demux: Demux,
    out: W,
    pos: u64,
    mux: Mp4FileMuxer,
    clock: Clock,
    pending: Option<PendingVideo>,
    last_video_step: u32,
    /// First video (pts, dts) and first audio pts, unwrapped.
    video_start: Option<(i64, i64)>,
    audio_start: Option<i64>,
    audio: Option<AudioFormat>,
    audio_frames: u64,
    samples: u64,
    /// The PES packets flushed at the end of the stream are being remuxed.
    ending: bool,
}

impl<W: Write + Seek> Remuxer<W> {
    /// Starts the MP4 in `out` (at its start).
    pub(crate) fn new(mut out: W) -> Result<Self, Refusal> {
        let mux = Mp4FileMuxer::new().map_err(|e| Refusal(format!("MP4 muxer: {e}")))?;
        let head = mux.initial_boxes_bytes();
        out.write_all(head).map_err(io)?;
        let pos = head.len() as u64;
        Ok(Self {
            demux: Demux::new(),
            out,
            pos,
            mux,
            clock: Clock::default(),
            pending: None,
            last_video_step: CLOCK / 25,
            video_start: None,
            audio_start: None,
            audio: None,
            audio_frames: 0,
            samples: 0,
            ending: false,
        })
    }

    /// Remuxes the next piece of the MPEG-TS stream (any length, any boundaries).
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<(), Refusal> {
        self.demux.push(chunk)?;
        self.drain()
    }

    fn drain(&mut self) -> Result<(), Refusal> {
        let ready = std::mem::take(&mut self.demux.ctx.out);
        for p in ready {
            if p.video {
                self.video(p)?;
            } else {
                self.audio(p)?;
            }
        }
        Ok(())
    }

    /// Notes a sample of `size` bytes just written at `self.pos`.
    fn append(
        &mut self,
        track_kind: TrackKind,
        sample_entry: Option<SampleEntry>,
        keyframe: bool,
        (timescale, duration, cto): (u32, u32, Option<i64>),
        size: usize,
    ) -> Result<(), Refusal> {
        let sample = Sample {
            track_kind,
            sample_entry,
            keyframe,
            timescale: NonZeroU32::new(timescale).unwrap_or(NonZeroU32::MIN),
            duration,
            composition_time_offset: cto,
            data_offset: self.pos,
            data_size: size,
        };
        self.mux
            .append_sample(&sample)
            .map_err(|e| Refusal(format!("MP4 muxer: {e}")))?;
        self.pos += size as u64;
        self.samples += 1;
        Ok(())
    }

    fn flush_video(&mut self, pv: PendingVideo, duration: u32) -> Result<(), Refusal> {
        let mut size = 0;
        for r in &pv.nals {
            let len =
                u32::try_from(r.len()).map_err(|_| Refusal("a NAL unit over 4 GiB".into()))?;
            self.out.write_all(&len.to_be_bytes()).map_err(io)?;
            self.out.write_all(&pv.data[r.clone()]).map_err(io)?;
            size += 4 + r.len();
        }
        let cto = pv.pts - pv.dts;
        self.append(
            TrackKind::Video,
            pv.entry,
            pv.key,
            (CLOCK, duration, Some(cto)),
            size,
        )
    }

    fn video(&mut self, p: Pes) -> Result<(), Refusal> {
        let Some(pts) = p.pts else {
            return refuse("a video PES without a timestamp");
        };
        let pts = self.clock.unwrap(pts);
        let dts = p.dts.map_or(pts, |d| self.clock.unwrap(d));
        if !(0..=MAX_STEP).contains(&(pts - dts)) {
            return refuse("a video frame is shown before it is decoded, or far after");
        }
        let entry = if self.video_start.is_none() {
            // frames before the first parameter sets cannot be decoded: skipped
            let config = H264SampleEntryConfig {
                length_size: LengthSize::FourBytes,
            };
            match build_avc1_box_from_annexb(&p.data, &config) {
                Ok(b) => Some(SampleEntry::Avc1(b)),
                Err(_) => return Ok(()),
            }
        } else {
            None
        };
        let (nals, key) = nal_units(&p.data);
        if self.video_start.is_none() {
            self.video_start = Some((pts, dts));
        }
        if let Some(pv) = self.pending.take() {
            let step = dts - pv.dts;
            if !(1..=MAX_STEP).contains(&step) {
                return refuse(format!(
                    "the video timestamps jump by {step} ticks (a discontinuity)"
                ));
            }
            self.last_video_step = step as u32;
            self.flush_video(pv, step as u32)?;
        }
        self.pending = Some(PendingVideo {
            data: p.data,
            nals,
            dts,
            pts,
            key,
            entry,
        });
        Ok(())
    }

    fn audio(&mut self, p: Pes) -> Result<(), Refusal> {
        let pts = p.pts.map(|t| self.clock.unwrap(t));
        if let (Some(pts), Some(start), Some(fmt)) = (pts, self.audio_start, &self.audio) {
            let expected = start
                + (self.audio_frames * u64::from(AAC_FRAME) * u64::from(CLOCK)
                    / u64::from(fmt.rate)) as i64;
            let frame = i64::from(AAC_FRAME * CLOCK / fmt.rate);
            if (pts - expected).abs() > frame {
                return refuse(format!(
                    "the audio timestamps jump by {} ticks (a discontinuity)",
                    pts - expected
                ));
            }
        }
        if self.audio_start.is_none() {
            match pts {
                Some(t) => self.audio_start = Some(t),
                None => return refuse("the first audio PES has no timestamp"),
            }
        }
        let mut rest: &[u8] = &p.data;
        while !rest.is_empty() {
            let whole = rest.len() >= 7
                && (usize::from(rest[3] & 3) << 11
                    | usize::from(rest[4]) << 3
                    | usize::from(rest[5] >> 5))
                    <= rest.len();
            if !whole && self.ending {
                // a stream cut off inside its last audio frame: the frame is dropped
                break;
            }
            let (hdr, _) = parse_adts_frame(rest)
                .map_err(|e| Refusal(format!("an AAC frame the remux does not take: {e}")))?;
            let len = usize::from(hdr.frame_length);
            let head = if hdr.protection_absent { 7 } else { 9 };
            if len < head || len > rest.len() {
                return refuse("an ADTS frame crosses the end of its PES packet");
            }
            let key = [rest[2] & 0x3d, rest[3] & 0xc0];
            let entry = match &self.audio {
                Some(f) if f.header == key => None,
                Some(_) => return refuse("the AAC parameters change"),
                None => {
                    let idx = (rest[2] >> 2) & 0xf;
                    let ch = ((rest[2] & 1) << 2) | (rest[3] >> 6);
                    let asc = parse_audio_specific_config(&[
                        (2 << 3) | (idx >> 1),
                        ((idx & 1) << 7) | (ch << 3),
                    ])
                    .map_err(|e| Refusal(format!("AAC configuration: {e}")))?;
                    let config = Mp4aSampleEntryConfig {
                        es_id: 1,
                        buffer_size_db: 0,
                        max_bitrate: 0,
                        avg_bitrate: 0,
                    };
                    let b = build_mp4a_box(&asc, &config)
                        .map_err(|e| Refusal(format!("AAC sample entry: {e}")))?;
                    self.audio = Some(AudioFormat {
                        header: key,
                        rate: AAC_RATES[usize::from(hdr.sampling_frequency_index)],
                    });
                    Some(SampleEntry::Mp4a(b))
                }
            };
            let rate = self.audio.as_ref().map_or(1, |f| f.rate);
            self.out.write_all(&rest[head..len]).map_err(io)?;
            self.append(
                TrackKind::Audio,
                entry,
                true,
                (rate, AAC_FRAME, None),
                len - head,
            )?;
            self.audio_frames += 1;
            rest = &rest[len..];
        }
        Ok(())
    }

    /// Ends the stream: the last samples, the `moov` (with edit lists) after the `mdat`, the
    /// `mdat` size and the final `ftyp`. Returns the output and the number of samples.
    pub(crate) fn finish(mut self) -> Result<(W, u64), Refusal> {
        self.demux.finish()?;
        self.ending = true;
        self.drain()?;
        let Some(pv) = self.pending.take() else {
            return refuse("no H.264 video in the stream");
        };
        let step = self.last_video_step;
        self.flush_video(pv, step)?;
        let (video_start, audio_start) = (self.video_start, self.audio_start);
        let Self {
            mut out,
            mut mux,
            samples,
            ..
        } = self;
        let fin = mux
            .finalize()
            .map_err(|e| Refusal(format!("MP4 muxer: {e}")))?;
        if fin.is_faststart_enabled() {
            return refuse("the MP4 muxer put the moov first");
        }
        let pairs: Vec<(u64, Vec<u8>)> = fin
            .offset_and_bytes_pairs()
            .map(|(o, b)| (o, b.to_vec()))
            .collect();
        let [(head_at, head), (moov_at, _), (mdat_at, mdat)] = pairs.as_slice() else {
            return refuse("unexpected MP4 muxer result");
        };
        let mut moov = fin.moov_box().clone();
        // the muxer's tables and its encoded moov go before the moov is encoded again
        drop(mux);
        add_edit_lists(&mut moov, video_start, audio_start);
        let moov = moov
            .encode_to_vec()
            .map_err(|e| Refusal(format!("moov: {e}")))?;
        (|| {
            out.seek(SeekFrom::Start(*moov_at))?;
            out.write_all(&moov)?;
            out.seek(SeekFrom::Start(*head_at))?;
            out.write_all(head)?;
            out.seek(SeekFrom::Start(*mdat_at))?;
            out.write_all(mdat)?;
            out.seek(SeekFrom::End(0))?;
            out.flush()
        })()
        .map_err(io)?;
        Ok((out, samples))
    }
}

fn io(e: std::io::Error) -> Refusal {
    Refusal(format!("writing the MP4 failed: {e}"))
}

/// Edit lists as ffmpeg's mov muxer writes them: a track starting after the earliest one gets
/// an empty edit first; the video's first edit skips the composition delay of B-frames.
fn add_edit_lists(
    moov: &mut shiguredo_mp4::boxes::MoovBox,
    video: Option<(i64, i64)>,
    audio: Option<i64>,
) {
    let base = [video.map(|v| v.0), audio]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(0);
    let movie_scale = i64::from(moov.mvhd_box.timescale.get());
    let mut movie_duration = 0;
    for trak in &mut moov.trak_boxes {
        let media_scale = i64::from(trak.mdia_box.mdhd_box.timescale.get());
        let (first, media_time) =
            if trak.mdia_box.hdlr_box.handler_type == HdlrBox::HANDLER_TYPE_VIDE {
                let (p, d) = video.unwrap_or((base, base));
                (p, (p - d) * media_scale / i64::from(CLOCK))
            } else {
                (audio.unwrap_or(base), 0)
            };
        let empty = ((first - base) * movie_scale / i64::from(CLOCK)).max(0) as u64;
        let duration = trak.tkhd_box.duration;
        let rate = FixedPointNumber::new(1, 0);
        let mut entries = Vec::new();
        if empty > 0 {
            entries.push(ElstEntry {
                edit_duration: empty,
                media_time: -1,
                media_rate: rate,
            });
        }
        entries.push(ElstEntry {
            edit_duration: duration,
            media_time,
            media_rate: rate,
        });
        trak.edts_box = Some(EdtsBox {
            elst_box: Some(ElstBox { entries }),
            unknown_boxes: Vec::new(),
        });
        trak.tkhd_box.duration = empty + duration;
        movie_duration = movie_duration.max(empty + duration);
    }
    moov.mvhd_box.duration = movie_duration;
}

/// The in-process remux of a download: a thread that runs a [`Remuxer`] over the `.part` file
/// as the download announces it (see [`super::tail`]) into `output`. After a refusal it stops
/// reading; [`TsRemux::refused`] says so, and the caller falls back.
pub(crate) struct TsRemux {
    output: PathBuf,
    announcer: Option<Announcer>,
    worker: Option<thread::JoinHandle<Result<u64, Refusal>>>,
    refused: Arc<AtomicBool>,
}

impl TsRemux {
    /// Starts the remux thread reading `part` as it grows and writing `output`.
    pub(crate) fn spawn(part: &Path, output: &Path) -> Result<Self, DownloadError> {
        let file = File::create(output).map_err(|e| DownloadError::from_io(&e, output))?;
        let (announcer, mut tail) = tail(part);
        let refused = Arc::new(AtomicBool::new(false));
        let flag = refused.clone();
        let name = output.display().to_string();
        let worker = thread::Builder::new()
            .name("remux-mp4".into())
            .spawn(move || {
                let run = || {
                    let mut remuxer =
                        Remuxer::new(BufWriter::with_capacity(256 << 10, Writeback::new(file)))?;
                    let mut buf = vec![0u8; PIECE];
                    loop {
                        let read = tail.next(&mut buf);
                        if flag.load(Ordering::Relaxed) {
                            return refuse("stopped");
                        }
                        match read {
                            Ok(0) => break,
                            Ok(n) => remuxer.push(&buf[..n])?,
                            Err(e) => {
                                return refuse(format!("reading the stream back failed: {e}"));
                            }
                        }
                    }
                    let (out, samples) = remuxer.finish()?;
                    out.into_inner()
                        .map_err(|e| Refusal(format!("writing the MP4 failed: {e}")))?;
                    Ok(samples)
                };
                run().inspect_err(|e| {
                    if !flag.swap(true, Ordering::Relaxed) {
                        log::info!("in-process remux of {name} stops: {e}");
                    }
                })
            })
            .map_err(|e| DownloadError::Io {
                path: output.to_path_buf(),
                msg: format!("cannot start the remux thread: {e}"),
            })?;
        Ok(Self {
            output: output.to_path_buf(),
            announcer: Some(announcer),
            worker: Some(worker),
            refused,
        })
    }

    /// Whether the remux gave up (so far).
    pub(crate) fn refused(&self) -> bool {
        self.refused.load(Ordering::Relaxed)
    }

    /// The `.part` file is complete up to `len` bytes (never blocks).
    pub(crate) fn written(&mut self, len: u64) {
        if let Some(a) = &mut self.announcer {
            a.written(len);
        }
    }

    /// How far the `.part` file was announced complete.
    fn announced(&self) -> u64 {
        self.announcer.as_ref().map_or(0, Announcer::announced)
    }

    /// Ends the stream and waits for the thread. Ok(true): `output` is a finished MP4;
    /// Ok(false): the remux refused and `output` is gone.
    pub(crate) fn finish(mut self) -> bool {
        self.announcer = None;
        let done = self.worker.take().map(|w| {
            w.join()
                .unwrap_or_else(|_| refuse("the remux thread panicked"))
        });
        match done {
            Some(Ok(samples)) => {
                log::debug!(
                    "in-process remux of {}: {samples} samples",
                    self.output.display()
                );
                true
            }
            _ => {
                let _ = fs::remove_file(&self.output);
                false
            }
        }
    }

    /// Stops the remux and removes its output.
    pub(crate) fn abort(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.refused.store(true, Ordering::Relaxed);
        self.announcer = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
        let _ = fs::remove_file(&self.output);
    }
}

impl Drop for TsRemux {
    fn drop(&mut self) {
        if self.worker.is_some() {
            self.stop();
        }
    }
}

/// Where the written stream data goes for the remux of one download: the in-process remux
/// (with ffmpeg to fall back on, when it is on the PATH) or the ffmpeg pipe. Either reads the
/// `.part` file as the download announces it (see [`super::tail`]).
pub(crate) enum Sink {
    /// The in-process remux; `fallback` is ffmpeg to restart with after a refusal.
    InProcess {
        remux: TsRemux,
        fallback: Option<Fallback>,
    },
    /// The ffmpeg pipe (from the start, or after a refusal of the in-process remux).
    Ffmpeg(super::finish::Remux),
    /// The in-process remux refused and there is no ffmpeg: the MPEG-TS data stays.
    Given,
}

/// What a restart with ffmpeg needs: the tool, the `.part` file with the stream data written
/// so far, and the remux output.
pub(crate) struct Fallback {
    pub ffmpeg: PathBuf,
    pub part: PathBuf,
    pub output: PathBuf,
}

impl Fallback {
    /// Starts ffmpeg reading the `.part` file from its start, the first `written` bytes at once.
    fn restart(&self, written: u64) -> Option<super::finish::Remux> {
        let mut remux = super::finish::Remux::spawn(&self.ffmpeg, &self.part, &self.output, None)
            .inspect_err(|e| log::warn!("cannot start ffmpeg for {}: {e}", self.output.display()))
            .ok()?;
        remux.written(written);
        Some(remux)
    }
}

impl Sink {
    /// The in-process remux of `part` into `output`, with ffmpeg (when given) to fall back on.
    pub(crate) fn in_process(
        part: &Path,
        output: &Path,
        ffmpeg: Option<PathBuf>,
    ) -> Result<Self, DownloadError> {
        Ok(Sink::InProcess {
            remux: TsRemux::spawn(part, output)?,
            fallback: ffmpeg.map(|ffmpeg| Fallback {
                ffmpeg,
                part: part.to_path_buf(),
                output: output.to_path_buf(),
            }),
        })
    }

    /// Switches to ffmpeg (or to nothing) once the in-process remux has refused.
    fn fall_back_if_refused(&mut self) {
        if let Sink::InProcess { remux, .. } = self
            && remux.refused()
        {
            let Sink::InProcess { remux, fallback } = std::mem::replace(self, Sink::Given) else {
                return;
            };
            let written = remux.announced();
            remux.abort();
            if let Some(r) = fallback.as_ref().and_then(|f| f.restart(written)) {
                log::info!("remuxing with ffmpeg instead");
                *self = Sink::Ffmpeg(r);
            }
        }
    }

    /// The `.part` file is complete up to `len` bytes: the remux may read that far (never
    /// blocks).
    pub(crate) fn written(&mut self, len: u64) {
        self.fall_back_if_refused();
        match self {
            Sink::InProcess { remux, .. } => remux.written(len),
            Sink::Ffmpeg(r) => r.written(len),
            Sink::Given => {}
        }
    }

    /// Starts the write-back of the output written so far (see [`super::writeback`]); the
    /// in-process remux does that itself as it writes.
    pub(crate) fn start_writeback(&self) {
        if let Sink::Ffmpeg(r) = self {
            r.start_writeback();
        }
    }

    /// Ends the stream. Ok(true): the output is a finished MP4; Ok(false) (and no output): the
    /// remux failed and the MPEG-TS data is the result. A refusal at the very end restarts the
    /// remux with ffmpeg over the whole `.part` file.
    pub(crate) fn finish(mut self, cancel: &CancelToken) -> Result<bool, DownloadError> {
        self.fall_back_if_refused();
        match self {
            Sink::InProcess { remux, fallback } => {
                let written = remux.announced();
                if remux.finish() {
                    return Ok(true);
                }
                match fallback.as_ref().and_then(|f| f.restart(written)) {
                    Some(r) => {
                        log::info!("remuxing with ffmpeg instead");
                        r.finish(cancel)
                    }
                    None => Ok(false),
                }
            }
            Sink::Ffmpeg(r) => r.finish(cancel),
            Sink::Given => Ok(false),
        }
    }

    /// Stops the remux and removes its output (the download failed or was cancelled).
    pub(crate) fn abort(self) {
        match self {
            Sink::InProcess { remux, .. } => remux.abort(),
            Sink::Ffmpeg(r) => r.abort(),
            Sink::Given => {}
        }
    }
}

#[cfg(test)]
#[path = "remux_tests.rs"]
mod tests;
