//! A record's leading columns, bound in table order: the local write and the mirror's copy of
//! the server's row bind the same fields the same way (SQLite keeps ids and times as text).
//! Macros, so they serve `query` and `query_as` alike; what follows (versions, times the
//! statement sets) the caller binds after.

/// An integration's `tenant_id` to `last_error` (?1 to ?12).
macro_rules! bind_integration_columns {
    ($query:expr, $record:expr) => {
        $crate::store::integrations::bind_edited_fields!(
            $query
                .bind($record.tenant_id.to_string())
                .bind($record.id.to_string())
                .bind(&$record.name)
                .bind($record.provider.as_str()),
            $record
        )
    };
}

/// An alert's `tenant_id` to `fired_at` (the first six).
macro_rules! bind_alert_columns {
    ($query:expr, $alert:expr) => {
        $query
            .bind($alert.tenant_id.to_string())
            .bind($alert.id.to_string())
            .bind(&$alert.rule)
            .bind(&$alert.subject)
            .bind($alert.integration_id.map(|id| id.to_string()))
            .bind(ts($alert.fired_at))
    };
}

/// A spend assignment's `tenant_id` to `changed_by` (?1 to ?7).
macro_rules! bind_assignment_columns {
    ($query:expr, $record:expr) => {
        $query
            .bind($record.tenant_id.to_string())
            .bind(&$record.campaign_id)
            .bind(&$record.adset_id)
            .bind(&$record.shares)
            .bind($record.decided_at.map(ts))
            .bind($record.reassigned_at.map(ts))
            .bind(&$record.changed_by)
    };
}

/// A workspace's `id` to `time_zone`, all its columns.
macro_rules! bind_tenant_columns {
    ($query:expr, $tenant:expr) => {
        $query
            .bind($tenant.id.to_string())
            .bind(&$tenant.name)
            .bind(ts($tenant.created_at))
            .bind(&$tenant.time_zone)
    };
}
