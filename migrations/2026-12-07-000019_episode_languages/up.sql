-- The languages the catalogue offers each episode in, as its season page lists them at the last
-- scan: wire names joined by commas ("German Dub,English Sub"); NULL when the page does not say.
ALTER TABLE episodes ADD COLUMN languages_offered TEXT;
-- The language of the episode's file when the service downloaded it (a wire name); NULL for a
-- file found on disk that the service did not write, or no file.
ALTER TABLE episodes ADD COLUMN language TEXT;
