-- Data sync on the embedded database (standalone mode); the same tables as
-- migrations/postgres/0003_sync.sql. Claims are leases taken under SQLite's write lock, so an
-- app and a CLI worker on one file never run the same integration at once either.

CREATE TABLE sync_jobs (
    tenant_id        TEXT NOT NULL,
    integration_id   TEXT NOT NULL,
    interval_minutes INTEGER NOT NULL DEFAULT 60 CHECK (interval_minutes BETWEEN 5 AND 10080),
    next_run_at      TEXT NOT NULL,
    requested_at     TEXT,
    claimed_by       TEXT,
    lease_until      TEXT,
    run_id           TEXT,
    PRIMARY KEY (tenant_id, integration_id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);

CREATE TABLE sync_runs (
    tenant_id      TEXT NOT NULL,
    id             TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    trigger        TEXT NOT NULL CHECK (trigger IN ('SCHEDULE', 'MANUAL')),
    outcome        TEXT NOT NULL CHECK (outcome IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'INTERRUPTED')),
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    counts         TEXT NOT NULL DEFAULT '{}',
    error          TEXT,
    error_code     TEXT,
    worker         TEXT NOT NULL,
    row_version    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX sync_runs_by_integration ON sync_runs (tenant_id, integration_id, started_at);

CREATE TABLE sync_cursors (
    tenant_id      TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    stream         TEXT NOT NULL,
    cursor         TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, integration_id, stream),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);

CREATE TABLE pancake_orders (
    tenant_id        TEXT NOT NULL,
    integration_id   TEXT NOT NULL,
    shop_id          INTEGER NOT NULL,
    order_id         INTEGER NOT NULL,
    status           INTEGER NOT NULL,
    inserted_at      TEXT,
    updated_at       TEXT,
    total_price      INTEGER NOT NULL,
    total_discount   INTEGER NOT NULL,
    shipping_fee     INTEGER NOT NULL,
    cod              INTEGER NOT NULL,
    currency         TEXT,
    ad_id            TEXT,
    page_id          TEXT,
    utm_source       TEXT,
    utm_campaign     TEXT,
    received_at_shop INTEGER,
    items            TEXT NOT NULL DEFAULT '[]',
    row_version      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, shop_id, order_id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX pancake_orders_inserted ON pancake_orders (tenant_id, shop_id, inserted_at);
CREATE INDEX pancake_orders_ad ON pancake_orders (tenant_id, ad_id) WHERE ad_id IS NOT NULL;
CREATE INDEX pancake_orders_integration ON pancake_orders (tenant_id, integration_id);

CREATE TABLE pancake_variations (
    tenant_id       TEXT NOT NULL,
    integration_id  TEXT NOT NULL,
    shop_id         INTEGER NOT NULL,
    variation_id    TEXT NOT NULL,
    product_id      TEXT,
    product_name    TEXT,
    sku             TEXT,
    retail_price    INTEGER NOT NULL,
    remain_quantity INTEGER NOT NULL,
    is_hidden       INTEGER NOT NULL,
    updated_at      TEXT,
    row_version     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, shop_id, variation_id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);

CREATE TABLE pancake_stock (
    tenant_id       TEXT NOT NULL,
    integration_id  TEXT NOT NULL,
    shop_id         INTEGER NOT NULL,
    variation_id    TEXT NOT NULL,
    warehouse_id    TEXT NOT NULL,
    remain_quantity INTEGER NOT NULL,
    row_version     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, shop_id, variation_id, warehouse_id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);

CREATE TABLE meta_ads (
    tenant_id      TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    ad_id          TEXT NOT NULL,
    ad_name        TEXT,
    adset_id       TEXT,
    adset_name     TEXT,
    campaign_id    TEXT,
    campaign_name  TEXT,
    row_version    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, ad_id),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);

CREATE TABLE meta_ad_insights (
    tenant_id            TEXT NOT NULL,
    integration_id       TEXT NOT NULL,
    ad_id                TEXT NOT NULL,
    day                  TEXT NOT NULL,
    currency             TEXT NOT NULL,
    spend_minor          INTEGER NOT NULL,
    impressions          INTEGER NOT NULL,
    clicks               INTEGER NOT NULL,
    reach                INTEGER NOT NULL,
    purchases            INTEGER NOT NULL,
    purchase_value_minor INTEGER NOT NULL,
    row_version          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, ad_id, day),
    FOREIGN KEY (tenant_id, integration_id) REFERENCES integrations (tenant_id, id)
        ON DELETE CASCADE
);
CREATE INDEX meta_ad_insights_day ON meta_ad_insights (tenant_id, day);

-- Only enabled integrations sync: a job exists exactly while the integration is enabled.
CREATE TRIGGER integrations_schedule_insert AFTER INSERT ON integrations WHEN NEW.enabled
BEGIN
    INSERT OR IGNORE INTO sync_jobs (tenant_id, integration_id, next_run_at)
    VALUES (NEW.tenant_id, NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER integrations_schedule_update AFTER UPDATE OF enabled ON integrations
BEGIN
    INSERT OR IGNORE INTO sync_jobs (tenant_id, integration_id, next_run_at)
    SELECT NEW.tenant_id, NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE NEW.enabled;
    DELETE FROM sync_jobs
    WHERE tenant_id = NEW.tenant_id AND integration_id = NEW.id AND NOT NEW.enabled;
END;
INSERT OR IGNORE INTO sync_jobs (tenant_id, integration_id, next_run_at)
SELECT tenant_id, id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM integrations WHERE enabled;
