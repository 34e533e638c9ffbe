-- Small key/value settings (secrets, queue running state, scheduler state).
-- Timestamps everywhere are RFC 3339 text in UTC with nanoseconds ("2026-01-02T03:04:05.000000000Z"),
-- so text order is time order.
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Revoked token ids, kept until the token would have expired anyway.
CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);

-- Every login attempt, for the lockout after repeated failures.
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    client TEXT NOT NULL,
    success BOOLEAN NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_attempts_success ON login_attempts (success, id);
CREATE INDEX login_attempts_at ON login_attempts (at);
