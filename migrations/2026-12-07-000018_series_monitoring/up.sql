-- How the library follows each series (docs/monitoring.md).
-- monitored: automatic runs (scheduler.auto_download_after_rescan) queue its missing episodes.
-- languages: the accepted languages, best first, as wire names joined by commas
--   ("German Dub,German Sub"); NULL follows the global download.language_preference, whatever it
--   is at the time (every series added before this migration does).
-- cutoff: the language at which no upgrade is sought (a wire name); NULL is the first accepted
--   language.
-- upgrade: an episode present below its cutoff is downloaded again when a better language appears.
ALTER TABLE series ADD COLUMN monitored BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE series ADD COLUMN languages TEXT;
ALTER TABLE series ADD COLUMN cutoff TEXT;
ALTER TABLE series ADD COLUMN upgrade BOOLEAN NOT NULL DEFAULT 0;
