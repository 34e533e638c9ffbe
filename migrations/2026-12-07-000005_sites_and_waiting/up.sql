-- Second catalogue site and verification walls.
-- `series.key` is the library id: the slug for aniworld.to series, `s.to:<slug>` for s.to series,
-- so the same slug on both sites is two series. `catalogue_url` is the series page as the site
-- last served it (after its own redirects), updated by scans when the site moves a series.
ALTER TABLE series ADD COLUMN catalogue_url TEXT;
-- Why, for which site and until when a pending item waits (JSON {reason, site, until}), or null.
ALTER TABLE download_queue ADD COLUMN waiting_json TEXT;
