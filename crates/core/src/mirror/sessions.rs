//! Sessions ended or moved on while the server could not be reached, and sessions ended on the
//! server while this computer was away.
//!
//! Offline, signing out revokes the refresh token's family in the mirror and a refresh rotates
//! it there; without more, the server would never learn either, and a copy of an older refresh
//! token (stolen, or left on another computer) would stay usable there for its whole life. Both
//! are queued in `session_outbox` and applied, in order, when the server answers, before the
//! link says online: a revocation is repeated there; a rotation marks the spent token used
//! there and adds its successor, and if the server's copy was already spent or revoked (someone
//! else used it meanwhile, or the session was ended elsewhere) the whole family is revoked on
//! both sides, as the server does for any reuse. In the other direction, every pull asks the
//! server which of the mirror's live families it has revoked and revokes them in the mirror, so
//! a session ended elsewhere (sign-out on another computer, a reuse detected there) ends here at
//! the next refresh or check, whether online or offline afterwards.

use chrono::Utc;
use uuid::Uuid;

use super::SharedStore;
use crate::domain::TenantId;
use crate::store::prelude::*;
use crate::store::{RefreshTokenRecord, StoreError, StoreResult};

/// A row of `session_outbox`: seq, tenant, family, kind, spent token id, successor id.
type QueuedSession = (i64, String, String, String, Option<String>, Option<String>);

fn sqlite_err(err: sqlx::Error) -> StoreError {
    StoreError::Database(format!("session outbox: {err}"))
}

impl SharedStore {
    /// Queues a sign-out made without the server.
    pub(super) async fn queue_revocation(&self, tenant: TenantId, family: Uuid) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO session_outbox (tenant_id, family_id, kind, queued_at) \
             VALUES (?, ?, 'revoke', ?)",
        )
        .bind(tenant.to_string())
        .bind(family.to_string())
        .bind(Utc::now().to_rfc3339())
        .execute(self.mirror.pool())
        .await
        .map_err(sqlite_err)?;
        Ok(())
    }

    /// Queues a refresh made without the server: `used` was spent in the mirror for `successor`.
    pub(super) async fn queue_rotation(
        &self,
        used: &RefreshTokenRecord,
        successor: &RefreshTokenRecord,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO session_outbox (tenant_id, family_id, kind, used_token_id, successor_id, \
             queued_at) VALUES (?, ?, 'rotate', ?, ?, ?)",
        )
        .bind(used.tenant_id.to_string())
        .bind(used.family_id.to_string())
        .bind(used.id.to_string())
        .bind(successor.id.to_string())
        .bind(Utc::now().to_rfc3339())
        .execute(self.mirror.pool())
        .await
        .map_err(sqlite_err)?;
        Ok(())
    }

    /// How many sign-outs and refreshes wait for the server.
    pub async fn queued_session_changes(&self) -> StoreResult<usize> {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM session_outbox")
            .fetch_one(self.mirror.pool())
            .await
            .map_err(sqlite_err)?;
        Ok(usize::try_from(count).unwrap_or_default())
    }

    async fn mirrored_token(&self, id: &str) -> StoreResult<Option<RefreshTokenRecord>> {
        sqlx::query_as(
            "SELECT id, tenant_id, user_id, family_id, token_hash, expires_at, used_at, \
             revoked_at FROM refresh_tokens WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(self.mirror.pool())
        .await
        .map_err(sqlite_err)
    }

    async fn revoke_everywhere(&self, tenant: TenantId, family: Uuid) -> StoreResult<()> {
        let server = self.ready().await?;
        self.probe(server.revoke_refresh_family(tenant, family))
            .await?;
        self.mirror.revoke_refresh_family(tenant, family).await
    }

    /// Applies the queued sign-outs and refreshes to the server, oldest first. Stops at the
    /// first that cannot reach it (the rest wait for the next round).
    pub(super) async fn flush_sessions(&self) -> StoreResult<()> {
        let entries: Vec<QueuedSession> = sqlx::query_as(
            "SELECT seq, tenant_id, family_id, kind, used_token_id, successor_id \
                 FROM session_outbox ORDER BY seq",
        )
        .fetch_all(self.mirror.pool())
        .await
        .map_err(sqlite_err)?;
        for (seq, tenant, family, kind, used, successor) in entries {
            let (Ok(tenant), Ok(family)) = (Uuid::parse_str(&tenant), Uuid::parse_str(&family))
            else {
                self.drop_outbox_entry("session_outbox", seq).await?;
                continue;
            };
            if kind == "rotate" {
                self.replay_rotation(tenant, family, used, successor)
                    .await?;
            } else {
                self.revoke_everywhere(tenant, family).await?;
            }
            self.drop_outbox_entry("session_outbox", seq).await?;
        }
        Ok(())
    }

    async fn replay_rotation(
        &self,
        tenant: TenantId,
        family: Uuid,
        used: Option<String>,
        successor: Option<String>,
    ) -> StoreResult<()> {
        let (Some(used), Some(successor)) = (used, successor) else {
            return Ok(());
        };
        let (Some(used), Some(successor)) = (
            self.mirrored_token(&used).await?,
            self.mirrored_token(&successor).await?,
        ) else {
            // The tokens left the mirror (another server's data replaced it): end the family.
            return self.revoke_everywhere(tenant, family).await;
        };
        let server = self.ready().await?;
        let successor_row = RefreshTokenRecord {
            used_at: None,
            revoked_at: None,
            ..successor.clone()
        };
        if self
            .probe(server.rotate_refresh_token(&used, &successor_row))
            .await?
        {
            return Ok(());
        }
        // Refused: already there (this very rotation, applied before a crash kept its entry),
        // or the server's copy was spent or revoked meanwhile: a reuse, which ends the family.
        let applied = self
            .probe(server.find_refresh_token(&successor.token_hash))
            .await?
            .is_some();
        if !applied {
            tracing::warn!(%family, "a refresh made offline met a token spent or revoked on the server; ending the session");
            self.revoke_everywhere(tenant, family).await?;
        }
        Ok(())
    }

    /// Revokes in the mirror the families of this tenant that the server has revoked.
    pub(super) async fn pull_revocations(&self, tenant: TenantId) -> StoreResult<usize> {
        let live: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT family_id FROM refresh_tokens WHERE tenant_id = ? \
             AND revoked_at IS NULL",
        )
        .bind(tenant.to_string())
        .fetch_all(self.mirror.pool())
        .await
        .map_err(sqlite_err)?;
        let live: Vec<Uuid> = live
            .iter()
            .filter_map(|id| Uuid::parse_str(id).ok())
            .collect();
        if live.is_empty() {
            return Ok(0);
        }
        let server = self.ready().await?;
        let revoked = self.probe(server.revoked_families(tenant, &live)).await?;
        for family in &revoked {
            tracing::info!(%family, "a session was ended on the server; ending it here");
            self.mirror.revoke_refresh_family(tenant, *family).await?;
        }
        Ok(revoked.len())
    }
}
