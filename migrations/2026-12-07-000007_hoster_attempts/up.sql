-- Every hoster extraction attempt of the download resolver, so hoster health (the numbers of
-- /health/detailed and the cool-down of failing hosters) survives a restart. Rows older than
-- a day are pruned by the service.
CREATE TABLE hoster_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    hoster TEXT NOT NULL,
    at TEXT NOT NULL,
    -- success | failure | video_unavailable
    outcome TEXT NOT NULL,
    error TEXT
);
CREATE INDEX hoster_attempts_at ON hoster_attempts (at);
