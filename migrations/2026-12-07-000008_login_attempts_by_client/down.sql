DROP INDEX login_attempts_client;
