ALTER TABLE episodes DROP COLUMN language;
ALTER TABLE episodes DROP COLUMN languages_offered;
