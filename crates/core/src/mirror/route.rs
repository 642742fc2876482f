//! Where each store call goes in shared mode: to the server while it answers, to the mirror
//! when it does not, queued in the outbox (offline edits) or refused ([`StoreError::Offline`]).
//! One `impl` per store concern, each method one routing rule.

use std::future::Future;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::link::{bounded, CALL_TIMEOUT};
use super::{LinkMode, SharedStore};
use crate::domain::{IntegrationId, TenantId, UserId};
use crate::store::prelude::*;
use crate::store::{
    AdRecord, AdStoreSales, AggregateKey, AlertRecord, ClaimScope, ClaimedJob, InsightAggregate,
    IntegrationRecord, JobInfo, LoginPolicy, OrderAggregate, OrderFilter, OwnedInsightAggregate,
    PostgresStore, Reencryption, RefreshTokenRecord, SpendAssignmentRecord, SpendShare, StoreError,
    StoreResult, SyncBatch, SyncOutcome, SyncRunRecord, SyncedTable, TenantKeyRecord, TenantRecord,
    TokenExpiryRecord, UserRecord,
};

impl SharedStore {
    /// The server's answer, when it is to be asked (`ask`) and answers. `None` sends the caller
    /// to the mirror: not asked, or found gone just now (which switches to offline at once).
    async fn ask_server<'a, T, F, Fut>(&'a self, ask: bool, call: F) -> Option<StoreResult<T>>
    where
        F: FnOnce(&'a PostgresStore) -> Fut,
        Fut: Future<Output = StoreResult<T>>,
    {
        if !ask {
            return None;
        }
        let answer = match self.ready().await {
            Ok(server) => bounded(CALL_TIMEOUT, call(server)).await,
            Err(err) => Err(err),
        };
        match answer {
            Err(StoreError::Unavailable(detail)) => {
                self.lost(&detail);
                None
            }
            answer => Some(answer),
        }
    }
}

/// The server's answer when it is asked (`$ask`) and answers, else `$otherwise`.
macro_rules! server_or {
    ($self:ident, $ask:expr, $method:ident($($arg:expr),*), $otherwise:expr) => {{
        match $self.ask_server($ask, |server| server.$method($($arg),*)).await {
            Some(answer) => answer,
            None => $otherwise,
        }
    }};
}

/// The server's answer when it is asked (`$ask`) and answers, else the mirror's.
macro_rules! server_or_mirror {
    ($self:ident, $ask:expr, $method:ident($($arg:expr),*)) => {
        server_or!($self, $ask, $method($($arg),*), $self.mirror.$method($($arg),*).await)
    };
}

/// Reads: the server while online, the mirror otherwise (and when the server just failed).
macro_rules! read {
    ($self:ident, $($call:tt)*) => {
        server_or_mirror!($self, $self.mode() == LinkMode::Online, $($call)*)
    };
}

/// The server unless it is known to be gone, else the mirror: sign-in and session bookkeeping
/// (so signing in right after start asks the server, and offline sign-in works), and the reads
/// an edit is based on (so an edit made while still connecting starts from the server's row).
macro_rules! server_first {
    ($self:ident, $($call:tt)*) => {
        server_or_mirror!($self, $self.mode() != LinkMode::Offline, $($call)*)
    };
}

/// Writes that only the server may take.
macro_rules! server_only {
    ($self:ident, $method:ident($($arg:expr),*)) => {
        server_or!(
            $self,
            $self.mode() != LinkMode::Offline,
            $method($($arg),*),
            Err(StoreError::Offline)
        )
    };
}

