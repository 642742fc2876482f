//! The seed's integration model, typed, with its validation rules stated once.
//!
//! The JSON shape follows the seed (camelCase; `config.shopId` / `config.adAccountId`) and never
//! contains credentials: a [`Credentials`] value has no `Serialize` and its `Debug` is redacted.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use ts_rs::TS;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::{CoreError, CoreResult};

pub type TenantId = Uuid;
pub type UserId = Uuid;
pub type IntegrationId = Uuid;

pub const NAME_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 1_000;

/// A sign-up whose email is taken. It does not say so: it reads as a refusal of the form, with
/// the way forward for both the owner of the email and someone who mistyped theirs.
pub const SIGN_UP_REFUSED: &str = "A workspace cannot be created with this email. If you \
    already have an account, sign in; otherwise check the email or use another one.";

/// The seed's words for its one-Meta-Ads-per-workspace rule.
pub const META_ADS_EXISTS: &str =
    "Integration with provider META_ADS already exists for this tenant";

/// An enum kept as text (in the database, on the command line): each variant is declared once
/// with its text, which serves `as_str` and reading it back (`FromStr`, and `TryFrom<String>`
/// for stored rows); any other text is refused with the `unknown` message.
macro_rules! stored_as_text {
    (
        $(#[$attr:meta])*
        pub enum $name:ident { $($variant:ident = $text:literal),+ $(,)? }
        unknown: |$other:ident| $message:expr
    ) => {
        $(#[$attr])*
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = CoreError;

            fn from_str(value: &str) -> CoreResult<Self> {
                match value {
                    $($text => Ok(Self::$variant),)+
                    $other => Err(CoreError::validation($message)),
                }
            }
        }

        /// For reading the stored text.
        impl TryFrom<String> for $name {
            type Error = CoreError;

            fn try_from(value: String) -> CoreResult<Self> {
                value.parse()
            }
        }
    };
}

stored_as_text! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    #[ts(export)]
    pub enum Provider {
        MetaAds = "META_ADS",
        PancakePos = "PANCAKE_POS",
    }
    unknown: |other| format!("Unknown provider \"{other}\". Use META_ADS or PANCAKE_POS.")
}

impl Provider {
    pub fn display_name(self) -> &'static str {
        match self {
            Self::MetaAds => "Meta Ads",
            Self::PancakePos => "Pancake POS",
        }
    }

    /// What names an integration of this provider at the provider, for messages: a Pancake
    /// POS integration is one shop, a Meta Ads integration one ad account.
    pub fn id_description(self) -> &'static str {
        match self {
            Self::PancakePos => "a shop id",
            Self::MetaAds => "an ad account id",
        }
    }
}

stored_as_text! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    #[ts(export)]
    pub enum IntegrationStatus {
        Pending = "PENDING",
        Active = "ACTIVE",
        Error = "ERROR",
        Disabled = "DISABLED",
    }
    unknown: |other| format!("Unknown status \"{other}\".")
}

/// Provider-specific, non-secret configuration. Serialized untagged, so the JSON is exactly the
/// seed's `{"shopId": "123"}` or `{"adAccountId": "act_123"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(untagged)]
#[ts(export)]
pub enum IntegrationConfig {
    #[serde(rename_all = "camelCase")]
    PancakePos { shop_id: String },
    #[serde(rename_all = "camelCase")]
    MetaAds { ad_account_id: String },
}

impl IntegrationConfig {
    pub fn provider(&self) -> Provider {
        match self {
            Self::PancakePos { .. } => Provider::PancakePos,
            Self::MetaAds { .. } => Provider::MetaAds,
        }
    }

    /// The provider-side id the uniqueness rules are about (shop id or ad account id).
    pub fn external_id(&self) -> &str {
        match self {
            Self::PancakePos { shop_id } => shop_id,
            Self::MetaAds { ad_account_id } => ad_account_id,
        }
    }

    /// The configuration of a `provider` integration from the ids a caller has: a Pancake POS
    /// integration is configured by its shop id, a Meta Ads one by its ad account id (the rule
    /// linking a provider to its id, stated once for the service, the CLI and the app).
    /// `Ok(None)` when no id is given; the other provider's id is refused.
    pub fn from_ids(
        provider: Provider,
        shop_id: Option<String>,
        ad_account_id: Option<String>,
    ) -> Result<Option<Self>, ForeignId> {
        match (provider, shop_id, ad_account_id) {
            (Provider::PancakePos, _, Some(_)) => Err(ForeignId {
                owner: Provider::MetaAds,
            }),
            (Provider::MetaAds, Some(_), _) => Err(ForeignId {
                owner: Provider::PancakePos,
            }),
            (Provider::PancakePos, shop_id, None) => {
                Ok(shop_id.map(|shop_id| Self::PancakePos { shop_id }))
            }
            (Provider::MetaAds, None, ad_account_id) => {
                Ok(ad_account_id.map(|ad_account_id| Self::MetaAds { ad_account_id }))
            }
        }
    }

