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

/// Reads: the server while online, the mirror otherwise (and when the server just failed).
macro_rules! read {
    ($self:ident, $method:ident($($arg:expr),*)) => {{
        let online = $self.mode() == LinkMode::Online;
        match $self.ask_server(online, |server| server.$method($($arg),*)).await {
            Some(answer) => answer,
            None => $self.mirror.$method($($arg),*).await,
        }
    }};
}

/// The server unless it is known to be gone, else the mirror: sign-in and session bookkeeping
/// (so signing in right after start asks the server, and offline sign-in works), and the reads
/// an edit is based on (so an edit made while still connecting starts from the server's row).
macro_rules! server_first {
    ($self:ident, $method:ident($($arg:expr),*)) => {{
        let reachable = $self.mode() != LinkMode::Offline;
        match $self.ask_server(reachable, |server| server.$method($($arg),*)).await {
            Some(answer) => answer,
            None => $self.mirror.$method($($arg),*).await,
        }
    }};
}

/// Writes that only the server may take.
macro_rules! server_only {
    ($self:ident, $method:ident($($arg:expr),*)) => {{
        let reachable = $self.mode() != LinkMode::Offline;
        $self
            .ask_server(reachable, |server| server.$method($($arg),*))
            .await
            .unwrap_or(Err(StoreError::Offline))
    }};
}

/// Sign-in and sessions ask the server first; a session can be refreshed, and a known user
/// sign in, offline from the mirror.
#[async_trait]
impl AccountStore for SharedStore {
    async fn create_tenant_with_owner(
        &self,
        tenant: &TenantRecord,
        owner: &UserRecord,
    ) -> StoreResult<()> {
        server_only!(self, create_tenant_with_owner(tenant, owner))
    }

    async fn get_tenant(&self, tenant: TenantId) -> StoreResult<Option<TenantRecord>> {
        read!(self, get_tenant(tenant))
    }

    /// The next pull brings the change to the mirror (tenants travel whole on every pull).
    async fn set_tenant_time_zone(&self, tenant: TenantId, time_zone: &str) -> StoreResult<()> {
        server_only!(self, set_tenant_time_zone(tenant, time_zone))
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        server_first!(self, find_user_by_email(email))
    }

