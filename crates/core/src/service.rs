//! The operations: each declared once here, called alike by the Tauri commands, the CLI and the
//! tests. Every integration operation takes a verified [`Session`] and uses only its tenant.

use std::sync::Arc;

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use crate::auth::{
    self, login_delay_secs, sha256_hex, validate_email, validate_new_password, Session,
    TokenConfig, TokenIssuer, TokenPair, BAD_CREDENTIALS, LOGIN_FAILURE_WINDOW_SECS,
};
use crate::crypto::{envelope_key_version, DataKey, MasterKey, TenantKeyring};
use crate::domain::{
    validate_ad_account_id, validate_description, validate_name, validate_shop_id, Credentials,
    Integration, IntegrationConfig, IntegrationId, IntegrationStatus, IntegrationUpdate,
    NewIntegration, TenantId,
};
use crate::error::{CoreError, CoreResult};
use crate::mirror::{ConflictChoice, Connectivity, LinkMode, SharedStore};
use crate::provider::{ProviderFailure, ProviderGateway};
use crate::store::{
    Constraint, IntegrationRecord, Reencryption, RefreshTokenRecord, Store, StoreError,
    TenantKeyRecord, TenantRecord, UserRecord,
};
use crate::sync::{SyncProgress, SyncSettings};

pub use crate::domain::META_ADS_EXISTS;

/// A successful sign-up, sign-in or refresh.
#[derive(Debug)]
pub struct SignedIn {
    pub session: Session,
    pub tokens: TokenPair,
}

/// Who is signed in, for `whoami` and the UI's header.
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

/// The result of a connection test: the integration as it now is, and what the provider said.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionTestResult {
    pub integration: Integration,
    pub success: bool,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub provider_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyRotation {
    pub key_version: u32,
    pub reencrypted: usize,
}

/// A shop offered by the Pancake create flow.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ShopChoice {
    pub id: String,
    pub name: String,
    pub avatar_url: Option<String>,
    /// Already connected for this tenant: shown, but refused.
    pub already_connected: bool,
}

/// An ad account offered by the Meta create flow.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AdAccountChoice {
    pub id: String,
    pub name: String,
    #[ts(type = "number")]
    pub account_status: i64,
    pub status_name: String,
    pub active: bool,
    pub currency: String,
    pub timezone_name: String,
    pub already_connected: bool,
}

/// What the discovery-driven create flow did: created the integration, or needs the user to
/// choose among several shops / ad accounts.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(tag = "outcome", rename_all = "camelCase")]
#[ts(export)]
pub enum ConnectOutcome {
    Created { integration: Integration },
    ChooseShop { shops: Vec<ShopChoice> },
    ChooseAdAccount { accounts: Vec<AdAccountChoice> },
}

fn provider_err(failure: ProviderFailure) -> CoreError {
    CoreError::Provider {
        provider_code: failure.code,
        message: failure.message,
    }
}

/// The throttling rule: failures older than the window are forgotten; after
/// [`auth::FREE_LOGIN_FAILURES`] each attempt must wait twice as long as the one before.
fn login_policy(
    current: &crate::store::LoginThrottle,
    now: chrono::DateTime<Utc>,
) -> Result<u32, u64> {
    let since = current
        .last_failure_at
        .map_or(i64::MAX, |at| (now - at).num_seconds().max(0));
    if since >= LOGIN_FAILURE_WINDOW_SECS {
        return Ok(1);
    }
    let wait = login_delay_secs(current.failures) as i64;
    if wait > since {
        return Err((wait - since) as u64);
    }
    Ok(current.failures.saturating_add(1))
}

pub struct Core {
    pub(crate) store: Arc<dyn Store>,
    /// The same store as `store` in shared mode, for what only shared mode has (the link to
    /// the server, the mirror, the outbox).
    shared: Option<Arc<SharedStore>>,
    master: MasterKey,
    tokens: TokenIssuer,
    pub(crate) providers: Arc<dyn ProviderGateway>,
    pub(crate) sync_settings: SyncSettings,
    pub(crate) sync_events: tokio::sync::broadcast::Sender<SyncProgress>,
    /// The latest progress of each sync this core ran lately, per tenant, for polling UIs.
    pub(crate) sync_activity: std::sync::Mutex<
        std::collections::HashMap<IntegrationId, (TenantId, std::time::Instant, SyncProgress)>,
    >,
    /// Wakes the in-app scheduler ("Sync now").
    pub(crate) sync_wake: tokio::sync::Notify,
}