    /// Checks the id's format for its provider and returns it in canonical form.
    pub fn validated(self) -> CoreResult<Self> {
        match self {
            Self::PancakePos { shop_id } => Ok(Self::PancakePos {
                shop_id: validate_shop_id(&shop_id)?,
            }),
            Self::MetaAds { ad_account_id } => Ok(Self::MetaAds {
                ad_account_id: validate_ad_account_id(&ad_account_id)?,
            }),
        }
    }

    pub(crate) fn from_stored(provider: Provider, json: &str) -> CoreResult<Self> {
        let config: Self = serde_json::from_str(json)
            .map_err(|err| CoreError::internal("stored integration config", &err))?;
        if config.provider() != provider {
            return Err(CoreError::internal(
                "stored integration config",
                &"config does not match provider",
            ));
        }
        Ok(config)
    }
}

/// An id of another provider than the integration's: `owner`'s (a shop id given for Meta Ads,
/// an ad account id for Pancake POS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForeignId {
    pub owner: Provider,
}

/// Pancake shop ids are positive integers (the API's `SHOP_ID` path segment).
pub fn validate_shop_id(raw: &str) -> CoreResult<String> {
    let trimmed = raw.trim();
    let valid = !trimmed.is_empty()
        && trimmed.len() <= 19
        && trimmed.bytes().all(|b| b.is_ascii_digit())
        && trimmed.parse::<i64>().is_ok_and(|id| id > 0);
    if valid {
        Ok(trimmed.trim_start_matches('0').to_owned())
    } else {
        Err(CoreError::validation(format!(
            "\"{}\" is not a Pancake POS shop id: it must be a positive whole number such as 6036602.",
            truncate_for_message(trimmed)
        )))
    }
}

/// Meta ad account ids are `act_` followed by digits; the bare number is accepted and prefixed.
pub fn validate_ad_account_id(raw: &str) -> CoreResult<String> {
    let trimmed = raw.trim();
    let digits = trimmed.strip_prefix("act_").unwrap_or(trimmed);
    let valid = !digits.is_empty()
        && digits.len() <= 24
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.bytes().any(|b| b != b'0');
    if valid {
        Ok(format!("act_{digits}"))
    } else {
        Err(CoreError::validation(format!(
            "\"{}\" is not a Meta ad account id: it looks like act_1234567890.",
            truncate_for_message(trimmed)
        )))
    }
}

fn truncate_for_message(value: &str) -> String {
    const LIMIT: usize = 40;
    if value.chars().count() <= LIMIT {
        value.to_owned()
    } else {
        let head: String = value.chars().take(LIMIT).collect();
        format!("{head}…")
    }
}

/// Trims and checks a name: 1–200 characters (characters, not bytes: Vietnamese names are
/// multi-byte).
pub fn validate_name(raw: &str) -> CoreResult<String> {
    let trimmed = raw.trim();
    let chars = trimmed.chars().count();
    if chars == 0 {
        return Err(CoreError::validation("Name is required."));
    }
    if chars > NAME_MAX_CHARS {
        return Err(CoreError::validation(format!(
            "Name is too long: {chars} characters, at most {NAME_MAX_CHARS}."
        )));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(CoreError::validation(
            "Name must not contain control characters.",
        ));
    }
    Ok(trimmed.to_owned())
}

/// Trims a description; an empty one is no description. At most 1,000 characters.
pub fn validate_description(raw: Option<&str>) -> CoreResult<Option<String>> {
    let Some(trimmed) = raw.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    let chars = trimmed.chars().count();
    if chars > DESCRIPTION_MAX_CHARS {
        return Err(CoreError::validation(format!(
            "Description is too long: {chars} characters, at most {DESCRIPTION_MAX_CHARS}."
        )));
    }
    Ok(Some(trimmed.to_owned()))
}

/// A provider secret. Deliberately neither `Serialize` nor a revealing `Debug`; the value is
/// zeroized on drop by `SecretString`.
pub enum Credentials {
    PancakePos { api_key: SecretString },
    MetaAds { access_token: SecretString },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials::{:?}([REDACTED])", self.provider())
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StoredCredentials {
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    access_token: Option<String>,
}

impl Credentials {
    pub fn pancake(api_key: SecretString) -> Self {
        Self::PancakePos { api_key }
    }

    pub fn meta(access_token: SecretString) -> Self {
        Self::MetaAds { access_token }
    }

    /// Builds the provider's credential from a bare secret.
    pub fn for_provider(provider: Provider, secret: SecretString) -> Self {
        match provider {
            Provider::PancakePos => Self::pancake(secret),
            Provider::MetaAds => Self::meta(secret),
        }
    }

