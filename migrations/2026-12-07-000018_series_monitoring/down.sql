ALTER TABLE series DROP COLUMN upgrade;
ALTER TABLE series DROP COLUMN cutoff;
ALTER TABLE series DROP COLUMN languages;
ALTER TABLE series DROP COLUMN monitored;
