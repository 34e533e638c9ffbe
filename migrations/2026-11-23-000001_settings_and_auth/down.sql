DROP TABLE login_attempts;
DROP TABLE revoked_tokens;
DROP TABLE settings;