    pub fn provider(&self) -> Provider {
        match self {
            Self::PancakePos { .. } => Provider::PancakePos,
            Self::MetaAds { .. } => Provider::MetaAds,
        }
    }

    pub fn secret(&self) -> &SecretString {
        match self {
            Self::PancakePos { api_key } => api_key,
            Self::MetaAds { access_token } => access_token,
        }
    }

    pub fn validate(&self) -> CoreResult<()> {
        let (label, max) = match self {
            Self::PancakePos { .. } => ("API key", 512),
            Self::MetaAds { .. } => ("Access token", 4_096),
        };
        let secret = self.secret().expose_secret();
        if secret.trim().is_empty() {
            return Err(CoreError::validation(format!("{label} is required.")));
        }
        if secret.len() > max {
            return Err(CoreError::validation(format!(
                "{label} is too long to be valid (at most {max} characters)."
            )));
        }
        if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(CoreError::validation(format!(
                "{label} contains spaces or line breaks; paste it again without them."
            )));
        }
        Ok(())
    }

    /// `••••a1b2`: enough to recognise a key, never enough to use it. Short secrets show no
    /// characters at all, since four of eight would give half the key away.
    pub fn hint(&self) -> String {
        let secret = self.secret().expose_secret();
        let chars: Vec<char> = secret.chars().collect();
        if chars.len() < 12 {
            return "••••".to_owned();
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("••••{tail}")
    }

    /// The plaintext that the crypto layer seals. Zeroized when dropped.
    pub(crate) fn to_plaintext(&self) -> Zeroizing<Vec<u8>> {
        let stored = match self {
            Self::PancakePos { api_key } => StoredCredentials {
                api_key: Some(api_key.expose_secret().to_owned()),
                access_token: None,
            },
            Self::MetaAds { access_token } => StoredCredentials {
                api_key: None,
                access_token: Some(access_token.expose_secret().to_owned()),
            },
        };
        let bytes = serde_json::to_vec(&stored).expect("credentials always serialize");
        let StoredCredentials {
            api_key,
            access_token,
        } = stored;
        drop(api_key.map(Zeroizing::new));
        drop(access_token.map(Zeroizing::new));
        Zeroizing::new(bytes)
    }

    pub(crate) fn from_plaintext(provider: Provider, plaintext: &[u8]) -> CoreResult<Self> {
        let stored: StoredCredentials = serde_json::from_slice(plaintext)
            .map_err(|_| CoreError::internal("stored credentials", &"not valid JSON"))?;
        let StoredCredentials {
            api_key,
            access_token,
        } = stored;
        match (provider, api_key, access_token) {
            (Provider::PancakePos, Some(key), None) => Ok(Self::pancake(SecretString::from(key))),
            (Provider::MetaAds, None, Some(token)) => Ok(Self::meta(SecretString::from(token))),
            (_, key, token) => {
                drop(key.map(Zeroizing::new));
                drop(token.map(Zeroizing::new));
                Err(CoreError::internal(
                    "stored credentials",
                    &"credentials do not match provider",
                ))
            }
        }
    }
}

/// An integration as every caller sees it. No credentials, only their hint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Integration {
    pub id: IntegrationId,
    pub tenant_id: TenantId,
    pub name: String,
    pub provider: Provider,
    pub description: Option<String>,
    pub status: IntegrationStatus,
    pub enabled: bool,
    pub config: IntegrationConfig,
    pub credentials_hint: String,
    /// Why the last connection test or sync failed; cleared by the next success.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Increases on every change: optimistic concurrency for edits, and later replication.
    #[ts(type = "number")]
    pub version: i64,
}

/// What a caller supplies to create an integration.
#[derive(Debug)]
pub struct NewIntegration {
    pub name: String,
    pub description: Option<String>,
    pub credentials: Credentials,
    pub config: IntegrationConfig,
}

/// An edit. `None` leaves a field as it is; `description: Some(None)` clears it.
/// `expected_version`, when given, makes the edit fail with `STALE_EDIT` if the integration
/// changed since the caller read it.
#[derive(Debug, Default)]
pub struct IntegrationUpdate {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub credentials: Option<Credentials>,
    pub config: Option<IntegrationConfig>,
    pub expected_version: Option<i64>,
}

