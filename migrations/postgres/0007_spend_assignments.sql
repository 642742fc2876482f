-- Spend per store: which Pancake store(s) each Meta campaign's spend belongs to.
--
-- One row per campaign (`adset_id = ''`) or per ad set that overrides its campaign. `shares` is
-- the decision: NULL not decided (a new campaign, or one the user cleared), `[]` no store (the
-- user said so), else `[{"store": <integration id>, "share": <basis points>}, ...]` in the
-- order the user gave, the basis points (1/100 of a percent) adding up to 10000. The rules
-- that read it (which row decides an ad, how a day's spend is split) are in
-- crates/core/src/analytics/assignment.rs and crates/core/src/store/report.rs.
--
-- Rows are never deleted (clearing sets `shares` to NULL), so they are versioned and pulled by
-- the mirrors like integrations, without tombstones; a tenant's rows go with the tenant.

-- Whether `shares` is a decision the reports can use: NULL, `[]`, or distinct stores whose
-- integer shares of 1..10000 basis points add up to 10000. CASE guards each cast.
CREATE FUNCTION spend_shares_valid(shares jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN shares IS NULL THEN true
        WHEN jsonb_typeof(shares) <> 'array' THEN false
        WHEN jsonb_array_length(shares) = 0 THEN true
        WHEN EXISTS (
            SELECT 1 FROM jsonb_array_elements(shares) e
            WHERE jsonb_typeof(e) <> 'object'
               OR jsonb_typeof(e -> 'share') IS DISTINCT FROM 'number'
               OR jsonb_typeof(e -> 'store') IS DISTINCT FROM 'string'
               OR (e ->> 'store') !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
               OR (e ->> 'share') !~ '^[0-9]{1,5}$'
        ) THEN false
        ELSE (SELECT bool_and((e ->> 'share')::integer BETWEEN 1 AND 10000)
                     AND sum((e ->> 'share')::integer) = 10000
                     AND count(DISTINCT e ->> 'store') = count(*)
              FROM jsonb_array_elements(shares) e)
    END
$$;

CREATE TABLE spend_assignments (
    tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    campaign_id   text NOT NULL CHECK (length(campaign_id) BETWEEN 1 AND 64),
    adset_id      text NOT NULL DEFAULT '' CHECK (length(adset_id) <= 64),
    shares        jsonb,
    -- When the current decision was made, and when a decision last replaced another one
    -- (the reports warn that figures from before then have moved).
    decided_at    timestamptz,
    reassigned_at timestamptz,
    changed_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    row_version   bigint NOT NULL DEFAULT 0,
    write_xid     xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (tenant_id, campaign_id, adset_id),
    CONSTRAINT spend_assignments_shares_add_up CHECK (spend_shares_valid(shares))
);
CREATE INDEX spend_assignments_row_version ON spend_assignments (tenant_id, row_version);
CREATE INDEX spend_assignments_write_xid ON spend_assignments (tenant_id, write_xid);
CREATE TRIGGER spend_assignments_touch BEFORE INSERT OR UPDATE ON spend_assignments
    FOR EACH ROW EXECUTE FUNCTION touch_row();

-- Each workspace's role sees and writes its own decisions only (0005_workspace_roles).
SELECT app_isolate_tenant_table('spend_assignments');

-- The suggestions read counted orders that name an ad, by ad and store.
CREATE INDEX pancake_orders_by_ad_store ON pancake_orders (tenant_id, ad_id, integration_id)
    INCLUDE (status, currency, total_price, total_discount, shipping_fee, cod)
    WHERE ad_id IS NOT NULL;
