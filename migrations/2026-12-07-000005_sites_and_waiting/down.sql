ALTER TABLE download_queue DROP COLUMN waiting_json;
ALTER TABLE series DROP COLUMN catalogue_url;
