//! Pancake webhooks: an integration's endpoint (its secret, where Pancake should post) for its
//! workspace, and taking deliveries on the server (`integrations serve`).
//!
//! The server authenticates a delivery before it reads a byte of its body: the secret header's
//! SHA-256 against the endpoint's, in constant time. An integration with no endpoint is
//! compared against a dummy hash the same way, so a refusal takes as long whether the
//! integration exists or not; only the status differs (404, 401), as the contract asks.

use std::sync::OnceLock;

use base64::Engine;
use rand::RngCore;
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Core;
use crate::auth::Session;
use crate::domain::{Credentials, IntegrationId, Provider};
use crate::error::{CoreError, CoreResult};
use crate::store::webhooks::{DeliveryRecord, WebhookTarget};
use crate::store::{DeliveryLog, DeliveryTx, DeliveryWrite, PostgresStore};
use crate::webhook::{read_delivery, webhook_path, Delivery, DeliveryOutcome, SECRET_HEADER};

/// What a workspace needs to point Pancake at the server: the path below the server's public
/// URL, the header and its secret. The secret is for the CLI's `integrations webhook` and for
/// registering with Pancake; it never goes to the web UI (see [`WebhookStatus`]).
#[derive(Debug)]
pub struct WebhookSetup {
    pub integration_id: IntegrationId,
    pub path: String,
    /// The full URL, once the operator has set the server's public URL.
    pub url: Option<String>,
    pub header: &'static str,
    pub secret: SecretString,
}

/// *Receive orders in real time* for an integration's Edit dialog: nothing secret.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RealtimeOrders {
    /// The operator has set the server's public URL: real time can be turned on.
    pub available: bool,
    /// Registered with Pancake.
    pub enabled: bool,
    /// Where Pancake posts, while registered.
    pub url: Option<String>,
    pub registered_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The latest delivery taken (stored, unchanged or ignored), if any.
    pub last_delivery_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A delivery whose endpoint was found, in the one transaction that looked it up and that
/// writes what it carries and its log line ([`Core::take_webhook_delivery`]) or logs its
/// refusal ([`Core::log_webhook_refusal`]).
pub struct PendingDelivery {
    tx: DeliveryTx,
    target: WebhookTarget,
}

impl PendingDelivery {
    pub fn target(&self) -> &WebhookTarget {
        &self.target
    }
}

impl std::fmt::Debug for PendingDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingDelivery")
            .field("integration_id", &self.target.integration_id)
            .finish_non_exhaustive()
    }
}

/// Why a delivery was refused before its body was read.
#[derive(Debug)]
pub enum WebhookRejection {
    /// No integration receives webhooks at that id (404).
    Unknown,
    /// The secret header was missing or wrong (401); its refusal may be logged for the
    /// workspace ([`Core::log_webhook_refusal`]).
    Unauthorized(PendingDelivery),
}

/// The SHA-256 a secret is stored and compared as.
fn secret_hash(secret: &[u8]) -> [u8; 32] {
    Sha256::digest(secret).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What an unknown integration's missing secret is compared with: random, made once.
fn dummy_hash() -> &'static [u8; 32] {
    static DUMMY: OnceLock<[u8; 32]> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        secret_hash(&bytes)
    })
}

/// The stored hash (hex) as bytes; an unreadable one matches nothing.
fn stored_hash(hex_text: &str) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    if hex_text.len() == 64 {
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex_text[2 * i..2 * i + 2], 16).unwrap_or(0);
        }
    }
    bytes
}

