DROP INDEX series_unscanned;
DROP INDEX series_last_scanned;
DROP INDEX series_next_check;
ALTER TABLE series DROP COLUMN next_check_at;
ALTER TABLE series DROP COLUMN page_last_modified;
ALTER TABLE series DROP COLUMN page_etag;
ALTER TABLE series DROP COLUMN ended;