impl Core {
    pub fn new(
        store: Arc<dyn Store>,
        master: MasterKey,
        token_config: TokenConfig,
        providers: Arc<dyn ProviderGateway>,
    ) -> Self {
        Self {
            store,
            shared: None,
            master,
            tokens: TokenIssuer::new(token_config),
            providers,
            sync_settings: SyncSettings::default(),
            sync_events: tokio::sync::broadcast::channel(256).0,
            sync_activity: Default::default(),
            sync_wake: tokio::sync::Notify::new(),
        }
    }

    /// Shared mode: PostgreSQL with the local mirror. Start [`SharedStore::run`] (the app) or
    /// call [`Self::check_link`] (a CLI command) so it finds the server.
    pub fn new_shared(
        shared: Arc<SharedStore>,
        master: MasterKey,
        token_config: TokenConfig,
        providers: Arc<dyn ProviderGateway>,
    ) -> Self {
        Self {
            store: shared.clone(),
            shared: Some(shared),
            master,
            tokens: TokenIssuer::new(token_config),
            providers,
            sync_settings: SyncSettings::default(),
            sync_events: tokio::sync::broadcast::channel(256).0,
            sync_activity: Default::default(),
            sync_wake: tokio::sync::Notify::new(),
        }
    }

    /// The sync engine's knobs (tests and the benchmark tighten them).
    pub fn with_sync_settings(mut self, settings: SyncSettings) -> Self {
        self.sync_settings = settings;
        self
    }

    pub fn set_sync_settings(&mut self, settings: SyncSettings) {
        self.sync_settings = settings;
    }

    /// The shared-mode store, for the app to run its link in the background.
    pub fn shared_store(&self) -> Option<Arc<SharedStore>> {
        self.shared.clone()
    }

    /// Mirror this session's workspace (shared mode; nothing to do otherwise).
    pub fn follow(&self, session: Option<&Session>) {
        if let Some(shared) = &self.shared {
            shared.follow(session.map(Session::tenant_id));
        }
    }

    /// One probe of the server: outbox applied and mirror pulled if it answers.
    pub async fn check_link(&self) -> LinkMode {
        match &self.shared {
            Some(shared) => shared.tick().await,
            None => LinkMode::Standalone,
        }
    }

    pub(crate) fn is_offline(&self) -> bool {
        self.shared
            .as_ref()
            .is_some_and(|shared| shared.mode() == LinkMode::Offline)
    }

    /// Refuses at once, with a reason, what cannot work offline.
    pub(crate) fn require_online(&self, action: &str) -> CoreResult<()> {
        if self.is_offline() {
            return Err(CoreError::offline(action));
        }
        Ok(())
    }

    /// Where the data comes from, the mirror's age, and this tenant's queued offline edits.
    pub async fn connectivity(&self, session: Option<&Session>) -> CoreResult<Connectivity> {
        let Some(shared) = &self.shared else {
            return Ok(Connectivity {
                mode: LinkMode::Standalone,
                mirror_as_of: None,
                data_version: 0,
                pending: Vec::new(),
                conflicts: Vec::new(),
            });
        };
        let snapshot = *shared.subscribe().borrow();
        let (mirror_as_of, pending, conflicts) = match session {
            Some(session) => {
                let tenant = session.tenant_id();
                let (pending, conflicts) = shared.queued(tenant).await?;
                let conflicts = conflicts
                    .into_iter()
                    .map(|(mut conflict, server)| {
                        conflict.server = server.map(to_integration).transpose()?;
                        Ok(conflict)
                    })
                    .collect::<CoreResult<Vec<_>>>()?;
                let as_of = shared.mirror_as_of(tenant).await?;
                (as_of, pending, conflicts)
            }
            None => (None, Vec::new(), Vec::new()),
        };
        Ok(Connectivity {
            mode: snapshot.mode,
            mirror_as_of,
            data_version: snapshot.data_version,
            pending,
            conflicts,
        })
    }

