//! The file side of a download: the target folder check, `.part` names,
//! the optional `ffmpeg` remux (fed through a pipe while the download runs; the in-process remux
//! of `remux.rs` falls back to it) and `ffprobe` check, and the final rename.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use aniworld_core::config::VerifyMode;
use aniworld_core::ports::CancelToken;

use super::DownloadError;
use super::tail::{Announcer, PIECE, tail};

/// `<final>.part`.
pub(crate) fn part_path(final_path: &Path) -> PathBuf {
    with_suffix(final_path, ".part")
}

/// `<final>` with `suffix` appended to its file name.
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = path.file_name().map(OsString::from).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// Makes sure the folder of `final_path` exists: a missing `Season NN` folder is created, but
/// when its parent (the series folder) is missing too, the target counts as vanished.
pub(crate) fn prepare_target(final_path: &Path) -> Result<(), DownloadError> {
    let Some(dir) = final_path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.is_dir() {
        return Ok(());
    }
    match dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(series) if !series.is_dir() => Err(DownloadError::TargetMissing {
            path: series.to_path_buf(),
        }),
        _ => fs::create_dir(dir).or_else(|e| {
            if dir.is_dir() {
                Ok(())
            } else {
                Err(DownloadError::from_io(&e, dir))
            }
        }),
    }
}

/// Syncs `path`'s data to disk (a file written by another process, e.g. ffmpeg's MP4, or the
/// `.part` data that becomes the result after all).
pub(crate) fn sync_file(path: &Path) -> Result<(), DownloadError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| DownloadError::from_io(&e, path))
}

/// Renames the verified `from` to `to` and syncs the folder so the rename survives a crash.
pub(crate) fn commit(from: &Path, to: &Path) -> Result<(), DownloadError> {
    fs::rename(from, to).map_err(|e| DownloadError::from_io(&e, to))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The full path of `program` when it is a file in one of `dirs`, or, when `dirs` is None, in a
/// folder of the `PATH`.
pub(crate) fn find_tool(program: &str, dirs: Option<&[PathBuf]>) -> Option<PathBuf> {
    match dirs {
        Some(dirs) => dirs.iter().map(|d| d.join(program)).find(|p| p.is_file()),
        None => {
            let paths = std::env::var_os("PATH")?;
            std::env::split_paths(&paths)
                .map(|dir| dir.join(program))
                .find(|p| p.is_file())
        }
    }
}

/// The helper programs found for one download (looked up once, when it starts).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tools {
    /// `ffmpeg`, for the HLS remux.
    pub ffmpeg: Option<PathBuf>,
    /// `ffprobe`, for the verification.
    pub ffprobe: Option<PathBuf>,
}

impl Tools {
    /// Looks both programs up in `dirs` (None: the `PATH`).
    pub(crate) fn find(dirs: Option<&[PathBuf]>) -> Self {
        Self {
            ffmpeg: find_tool("ffmpeg", dirs),
            ffprobe: find_tool("ffprobe", dirs),
        }
    }

    /// Fails when `mode` needs `ffprobe` and it is missing: [`VerifyMode::Always`] without it.
    pub(crate) fn check(&self, mode: VerifyMode) -> Result<(), DownloadError> {
        if mode == VerifyMode::Always && self.ffprobe.is_none() {
            return Err(DownloadError::ToolMissing {
                tool: "ffprobe".into(),
                setting: "download.verify is \"always\"".into(),
            });
        }
        Ok(())
    }
}

/// Runs a child process to completion, killing it when `cancel` fires.
fn wait_child(mut child: Child, cancel: &CancelToken) -> Result<bool, DownloadError> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status.success()),
            Ok(None) => {}
            Err(e) => {
                return Err(DownloadError::Verification {
                    what: format!("waiting for a helper process failed: {e}"),
                });
            }
        }
        if cancel.is_cancelled() {
            let _ = child.kill();
            let _ = child.wait();
            return Err(DownloadError::Cancelled);
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// What `ffprobe` says about a file.
#[derive(Debug, Default)]
pub(crate) struct Probe {
    /// Container duration in seconds.
    pub duration: Option<f64>,
}

/// Probes `path` with `ffprobe`; None when the container is unreadable.
pub(crate) fn probe(ffprobe: &Path, path: &Path) -> Option<Probe> {
    let out = Command::new(ffprobe)
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_name",
        ])
        .args(["-of", "default=noprint_wrappers=1"])
        .arg(path)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut probe = Probe::default();
    for line in text.lines() {
        if let Some(d) = line.strip_prefix("duration=") {
            probe.duration = d.trim().parse().ok();
        }
    }
    Some(probe)
}

