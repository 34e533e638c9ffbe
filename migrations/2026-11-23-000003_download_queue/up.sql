-- The persistent download queue. `id` is the item's UUID as text.
-- `priority` is the processing rank: 0 = HIGH, 1 = NORMAL, 2 = LOW, so that
-- ORDER BY priority, position is the processing order.
-- `progress_json` is the last progress report as JSON (null when none).
CREATE TABLE download_queue (
    id TEXT PRIMARY KEY NOT NULL,
    serie_id TEXT NOT NULL,
    serie_folder TEXT NOT NULL,
    serie_name TEXT NOT NULL,
    season INTEGER NOT NULL,
    episode INTEGER NOT NULL,
    title TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'downloading', 'paused', 'completed', 'failed', 'cancelled')),
    priority INTEGER NOT NULL CHECK (priority IN (0, 1, 2)),
    position BIGINT NOT NULL,
    added_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    progress_json TEXT,
    error TEXT,
    retry_count INTEGER NOT NULL DEFAULT 0,
    source_url TEXT,
    downloaded_bytes BIGINT NOT NULL DEFAULT 0,
    not_before TEXT
);
CREATE INDEX download_queue_status ON download_queue (status);
CREATE INDEX download_queue_order ON download_queue (priority, position);
CREATE INDEX download_queue_serie ON download_queue (serie_id, season, episode);
