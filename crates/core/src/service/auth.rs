//! Signing up, in and out, sessions, and the workspace's account.

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use super::Core;
use crate::auth::{
    self, login_delay_secs, sha256_hex, validate_email, validate_new_password, Session, TokenPair,
    BAD_CREDENTIALS, BAD_CREDENTIALS_OFFLINE, LOGIN_FAILURE_MEMORY_SECS,
};
use crate::domain::{validate_name, TenantId};
use crate::error::{CoreError, CoreResult};
use crate::store::{LoginThrottle, RefreshTokenRecord, TenantRecord, UserRecord};

/// A successful sign-up, sign-in or refresh.
#[derive(Debug)]
pub struct SignedIn {
    pub session: Session,
    pub tokens: TokenPair,
}

/// What a sign-in or refresh hands back: the session the new access token stands for.
fn signed_in(user: &UserRecord, tokens: TokenPair) -> SignedIn {
    SignedIn {
        session: auth::session_for(
            user.id,
            user.tenant_id,
            &user.email,
            tokens.access_expires_at,
        ),
        tokens,
    }
}

/// Who is signed in (`current_account`), for the UI's header and the CLI.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Account {
    pub tenant_id: TenantId,
    pub tenant_name: String,
    /// The workspace's time zone (IANA), the days of its reports.
    pub time_zone: String,
    pub user_id: Uuid,
    pub email: String,
}

/// The throttling rule: after [`auth::FREE_LOGIN_FAILURES`] each attempt must wait twice as
/// long as the one before, up to a day. Waiting out a delay does not reset the count (each
/// attempt after it adds one more failure); only a successful sign-in or a quiet week of
/// [`LOGIN_FAILURE_MEMORY_SECS`] forgets it.
fn login_policy(current: &LoginThrottle, now: chrono::DateTime<Utc>) -> Result<u32, u64> {
    let since = current
        .last_failure_at
        .map_or(i64::MAX, |at| (now - at).num_seconds().max(0));
    if since >= LOGIN_FAILURE_MEMORY_SECS {
        return Ok(1);
    }
    let wait = login_delay_secs(current.failures) as i64;
    if wait > since {
        return Err((wait - since) as u64);
    }
    Ok(current.failures.saturating_add(1))
}

impl Core {
    /// Creates a tenant (workspace) and its owner, and signs the owner in.
    ///
    /// An email that already has an account is refused with [`crate::domain::SIGN_UP_REFUSED`], a
    /// validation error like the other refusals of the form's input, which never says that the
    /// account exists; the password is hashed before the insert either way, so both answers
    /// take as long.
    pub async fn sign_up(
        &self,
        tenant_name: &str,
        email: &str,
        password: &SecretString,
    ) -> CoreResult<SignedIn> {
        if self.joined_workspace().is_some() {
            return Err(CoreError::validation(
                "Workspaces on a shared server are made by its operator (integrations admin \
                 create-workspace). Sign in with the account you were given for this workspace.",
            ));
        }
        let tenant_name = validate_name(tenant_name)
            .map_err(|_| CoreError::validation("Workspace name is required (1–200 characters)."))?;
        let email = validate_email(email)?;
        validate_new_password(password)?;
        let password_hash = auth::hash_password(password).await?;
        let now = Utc::now();
        let tenant = TenantRecord {
            id: Uuid::new_v4(),
            name: tenant_name,
            created_at: now,
            time_zone: crate::analytics::DEFAULT_TIME_ZONE.to_owned(),
        };
        let owner = UserRecord {
            id: Uuid::new_v4(),
            tenant_id: tenant.id,
            email,
            password_hash,
            created_at: now,
        };
        self.store.create_tenant_with_owner(&tenant, &owner).await?;
        self.issue(&owner, Uuid::new_v4()).await
    }

    /// Email + password. Unknown email and wrong password get the same answer; after
    /// [`auth::FREE_LOGIN_FAILURES`] recent failures each attempt must wait longer.
    pub async fn sign_in(&self, email: &str, password: &SecretString) -> CoreResult<SignedIn> {
        let normalized = email.trim().to_lowercase();
        let email_hash = sha256_hex(&normalized);
        // The attempt is counted before the password is checked, in the same atomic step as
        // the decision, so parallel guesses cannot share one stale count.
        let reservation = self
            .store
            .reserve_login_attempt(&email_hash, self.clock.now(), login_policy)
            .await?;
        if let Err(retry_after_secs) = reservation {
            return Err(CoreError::RateLimited { retry_after_secs });
        }
        let user = self.store.find_user_by_email(&normalized).await?;
        let verified =
            auth::verify_password(password, user.as_ref().map(|u| u.password_hash.as_str())).await;
        match user {
            Some(user) if verified => {
                self.store.clear_login_failures(&email_hash).await?;
                self.issue(&user, Uuid::new_v4()).await
            }
            // Offline only the accounts used on this computer before are in the mirror. The
            // answer says so for a wrong password and an unknown email alike (and both did the
            // same password check), so it never tells which emails have accounts.
            _ if self.is_offline() => {
                Err(CoreError::Unauthenticated(BAD_CREDENTIALS_OFFLINE.into()))
            }
            _ => Err(CoreError::Unauthenticated(BAD_CREDENTIALS.into())),
        }
    }

