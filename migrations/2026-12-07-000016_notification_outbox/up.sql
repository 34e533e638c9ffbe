-- The notification outbox (docs/notifications.md): one row per notification and target, written
-- before anything is sent, so that a target that is down or a restart loses nothing. The worker
-- delivers the pending rows of each target in id order (`next_attempt_at` spaces the retries;
-- `held` marks rows kept back by quiet hours until they are summarised). Finished rows stay for
-- the delivery status and are pruned after 30 days.
CREATE TABLE notification_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    target TEXT NOT NULL,
    event TEXT NOT NULL,
    -- the notification as JSON (the webhook body)
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- pending | delivered | failed | summarized
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    held BOOLEAN NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    last_error TEXT,
    finished_at TEXT
);
CREATE INDEX notification_outbox_pending ON notification_outbox (status, id);
CREATE INDEX notification_outbox_target ON notification_outbox (target, id);
