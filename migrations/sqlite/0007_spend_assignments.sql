-- Spend per store on the embedded database and the mirror; the same table as
-- migrations/postgres/0007_spend_assignments.sql (which explains `shares`).

CREATE TABLE spend_assignments (
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    campaign_id   TEXT NOT NULL CHECK (length(campaign_id) BETWEEN 1 AND 64),
    adset_id      TEXT NOT NULL DEFAULT '' CHECK (length(adset_id) <= 64),
    shares        TEXT,
    decided_at    TEXT,
    reassigned_at TEXT,
    changed_by    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    row_version   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, campaign_id, adset_id)
);

-- SQLite checks may not hold subqueries: the shares rule of PostgreSQL's
-- spend_assignments_shares_add_up, as triggers that name it.
CREATE TRIGGER spend_assignments_shares_insert BEFORE INSERT ON spend_assignments
WHEN NEW.shares IS NOT NULL AND NOT (
    json_valid(NEW.shares) AND json_type(NEW.shares) = 'array' AND (
        json_array_length(NEW.shares) = 0 OR (
            NOT EXISTS (
                SELECT 1 FROM json_each(NEW.shares)
                WHERE type IS NOT 'object'
                   OR json_type(value, '$.share') IS NOT 'integer'
                   OR json_type(value, '$.store') IS NOT 'text'
                   OR json_extract(value, '$.share') NOT BETWEEN 1 AND 10000
                   OR length(json_extract(value, '$.store')) <> 36)
            AND (SELECT sum(json_extract(value, '$.share')) FROM json_each(NEW.shares)) = 10000
            AND (SELECT count(DISTINCT json_extract(value, '$.store')) FROM json_each(NEW.shares))
                = json_array_length(NEW.shares))))
BEGIN
    SELECT RAISE(ABORT, 'spend_assignments_shares_add_up');
END;
CREATE TRIGGER spend_assignments_shares_update BEFORE UPDATE OF shares ON spend_assignments
WHEN NEW.shares IS NOT NULL AND NOT (
    json_valid(NEW.shares) AND json_type(NEW.shares) = 'array' AND (
        json_array_length(NEW.shares) = 0 OR (
            NOT EXISTS (
                SELECT 1 FROM json_each(NEW.shares)
                WHERE type IS NOT 'object'
                   OR json_type(value, '$.share') IS NOT 'integer'
                   OR json_type(value, '$.store') IS NOT 'text'
                   OR json_extract(value, '$.share') NOT BETWEEN 1 AND 10000
                   OR length(json_extract(value, '$.store')) <> 36)
            AND (SELECT sum(json_extract(value, '$.share')) FROM json_each(NEW.shares)) = 10000
            AND (SELECT count(DISTINCT json_extract(value, '$.store')) FROM json_each(NEW.shares))
                = json_array_length(NEW.shares))))
BEGIN
    SELECT RAISE(ABORT, 'spend_assignments_shares_add_up');
END;

CREATE INDEX pancake_orders_by_ad_store ON pancake_orders
    (tenant_id, ad_id, integration_id, status, currency, total_price, total_discount,
     shipping_fee, cod) WHERE ad_id IS NOT NULL;