/// A trait's routing table: each method's signature and the rule that sends it (`read`,
/// `server_first`, `server_only`), or `via(method)` for one that routes by a rule of its own,
/// written below as an inherent method with the same arguments.
macro_rules! route {
    (
        $(#[$impl_doc:meta])*
        impl $trait:ident {
            $(
                $(#[$doc:meta])*
                $rule:ident $(($target:ident))? fn $name:ident($($arg:ident: $ty:ty),* $(,)?)
                    -> $ret:ty;
            )*
        }
    ) => {
        $(#[$impl_doc])*
        #[async_trait]
        impl $trait for SharedStore {
            $(
                $(#[$doc])*
                async fn $name(&self, $($arg: $ty),*) -> StoreResult<$ret> {
                    route!(@call self, $rule $(($target))?, $name($($arg),*))
                }
            )*
        }
    };
    (@call $self:ident, via($target:ident), $name:ident($($arg:expr),*)) => {
        $self.$target($($arg),*).await
    };
    (@call $self:ident, $rule:ident, $name:ident($($arg:expr),*)) => {
        $rule!($self, $name($($arg),*))
    };
}

route! {
    /// Sign-in and sessions ask the server first; a session can be refreshed, and a known user
    /// sign in, offline from the mirror.
    impl AccountStore {
        server_only fn create_tenant_with_owner(tenant: &TenantRecord, owner: &UserRecord) -> ();
        read fn get_tenant(tenant: TenantId) -> Option<TenantRecord>;
        /// The next pull brings the change to the mirror (tenants travel whole on every pull).
        server_only fn set_tenant_time_zone(tenant: TenantId, time_zone: &str) -> ();
        server_first fn find_user_by_email(email: &str) -> Option<UserRecord>;
        server_first fn get_user(tenant: TenantId, user: UserId) -> Option<UserRecord>;
        via(insert_and_mirror_refresh_token)
            fn insert_refresh_token(token: &RefreshTokenRecord) -> ();
        server_first fn find_refresh_token(token_hash: &str) -> Option<RefreshTokenRecord>;
        via(rotate_and_mirror_refresh_token)
            fn rotate_refresh_token(used: &RefreshTokenRecord, successor: &RefreshTokenRecord)
                -> bool;
        via(revoke_family_or_queue)
            fn revoke_refresh_family(tenant: TenantId, family: uuid::Uuid) -> ();
        server_first fn reserve_login_attempt(
            email_hash: &str,
            at: DateTime<Utc>,
            decide: LoginPolicy,
        ) -> Result<(), u64>;
        server_first fn clear_login_failures(email_hash: &str) -> ();
        via(mirror_signed_in_user) fn remember_signed_in(user: &UserRecord) -> ();
    }
}

impl SharedStore {
    async fn insert_and_mirror_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()> {
        let reachable = self.mode() != LinkMode::Offline;
        match self
            .ask_server(reachable, |server| server.insert_refresh_token(token))
            .await
        {
            Some(Ok(())) => {
                // Kept here too, so the session can be refreshed while offline.
                if let Err(err) = self.mirror.insert_refresh_token(token).await {
                    tracing::debug!(error = %err, "refresh token not mirrored");
                }
                Ok(())
            }
            Some(err) => err,
            None => self.mirror.insert_refresh_token(token).await,
        }
    }

    async fn rotate_and_mirror_refresh_token(
        &self,
        used: &RefreshTokenRecord,
        successor: &RefreshTokenRecord,
    ) -> StoreResult<bool> {
        let reachable = self.mode() != LinkMode::Offline;
        match self
            .ask_server(reachable, |server| {
                server.rotate_refresh_token(used, successor)
            })
            .await
        {
            Some(Ok(rotated)) => {
                if rotated {
                    let mirrored = match self.mirror.rotate_refresh_token(used, successor).await {
                        Ok(true) => Ok(()),
                        _ => self.mirror.insert_refresh_token(successor).await,
                    };
                    if let Err(err) = mirrored {
                        tracing::debug!(error = %err, "refresh token not mirrored");
                    }
                }
                Ok(rotated)
            }
            Some(err) => err,
            None => {
                let rotated = self.mirror.rotate_refresh_token(used, successor).await?;
                if rotated {
                    // The server must learn of it when it answers, or the spent token stays
                    // usable there.
                    self.queue_rotation(used, successor).await?;
                }
                Ok(rotated)
            }
        }
    }

    async fn revoke_family_or_queue(
        &self,
        tenant: TenantId,
        family: uuid::Uuid,
    ) -> StoreResult<()> {
        // Revoke locally too: a session ended offline must not come back from the mirror.
        self.mirror.revoke_refresh_family(tenant, family).await?;
        // Offline: the server revokes it when it answers again.
        server_or!(
            self,
            self.mode() != LinkMode::Offline,
            revoke_refresh_family(tenant, family),
            self.queue_revocation(tenant, family).await
        )
    }

    async fn mirror_signed_in_user(&self, user: &UserRecord) -> StoreResult<()> {
        self.follow(Some(user.tenant_id));
        if self.mode() == LinkMode::Offline {
            return Ok(());
        }
        let tenant = match self.ready().await {
            Ok(server) => server.get_tenant(user.tenant_id).await,
            Err(err) => Err(err),
        };
        match tenant {
            Ok(Some(tenant)) => self.mirror.remember_user(&tenant, user).await,
            Ok(None) => Ok(()),
            Err(StoreError::Unavailable(detail)) => {
                self.lost(&detail);
                Ok(())
            }
            Err(err) => Err(err),
        }
    }
}

route! {
    impl KeyStore {
        server_first fn tenant_keys(tenant: TenantId) -> Vec<TenantKeyRecord>;
        server_only fn insert_tenant_key(tenant: TenantId, key: &TenantKeyRecord) -> ();
        server_only fn rotate_tenant_key(
            tenant: TenantId,
            key: &TenantKeyRecord,
            reencryptions: &[Reencryption],
        ) -> ();
        server_only fn master_public_key() -> Option<String>;
        server_only fn workspace_escrow(tenant: TenantId) -> Option<String>;
    }
}

/// Reads from the server or the mirror with the outbox on top; edits offline are queued when
/// they may be (name, description, on/off), everything else needs the server.
#[async_trait]
impl IntegrationStore for SharedStore {
    async fn list_integrations(&self, tenant: TenantId) -> StoreResult<Vec<IntegrationRecord>> {
        server_or!(
            self,
            self.mode() == LinkMode::Online,
            list_integrations(tenant),
            self.overlaid(tenant).await
        )
    }

    async fn get_integration(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<Option<IntegrationRecord>> {
        server_or!(
            self,
            self.mode() != LinkMode::Offline,
            get_integration(tenant, id),
            Ok(self
                .overlaid(tenant)
                .await?
                .into_iter()
                .find(|record| record.id == id))
        )
    }

    async fn insert_integration(
        &self,
        record: &IntegrationRecord,
    ) -> StoreResult<IntegrationRecord> {
        let stored: IntegrationRecord = server_only!(self, insert_integration(record))?;
        self.copy_to_mirror(&stored).await;
        self.bump();
        Ok(stored)
    }

    async fn update_integration(
        &self,
        record: &IntegrationRecord,
        expected_version: i64,
    ) -> StoreResult<IntegrationRecord> {
        let reachable = self.mode() != LinkMode::Offline
            && !self.has_pending(record.tenant_id, record.id).await?;
        match self
            .ask_server(reachable, |server| {
                server.update_integration(record, expected_version)
            })
            .await
        {
            Some(Ok(stored)) => {
                self.copy_to_mirror(&stored).await;
                self.bump();
                Ok(stored)
            }
            Some(err) => err,
            // Not reachable, or found gone just now: whether a write landed is then unknown;
            // queued, it is applied once or found done.
            None => self.queue_update(record, expected_version).await,
        }
    }

    async fn record_sync_outcome(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        outcome: &SyncOutcome,
    ) -> StoreResult<Option<IntegrationRecord>> {
        let stored: Option<IntegrationRecord> =
            server_only!(self, record_sync_outcome(tenant, id, outcome))?;
        if let Some(stored) = &stored {
            self.copy_to_mirror(stored).await;
            self.bump();
        }
        Ok(stored)
    }

    async fn delete_integration(&self, tenant: TenantId, id: IntegrationId) -> StoreResult<bool> {
        let deleted: bool = server_only!(self, delete_integration(tenant, id))?;
        if let Err(err) = self.mirror.remove_integration_copy(tenant, id).await {
            tracing::warn!(error = %err, "could not remove a deleted row from the mirror");
        }
        self.bump();
        Ok(deleted)
    }
}

route! {
    /// Syncing needs the server: the providers' data goes to PostgreSQL, and reaches this
    /// computer's mirror by the pull like every other row.
    impl JobStore {
        server_only fn claim_job(
            worker: &str,
            scope: ClaimScope,
            now: DateTime<Utc>,
            lease_until: DateTime<Utc>,
        ) -> Option<ClaimedJob>;
        server_only fn extend_lease(
            job: &ClaimedJob,
            worker: &str,
            run: uuid::Uuid,
            until: DateTime<Utc>,
        ) -> bool;
        server_only fn release_job(job: &ClaimedJob, worker: &str, next_run_at: DateTime<Utc>)
            -> ();
        server_only fn request_sync(tenant: TenantId, integration: IntegrationId) -> bool;
        server_only fn set_sync_interval(tenant: TenantId, integration: IntegrationId, minutes: i32)
            -> bool;
        read fn job_info(tenant: TenantId, integration: IntegrationId) -> Option<JobInfo>;
    }
}

route! {
    /// Runs and rows are written on the server; history reads fall back to the mirror.
    impl SyncStore {
        server_only fn insert_run(run: &SyncRunRecord) -> ();
        server_only fn update_run(run: &SyncRunRecord) -> ();
        server_only fn interrupt_run(tenant: TenantId, run: uuid::Uuid) -> ();
        read fn runs(tenant: TenantId, integration: IntegrationId, limit: i64)
            -> Vec<SyncRunRecord>;
        server_only fn cursor(tenant: TenantId, integration: IntegrationId, stream: &str)
            -> Option<String>;
        server_only fn write_batch(
            tenant: TenantId,
            integration: IntegrationId,
            batch: SyncBatch<'_>,
            checkpoint: Option<(&str, &str)>,
        ) -> usize;
        read fn synced_count(tenant: TenantId, integration: IntegrationId, table: SyncedTable)
            -> i64;
    }
}

route! {
    /// Reports read the server while it answers and the mirror's copy of the synced rows
    /// otherwise.
    impl ReportStore {
        read fn report_orders(tenant: TenantId, filter: &OrderFilter, key: AggregateKey)
            -> Vec<OrderAggregate>;
        read fn report_insights(
            tenant: TenantId,
            from: chrono::NaiveDate,
            to: chrono::NaiveDate,
            key: AggregateKey,
        ) -> Vec<InsightAggregate>;
        read fn report_split_insights(
            tenant: TenantId,
            from: chrono::NaiveDate,
            to: chrono::NaiveDate,
            key: AggregateKey,
            shares: &[SpendShare],
            owner: Option<&str>,
        ) -> Vec<OwnedInsightAggregate>;
        read fn report_ads(tenant: TenantId) -> Vec<AdRecord>;
    }
}

route! {
    /// Alerts are fired and cleared on the server (so every computer of the workspace sees one
    /// episode once); reads fall back to the mirror, and offline the service computes the open
    /// alerts from the mirror's synced rows without storing them. Dismissals and thresholds are
    /// the user's edits: offline they are queued (`alert_outbox`) and read on top of the mirror.
    impl AlertStore {
        via(alerts_with_dismissals) fn alerts(tenant: TenantId, limit: i64) -> Vec<AlertRecord>;
        via(open_alerts_with_dismissals) fn open_alerts(tenant: TenantId) -> Vec<AlertRecord>;
        server_only fn fire_alert(alert: &AlertRecord) -> bool;
        server_only fn clear_alert(tenant: TenantId, id: uuid::Uuid, at: DateTime<Utc>) -> bool;
        via(dismiss_or_queue)
            fn dismiss_alert(tenant: TenantId, id: uuid::Uuid, at: DateTime<Utc>)
                -> Option<AlertRecord>;
        via(queued_or_stored_alert_settings)
            fn alert_settings(tenant: TenantId) -> Option<String>;
        via(set_or_queue_alert_settings)
            fn set_alert_settings(tenant: TenantId, settings: &str) -> ();
        read fn last_order_at(tenant: TenantId, integration: IntegrationId)
            -> Option<DateTime<Utc>>;
        read fn orders_between(
            tenant: TenantId,
            integration: IntegrationId,
            after: DateTime<Utc>,
            through: DateTime<Utc>,
        ) -> i64;
        read fn token_expiries(tenant: TenantId) -> Vec<TokenExpiryRecord>;
        server_only fn record_token_expiry(
            tenant: TenantId,
            integration: IntegrationId,
            expires_at: Option<DateTime<Utc>>,
            checked_at: DateTime<Utc>,
        ) -> ();
    }
}

impl SharedStore {
    async fn alerts_with_dismissals(
        &self,
        tenant: TenantId,
        limit: i64,
    ) -> StoreResult<Vec<AlertRecord>> {
        let mut records = read!(self, alerts(tenant, limit))?;
        self.overlay_dismissals(tenant, &mut records).await?;
        Ok(records)
    }

    async fn open_alerts_with_dismissals(&self, tenant: TenantId) -> StoreResult<Vec<AlertRecord>> {
        let mut records = read!(self, open_alerts(tenant))?;
        self.overlay_dismissals(tenant, &mut records).await?;
        Ok(records)
    }

    async fn dismiss_or_queue(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<AlertRecord>> {
        // Not reachable: whether a dismissal landed is then unknown; queued, it is applied once
        // (a second dismissal keeps the first time).
        server_or!(
            self,
            self.mode() != LinkMode::Offline,
            dismiss_alert(tenant, id, at),
            self.queue_dismissal(tenant, id, at).await
        )
    }

    async fn queued_or_stored_alert_settings(
        &self,
        tenant: TenantId,
    ) -> StoreResult<Option<String>> {
        if let Some(queued) = self.queued_alert_settings(tenant).await? {
            return Ok(Some(queued));
        }
        read!(self, alert_settings(tenant))
    }

    async fn set_or_queue_alert_settings(
        &self,
        tenant: TenantId,
        settings: &str,
    ) -> StoreResult<()> {
        server_or!(
            self,
            self.mode() != LinkMode::Offline,
            set_alert_settings(tenant, settings),
            self.queue_alert_settings(tenant, settings).await
        )
    }
}

route! {
    /// Decisions are read like reports; making one needs the server (it changes every computer's
    /// figures, so it is not queued here to show figures the others do not have), and the
    /// server's row is copied into the mirror at once.
    impl AssignmentStore {
        read fn spend_assignments(tenant: TenantId) -> Vec<SpendAssignmentRecord>;
        via(put_and_mirror_spend_assignment)
            fn put_spend_assignment(record: &SpendAssignmentRecord, expected_version: i64)
                -> SpendAssignmentRecord;
        read fn ad_sales_by_store(tenant: TenantId) -> Vec<AdStoreSales>;
    }
}

impl SharedStore {
    async fn put_and_mirror_spend_assignment(
        &self,
        record: &SpendAssignmentRecord,
        expected_version: i64,
    ) -> StoreResult<SpendAssignmentRecord> {
        let stored: SpendAssignmentRecord =
            server_only!(self, put_spend_assignment(record, expected_version))?;
        if let Err(err) = self.mirror.put_assignment_copy(&stored).await {
            tracing::warn!(error = %err, "could not copy a written assignment into the mirror");
        }
        self.bump();
        Ok(stored)
    }
}

impl Store for SharedStore {
    fn kind(&self) -> &'static str {
        "postgres"
    }
}
