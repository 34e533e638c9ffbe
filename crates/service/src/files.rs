//! File helpers of the service. Files are written with `aniworld_core::files::write_atomic`
//! (config.json and backups owner-only, as they hold secrets); a temporary left by a crash is
//! removed at the next start (`data_dir.rs`).

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

/// Whether a file can be created in `dir` (creates and removes a probe file).
pub fn dir_writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".write-probe-{}", uuid::Uuid::new_v4().simple()));
    let ok = File::create(&probe)
        .and_then(|mut f| f.write_all(b"ok"))
        .is_ok();
    let _ = fs::remove_file(&probe);
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_writable_when_a_file_can_be_created_in_it() {
        let dir = tempfile::tempdir().unwrap();
        assert!(dir_writable(dir.path()));
        assert!(!dir_writable(&dir.path().join("missing")));
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "the probe is removed"
        );
    }
}
