//! The file side of a download: the target folder check, `.part` names, atomic small writes,
//! the optional `ffmpeg` remux and `ffprobe` check, and the final rename.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

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

/// The full path of `program` when it is an executable on the `PATH`.
pub(crate) fn find_on_path(program: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
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

/// Checks with `ffprobe` (when wanted and installed) that `path` is a readable container with a
/// plausible duration: positive, and at least half of `expected` seconds when that is known.
pub(crate) fn verify_container(
    enabled: bool,
    path: &Path,
    expected: Option<f64>,
) -> Result<(), DownloadError> {
    if !enabled {
        return Ok(());
    }
    let Some(ffprobe) = find_on_path("ffprobe") else {
        return Ok(());
    };
    let Some(p) = probe(&ffprobe, path) else {
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
    input: &Path,
    output: &Path,
    cancel: &CancelToken,
) -> Result<bool, DownloadError> {
    let Some(ffmpeg) = find_on_path("ffmpeg") else {
        log::info!(
            "ffmpeg is not on the PATH: keeping {} as MPEG-TS data",
            input.display()
        );
        return Ok(false);
    };
    let aac = find_on_path("ffprobe")
        .and_then(|p| probe(&p, input))
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