/// Checks with `ffprobe` that `path` is a readable container with a plausible duration: positive,
/// and at least half of `expected` seconds when that is known. `mode` says whether to check:
/// [`VerifyMode::Auto`] checks when `ffprobe` was found and lets the file pass otherwise,
/// [`VerifyMode::Always`] fails without it, [`VerifyMode::Never`] never checks.
pub(crate) fn verify_container(
    mode: VerifyMode,
    tools: &Tools,
    path: &Path,
    expected: Option<f64>,
) -> Result<(), DownloadError> {
    if mode == VerifyMode::Never {
        return Ok(());
    }
    tools.check(mode)?;
    let Some(ffprobe) = &tools.ffprobe else {
        log::debug!(
            "ffprobe is not on the PATH: {} is kept unchecked",
            path.display()
        );
        return Ok(());
    };
    let Some(p) = probe(ffprobe, path) else {
        return Err(DownloadError::Verification {
            what: format!("ffprobe cannot read {}", path.display()),
        });
    };
    let duration = p.duration.unwrap_or(0.0);
    let plausible = duration > 0.0 && expected.is_none_or(|e| duration >= e * 0.5);
    if plausible {
        Ok(())
    } else {
        Err(DownloadError::Verification {
            what: format!(
                "{} lasts {duration:.1} s, expected {}",
                path.display(),
                expected.map_or("more than 0 s".to_string(), |e| format!("about {e:.1} s"))
            ),
        })
    }
}

/// An `ffmpeg` process that remuxes the stream data, while the download runs, into an MP4 at
/// `output` without re-encoding (`-c copy`; ffmpeg's MP4 muxer converts ADTS AAC by itself).
/// The data goes through a pipe: the remux is no second pass over the file. A separate audio
/// rendition, already on disk, is the second input.
///
/// A feeder thread reads the `.part` file as the download announces it ([`Remux::written`],
/// see [`super::tail`]) and writes it to ffmpeg's standard input, so that the download and the
/// remux overlap without the download waiting for ffmpeg. When ffmpeg stops early (it cannot
/// read the data), the download goes on and [`Remux::finish`] reports the remux as failed.
pub(crate) struct Remux {
    child: Option<Child>,
    output: PathBuf,
    announcer: Option<Announcer>,
    feeder: Option<thread::JoinHandle<()>>,
    broken: Arc<AtomicBool>,
}

impl Remux {
    /// Starts ffmpeg reading `part` as it grows and writing `output`; `audio` is a separate
    /// audio rendition to mux in (its audio replaces any in the fed stream).
    pub(crate) fn spawn(
        ffmpeg: &Path,
        part: &Path,
        output: &Path,
        audio: Option<&Path>,
    ) -> Result<Self, DownloadError> {
        let mut cmd = Command::new(ffmpeg);
        cmd.args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y"])
            .args(["-i", "pipe:0"]);
        match audio {
            Some(a) => {
                cmd.arg("-i").arg(a).args(["-map", "0:v", "-map", "1:a:0"]);
            }
            None => {
                cmd.args(["-map", "0"]);
            }
        }
        cmd.args(["-dn", "-ignore_unknown", "-c", "copy", "-f", "mp4"])
            .arg(output)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd
            .spawn()
            .map_err(|e| DownloadError::from_io(&e, output))?;
        let Some(mut stdin) = child.stdin.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(DownloadError::Io {
                path: output.to_path_buf(),
                msg: "ffmpeg started without a standard input".into(),
            });
        };
        let (announcer, mut tail) = tail(part);
        let broken = Arc::new(AtomicBool::new(false));
        let flag = broken.clone();
        let name = output.display().to_string();
        let feeder = thread::Builder::new()
            .name("remux-feed".into())
            .spawn(move || {
                let mut buf = vec![0u8; PIECE];
                loop {
                    let n = match tail.next(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) => {
                            log::warn!("cannot read the stream back for {name}: {e}");
                            flag.store(true, Ordering::Relaxed);
                            break;
                        }
                    };
                    if let Err(e) = stdin.write_all(&buf[..n]) {
                        log::warn!("ffmpeg stopped reading the stream for {name}: {e}");
                        flag.store(true, Ordering::Relaxed);
                        break;
                    }
                }
                // dropping stdin closes the pipe: ffmpeg writes the index and ends
            });
        let feeder = match feeder {
            Ok(f) => f,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(DownloadError::Io {
                    path: output.to_path_buf(),
                    msg: format!("cannot start the remux feeder: {e}"),
                });
            }
        };
        Ok(Self {
            child: Some(child),
            output: output.to_path_buf(),
            announcer: Some(announcer),
            feeder: Some(feeder),
            broken,
        })
    }

    /// The `.part` file is complete up to `len` bytes (never blocks).
    pub(crate) fn written(&mut self, len: u64) {
        if let Some(a) = &mut self.announcer {
            a.written(len);
        }
    }

    /// Starts the write-back of what ffmpeg has written so far, without waiting for it, so the
    /// sync before the final rename does not have to write the whole file at the end (see
    /// [`super::writeback`]). A failure only costs that head start.
    pub(crate) fn start_writeback(&self) {
        if let Ok(f) = File::open(&self.output) {
            super::writeback::kick(&f, 0, None);
        }
    }

    /// Closes the stream and waits for ffmpeg. Ok(true) when `output` is a finished MP4; Ok(false)
    /// (and no `output`) when ffmpeg failed or stopped reading.
    pub(crate) fn finish(mut self, cancel: &CancelToken) -> Result<bool, DownloadError> {
        self.announcer = None;
        if let Some(f) = self.feeder.take() {
            let _ = f.join();
        }
        let Some(child) = self.child.take() else {
            return Ok(false);
        };
        let ok = wait_child(child, cancel).inspect_err(|_| {
            let _ = fs::remove_file(&self.output);
        })?;
        let ok = ok && !self.broken.load(Ordering::Relaxed);
        if !ok {
            let _ = fs::remove_file(&self.output);
        }
        Ok(ok)
    }

    /// Stops ffmpeg and removes its output (the download failed or was cancelled).
    pub(crate) fn abort(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.announcer = None;
        if let Some(f) = self.feeder.take() {
            let _ = f.join();
        }
        let _ = fs::remove_file(&self.output);
    }
}

