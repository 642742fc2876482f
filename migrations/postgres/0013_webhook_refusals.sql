-- Refused webhook deliveries are logged at most REFUSALS_LOGGED_PER_HOUR per integration and
-- hour (store/postgres/webhooks.rs); past that, only the server's metrics count them, so a
-- caller without the secret cannot fill a workspace's log. This index finds the last hour's
-- refusals of an integration without reading its accepted deliveries (hundreds a second at
-- peak).
CREATE INDEX webhook_deliveries_refused
    ON webhook_deliveries (tenant_id, integration_id, received_at DESC)
    WHERE outcome NOT IN ('stored', 'unchanged', 'ignored');