    /// Settles a conflict between an offline edit and the server's version.
    pub async fn resolve_conflict(
        &self,
        session: &Session,
        seq: i64,
        choice: ConflictChoice,
    ) -> CoreResult<Connectivity> {
        let Some(shared) = &self.shared else {
            return Err(CoreError::NotFound("There is no such conflict.".into()));
        };
        if choice == ConflictChoice::Mine {
            self.require_online("Keeping your offline change")?;
        }
        let found = shared
            .resolve(session.tenant_id(), seq, choice)
            .await
            .map_err(|err| match err {
                StoreError::Offline => CoreError::offline("Keeping your offline change"),
                other => other.into(),
            })?;
        if !found {
            return Err(CoreError::NotFound(
                "This conflict was already settled.".into(),
            ));
        }
        self.connectivity(Some(session)).await
    }

    pub fn store_kind(&self) -> &'static str {
        self.store.kind()
    }

    // ---------------------------------------------------------------- auth

    /// Creates a tenant (workspace) and its owner, and signs the owner in.
    pub async fn sign_up(
        &self,
        tenant_name: &str,
        email: &str,
        password: &SecretString,
    ) -> CoreResult<SignedIn> {
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
            .reserve_login_attempt(&email_hash, Utc::now(), login_policy)
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
            // Offline, only accounts used on this computer before are in the mirror: say so
            // rather than calling a good password wrong.
            None if self.is_offline() => Err(CoreError::offline(
                "Signing in with an account not used on this computer before",
            )),
            _ => Err(CoreError::Unauthenticated(BAD_CREDENTIALS.into())),
        }
    }

    async fn issue(&self, user: &UserRecord, family: Uuid) -> CoreResult<SignedIn> {
        let now = Utc::now();
        let (access_token, access_expires_at) =
            self.tokens
                .issue_access(user.id, user.tenant_id, &user.email, now);
        let (refresh_token, refresh_expires_at) =
            self.tokens
                .issue_refresh(user.id, user.tenant_id, family, now);
        if let Err(err) = self.store.remember_signed_in(user).await {
            // Signing in worked; only offline sign-in later will not. Not worth failing for.
            tracing::warn!(error = %err, "could not keep the user for offline sign-in");
        }
        self.store
            .insert_refresh_token(&RefreshTokenRecord {
                id: Uuid::new_v4(),
                tenant_id: user.tenant_id,
                user_id: user.id,
                family_id: family,
                token_hash: sha256_hex(refresh_token.expose_secret()),
                expires_at: refresh_expires_at,
                used_at: None,
                revoked_at: None,
            })
            .await?;
        Ok(SignedIn {
            session: auth::session_for(user.id, user.tenant_id, &user.email, access_expires_at),
            tokens: TokenPair {
                access_token,
                refresh_token,
                access_expires_at,
                refresh_expires_at,
            },
        })
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
        let now = Utc::now();
        let (access_token, access_expires_at) =
            self.tokens
                .issue_access(user.id, user.tenant_id, &user.email, now);
        let (new_refresh, refresh_expires_at) =
            self.tokens
                .issue_refresh(user.id, user.tenant_id, record.family_id, now);
        let successor = RefreshTokenRecord {
            id: Uuid::new_v4(),
            tenant_id: user.tenant_id,
            user_id: user.id,
            family_id: record.family_id,
            token_hash: sha256_hex(new_refresh.expose_secret()),
            expires_at: refresh_expires_at,
            used_at: None,
            revoked_at: None,
        };
        let rotated = self.store.rotate_refresh_token(&record, &successor).await?;
        if !rotated {
            // Someone spent it between our read and our write: that is a reuse too.
            self.store
                .revoke_refresh_family(record.tenant_id, record.family_id)
                .await?;
            return Err(ended());
        }
        Ok(SignedIn {
            session: auth::session_for(user.id, user.tenant_id, &user.email, access_expires_at),
            tokens: TokenPair {
                access_token,
                refresh_token: new_refresh,
                access_expires_at,
                refresh_expires_at,
            },
        })
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

    /// Verifies an access token: the only way, besides signing in, to get a [`Session`].
    pub fn verify(&self, access_token: &SecretString) -> CoreResult<Session> {
        self.tokens.verify_access(access_token)
    }

    pub async fn whoami(&self, session: &Session) -> CoreResult<Account> {
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
        self.whoami(session).await
    }

    // ---------------------------------------------------------------- keys

    /// The tenant's data keys, creating version 1 on first use.
    pub(crate) async fn keyring(&self, tenant: TenantId) -> CoreResult<TenantKeyring> {
        let mut records = self.store.tenant_keys(tenant).await?;
        if records.is_empty() {
            let key = DataKey::generate(1);
            let record = TenantKeyRecord {
                version: 1,
                wrapped_key: self.master.wrap(tenant, &key),
            };
            match self.store.insert_tenant_key(tenant, &record).await {
                Ok(()) | Err(StoreError::Conflict(Constraint::TenantKeyVersion)) => {}
                Err(err) => return Err(err.into()),
            }
            records = self.store.tenant_keys(tenant).await?;
        }
        let mut keys = Vec::with_capacity(records.len());
        for record in records {
            let key = self
                .master
                .unwrap(tenant, record.version, &record.wrapped_key)
                .map_err(|_| {
                    CoreError::Configuration(
                        "The master key does not match this database: stored credentials cannot \
                         be opened. Set the INTEGRATIONS_MASTER_KEY this database was created with."
                            .into(),
                    )
                })?;
            keys.push(key);
        }
        Ok(TenantKeyring::new(keys))
    }

    fn seal(
        keyring: &TenantKeyring,
        tenant: TenantId,
        id: IntegrationId,
        credentials: &Credentials,
    ) -> CoreResult<String> {
        let key = keyring
            .current()
            .ok_or_else(|| CoreError::internal("sealing credentials", &"no tenant key"))?;
        Ok(key.seal(tenant, id, &credentials.to_plaintext()))
    }

    pub(crate) fn open(
        keyring: &TenantKeyring,
        record: &IntegrationRecord,
    ) -> CoreResult<Credentials> {
        let plaintext = keyring
            .open(record.tenant_id, record.id, &record.credentials)
            .map_err(|err| CoreError::internal("opening credentials", &err))?;
        Credentials::from_plaintext(record.provider, &plaintext)
    }

    /// Re-seals every credential of the tenant under a new key version, in one transaction:
    /// interrupted, it leaves everything as it was (old keys are kept, so nothing is stranded).
    pub async fn rotate_keys(&self, session: &Session) -> CoreResult<KeyRotation> {
        self.require_online("Rotating the encryption keys")?;
        let tenant = session.tenant_id();
        let keyring = self.keyring(tenant).await?;
        let new_key = DataKey::generate(keyring.current_version() + 1);
        let records = self.store.list_integrations(tenant).await?;
        let mut reencryptions = Vec::with_capacity(records.len());
        for record in &records {
            let credentials = Self::open(&keyring, record)?;
            reencryptions.push(Reencryption {
                integration_id: record.id,
                old: record.credentials.clone(),
                new: new_key.seal(tenant, record.id, &credentials.to_plaintext()),
            });
        }
        let key_record = TenantKeyRecord {
            version: new_key.version(),
            wrapped_key: self.master.wrap(tenant, &new_key),
        };
        self.store
            .rotate_tenant_key(tenant, &key_record, &reencryptions)
            .await
            .map_err(|err| {
                match err {
                StoreError::Stale => CoreError::Conflict(
                    "An integration changed during key rotation; nothing was changed. Run it again."
                        .into(),
                ),
                other => other.into(),
            }
            })?;
        Ok(KeyRotation {
            key_version: new_key.version(),
            reencrypted: reencryptions.len(),
        })
    }

    /// Which key version each of the tenant's credentials is sealed with (for `status` and
    /// rotation checks).
    pub async fn credential_key_versions(&self, session: &Session) -> CoreResult<Vec<u32>> {
        let records = self.store.list_integrations(session.tenant_id()).await?;
        records
            .iter()
            .map(|record| {
                envelope_key_version(&record.credentials)
                    .map_err(|err| CoreError::internal("reading envelope", &err))
            })
            .collect()
    }

    // ---------------------------------------------------------------- discovery

    /// The shops a Pancake API key reaches, each marked if already connected for this tenant.
    /// The key goes from the core to Pancake; the UI never calls Pancake itself.
    pub async fn discover_shops(
        &self,
        session: &Session,
        api_key: &SecretString,
    ) -> CoreResult<Vec<ShopChoice>> {
        self.require_online("Looking up your stores")?;
        Credentials::pancake(api_key.clone()).validate()?;
        let shops = self
            .providers
            .discover_shops(api_key)
            .await
            .map_err(provider_err)?;
        let connected = self
            .connected_ids(session, crate::domain::Provider::PancakePos)
            .await?;
        Ok(shops
            .into_iter()
            .map(|shop| ShopChoice {
                already_connected: connected.contains(&shop.id),
                id: shop.id,
                name: shop.name,
                avatar_url: shop.avatar_url,
            })
            .collect())
    }

    /// The ad accounts a Meta token reaches, each marked if already connected.
    pub async fn discover_ad_accounts(
        &self,
        session: &Session,
        access_token: &SecretString,
    ) -> CoreResult<Vec<AdAccountChoice>> {
        self.require_online("Looking up your ad accounts")?;
        Credentials::meta(access_token.clone()).validate()?;
        let accounts = self
            .providers
            .discover_ad_accounts(access_token)
            .await
            .map_err(provider_err)?;
        let connected = self
            .connected_ids(session, crate::domain::Provider::MetaAds)
            .await?;
        Ok(accounts
            .into_iter()
            .map(|account| AdAccountChoice {
                already_connected: connected.contains(&account.id),
                id: account.id,
                name: account.name,
                account_status: account.account_status,
                status_name: account.status_name,
                active: account.active,
                currency: account.currency,
                timezone_name: account.timezone_name,
            })
            .collect())
    }

    async fn connected_ids(
        &self,
        session: &Session,
        provider: crate::domain::Provider,
    ) -> CoreResult<std::collections::HashSet<String>> {
        let records = self.store.list_integrations(session.tenant_id()).await?;
        Ok(records
            .into_iter()
            .filter(|record| record.provider == provider)
            .map(|record| record.external_id)
            .collect())
    }

    /// The seed's Pancake create flow: the key (and optional description) discovers the shops.
    /// One shop, or the one `shop_id` names, is created and named after the shop; several
    /// return the list to choose from; none is a clear error. Connected shops are refused.
    pub async fn connect_pancake(
        &self,
        session: &Session,
        api_key: SecretString,
        description: Option<String>,
        shop_id: Option<&str>,
    ) -> CoreResult<ConnectOutcome> {
        self.require_online("Connecting a store")?;
        let description = validate_description(description.as_deref())?;
        let wanted = shop_id.map(validate_shop_id).transpose()?;
        let shops = self.discover_shops(session, &api_key).await?;
        if shops.is_empty() {
            return Err(provider_err(
                integrations_providers::ProviderError::NoShopAccess.into(),
            ));
        }
        let chosen = match wanted {
            Some(wanted) => shops
                .iter()
                .find(|shop| shop.id == wanted)
                .cloned()
                .ok_or_else(|| {
                    provider_err(
                        integrations_providers::ProviderError::ShopNotReachable {
                            shop_id: wanted.parse().unwrap_or_default(),
                        }
                        .into(),
                    )
                })?,
            None if shops.len() == 1 => shops[0].clone(),
            None => {
                if shops.iter().all(|shop| shop.already_connected) {
                    return Err(CoreError::Conflict(format!(
                        "All {} stores this API key reaches are already connected.",
                        shops.len()
                    )));
                }
                return Ok(ConnectOutcome::ChooseShop { shops });
            }
        };
        if chosen.already_connected {
            return Err(CoreError::Conflict(format!(
                "This store ({}) is already connected.",
                chosen.name
            )));
        }
        let name = if chosen.name.trim().is_empty() {
            format!("Pancake POS {}", chosen.id)
        } else {
            chosen.name.clone()
        };
        let integration = self
            .create_integration(
                session,
                NewIntegration {
                    name,
                    description,
                    credentials: Credentials::pancake(api_key),
                    config: IntegrationConfig::PancakePos { shop_id: chosen.id },
                },
            )
            .await?;
        Ok(ConnectOutcome::Created { integration })
    }

    /// The same flow for Meta Ads: token → ad accounts; at most one Meta integration per tenant.
    pub async fn connect_meta(
        &self,
        session: &Session,
        access_token: SecretString,
        description: Option<String>,
        ad_account_id: Option<&str>,
    ) -> CoreResult<ConnectOutcome> {
        self.require_online("Connecting Meta Ads")?;
        let description = validate_description(description.as_deref())?;
        let wanted = ad_account_id.map(validate_ad_account_id).transpose()?;
        if !self
            .connected_ids(session, crate::domain::Provider::MetaAds)
            .await?
            .is_empty()
        {
            return Err(CoreError::Conflict(META_ADS_EXISTS.into()));
        }
        let accounts = self.discover_ad_accounts(session, &access_token).await?;
        if accounts.is_empty() {
            return Err(CoreError::Provider {
                provider_code: "PROVIDER_NO_AD_ACCOUNTS".into(),
                message: "This access token is valid but reaches no ad account. Give the user or \
                          system user access to the ad account in Meta Business Manager."
                    .into(),
            });
        }
        let chosen = match wanted {
            Some(wanted) => accounts
                .iter()
                .find(|account| account.id == wanted)
                .cloned()
                .ok_or_else(|| CoreError::Provider {
                    provider_code: "PROVIDER_ACCOUNT_NOT_REACHABLE".into(),
                    message: format!("The ad account {wanted} is not reachable with this token."),
                })?,
            None if accounts.len() == 1 => accounts[0].clone(),
            None => return Ok(ConnectOutcome::ChooseAdAccount { accounts }),
        };
        let name = if chosen.name.trim().is_empty() {
            "Meta Ads".to_owned()
        } else {
            chosen.name.clone()
        };
        let integration = self
            .create_integration(
                session,
                NewIntegration {
                    name,
                    description,
                    credentials: Credentials::meta(access_token),
                    config: IntegrationConfig::MetaAds {
                        ad_account_id: chosen.id,
                    },
                },
            )
            .await?;
        Ok(ConnectOutcome::Created { integration })
    }

    // ---------------------------------------------------------------- integrations

    pub async fn list_integrations(&self, session: &Session) -> CoreResult<Vec<Integration>> {
        let records = self.store.list_integrations(session.tenant_id()).await?;
        records.into_iter().map(to_integration).collect()
    }

    pub async fn get_integration(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<Integration> {
        to_integration(self.record(session, id).await?)
    }

    async fn record(&self, session: &Session, id: IntegrationId) -> CoreResult<IntegrationRecord> {
        self.store
            .get_integration(session.tenant_id(), id)
            .await?
            .ok_or_else(CoreError::integration_not_found)
    }

    pub async fn create_integration(
        &self,
        session: &Session,
        new: NewIntegration,
    ) -> CoreResult<Integration> {
        self.require_online("Adding an integration")?;
        let name = validate_name(&new.name)?;
        let description = validate_description(new.description.as_deref())?;
        let config = new.config.validated()?;
        new.credentials.validate()?;
        if config.provider() != new.credentials.provider() {
            return Err(CoreError::validation(
                "The credentials and the configuration are for different providers.",
            ));
        }
        let tenant = session.tenant_id();
        let keyring = self.keyring(tenant).await?;
        let id = Uuid::new_v4();
        let now = Utc::now();
        let record = IntegrationRecord {
            id,
            tenant_id: tenant,
            name,
            provider: config.provider(),
            description,
            credentials: Self::seal(&keyring, tenant, id, &new.credentials)?,
            credentials_hint: new.credentials.hint(),
            config: serde_json::to_string(&config).expect("config always serializes"),
            external_id: config.external_id().to_owned(),
            status: IntegrationStatus::Pending,
            enabled: false,
            last_error: None,
            created_at: now,
            updated_at: now,
            last_sync_at: None,
            version: 0,
        };
        let stored = self
            .store
            .insert_integration(&record)
            .await
            .map_err(|err| match err {
                StoreError::Conflict(Constraint::PancakeShopPerTenant) => {
                    CoreError::Conflict(format!(
                        "This store (Pancake POS shop {}) is already connected.",
                        config.external_id()
                    ))
                }
                other => other.into(),
            })?;
        tracing::info!(integration = %stored.id, provider = stored.provider.as_str(), "integration created");
        to_integration(stored)
    }

    /// Read, change, write if unchanged meanwhile. Without an expected version a lost race is
    /// retried on the fresh row; with one, it is the caller's stale edit.
    async fn mutate<F>(
        &self,
        session: &Session,
        id: IntegrationId,
        expected_version: Option<i64>,
        change: F,
    ) -> CoreResult<Integration>
    where
        F: FnMut(&mut IntegrationRecord) -> CoreResult<()>,
    {
        self.mutate_in(session.tenant_id(), id, expected_version, change)
            .await
    }

    /// [`Self::mutate`] for the core's own work on a tenant's behalf (a sync run claimed from
    /// the queue has a tenant, not a session).
    pub(crate) async fn mutate_in<F>(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        expected_version: Option<i64>,
        mut change: F,
    ) -> CoreResult<Integration>
    where
        F: FnMut(&mut IntegrationRecord) -> CoreResult<()>,
    {
        const ATTEMPTS: usize = 5;
        for _ in 0..ATTEMPTS {
            let current = self
                .store
                .get_integration(tenant, id)
                .await?
                .ok_or_else(CoreError::integration_not_found)?;
            if expected_version.is_some_and(|expected| expected != current.version) {
                return Err(CoreError::StaleEdit);
            }
            let mut next = current.clone();
            change(&mut next)?;
            match self.store.update_integration(&next, current.version).await {
                Ok(stored) => return to_integration(stored),
                Err(StoreError::Stale) if expected_version.is_none() => continue,
                Err(StoreError::Conflict(Constraint::PancakeShopPerTenant)) => {
                    return Err(CoreError::Conflict(format!(
                        "This store (Pancake POS shop {}) is already connected.",
                        next.external_id
                    )))
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(CoreError::StaleEdit)
    }

    pub async fn update_integration(
        &self,
        session: &Session,
        id: IntegrationId,
        update: IntegrationUpdate,
    ) -> CoreResult<Integration> {
        let name = update.name.as_deref().map(validate_name).transpose()?;
        let description = update
            .description
            .as_ref()
            .map(|text| validate_description(text.as_deref()))
            .transpose()?;
        let config = update
            .config
            .map(IntegrationConfig::validated)
            .transpose()?;
        if let Some(credentials) = &update.credentials {
            credentials.validate()?;
        }
        if update.credentials.is_some() {
            self.require_online("Changing credentials")?;
        }
        let keyring = match update.credentials {
            Some(_) => Some(self.keyring(session.tenant_id()).await?),
            None => None,
        };
        let credentials = update.credentials;
        self.mutate(session, id, update.expected_version, |record| {
            if let Some(name) = &name {
                record.name = name.clone();
            }
            if let Some(description) = &description {
                record.description = description.clone();
            }
            let mut needs_retest = false;
            if let Some(config) = &config {
                if config.provider() != record.provider {
                    return Err(CoreError::validation(format!(
                        "This is a {} integration; its provider cannot be changed.",
                        record.provider.display_name()
                    )));
                }
                if config.external_id() != record.external_id {
                    needs_retest = true;
                }
                record.config = serde_json::to_string(config).expect("config always serializes");
                record.external_id = config.external_id().to_owned();
            }
            if let (Some(credentials), Some(keyring)) = (&credentials, &keyring) {
                if credentials.provider() != record.provider {
                    return Err(CoreError::validation(format!(
                        "These credentials are not for {}.",
                        record.provider.display_name()
                    )));
                }
                record.credentials = Self::seal(keyring, record.tenant_id, record.id, credentials)?;
                record.credentials_hint = credentials.hint();
                needs_retest = true;
            }
            if needs_retest && record.status != IntegrationStatus::Disabled {
                record.status = IntegrationStatus::Pending;
                record.last_error = None;
            }
            Ok(())
        })
        .await
    }

    /// The integration's decrypted credentials, for the core's own provider calls (tests,
    /// discovery, sync). `Credentials` cannot be serialized, so they cannot reach the UI by
    /// accident; never log them.
    pub async fn credentials(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<Credentials> {
        let record = self.record(session, id).await?;
        let keyring = self.keyring(session.tenant_id()).await?;
        Self::open(&keyring, &record)
    }

    /// [`Self::update_integration`] from the UI's wire shape: the secret and the id are typed by
    /// the integration's own provider.
    pub async fn update_from_patch(
        &self,
        session: &Session,
        id: IntegrationId,
        patch: crate::domain::IntegrationPatch,
    ) -> CoreResult<Integration> {
        let provider = self.record(session, id).await?.provider;
        let config = match (provider, patch.shop_id, patch.ad_account_id) {
            (_, None, None) => None,
            (crate::domain::Provider::PancakePos, Some(shop_id), None) => {
                Some(IntegrationConfig::PancakePos { shop_id })
            }
            (crate::domain::Provider::MetaAds, None, Some(ad_account_id)) => {
                Some(IntegrationConfig::MetaAds { ad_account_id })
            }
            _ => {
                return Err(CoreError::validation(format!(
                    "A {} integration is configured with {}.",
                    provider.display_name(),
                    match provider {
                        crate::domain::Provider::PancakePos => "a shop id",
                        crate::domain::Provider::MetaAds => "an ad account id",
                    }
                )))
            }
        };
        let update = IntegrationUpdate {
            name: patch.name,
            description: patch.description,
            credentials: patch
                .secret
                .map(|secret| Credentials::for_provider(provider, secret)),
            config,
            expected_version: patch.expected_version,
        };
        self.update_integration(session, id, update).await
    }

    pub async fn delete_integration(&self, session: &Session, id: IntegrationId) -> CoreResult<()> {
        self.require_online("Deleting an integration")?;
        let deleted = self
            .store
            .delete_integration(session.tenant_id(), id)
            .await?;
        if deleted {
            tracing::info!(integration = %id, "integration deleted");
            Ok(())
        } else {
            Err(CoreError::integration_not_found())
        }
    }

    /// Enabled, and PENDING until the next successful test.
    pub async fn enable_integration(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<Integration> {
        self.mutate(session, id, None, |record| {
            record.enabled = true;
            record.status = IntegrationStatus::Pending;
            Ok(())
        })
        .await
    }

    pub async fn disable_integration(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<Integration> {
        self.mutate(session, id, None, |record| {
            record.enabled = false;
            record.status = IntegrationStatus::Disabled;
            Ok(())
        })
        .await
    }

    /// Asks the provider whether the stored credentials reach the configured shop or account.
    /// A pass sets ACTIVE and clears the last error; a failure sets ERROR and stores the
    /// provider's (redacted) message. A disabled integration stays DISABLED either way.
    pub async fn test_connection(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<ConnectionTestResult> {
        self.require_online("Testing a connection")?;
        let tested = self.record(session, id).await?;
        let keyring = self.keyring(session.tenant_id()).await?;
        let credentials = Self::open(&keyring, &tested)?;
        let config = IntegrationConfig::from_stored(tested.provider, &tested.config)?;
        let outcome = self.providers.test_connection(&credentials, &config).await;
        drop(credentials);
        let integration = self
            .mutate(session, id, None, |record| {
                // Credentials or shop changed while the provider was asked: this result is
                // about what was there before, so it must not mark the new ones ACTIVE/ERROR.
                if record.credentials != tested.credentials
                    || record.external_id != tested.external_id
                {
                    return Ok(());
                }
                let disabled = record.status == IntegrationStatus::Disabled;
                match &outcome {
                    Ok(_) => {
                        record.last_error = None;
                        if !disabled {
                            record.status = IntegrationStatus::Active;
                        }
                    }
                    Err(failure) => {
                        record.last_error = Some(failure.message.clone());
                        if !disabled {
                            record.status = IntegrationStatus::Error;
                        }
                    }
                }
                Ok(())
            })
            .await?;
        Ok(match outcome {
            Ok(check) => ConnectionTestResult {
                integration,
                success: true,
                message: check.detail,
                provider_code: None,
            },
            Err(failure) => ConnectionTestResult {
                integration,
                success: false,
                message: failure.message,
                provider_code: Some(failure.code),
            },
        })
    }
}

pub(crate) fn to_integration(record: IntegrationRecord) -> CoreResult<Integration> {
    let config = IntegrationConfig::from_stored(record.provider, &record.config)?;
    Ok(Integration {
        id: record.id,
        tenant_id: record.tenant_id,
        name: record.name,
        provider: record.provider,
        description: record.description,
        status: record.status,
        enabled: record.enabled,
        config,
        credentials_hint: record.credentials_hint,
        last_error: record.last_error,
        created_at: record.created_at,
        updated_at: record.updated_at,
        last_sync_at: record.last_sync_at,
        version: record.version,
    })
}