/// An edit as the UI sends it: the provider's secret and id as plain fields, checked against
/// the integration's provider by [`crate::Core::update_from_patch`]. `description: null` clears
/// it; an absent field is left as it is.
#[derive(Debug, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export)]
pub struct IntegrationPatch {
    #[ts(optional)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present_or_null")]
    #[ts(optional, type = "string | null")]
    pub description: Option<Option<String>>,
    /// A new API key (Pancake) or access token (Meta). Never sent back.
    #[ts(optional, type = "string")]
    pub secret: Option<SecretString>,
    #[ts(optional)]
    pub shop_id: Option<String>,
    #[ts(optional)]
    pub ad_account_id: Option<String>,
    #[ts(optional, type = "number")]
    pub expected_version: Option<i64>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`, via `default`).
pub(crate) fn present_or_null<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_counted_in_characters() {
        assert_eq!(
            validate_name("  Shop thời trang ").unwrap(),
            "Shop thời trang"
        );
        let two_hundred_vietnamese = "ờ".repeat(200);
        assert!(validate_name(&two_hundred_vietnamese).is_ok());
        let err = validate_name(&"ờ".repeat(201)).unwrap_err();
        assert!(err.to_string().contains("201 characters"), "{err}");
        assert!(validate_name("   ").is_err());
    }

    #[test]
    fn descriptions_are_optional_and_bounded() {
        assert_eq!(validate_description(Some("   ")).unwrap(), None);
        assert_eq!(validate_description(None).unwrap(), None);
        assert!(validate_description(Some(&"a".repeat(1_000))).is_ok());
        assert!(validate_description(Some(&"a".repeat(1_001))).is_err());
    }

    #[test]
    fn shop_ids_must_be_positive_integers() {
        assert_eq!(validate_shop_id(" 6036602 ").unwrap(), "6036602");
        assert_eq!(validate_shop_id("007").unwrap(), "7");
        for bad in ["", "0", "-1", "12a", "1.5", "99999999999999999999"] {
            assert!(validate_shop_id(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn ad_account_ids_are_normalised_to_the_act_prefix() {
        assert_eq!(validate_ad_account_id("act_123456").unwrap(), "act_123456");
        assert_eq!(validate_ad_account_id("123456").unwrap(), "act_123456");
        for bad in ["", "act_", "act_abc", "act_000", "acct_1"] {
            assert!(validate_ad_account_id(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn config_serializes_to_the_seed_field_names() {
        let pancake = IntegrationConfig::PancakePos {
            shop_id: "123".into(),
        };
        assert_eq!(
            serde_json::to_string(&pancake).unwrap(),
            r#"{"shopId":"123"}"#
        );
        let meta: IntegrationConfig = serde_json::from_str(r#"{"adAccountId":"act_9"}"#).unwrap();
        assert_eq!(meta.provider(), Provider::MetaAds);
    }

    #[test]
    fn each_provider_is_configured_by_its_own_id_and_refuses_the_others() {
        let pancake = IntegrationConfig::from_ids(Provider::PancakePos, Some("7".into()), None);
        assert_eq!(
            pancake,
            Ok(Some(IntegrationConfig::PancakePos {
                shop_id: "7".into()
            }))
        );
        let meta = IntegrationConfig::from_ids(Provider::MetaAds, None, Some("act_1".into()));
        assert_eq!(
            meta,
            Ok(Some(IntegrationConfig::MetaAds {
                ad_account_id: "act_1".into()
            }))
        );
        for provider in [Provider::PancakePos, Provider::MetaAds] {
            assert_eq!(IntegrationConfig::from_ids(provider, None, None), Ok(None));
        }
        let both = |provider| {
            IntegrationConfig::from_ids(provider, Some("7".into()), Some("act_1".into()))
        };
        assert_eq!(
            both(Provider::PancakePos),
            Err(ForeignId {
                owner: Provider::MetaAds
            })
        );
        assert_eq!(
            both(Provider::MetaAds),
            Err(ForeignId {
                owner: Provider::PancakePos
            })
        );
    }

    #[test]
    fn hints_show_only_the_last_four_characters_of_long_secrets() {
        let long = Credentials::pancake(SecretString::from("0123456789abcdef0123456789a1b2"));
        assert_eq!(long.hint(), "••••a1b2");
        let short = Credentials::pancake(SecretString::from("abcdefgh"));
        assert_eq!(short.hint(), "••••");
        assert!(!format!("{long:?}").contains("a1b2"));
    }

    #[test]
    fn credentials_round_trip_through_their_plaintext() {
        let creds = Credentials::meta(SecretString::from("EAAB-token"));
        let plain = creds.to_plaintext();
        let back = Credentials::from_plaintext(Provider::MetaAds, &plain).unwrap();
        assert_eq!(back.secret().expose_secret(), "EAAB-token");
        assert!(Credentials::from_plaintext(Provider::PancakePos, &plain).is_err());
    }

    #[test]
    fn secrets_with_whitespace_are_refused() {
        let creds = Credentials::pancake(SecretString::from("abc def"));
        assert!(creds.validate().is_err());
        assert!(Credentials::pancake(SecretString::from(""))
            .validate()
            .is_err());
    }
}
