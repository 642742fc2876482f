-- Data sync: schedules and the job queue, run history, per-stream checkpoints, and the synced
-- data itself (Pancake POS orders, variations and stock; Meta Ads ads and daily insights).
-- Money is integer minor units of the currency (VND has none: whole đồng), never floats.

-- Synced rows keep the provider's own updated_at: only the replication columns are stamped.
CREATE FUNCTION touch_synced_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.row_version := nextval('row_version_seq');
    NEW.write_xid := pg_current_xact_id();
    RETURN NEW;
END
$$;

-- The queue. Not tenant data (ids and times only) and deliberately without row-level
-- security: a headless worker claims due jobs of every tenant with FOR UPDATE SKIP LOCKED,
-- then works as that tenant. A claim is a lease: a worker that dies loses it when it expires.
CREATE TABLE sync_jobs (
    tenant_id        uuid NOT NULL,
    integration_id   uuid NOT NULL,
    interval_minutes integer NOT NULL DEFAULT 60 CHECK (interval_minutes BETWEEN 5 AND 10080),
    next_run_at      timestamptz NOT NULL DEFAULT now(),
    requested_at     timestamptz,
    claimed_by       text,
    lease_until      timestamptz,
    run_id           uuid,
    PRIMARY KEY (tenant_id, integration_id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX sync_jobs_due ON sync_jobs (next_run_at);

CREATE TABLE sync_runs (
    tenant_id      uuid NOT NULL,
    id             uuid NOT NULL,
    integration_id uuid NOT NULL,
    trigger        text NOT NULL CHECK (trigger IN ('SCHEDULE', 'MANUAL')),
    outcome        text NOT NULL CHECK (outcome IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'INTERRUPTED')),
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz,
    counts         jsonb NOT NULL DEFAULT '{}',
    error          text,
    error_code     text,
    worker         text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    row_version    bigint NOT NULL DEFAULT 0,
    write_xid      xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX sync_runs_by_integration ON sync_runs (tenant_id, integration_id, started_at DESC);
CREATE INDEX sync_runs_row_version ON sync_runs (tenant_id, row_version);
CREATE INDEX sync_runs_write_xid ON sync_runs (tenant_id, write_xid);
CREATE TRIGGER sync_runs_touch BEFORE INSERT OR UPDATE ON sync_runs
    FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER sync_runs_tombstone AFTER DELETE ON sync_runs
    FOR EACH ROW EXECUTE FUNCTION record_tombstone();

-- Where each stream stopped: written in the same transaction as the rows it covers, so a sync
-- killed at any point resumes after the last stored batch, with nothing lost or doubled.
CREATE TABLE sync_cursors (
    tenant_id      uuid NOT NULL,
    integration_id uuid NOT NULL,
    stream         text NOT NULL,
    cursor         jsonb NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, integration_id, stream),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);

CREATE TABLE pancake_orders (
    tenant_id        uuid NOT NULL,
    integration_id   uuid NOT NULL,
    shop_id          bigint NOT NULL,
    order_id         bigint NOT NULL,
    status           integer NOT NULL,
    inserted_at      timestamptz,
    updated_at       timestamptz,
    total_price      bigint NOT NULL,
    total_discount   bigint NOT NULL,
    shipping_fee     bigint NOT NULL,
    cod              bigint NOT NULL,
    currency         text,
    ad_id            text,
    page_id          text,
    utm_source       text,
    utm_campaign     text,
    received_at_shop boolean,
    items            jsonb NOT NULL DEFAULT '[]',
    row_version      bigint NOT NULL DEFAULT 0,
    write_xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tenant_id, shop_id, order_id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX pancake_orders_inserted ON pancake_orders (tenant_id, shop_id, inserted_at);
CREATE INDEX pancake_orders_ad ON pancake_orders (tenant_id, ad_id) WHERE ad_id IS NOT NULL;
CREATE INDEX pancake_orders_row_version ON pancake_orders (tenant_id, row_version);
CREATE INDEX pancake_orders_write_xid ON pancake_orders (tenant_id, write_xid);
CREATE INDEX pancake_orders_integration ON pancake_orders (tenant_id, integration_id);

CREATE TABLE pancake_variations (
    tenant_id      uuid NOT NULL,
    integration_id uuid NOT NULL,
    shop_id        bigint NOT NULL,
    variation_id   text NOT NULL,
    product_id     text,
    product_name   text,
    sku            text,
    retail_price   bigint NOT NULL,
    remain_quantity bigint NOT NULL,
    is_hidden      boolean NOT NULL,
    updated_at     timestamptz,
    row_version    bigint NOT NULL DEFAULT 0,
    write_xid      xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tenant_id, shop_id, variation_id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);

CREATE TABLE pancake_stock (
    tenant_id       uuid NOT NULL,
    integration_id  uuid NOT NULL,
    shop_id         bigint NOT NULL,
    variation_id    text NOT NULL,
    warehouse_id    text NOT NULL,
    remain_quantity bigint NOT NULL,
    row_version     bigint NOT NULL DEFAULT 0,
    write_xid       xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tenant_id, shop_id, variation_id, warehouse_id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);

CREATE TABLE meta_ads (
    tenant_id      uuid NOT NULL,
    integration_id uuid NOT NULL,
    ad_id          text NOT NULL,
    ad_name        text,
    adset_id       text,
    adset_name     text,
    campaign_id    text,
    campaign_name  text,
    row_version    bigint NOT NULL DEFAULT 0,
    write_xid      xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tenant_id, ad_id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);

-- One ad on one day (the ad account's time zone, as Meta reports it).
CREATE TABLE meta_ad_insights (
    tenant_id            uuid NOT NULL,
    integration_id       uuid NOT NULL,
    ad_id                text NOT NULL,
    day                  date NOT NULL,
    currency             text NOT NULL,
    spend_minor          bigint NOT NULL,
    impressions          bigint NOT NULL,
    clicks               bigint NOT NULL,
    reach                bigint NOT NULL,
    purchases            bigint NOT NULL,
    purchase_value_minor bigint NOT NULL,
    row_version          bigint NOT NULL DEFAULT 0,
    write_xid            xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tenant_id, ad_id, day),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX meta_ad_insights_day ON meta_ad_insights (tenant_id, day);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['pancake_orders', 'pancake_variations', 'pancake_stock',
                             'meta_ads', 'meta_ad_insights'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I
                        FOR EACH ROW EXECUTE FUNCTION touch_synced_row()', t || '_touch', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['sync_runs', 'sync_cursors', 'pancake_orders',
                             'pancake_variations', 'pancake_stock', 'meta_ads',
                             'meta_ad_insights'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_current_tenant())
                        WITH CHECK (tenant_id = app_current_tenant())', t);
    END LOOP;
END
$$;

-- Only enabled integrations sync: a job exists exactly while the integration is enabled,
-- whichever way it was turned on or off (the service, an offline edit applied later, SQL).
CREATE FUNCTION schedule_sync_job() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.enabled THEN
        INSERT INTO sync_jobs (tenant_id, integration_id)
        VALUES (NEW.tenant_id, NEW.id) ON CONFLICT DO NOTHING;
    ELSE
        DELETE FROM sync_jobs WHERE tenant_id = NEW.tenant_id AND integration_id = NEW.id;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER integrations_schedule AFTER INSERT OR UPDATE OF enabled ON integrations
    FOR EACH ROW EXECUTE FUNCTION schedule_sync_job();

-- Integrations enabled before this migration: row-level security would hide them from the
-- migration itself, so it is lifted for this one statement (the owner may) and forced again.
ALTER TABLE integrations NO FORCE ROW LEVEL SECURITY;
INSERT INTO sync_jobs (tenant_id, integration_id)
SELECT tenant_id, id FROM integrations WHERE enabled ON CONFLICT DO NOTHING;
ALTER TABLE integrations FORCE ROW LEVEL SECURITY;
