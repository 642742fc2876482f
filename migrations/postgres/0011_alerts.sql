-- Alerts: rules evaluated after every sync over the workspace's own data (crates/core/src/alerts
-- states them). An alert is one *episode* of a rule holding for one subject (a day, a store, an
-- integration, the workspace): it fires when the condition starts to hold and ends (cleared_at)
-- when it stops. At most one episode per rule and subject is open at a time, enforced here, so
-- two workers finishing syncs at once cannot fire the same alert twice. Alerts are never deleted
-- (their history is kept); dismissing one only marks it.
CREATE TABLE alerts (
    tenant_id      uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id             uuid NOT NULL,
    rule           text NOT NULL CHECK (rule IN ('SPEND_SPIKE', 'ROAS_DROP', 'STORE_QUIET',
                                                 'SYNC_FAILING', 'TOKEN_EXPIRING')),
    subject        text NOT NULL,
    -- The store or integration concerned, if any. No foreign key: an alert outlives a deleted
    -- integration, whose name its details keep.
    integration_id uuid,
    fired_at       timestamptz NOT NULL,
    cleared_at     timestamptz,
    dismissed_at   timestamptz,
    -- The numbers behind it and the report that shows them (JSON, written by the core).
    details        text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    row_version    bigint NOT NULL DEFAULT 0,
    write_xid      xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX alerts_one_open_episode ON alerts (tenant_id, rule, subject)
    WHERE cleared_at IS NULL;
CREATE INDEX alerts_by_time ON alerts (tenant_id, fired_at DESC);
CREATE INDEX alerts_row_version ON alerts (tenant_id, row_version);
CREATE INDEX alerts_write_xid ON alerts (tenant_id, write_xid);
CREATE TRIGGER alerts_touch BEFORE INSERT OR UPDATE ON alerts
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- The thresholds of a workspace's rules (JSON, defaults in the core for what is absent).
CREATE TABLE alert_settings (
    tenant_id   uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    settings    text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    row_version bigint NOT NULL DEFAULT 0,
    write_xid   xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX alert_settings_write_xid ON alert_settings (tenant_id, write_xid);
CREATE TRIGGER alert_settings_touch BEFORE INSERT OR UPDATE ON alert_settings
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- When the Meta access token expires, as Graph's debug_token reports it at each sync (NULL: it
-- does not expire, e.g. a system user's token).
CREATE TABLE meta_tokens (
    tenant_id      uuid NOT NULL,
    integration_id uuid NOT NULL,
    expires_at     timestamptz,
    checked_at     timestamptz NOT NULL,
    row_version    bigint NOT NULL DEFAULT 0,
    write_xid      xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tenant_id, integration_id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX meta_tokens_write_xid ON meta_tokens (tenant_id, write_xid);
CREATE TRIGGER meta_tokens_touch BEFORE INSERT OR UPDATE ON meta_tokens
    FOR EACH ROW EXECUTE FUNCTION touch_synced_row();

-- Each table gets the workspace policy every tenant table has: the one helper where the
-- database-roles migration provides it, else the policy the earlier tables were given.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['alerts', 'alert_settings', 'meta_tokens'] LOOP
        IF to_regprocedure('app_isolate_tenant_table(regclass, text)') IS NOT NULL THEN
            EXECUTE format('SELECT app_isolate_tenant_table(%L::regclass)', t);
        ELSE
            EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
            EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
            EXECUTE format('CREATE POLICY tenant_isolation ON %I
                            USING (tenant_id = app_current_tenant())
                            WITH CHECK (tenant_id = app_current_tenant())', t);
        END IF;
    END LOOP;
END
$$;
