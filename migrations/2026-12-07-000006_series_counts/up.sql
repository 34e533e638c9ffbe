-- Listing a page of the library without reading every series and episode: the counts a listing
-- filters and sorts by are kept with the series (updated with its episodes), and the name it
-- sorts by is stored in the form the service compares (Unicode lower case, filled in by the
-- store for rows written before this migration).
ALTER TABLE series ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
ALTER TABLE series ADD COLUMN missing_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE series ADD COLUMN present_count INTEGER NOT NULL DEFAULT 0;
UPDATE series SET
    missing_count = (SELECT COUNT(*) FROM episodes e WHERE e.series_id = series.id AND e.is_downloaded = 0),
    present_count = (SELECT COUNT(*) FROM episodes e WHERE e.series_id = series.id AND e.is_downloaded = 1);
CREATE INDEX series_sort_name ON series (sort_name, key);
CREATE INDEX series_missing ON series (missing_count DESC, sort_name, key);
CREATE INDEX series_site ON series (site, key);
-- The missing episodes of a page's series, read from the index alone.
CREATE INDEX episodes_of_series_missing ON episodes (series_id, is_downloaded, season, episode);