    async fn issue(&self, user: &UserRecord, family: Uuid) -> CoreResult<SignedIn> {
        let (tokens, record) = self.new_tokens(user, family);
        if let Err(err) = self.store.remember_signed_in(user).await {
            // Signing in worked; only offline sign-in later will not. Not worth failing for.
            tracing::warn!(error = %err, "could not keep the user for offline sign-in");
        }
        self.store.insert_refresh_token(&record).await?;
        Ok(signed_in(user, tokens))
    }

    /// A new token pair for `user` in the sign-in `family`, with the record that keeps its
    /// refresh token (by hash).
    fn new_tokens(&self, user: &UserRecord, family: Uuid) -> (TokenPair, RefreshTokenRecord) {
        let tokens = self
            .tokens
            .issue(user.id, user.tenant_id, &user.email, family, Utc::now());
        let record = RefreshTokenRecord {
            id: Uuid::new_v4(),
            tenant_id: user.tenant_id,
            user_id: user.id,
            family_id: family,
            token_hash: sha256_hex(tokens.refresh_token.expose_secret()),
            expires_at: tokens.refresh_expires_at,
            used_at: None,
            revoked_at: None,
        };
        (tokens, record)
    }

    /// Trades a refresh token for a new pair. The old token is spent; presenting a spent or
    /// revoked token again ends every session descended from the same sign-in.
    pub async fn refresh(&self, refresh_token: &SecretString) -> CoreResult<SignedIn> {
        let claims = self.tokens.verify_refresh(refresh_token)?;
        let hash = sha256_hex(refresh_token.expose_secret());
        let ended = || CoreError::Unauthenticated("This session has ended. Sign in again.".into());
        let record = self
            .store
            .find_refresh_token(&hash)
            .await?
            .ok_or_else(ended)?;
        if record.tenant_id != claims.tid || record.user_id != claims.sub {
            return Err(ended());
        }
        if record.used_at.is_some() || record.revoked_at.is_some() {
            tracing::warn!(family = %record.family_id, "refresh token reused; revoking its family");
            self.store
                .revoke_refresh_family(record.tenant_id, record.family_id)
                .await?;
            return Err(ended());
        }
        if record.expires_at <= Utc::now() {
            return Err(ended());
        }
        let user = self
            .store
            .get_user(record.tenant_id, record.user_id)
            .await?
            .ok_or_else(ended)?;
        let (tokens, successor) = self.new_tokens(&user, record.family_id);
        let rotated = self.store.rotate_refresh_token(&record, &successor).await?;
        if !rotated {
            // Someone spent it between our read and our write: that is a reuse too.
            self.store
                .revoke_refresh_family(record.tenant_id, record.family_id)
                .await?;
            return Err(ended());
        }
        Ok(signed_in(&user, tokens))
    }

    /// Revokes the refresh token's whole family. Signing out twice is not an error.
    pub async fn sign_out(&self, refresh_token: &SecretString) -> CoreResult<()> {
        let hash = sha256_hex(refresh_token.expose_secret());
        if let Some(record) = self.store.find_refresh_token(&hash).await? {
            self.store
                .revoke_refresh_family(record.tenant_id, record.family_id)
                .await?;
        }
        Ok(())
    }

    /// Whether this refresh token's session was ended: signed out here, or ended on the server
    /// (a sign-out elsewhere, a reuse detected there) and pulled into the mirror. Only the local
    /// copy is read, no round trip, so a holder can ask before every operation and end a session
    /// whose access token is still fresh. Always false on the embedded database, where a
    /// revocation is seen by the next refresh itself.
    pub async fn session_ended(&self, refresh_token: &SecretString) -> bool {
        let Some(shared) = &self.shared else {
            return false;
        };
        use crate::store::AccountStore as _;
        let hash = sha256_hex(refresh_token.expose_secret());
        matches!(
            shared.mirror().find_refresh_token(&hash).await,
            Ok(Some(record)) if record.revoked_at.is_some()
        )
    }

    /// Verifies an access token: the only way, besides signing in, to get a [`Session`].
    pub fn verify(&self, access_token: &SecretString) -> CoreResult<Session> {
        self.tokens.verify_access(access_token)
    }

    pub async fn current_account(&self, session: &Session) -> CoreResult<Account> {
        let tenant = self
            .store
            .get_tenant(session.tenant_id())
            .await?
            .ok_or_else(|| CoreError::Unauthenticated("This workspace no longer exists.".into()))?;
        Ok(Account {
            tenant_id: tenant.id,
            tenant_name: tenant.name,
            time_zone: tenant.time_zone,
            user_id: session.user_id(),
            email: session.email().to_owned(),
        })
    }

    /// Sets the workspace's time zone (an IANA name such as `Asia/Ho_Chi_Minh`): the days its
    /// reports are counted in. Needs the server in shared mode.
    pub async fn set_time_zone(&self, session: &Session, time_zone: &str) -> CoreResult<Account> {
        let zone: chrono_tz::Tz = time_zone.trim().parse().map_err(|_| {
            CoreError::Validation(format!(
                "Unknown time zone {:?}; use an IANA name such as Asia/Ho_Chi_Minh.",
                time_zone.trim()
            ))
        })?;
        self.require_online("Changing the workspace's time zone")?;
        self.store
            .set_tenant_time_zone(session.tenant_id(), zone.name())
            .await?;
        self.current_account(session).await
    }
}
