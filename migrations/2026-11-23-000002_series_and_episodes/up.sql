-- Series of the library, identified by the catalogue slug (`key`).
-- `name` sorts case-insensitively for listings.
CREATE TABLE series (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL COLLATE NOCASE,
    site TEXT NOT NULL,
    folder TEXT NOT NULL,
    year INTEGER,
    description TEXT,
    imdb_id TEXT,
    cover_url TEXT,
    added_at TEXT NOT NULL,
    last_scanned_at TEXT,
    last_scan_error TEXT
);
CREATE INDEX series_folder ON series (folder);
CREATE INDEX series_name ON series (name);

-- Episodes of a series as the last scan saw them: available on the catalogue and/or present on disk.
-- Missing = is_downloaded false. Season 0 holds the movies.
CREATE TABLE episodes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
    season INTEGER NOT NULL,
    episode INTEGER NOT NULL,
    title_de TEXT,
    title_en TEXT,
    is_downloaded BOOLEAN NOT NULL DEFAULT 0,
    file_path TEXT,
    UNIQUE (series_id, season, episode)
);
CREATE INDEX episodes_missing ON episodes (is_downloaded, series_id);
