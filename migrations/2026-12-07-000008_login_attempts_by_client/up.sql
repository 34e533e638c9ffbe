-- The lockout counts failed logins per client address since that address's last success.
CREATE INDEX login_attempts_client ON login_attempts (client, success, id);
