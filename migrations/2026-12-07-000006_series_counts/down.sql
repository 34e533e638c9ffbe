DROP INDEX episodes_of_series_missing;
DROP INDEX series_site;
DROP INDEX series_missing;
DROP INDEX series_sort_name;
ALTER TABLE series DROP COLUMN present_count;
ALTER TABLE series DROP COLUMN missing_count;
ALTER TABLE series DROP COLUMN sort_name;
