//! Early write-back of the files a download writes.
//!
//! Linux keeps written data in the page cache until its dirty limits are reached (10 % of the
//! memory by default, gigabytes on a media server), so an episode of 600 MB would sit there in
//! full and the `fsync` before the final rename would write all of it while the download waits.
//! A [`Kicker`] hands each written stretch of [`KICK_EVERY`] bytes to the kernel's write-back at
//! once (`posix_fadvise(POSIX_FADV_DONTNEED)`, which starts the write without waiting for it and
//! drops the pages already on disk), so the disk works while the network does, the final sync
//! finds little left, and a finished episode does not push the media server's cache out.
//!
//! Kicked as they are written: a direct download's `.part`, an HLS `.part` that is the result,
//! and the in-process remux's MP4 (through [`Writeback`]). ffmpeg's output is kicked whole every
//! couple of seconds. Not kicked: the `.part` copy an HLS download keeps beside a remux for the
//! resume, which is deleted at the end and best never written at all. Off Linux, and where
//! the call fails, a kick does nothing: only the head start is lost.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::num::NonZeroU64;
use std::ops::Range;

/// Bytes written between two write-back kicks.
pub(crate) const KICK_EVERY: u64 = 16 << 20;

/// Kicks the write-back of a file written front to back, every [`KICK_EVERY`] bytes.
#[derive(Debug)]
pub(crate) struct Kicker {
    /// Everything below this offset has been handed to write-back.
    kicked: u64,
}

impl Kicker {
    /// A kicker for a file whose data up to `pos` is not to be kicked.
    pub(crate) fn new(pos: u64) -> Self {
        Self { kicked: pos }
    }

    /// Tells that `file` has been written up to `pos`: kicks the stretch before it once it is
    /// [`KICK_EVERY`] bytes long.
    pub(crate) fn wrote(&mut self, file: &File, pos: u64) {
        if let Some(r) = self.due(pos) {
            kick(file, r.start, Some(r.end - r.start));
        }
    }

    /// The stretch to kick now that the file has been written up to `pos`, if one is due.
    fn due(&mut self, pos: u64) -> Option<Range<u64>> {
        if pos < self.kicked {
            // Written over from an earlier point (a download starting over).
            self.kicked = pos;
            None
        } else if pos - self.kicked >= KICK_EVERY {
            let r = self.kicked..pos;
            self.kicked = pos;
            Some(r)
        } else {
            None
        }
    }
}

/// Starts the write-back of `len` bytes of `file` from `offset` (to the end when `len` is
/// `None`), without waiting for it.
pub(crate) fn kick(file: &File, offset: u64, len: Option<u64>) {
    let len = match len {
        Some(l) => match NonZeroU64::new(l) {
            Some(l) => Some(l),
            None => return,
        },
        None => None,
    };
    #[cfg(target_os = "linux")]
    let _ = rustix::fs::fadvise(file, offset, len, rustix::fs::Advice::DontNeed);
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, len);
}

/// A file written through a [`Kicker`]: the output of the in-process remux (see the module doc).
pub(crate) struct Writeback {
    file: File,
    /// The write position.
    pos: u64,
    kicker: Kicker,
}

impl Writeback {
    /// Wraps `file`, positioned at its start.
    pub(crate) fn new(file: File) -> Self {
        Self {
            file,
            pos: 0,
            kicker: Kicker::new(0),
        }
    }
}

impl Write for Writeback {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.pos += n as u64;
        // Not after a seek back (the MP4 header patched at the end): the data after it was
        // kicked already, and a position below the marker would reset it.
        if self.pos > self.kicker.kicked {
            self.kicker.wrote(&self.file, self.pos);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for Writeback {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        // The kick marker stays where it is: a header patched after a seek back is small, and
        // the data after it was kicked already (see `write`).
        self.pos = self.file.seek(to)?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek, SeekFrom, Write};

    use super::{KICK_EVERY, Kicker, Writeback};

    #[test]
    fn a_kick_covers_each_stretch_once_and_restarts_after_a_rewrite() {
        let mut k = Kicker::new(100);
        assert_eq!(k.due(100 + KICK_EVERY - 1), None);
        assert_eq!(k.due(100 + KICK_EVERY), Some(100..100 + KICK_EVERY));
        assert_eq!(k.due(100 + KICK_EVERY + 10), None);
        assert_eq!(
            k.due(100 + 3 * KICK_EVERY),
            Some(100 + KICK_EVERY..100 + 3 * KICK_EVERY)
        );
        // the download starts over
        assert_eq!(k.due(5), None);
        assert_eq!(k.due(5 + KICK_EVERY), Some(5..5 + KICK_EVERY));
    }

    #[test]
    fn the_writeback_file_holds_what_was_written_and_patched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        let mut w = Writeback::new(std::fs::File::create(&path).unwrap());
        let block: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
        for _ in 0..(KICK_EVERY >> 20) + 3 {
            w.write_all(&block).unwrap();
        }
        w.seek(SeekFrom::Start(4)).unwrap();
        w.write_all(b"HEAD").unwrap();
        w.seek(SeekFrom::End(0)).unwrap();
        w.write_all(b"tail").unwrap();
        w.flush().unwrap();
        drop(w);
        let mut data = Vec::new();
        std::fs::File::open(&path)
            .unwrap()
            .read_to_end(&mut data)
            .unwrap();
        assert_eq!(data.len() as u64, KICK_EVERY + (3 << 20) + 4);
        assert_eq!(&data[..8], &[0, 1, 2, 3, b'H', b'E', b'A', b'D']);
        assert_eq!(&data[8..(1 << 20)], &block[8..]);
        assert_eq!(&data[data.len() - 4..], b"tail");
    }
}
