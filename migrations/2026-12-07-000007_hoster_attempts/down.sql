DROP TABLE hoster_attempts;
