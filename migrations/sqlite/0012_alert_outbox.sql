-- Shared mode's mirror: alert dismissals and threshold changes made while the server could not
-- be reached, shown on top of the mirror and applied in order when it answers again
-- (mirror/alert_outbox.rs). Unused by the embedded database.
CREATE TABLE alert_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL,
    -- 'dismiss': alert_id was dismissed at `at`; 'settings': the thresholds became `settings`.
    kind TEXT NOT NULL CHECK (kind IN ('dismiss', 'settings')),
    alert_id TEXT,
    settings TEXT,
    at TEXT NOT NULL,
    CHECK ((kind = 'dismiss' AND alert_id IS NOT NULL)
        OR (kind = 'settings' AND settings IS NOT NULL))
);
