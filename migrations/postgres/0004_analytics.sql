-- The analytics report reads a tenant's orders by creation time across all stores, and its
-- counted orders only (the status rule in crates/core/src/analytics): an index that serves the
-- range scan without touching the table for the figures it sums.
CREATE INDEX pancake_orders_report ON pancake_orders (tenant_id, inserted_at)
    INCLUDE (status, integration_id, ad_id, currency, total_price, total_discount, shipping_fee, cod);

-- The same for the insights the report sums per day or per ad.
CREATE INDEX meta_ad_insights_report ON meta_ad_insights (tenant_id, day)
    INCLUDE (currency, ad_id, spend_minor, impressions, clicks, purchases, purchase_value_minor);

-- The workspace's time zone: the days of its reports. Vietnam unless the owner changes it.
ALTER TABLE tenants ADD COLUMN time_zone text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh';
