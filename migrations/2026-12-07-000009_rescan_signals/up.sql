-- Rescans that cost what changed (docs/rescans.md). Kept with each series by every look-up:
-- `ended` (its catalogue page gives an end year: re-checked rarely), the validators its series
-- page was served with (`page_etag`, `page_last_modified`, sent back as If-None-Match /
-- If-Modified-Since) and `next_check_at`, the planned time of its next re-check (spread over
-- the re-check period by a per-series offset). The indexes let a changed rescan read only the
-- series it looks up: the due ones, the ones never scanned or whose look-up failed.
ALTER TABLE series ADD COLUMN ended BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE series ADD COLUMN page_etag TEXT;
ALTER TABLE series ADD COLUMN page_last_modified TEXT;
ALTER TABLE series ADD COLUMN next_check_at TEXT;
CREATE INDEX series_next_check ON series (next_check_at);
CREATE INDEX series_last_scanned ON series (ended, last_scanned_at);
CREATE INDEX series_unscanned ON series (key)
    WHERE last_scanned_at IS NULL OR last_scan_error IS NOT NULL;
