//! System figures for `/health/detailed`: CPU, memory, the disk holding the data dir.
//!
//! The `sysinfo::System` is created on first use, not at start (it costs memory), and kept, so
//! CPU usage is measured between two calls. Reading it is blocking: call through `blocking`.

use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;
use sysinfo::{Disks, System};

/// One reading.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SystemSnapshot {
    /// CPU usage of the machine since the previous reading (0 on the first one), percent.
    pub cpu_percent: f64,
    /// Memory in use, percent of total.
    pub memory_percent: f64,
    /// Memory available, MiB.
    pub memory_available_mb: f64,
    /// Space used on the disk holding the data dir, percent.
    pub disk_percent: f64,
    /// Free space on that disk, MiB.
    pub disk_free_mb: f64,
    /// Seconds since the service started.
    pub uptime_seconds: f64,
}

/// Lazily created system probe.
#[derive(Debug, Default)]
pub struct SystemMetrics {
    system: Mutex<Option<System>>,
}

const MIB: f64 = 1024.0 * 1024.0;

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

impl SystemMetrics {
    /// Reads CPU, memory and the disk of `data_dir`; `uptime_seconds` is left to the caller.
    pub fn snapshot(&self, data_dir: &Path) -> SystemSnapshot {
        let mut snap = SystemSnapshot::default();
        let mut guard = self.system.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = System::new().ok();
        }
        if let Some(sys) = guard.as_mut() {
            sys.refresh_cpu_usage();
            sys.refresh_memory();
            snap.cpu_percent = round1(f64::from(sys.global_cpu_usage()));
            let total = sys.total_memory() as f64;
            if total > 0.0 {
                let available = sys.available_memory() as f64;
                snap.memory_percent = round1((total - available) / total * 100.0);
                snap.memory_available_mb = round1(available / MIB);
            }
        }
        drop(guard);
        if let Ok(disks) = Disks::new_with_refreshed_list() {
            let dir = data_dir
                .canonicalize()
                .unwrap_or_else(|_| data_dir.to_path_buf());
            let disk = disks
                .iter()
                .filter(|d| dir.starts_with(d.mount_point()))
                .max_by_key(|d| d.mount_point().as_os_str().len());
            if let Some(d) = disk {
                let (total, free) = (d.total_space() as f64, d.available_space() as f64);
                if total > 0.0 {
                    snap.disk_percent = round1((total - free) / total * 100.0);
                }
                snap.disk_free_mb = round1(free / MIB);
            }
        }
        snap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_in_range() {
        let m = SystemMetrics::default();
        let s = m.snapshot(&std::env::temp_dir());
        assert!((0.0..=100.0).contains(&s.memory_percent), "{s:?}");
        assert!(s.memory_available_mb > 0.0, "{s:?}");
        assert!((0.0..=100.0).contains(&s.disk_percent), "{s:?}");
        let again = m.snapshot(&std::env::temp_dir());
        assert!((0.0..=100.0).contains(&again.cpu_percent), "{again:?}");
    }
}
