-- Alerts on the embedded database and the mirror; the same tables as
-- migrations/postgres/0011_alerts.sql (one open episode per rule and subject).
CREATE TABLE alerts (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    rule           TEXT NOT NULL CHECK (rule IN ('SPEND_SPIKE', 'ROAS_DROP', 'STORE_QUIET',
                                                 'SYNC_FAILING', 'TOKEN_EXPIRING')),
    subject        TEXT NOT NULL,
    integration_id TEXT,
    fired_at       TEXT NOT NULL,
    cleared_at     TEXT,
    dismissed_at   TEXT,
    details        TEXT NOT NULL,
    row_version    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX alerts_one_open_episode ON alerts (tenant_id, rule, subject)
    WHERE cleared_at IS NULL;
CREATE INDEX alerts_by_time ON alerts (tenant_id, fired_at);

CREATE TABLE alert_settings (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    settings    TEXT NOT NULL,
    row_version INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE meta_tokens (
    tenant_id      TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    expires_at     TEXT,
    checked_at     TEXT NOT NULL,
    row_version    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, integration_id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);
