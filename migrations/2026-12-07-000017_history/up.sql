-- The download history (docs/history.md): one row per completed, failed, upgraded or deleted
-- episode, apart from the queue, so clearing the queue leaves it alone. No foreign key to
-- `series`: entries outlive the series they name (a `deleted` entry most of all). Rows older
-- than `history.keep_days` are pruned.
CREATE TABLE download_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- completed | failed | upgraded | deleted
    event TEXT NOT NULL CHECK (event IN ('completed', 'failed', 'upgraded', 'deleted')),
    -- RFC 3339 in UTC with nanoseconds, so text order is time order
    at TEXT NOT NULL,
    series_key TEXT NOT NULL,
    series_name TEXT NOT NULL,
    season INTEGER NOT NULL,
    episode INTEGER NOT NULL,
    -- the language's name (`German Dub`), null when unknown
    language TEXT,
    hoster TEXT,
    file_path TEXT,
    size_bytes BIGINT,
    error TEXT
);
-- Pages newest first (and pruning by time), unfiltered or by event, and of one series.
CREATE INDEX download_history_by_time ON download_history (at, id);
CREATE INDEX download_history_by_event ON download_history (event, at, id);
CREATE INDEX download_history_by_series ON download_history (series_key, at, id);
