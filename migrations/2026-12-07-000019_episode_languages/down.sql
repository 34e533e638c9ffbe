ALTER TABLE episodes DROP COLUMN languages_offered;
