-- The languages the catalogue offers each episode in, as its season page lists them at the last
-- scan: wire names joined by commas ("German Dub,English Sub"); NULL when the page does not say.
ALTER TABLE episodes ADD COLUMN languages_offered TEXT;