impl Drop for Remux {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names() {
        let p = Path::new("/a/Show/Season 01/Show - S01E01.mp4");
        assert_eq!(
            part_path(p),
            Path::new("/a/Show/Season 01/Show - S01E01.mp4.part")
        );
    }

    #[test]
    fn season_folder_is_created_but_a_missing_series_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let show = dir.path().join("Show");
        fs::create_dir(&show).unwrap();
        prepare_target(&show.join("Season 01").join("x.mp4")).unwrap();
        assert!(show.join("Season 01").is_dir());
        let gone = dir.path().join("Gone").join("Season 01").join("x.mp4");
        match prepare_target(&gone) {
            Err(DownloadError::TargetMissing { path }) => assert_eq!(path, dir.path().join("Gone")),
            other => panic!("unexpected {other:?}"),
        }
    }

    /// A folder holding a stand-in `ffprobe` that runs `body`, and the tools found there.
    fn stand_in_ffprobe(body: &str) -> (tempfile::TempDir, Tools) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ffprobe");
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        let tools = Tools::find(Some(&[dir.path().to_path_buf()]));
        assert_eq!(tools.ffprobe.as_deref(), Some(path.as_path()));
        assert!(tools.ffmpeg.is_none());
        (dir, tools)
    }

    #[derive(Debug, PartialEq)]
    enum Outcome {
        Passes,
        Fails,
        ToolMissing,
    }

    /// Verifies a file with `mode` and `tools`, expecting an 8 s stream.
    fn check(mode: VerifyMode, tools: &Tools, expected: Outcome) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.mp4");
        fs::write(&file, b"whatever").unwrap();
        let got = match verify_container(mode, tools, &file, Some(8.0)) {
            Ok(()) => Outcome::Passes,
            Err(DownloadError::Verification { .. }) => Outcome::Fails,
            Err(DownloadError::ToolMissing { tool, .. }) if tool == "ffprobe" => {
                Outcome::ToolMissing
            }
            Err(e) => panic!("{mode:?}: unexpected {e:?}"),
        };
        assert_eq!(got, expected, "{mode:?} with {tools:?}");
    }

    #[test]
    fn verify_modes() {
        let (_g1, good) = stand_in_ffprobe("echo codec_name=h264\necho duration=8.000000");
        let (_g2, short) = stand_in_ffprobe("echo codec_name=h264\necho duration=1.000000");
        let (_g3, unreadable) = stand_in_ffprobe("echo 'Invalid data' >&2\nexit 1");
        let none = Tools::find(Some(&[]));
        assert!(none.ffprobe.is_none() && none.ffmpeg.is_none());
        use Outcome::*;
        use VerifyMode::*;
        for (mode, tools, expected) in [
            (Auto, &good, Passes),
            (Auto, &short, Fails),
            (Auto, &unreadable, Fails),
            (Auto, &none, Passes),
            (Always, &good, Passes),
            (Always, &short, Fails),
            (Always, &unreadable, Fails),
            (Always, &none, ToolMissing),
            (Never, &good, Passes),
            (Never, &short, Passes),
            (Never, &unreadable, Passes),
            (Never, &none, Passes),
        ] {
            check(mode, tools, expected);
        }
        assert!(none.check(Always).is_err());
        assert!(none.check(Auto).is_ok() && none.check(Never).is_ok());
    }

    #[test]
    fn tools_are_found_in_the_given_folders_only() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("ffmpeg"), b"").unwrap();
        let dirs = [PathBuf::from("/nonexistent"), dir.path().to_path_buf()];
        assert_eq!(
            find_tool("ffmpeg", Some(&dirs)),
            Some(dir.path().join("ffmpeg"))
        );
        assert_eq!(find_tool("ffprobe", Some(&dirs)), None);
        assert_eq!(find_tool("ffmpeg", Some(&[])), None);
    }
}