    async fn get_user(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<UserRecord>> {
        server_first!(self, get_user(tenant, user))
    }

    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()> {
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

    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        server_first!(self, find_refresh_token(token_hash))
    }

    async fn rotate_refresh_token(
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

    async fn revoke_refresh_family(&self, tenant: TenantId, family: uuid::Uuid) -> StoreResult<()> {
        // Revoke locally too: a session ended offline must not come back from the mirror.
        self.mirror.revoke_refresh_family(tenant, family).await?;
        let reachable = self.mode() != LinkMode::Offline;
        match self
            .ask_server(reachable, |server| {
                server.revoke_refresh_family(tenant, family)
            })
            .await
        {
            Some(answer) => answer,
            // Offline: the server revokes it when it answers again.
            None => self.queue_revocation(tenant, family).await,
        }
    }

    async fn reserve_login_attempt(
        &self,
        email_hash: &str,
        at: DateTime<Utc>,
        decide: LoginPolicy,
    ) -> StoreResult<Result<(), u64>> {
        server_first!(self, reserve_login_attempt(email_hash, at, decide))
    }

    async fn clear_login_failures(&self, email_hash: &str) -> StoreResult<()> {
        server_first!(self, clear_login_failures(email_hash))
    }

    async fn remember_signed_in(&self, user: &UserRecord) -> StoreResult<()> {
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

#[async_trait]
impl KeyStore for SharedStore {
    async fn tenant_keys(&self, tenant: TenantId) -> StoreResult<Vec<TenantKeyRecord>> {
        server_first!(self, tenant_keys(tenant))
    }

    async fn insert_tenant_key(&self, tenant: TenantId, key: &TenantKeyRecord) -> StoreResult<()> {
        server_only!(self, insert_tenant_key(tenant, key))
    }

    async fn rotate_tenant_key(
        &self,
        tenant: TenantId,
        key: &TenantKeyRecord,
        reencryptions: &[Reencryption],
    ) -> StoreResult<()> {
        server_only!(self, rotate_tenant_key(tenant, key, reencryptions))
    }

    async fn master_public_key(&self) -> StoreResult<Option<String>> {
        server_only!(self, master_public_key())
    }

    async fn workspace_escrow(&self, tenant: TenantId) -> StoreResult<Option<String>> {
        server_only!(self, workspace_escrow(tenant))
    }
}

/// Reads from the server or the mirror with the outbox on top; edits offline are queued when
/// they may be (name, description, on/off), everything else needs the server.
#[async_trait]
impl IntegrationStore for SharedStore {
    async fn list_integrations(&self, tenant: TenantId) -> StoreResult<Vec<IntegrationRecord>> {
        let online = self.mode() == LinkMode::Online;
        match self
            .ask_server(online, |server| server.list_integrations(tenant))
            .await
        {
            Some(answer) => answer,
            None => self.overlaid(tenant).await,
        }
    }

    async fn get_integration(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<Option<IntegrationRecord>> {
        let reachable = self.mode() != LinkMode::Offline;
        match self
            .ask_server(reachable, |server| server.get_integration(tenant, id))
            .await
        {
            Some(answer) => answer,
            None => Ok(self
                .overlaid(tenant)
                .await?
                .into_iter()
                .find(|record| record.id == id)),
        }
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

/// Syncing needs the server: the providers' data goes to PostgreSQL, and reaches this
/// computer's mirror by the pull like every other row.
#[async_trait]
impl JobStore for SharedStore {
    async fn claim_job(
        &self,
        worker: &str,
        scope: ClaimScope,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<ClaimedJob>> {
        server_only!(self, claim_job(worker, scope, now, lease_until))
    }

    async fn extend_lease(
        &self,
        job: &ClaimedJob,
        worker: &str,
        run: uuid::Uuid,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        server_only!(self, extend_lease(job, worker, run, until))
    }

    async fn release_job(
        &self,
        job: &ClaimedJob,
        worker: &str,
        next_run_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        server_only!(self, release_job(job, worker, next_run_at))
    }

    async fn request_sync(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<bool> {
        server_only!(self, request_sync(tenant, integration))
    }

    async fn set_sync_interval(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        minutes: i32,
    ) -> StoreResult<bool> {
        server_only!(self, set_sync_interval(tenant, integration, minutes))
    }

    async fn job_info(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<JobInfo>> {
        read!(self, job_info(tenant, integration))
    }
}

/// Runs and rows are written on the server; history reads fall back to the mirror.
#[async_trait]
impl SyncStore for SharedStore {
    async fn insert_run(&self, run: &SyncRunRecord) -> StoreResult<()> {
        server_only!(self, insert_run(run))
    }

    async fn update_run(&self, run: &SyncRunRecord) -> StoreResult<()> {
        server_only!(self, update_run(run))
    }

    async fn interrupt_run(&self, tenant: TenantId, run: uuid::Uuid) -> StoreResult<()> {
        server_only!(self, interrupt_run(tenant, run))
    }

    async fn runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        limit: i64,
    ) -> StoreResult<Vec<SyncRunRecord>> {
        read!(self, runs(tenant, integration, limit))
    }

    async fn cursor(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        stream: &str,
    ) -> StoreResult<Option<String>> {
        server_only!(self, cursor(tenant, integration, stream))
    }

    async fn write_batch(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        batch: SyncBatch<'_>,
        checkpoint: Option<(&str, &str)>,
    ) -> StoreResult<usize> {
        server_only!(self, write_batch(tenant, integration, batch, checkpoint))
    }

    async fn synced_count(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        table: SyncedTable,
    ) -> StoreResult<i64> {
        read!(self, synced_count(tenant, integration, table))
    }
}

/// Reports read the server while it answers and the mirror's copy of the synced rows otherwise.
#[async_trait]
impl ReportStore for SharedStore {
    async fn report_orders(
        &self,
        tenant: TenantId,
        filter: &OrderFilter,
        key: AggregateKey,
    ) -> StoreResult<Vec<OrderAggregate>> {
        read!(self, report_orders(tenant, filter, key))
    }

    async fn report_insights(
        &self,
        tenant: TenantId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        key: AggregateKey,
    ) -> StoreResult<Vec<InsightAggregate>> {
        read!(self, report_insights(tenant, from, to, key))
    }

    async fn report_split_insights(
        &self,
        tenant: TenantId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        key: AggregateKey,
        shares: &[SpendShare],
        owner: Option<&str>,
    ) -> StoreResult<Vec<OwnedInsightAggregate>> {
        read!(
            self,
            report_split_insights(tenant, from, to, key, shares, owner)
        )
    }

    async fn report_ads(&self, tenant: TenantId) -> StoreResult<Vec<AdRecord>> {
        read!(self, report_ads(tenant))
    }
}

/// Alerts are fired and cleared on the server (so every computer of the workspace sees one
/// episode once); reads fall back to the mirror, and offline the service computes the open
/// alerts from the mirror's synced rows without storing them. Dismissals and thresholds are
/// the user's edits: offline they are queued (`alert_outbox`) and read on top of the mirror.
#[async_trait]
impl AlertStore for SharedStore {
    async fn alerts(&self, tenant: TenantId, limit: i64) -> StoreResult<Vec<AlertRecord>> {
        let mut records = read!(self, alerts(tenant, limit))?;
        self.overlay_dismissals(tenant, &mut records).await?;
        Ok(records)
    }

    async fn open_alerts(&self, tenant: TenantId) -> StoreResult<Vec<AlertRecord>> {
        let mut records = read!(self, open_alerts(tenant))?;
        self.overlay_dismissals(tenant, &mut records).await?;
        Ok(records)
    }

    async fn fire_alert(&self, alert: &AlertRecord) -> StoreResult<bool> {
        server_only!(self, fire_alert(alert))
    }

    async fn clear_alert(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        server_only!(self, clear_alert(tenant, id, at))
    }

    async fn dismiss_alert(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<AlertRecord>> {
        let reachable = self.mode() != LinkMode::Offline;
        match self
            .ask_server(reachable, |server| server.dismiss_alert(tenant, id, at))
            .await
        {
            Some(answer) => answer,
            // Not reachable: whether a dismissal landed is then unknown; queued, it is applied
            // once (a second dismissal keeps the first time).
            None => self.queue_dismissal(tenant, id, at).await,
        }
    }

    async fn alert_settings(&self, tenant: TenantId) -> StoreResult<Option<String>> {
        if let Some(queued) = self.queued_alert_settings(tenant).await? {
            return Ok(Some(queued));
        }
        read!(self, alert_settings(tenant))
    }

    async fn set_alert_settings(&self, tenant: TenantId, settings: &str) -> StoreResult<()> {
        let reachable = self.mode() != LinkMode::Offline;
        match self
            .ask_server(reachable, |server| {
                server.set_alert_settings(tenant, settings)
            })
            .await
        {
            Some(answer) => answer,
            None => self.queue_alert_settings(tenant, settings).await,
        }
    }

    async fn last_order_at(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        read!(self, last_order_at(tenant, integration))
    }

    async fn orders_between(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        after: DateTime<Utc>,
        through: DateTime<Utc>,
    ) -> StoreResult<i64> {
        read!(self, orders_between(tenant, integration, after, through))
    }

    async fn token_expiries(&self, tenant: TenantId) -> StoreResult<Vec<TokenExpiryRecord>> {
        read!(self, token_expiries(tenant))
    }

    async fn record_token_expiry(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        expires_at: Option<DateTime<Utc>>,
        checked_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        server_only!(
            self,
            record_token_expiry(tenant, integration, expires_at, checked_at)
        )
    }
}

/// Decisions are read like reports; making one needs the server (it changes every computer's
/// figures, so it is not queued here to show figures the others do not have), and the server's
/// row is copied into the mirror at once.
#[async_trait]
impl AssignmentStore for SharedStore {
    async fn spend_assignments(&self, tenant: TenantId) -> StoreResult<Vec<SpendAssignmentRecord>> {
        read!(self, spend_assignments(tenant))
    }

    async fn put_spend_assignment(
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

    async fn ad_sales_by_store(&self, tenant: TenantId) -> StoreResult<Vec<AdStoreSales>> {
        read!(self, ad_sales_by_store(tenant))
    }
}

impl Store for SharedStore {
    fn kind(&self) -> &'static str {
        "postgres"
    }
}
