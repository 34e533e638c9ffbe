//! The growing `.part` file of an HLS download, read as a stream by its remux.
//!
//! The download writes each segment to the `.part` file in order and then announces how far the
//! file is complete ([`Announcer::written`]); the remux thread (in process, or the one feeding
//! ffmpeg's pipe) reads the file up to that point ([`Tail::next`]), from the page cache where the
//! data has just been written. So a segment's buffer goes back to the fetchers as soon as it is
//! written, whatever the remux is doing: a remux that falls behind for a moment (a write-back,
//! a large frame) no longer holds the buffers the fetchers need, and no reorder window has to
//! be sized for it. The remux reads in pieces of [`PIECE`] bytes, through one buffer of its own.
//!
//! Only announced bytes are read: the writer announces whole segments, never a half-written one.
//! A resumed download announces what the earlier attempt left at once, and a restarted remux
//! (ffmpeg after the in-process remux gave up) reads the file again from its start.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, Sender, unbounded};

/// The most a reader takes from the file at once.
pub(crate) const PIECE: usize = 256 << 10;

/// The writer's side: announces how far the file is complete.
#[derive(Debug)]
pub(crate) struct Announcer {
    tx: Sender<u64>,
    written: u64,
}

impl Announcer {
    /// The file is complete up to `len` bytes. Never blocks; a reader that is gone is ignored.
    pub(crate) fn written(&mut self, len: u64) {
        if len > self.written {
            self.written = len;
            let _ = self.tx.send(len);
        }
    }

    /// How far the file was announced complete.
    pub(crate) fn announced(&self) -> u64 {
        self.written
    }
}

/// The reader's side (see the module doc). The stream ends when the [`Announcer`] is dropped
/// and everything announced has been read.
pub(crate) struct Tail {
    path: PathBuf,
    file: Option<File>,
    read: u64,
    announced: u64,
    rx: Receiver<u64>,
}

/// A reader of `path` from its start, and the announcer that drives it.
pub(crate) fn tail(path: &Path) -> (Announcer, Tail) {
    let (tx, rx) = unbounded();
    (
        Announcer { tx, written: 0 },
        Tail {
            path: path.to_path_buf(),
            file: None,
            read: 0,
            announced: 0,
            rx,
        },
    )
}

impl Tail {
    /// Reads the next announced bytes into `buf` (at most its length), waiting for the writer
    /// when everything announced has been read. Ok(0) once the writer is gone and nothing is
    /// left. An error when the file cannot be opened or is shorter than announced.
    pub(crate) fn next(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.read >= self.announced {
            match self.rx.recv() {
                Ok(len) => self.announced = self.announced.max(len),
                Err(_) => return Ok(0),
            }
        }
        // the latest announcement, without waiting
        for len in self.rx.try_iter() {
            self.announced = self.announced.max(len);
        }
        let file = match &mut self.file {
            Some(f) => f,
            None => self.file.insert(File::open(&self.path)?),
        };
        let n = (self.announced - self.read).min(buf.len() as u64) as usize;
        file.read_exact_at(&mut buf[..n], self.read)?;
        self.read += n as u64;
        Ok(n)
    }

    /// Bytes read so far.
    #[cfg(test)]
    pub(crate) fn read(&self) -> u64 {
        self.read
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::thread;

    use super::{PIECE, tail};

    #[test]
    fn the_reader_gets_exactly_the_announced_bytes_in_order_and_ends_with_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.part");
        let mut file = std::fs::File::create(&path).unwrap();
        let (mut announcer, mut tail) = tail(&path);
        let data: Vec<u8> = (0..3 * PIECE + 77).map(|i| (i % 251) as u8).collect();
        let reader = thread::spawn(move || {
            let mut got = Vec::new();
            let mut buf = vec![0u8; PIECE];
            loop {
                let n = tail.next(&mut buf).unwrap();
                if n == 0 {
                    return (got, tail.read());
                }
                got.extend_from_slice(&buf[..n]);
            }
        });
        for piece in data.chunks(100_000) {
            file.write_all(piece).unwrap();
            // bytes beyond the announcement (a segment being written) are never read
            file.write_all(b"partial").unwrap();
            let len = file.metadata().unwrap().len() - 7;
            announcer.written(len);
            file.set_len(len).unwrap();
            std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(len)).unwrap();
        }
        assert_eq!(announcer.announced(), data.len() as u64);
        drop(announcer);
        let (got, read) = reader.join().unwrap();
        assert_eq!(read, data.len() as u64);
        assert!(got == data, "the stream differs from what was written");
    }

    #[test]
    fn a_file_shorter_than_announced_is_an_error_not_an_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.part");
        std::fs::write(&path, b"0123456789").unwrap();
        let (mut announcer, mut tail) = tail(&path);
        announcer.written(20);
        let mut buf = [0u8; 64];
        assert!(tail.next(&mut buf).is_err());
    }
}
