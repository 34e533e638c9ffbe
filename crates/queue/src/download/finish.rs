//! The file side of a download: the target folder check, `.part` names, atomic small writes,
//! the optional `ffmpeg` remux and `ffprobe` check, and the final rename.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use aniworld_core::config::VerifyMode;
use aniworld_core::ports::CancelToken;

use super::DownloadError;

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

/// Writes `data` to `path` atomically: a temp file in the same folder, fsync, rename.
pub(crate) fn write_atomic(path: &Path, data: &[u8]) -> Result<(), DownloadError> {
    let tmp = with_suffix(path, ".tmp");
    let io = |e: std::io::Error| DownloadError::from_io(&e, path);
    let mut f = File::create(&tmp).map_err(io)?;
    f.write_all(data).map_err(io)?;
    f.sync_all().map_err(io)?;
    fs::rename(&tmp, path).map_err(io)
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
    /// Whether an audio stream is AAC.
    pub aac_audio: bool,
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
        } else if line.trim() == "codec_name=aac" {
            probe.aac_audio = true;
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

/// Remuxes the stream data in `input` into an MP4 container at `output` without re-encoding.
/// Returns false (and leaves no `output`) when ffmpeg is not installed or failed.
pub(crate) fn remux_to_mp4(
    tools: &Tools,
    input: &Path,
    output: &Path,
    cancel: &CancelToken,
) -> Result<bool, DownloadError> {
    let Some(ffmpeg) = &tools.ffmpeg else {
        log::info!(
            "ffmpeg is not on the PATH: keeping {} as MPEG-TS data",
            input.display()
        );
        return Ok(false);
    };
    let aac = tools
        .ffprobe
        .as_deref()
        .and_then(|p| probe(p, input))
        .is_none_or(|p| p.aac_audio);
    let mut cmd = Command::new(ffmpeg);
    cmd.args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i"])
        .arg(input)
        .args(["-map", "0", "-dn", "-ignore_unknown", "-c", "copy"]);
    if aac {
        cmd.args(["-bsf:a", "aac_adtstoasc"]);
    }
    cmd.args(["-f", "mp4"]).arg(output);
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| DownloadError::from_io(&e, output))?;
    let ok = wait_child(child, cancel).inspect_err(|_| {
        let _ = fs::remove_file(output);
    })?;
    if !ok {
        let _ = fs::remove_file(output);
        log::warn!(
            "ffmpeg could not remux {}: keeping the MPEG-TS data",
            input.display()
        );
    }
    Ok(ok)
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

    #[test]
    fn atomic_write_replaces_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert!(!with_suffix(&p, ".tmp").exists());
    }
}
