-- One row per scheduled or manual rescan; `finished_at` is null while it runs
-- (or when the process died during the run).
CREATE TABLE scheduler_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    "trigger" TEXT NOT NULL,
    series_scanned INTEGER NOT NULL DEFAULT 0,
    missing_found INTEGER NOT NULL DEFAULT 0,
    episodes_queued INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX scheduler_runs_started_at ON scheduler_runs (started_at);