/// Seals the secret under an id of its own, so its envelope can never pass for the
/// integration's credentials (which are sealed under the integration's id).
fn secret_seal_id(integration: IntegrationId) -> IntegrationId {
    let digest = Sha256::new()
        .chain_update(b"webhook-secret:")
        .chain_update(integration.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::from_bytes(bytes)
}

impl Core {
    /// The server's database, where webhooks live: shared mode only.
    fn webhook_store(&self) -> CoreResult<&PostgresStore> {
        self.shared
            .as_deref()
            .map(|shared| shared.server())
            .ok_or_else(|| {
                CoreError::Configuration(
                    "Receiving orders in real time needs a shared server: Pancake posts to its \
                     address, which a computer on its own has not."
                        .into(),
                )
            })
    }

    /// The server's public URL for webhooks, if the operator set one.
    pub async fn webhook_base_url(&self) -> CoreResult<Option<String>> {
        Ok(self.webhook_store()?.webhook_base_url().await?)
    }

    /// Records the server's public URL (`integrations serve`, from `INTEGRATIONS_PUBLIC_URL`).
    pub async fn set_webhook_base_url(&self, url: Option<&str>) -> CoreResult<()> {
        let url = url.map(str::trim).filter(|url| !url.is_empty());
        if let Some(url) = url {
            let parsed = url::Url::parse(url).map_err(|_| {
                CoreError::Configuration(format!("INTEGRATIONS_PUBLIC_URL={url} is not a URL."))
            })?;
            if !matches!(parsed.scheme(), "https" | "http")
                || parsed.query().is_some()
                || parsed.fragment().is_some()
            {
                return Err(CoreError::Configuration(format!(
                    "INTEGRATIONS_PUBLIC_URL={url} must be an https:// address without a query."
                )));
            }
        }
        Ok(self
            .webhook_store()?
            .set_webhook_base_url(url.map(|url| url.trim_end_matches('/')))
            .await?)
    }

    /// The integration's endpoint, made (with a new secret) the first time it is asked for.
    pub async fn webhook_setup(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<WebhookSetup> {
        self.require_online("Setting up real-time orders")?;
        let record = self.record(session, id).await?;
        if record.provider != Provider::PancakePos {
            return Err(CoreError::validation(
                "Only Pancake POS integrations send webhooks.",
            ));
        }
        let store = self.webhook_store()?;
        let tenant = session.tenant_id();
        let keyring = self.keyring(tenant).await?;
        let endpoint = match store.webhook_endpoint(tenant, id).await? {
            Some(endpoint) => endpoint,
            None => {
                let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
                rand::thread_rng().fill_bytes(bytes.as_mut());
                let secret = zeroize::Zeroizing::new(
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes.as_ref()),
                );
                let key = keyring
                    .current()
                    .ok_or_else(|| CoreError::internal("sealing a secret", &"no tenant key"))?;
                let sealed = key.seal(tenant, secret_seal_id(id), secret.as_bytes());
                store
                    .create_webhook_endpoint(
                        tenant,
                        id,
                        &sealed,
                        &hex(&secret_hash(secret.as_bytes())),
                    )
                    .await?
            }
        };
        let secret = keyring
            .open(tenant, secret_seal_id(id), &endpoint.secret_sealed)
            .map_err(|err| CoreError::internal("opening a webhook secret", &err))?;
        let secret = String::from_utf8(secret.to_vec())
            .map_err(|err| CoreError::internal("reading a webhook secret", &err))?;
        let path = webhook_path(id);
        let url = store
            .webhook_base_url()
            .await?
            .map(|base| format!("{base}{path}"));
        Ok(WebhookSetup {
            integration_id: id,
            path,
            url,
            header: SECRET_HEADER,
            secret: SecretString::from(secret),
        })
    }

    /// Whether an integration receives orders in real time, and its latest delivery.
    pub async fn realtime_orders(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<RealtimeOrders> {
        let record = self.record(session, id).await?;
        let Some(store) = self.shared.as_deref().map(|shared| shared.server()) else {
            return Ok(RealtimeOrders {
                available: false,
                enabled: false,
                url: None,
                registered_at: None,
                last_delivery_at: None,
            });
        };
        let tenant = session.tenant_id();
        let available =
            record.provider == Provider::PancakePos && store.webhook_base_url().await?.is_some();
        let endpoint = store.webhook_endpoint(tenant, id).await?;
        let last_delivery_at = store
            .webhook_deliveries(tenant, id, 50)
            .await?
            .into_iter()
            .find(|delivery| {
                matches!(
                    delivery.outcome.as_str(),
                    "stored" | "unchanged" | "ignored"
                )
            })
            .map(|delivery| delivery.received_at);
        let registered = endpoint.filter(|endpoint| endpoint.registered_url.is_some());
        Ok(RealtimeOrders {
            available,
            enabled: registered.is_some(),
            url: registered.as_ref().and_then(|e| e.registered_url.clone()),
            registered_at: registered.and_then(|e| e.registered_at),
            last_delivery_at,
        })
    }

    /// Turns *Receive orders in real time* on (registers the endpoint with Pancake, with its
    /// secret header) or off (unregisters, and forgets the secret: a late delivery is then
    /// refused as for an unknown integration). The polling schedule stays on either way, as
    /// the reconciler of what a webhook missed.
    pub async fn set_realtime_orders(
        &self,
        session: &Session,
        id: IntegrationId,
        enabled: bool,
    ) -> CoreResult<RealtimeOrders> {
        self.require_online("Setting up real-time orders")?;
        let record = self.record(session, id).await?;
        let store = self.webhook_store()?;
        let keyring = self.keyring(session.tenant_id()).await?;
        let Credentials::PancakePos { api_key } = Self::open(&keyring, &record)? else {
            return Err(CoreError::validation(
                "Only Pancake POS integrations send webhooks.",
            ));
        };
        let shop_id: i64 = record
            .external_id
            .parse()
            .map_err(|err| CoreError::internal("reading a shop id", &err))?;
        if enabled {
            let setup = self.webhook_setup(session, id).await?;
            let Some(url) = setup.url.clone() else {
                return Err(CoreError::Configuration(
                    "The server's public address is not set yet: ask its operator to set \
                     INTEGRATIONS_PUBLIC_URL where `integrations serve` runs."
                        .into(),
                ));
            };
            let webhook = integrations_providers::PancakeWebhook {
                url: url.clone(),
                header: setup.header.to_owned(),
                secret: setup.secret,
            };
            self.providers
                .set_pancake_webhook(&api_key, shop_id, Some(&webhook))
                .await
                .map_err(super::connect::provider_err)?;
            store
                .set_webhook_registration(session.tenant_id(), id, Some(&url))
                .await?;
        } else {
            self.providers
                .set_pancake_webhook(&api_key, shop_id, None)
                .await
                .map_err(super::connect::provider_err)?;
            store
                .delete_webhook_endpoint(session.tenant_id(), id)
                .await?;
        }
        self.realtime_orders(session, id).await
    }

    /// The latest deliveries to an integration, newest first (nothing secret or personal).
    pub async fn webhook_deliveries(
        &self,
        session: &Session,
        id: IntegrationId,
        limit: i64,
    ) -> CoreResult<Vec<DeliveryRecord>> {
        self.record(session, id).await?;
        Ok(self
            .webhook_store()?
            .webhook_deliveries(session.tenant_id(), id, limit.clamp(1, 500))
            .await?)
    }

    /// The server's first step with a delivery: is there such an endpoint, and is the secret
    /// its own? The same work either way (see the module's documentation). The transaction it
    /// opens is the delivery's only one.
    pub async fn authenticate_webhook(
        &self,
        integration: IntegrationId,
        presented: Option<&[u8]>,
    ) -> CoreResult<Result<PendingDelivery, WebhookRejection>> {
        let (tx, target) = self.webhook_store()?.open_delivery(integration).await?;
        let presented = secret_hash(presented.unwrap_or_default());
        let expected = match &target {
            Some(target) => stored_hash(&target.secret_hash),
            None => *dummy_hash(),
        };
        let matches: bool = presented.ct_eq(&expected).into();
        Ok(match target {
            None => Err(WebhookRejection::Unknown),
            Some(target) if !matches => Err(WebhookRejection::Unauthorized(PendingDelivery {
                tx,
                target,
            })),
            Some(target) => Ok(PendingDelivery { tx, target }),
        })
    }

    /// Takes an authenticated delivery's body: stores what it carries and logs it, in its one
    /// transaction. Refusals (not JSON, another shop, no known shape) change nothing but the
    /// log.
    pub async fn take_webhook_delivery(
        &self,
        pending: PendingDelivery,
        body: &[u8],
    ) -> CoreResult<DeliveryOutcome> {
        let shop_id: i64 = pending
            .target
            .external_id
            .parse()
            .map_err(|err| CoreError::internal("reading a shop id", &err))?;
        let delivery = match read_delivery(body, shop_id) {
            Ok(delivery) => delivery,
            Err(refused) => {
                self.log_webhook_refusal(pending, refused.kind, refused.outcome, body.len())
                    .await?;
                return Ok(refused.outcome);
            }
        };
        let reference = delivery.reference();
        let log = DeliveryLog {
            kind: delivery.kind().as_str(),
            outcome: "",
            size_bytes: body.len(),
            reference: reference.as_deref(),
        };
        let write = match &delivery {
            Delivery::Order(order) => DeliveryWrite::Order(order),
            Delivery::Stock(stock) => DeliveryWrite::Stock {
                variation_id: &stock.variation_id,
                warehouse_id: &stock.warehouse_id,
                remain_quantity: stock.remain_quantity,
                changed_at: stock.changed_at,
            },
            Delivery::Product(product) if !product.variations.is_empty() => {
                DeliveryWrite::Variations(&product.variations)
            }
            Delivery::Product(_) | Delivery::Other { .. } => DeliveryWrite::Nothing,
        };
        let stores = !matches!(write, DeliveryWrite::Nothing);
        let outcome_of: fn(bool) -> &'static str = if stores {
            written_or_not
        } else {
            |_| DeliveryOutcome::Ignored.as_str()
        };
        let PendingDelivery { tx, target } = pending;
        let changed = tx.take(&target, shop_id, write, log, outcome_of).await?;
        Ok(match () {
            _ if !stores => DeliveryOutcome::Ignored,
            _ if changed => DeliveryOutcome::Stored,
            _ => DeliveryOutcome::Unchanged,
        })
    }

    /// Logs a refused delivery for its integration's workspace, in its one transaction. Returns
    /// whether it was logged: past `REFUSALS_LOGGED_PER_HOUR` refusals to the integration in
    /// the last hour it is not (the server's metrics still count it), so a caller without the
    /// secret cannot fill the workspace's log.
    pub async fn log_webhook_refusal(
        &self,
        pending: PendingDelivery,
        kind: crate::webhook::DeliveryKind,
        outcome: DeliveryOutcome,
        size_bytes: usize,
    ) -> CoreResult<bool> {
        let log = DeliveryLog {
            kind: kind.as_str(),
            outcome: outcome.as_str(),
            size_bytes,
            reference: None,
        };
        Ok(pending.tx.refuse(&pending.target, &log).await?)
    }

    /// Forgets deliveries older than `days` (the server's housekeeping).
    pub async fn prune_webhook_deliveries(&self, days: i64) -> CoreResult<u64> {
        let before = chrono::Utc::now() - chrono::Duration::days(days);
        Ok(self.webhook_store()?.prune_deliveries(before).await?)
    }
}

fn written_or_not(changed: bool) -> &'static str {
    if changed {
        DeliveryOutcome::Stored.as_str()
    } else {
        DeliveryOutcome::Unchanged.as_str()
    }
}
