//! Credential encryption: an AES-256-GCM envelope under per-tenant data keys, which are
//! themselves stored wrapped by the master key.
//!
//! Envelope text: `ime1.<key version>.<nonce b64url>.<ciphertext+tag b64url>`. Every seal draws
//! a fresh random 96-bit nonce. The associated data names the tenant, the integration and the
//! key version, so a ciphertext copied to another row or tenant (or relabelled with another
//! version) fails to open instead of decrypting under the wrong owner.

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use rand::RngCore;
use zeroize::Zeroizing;

use crate::domain::{IntegrationId, TenantId};

const ENVELOPE_PREFIX: &str = "ime1";
const WRAP_PREFIX: &str = "imk1";
/// A data key wrapped for the master key by a client, with its public half (see
/// [`MasterPublicKey`]).
const SEALED_PREFIX: &str = "imk2";
/// A data key wrapped by a workspace key.
const WORKSPACE_WRAP_PREFIX: &str = "imw1";
/// A workspace key wrapped by the master key.
const ESCROW_PREFIX: &str = "imx1";
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the master key must be 32 bytes encoded in base64")]
    InvalidMasterKey,
    #[error("the envelope is malformed")]
    MalformedEnvelope,
    #[error("no data key version {0} exists for this tenant")]
    UnknownKeyVersion(u32),
    /// Wrong key, tampered ciphertext, or ciphertext moved to another row or tenant: GCM cannot
    /// tell these apart, and neither should the message.
    #[error("the ciphertext could not be authenticated")]
    Authentication,
}

/// `Debug` for a key type: its name, never its bytes.
macro_rules! redacted_debug {
    ($key:ident) => {
        impl std::fmt::Debug for $key {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($key), "([REDACTED])"))
            }
        }
    };
}

/// 32 bytes from the operating system's random source, zeroized on drop.
fn random_key() -> Zeroizing<[u8; 32]> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(bytes.as_mut());
    bytes
}

/// The key that wraps the tenants' data keys. Zeroized on drop.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

redacted_debug!(MasterKey);

impl MasterKey {
    pub fn generate() -> Self {
        Self(random_key())
    }

    pub fn from_base64(encoded: &str) -> Result<Self, CryptoError> {
        let decoded = Zeroizing::new(
            STANDARD
                .decode(encoded.trim())
                .map_err(|_| CryptoError::InvalidMasterKey)?,
        );
        let bytes: [u8; 32] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::InvalidMasterKey)?;
        Ok(Self(Zeroizing::new(bytes)))
    }

    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0.as_ref()))
    }

    /// Derives an independent secret for another purpose (JWT signing in standalone mode),
    /// so one stored key is enough and the purposes cannot be confused.
    pub fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        MASTER_WRAPPING.derive(&self.0, purpose)
    }

    fn cipher(&self) -> Aes256Gcm {
        cipher_for(&self.0)
    }

    /// Wraps a tenant data key. The associated data binds it to its tenant and version.
    pub fn wrap(&self, tenant: TenantId, key: &DataKey) -> String {
        MASTER_WRAPPING.wrap(&self.0, tenant, key)
    }

    pub fn unwrap(
        &self,
        tenant: TenantId,
        version: u32,
        wrapped: &str,
    ) -> Result<DataKey, CryptoError> {
        if wrapped.split('.').next() == Some(SEALED_PREFIX) {
            return self.unwrap_sealed(tenant, version, wrapped);
        }
        MASTER_WRAPPING.unwrap(&self.0, tenant, version, wrapped)
    }
}

impl MasterKey {
    /// A name for this key that reveals nothing about it: recorded by `admin init`, so a server
    /// started with another key is told so instead of wrapping keys nobody else can open.
    pub fn key_id(&self) -> String {
        hex(&self.derive("master-key-id")[..12])
    }

    fn agreement_secret(&self) -> x25519_dalek::StaticSecret {
        x25519_dalek::StaticSecret::from(*self.derive("master-x25519"))
    }

    /// The public half of the master key: clients wrap the data keys they create with it, so
    /// the server can open them while the clients, which never hold the master key, cannot open
    /// anyone else's.
    pub fn public_key(&self) -> MasterPublicKey {
        MasterPublicKey(x25519_dalek::PublicKey::from(&self.agreement_secret()).to_bytes())
    }

    /// A workspace key, wrapped so that the server can wrap new data keys for that workspace
    /// too (key rotation on the server side).
    pub fn escrow(&self, tenant: TenantId, key: &WorkspaceKey) -> String {
        let aad = escrow_aad(tenant);
        let (nonce, ciphertext) = seal(&self.cipher(), key.0.as_ref(), aad.as_bytes());
        format!(
            "{ESCROW_PREFIX}.{}.{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(ciphertext)
        )
    }

    pub fn open_escrow(
        &self,
        tenant: TenantId,
        escrowed: &str,
    ) -> Result<WorkspaceKey, CryptoError> {
        let (nonce, ciphertext) = split_wrapped(escrowed, ESCROW_PREFIX)?;
        let plaintext = open(
            &self.cipher(),
            nonce,
            ciphertext,
            escrow_aad(tenant).as_bytes(),
        )?;
        let bytes: [u8; 32] = plaintext
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::MalformedEnvelope)?;
        Ok(WorkspaceKey(Zeroizing::new(bytes)))
    }

    /// Opens a data key a client wrapped with [`MasterPublicKey::wrap`].
    fn unwrap_sealed(
        &self,
        tenant: TenantId,
        version: u32,
        wrapped: &str,
    ) -> Result<DataKey, CryptoError> {
        let [ephemeral, nonce, ciphertext] = prefixed_parts(wrapped, SEALED_PREFIX)?;
        let ephemeral = decode_32(ephemeral).ok_or(CryptoError::MalformedEnvelope)?;
        let secret = self.agreement_secret();
        let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(ephemeral));
        if !shared.was_contributory() {
            return Err(CryptoError::Authentication);
        }
        let recipient = x25519_dalek::PublicKey::from(&secret).to_bytes();
        let cipher = sealed_cipher(shared.as_bytes(), &ephemeral, &recipient);
        let plaintext = open(
            &cipher,
            nonce,
            ciphertext,
            wrap_aad(tenant, version).as_bytes(),
        )?;
        data_key(version, &plaintext)
    }
}

/// The master key's public half (X25519), kept in the database by `admin init`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MasterPublicKey([u8; 32]);

impl std::fmt::Debug for MasterPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterPublicKey({})", self.to_base64())
    }
}

impl MasterPublicKey {
    pub fn to_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        decode_32(text.trim())
            .map(Self)
            .ok_or(CryptoError::InvalidMasterKey)
    }

    /// Wraps a data key so that only the master key opens it: an ephemeral X25519 agreement,
    /// HKDF, then AES-256-GCM with the same associated data as [`MasterKey::wrap`].
    pub fn wrap(&self, tenant: TenantId, key: &DataKey) -> String {
        let ephemeral = x25519_dalek::EphemeralSecret::random_from_rng(OsRng);
        let ephemeral_public = x25519_dalek::PublicKey::from(&ephemeral).to_bytes();
        let shared = ephemeral.diffie_hellman(&x25519_dalek::PublicKey::from(self.0));
        let cipher = sealed_cipher(shared.as_bytes(), &ephemeral_public, &self.0);
        let aad = wrap_aad(tenant, key.version);
        let (nonce, ciphertext) = seal(&cipher, key.bytes.as_ref(), aad.as_bytes());
        format!(
            "{SEALED_PREFIX}.{}.{}.{}",
            URL_SAFE_NO_PAD.encode(ephemeral_public),
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(ciphertext)
        )
    }
}

fn sealed_cipher(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> Aes256Gcm {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(recipient);
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(&salt), shared);
    let mut key = Zeroizing::new([0u8; 32]);
    hk.expand(b"integration-manager/sealed-for-master/v1", key.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.as_ref()))
}

/// The key a workspace's clients hold (in the OS keychain, from the connection code): it opens
/// that workspace's data keys and nothing else. Zeroized on drop, redacted in `Debug`.
#[derive(Clone)]
pub struct WorkspaceKey(Zeroizing<[u8; 32]>);

redacted_debug!(WorkspaceKey);

impl WorkspaceKey {
    pub fn generate() -> Self {
        Self(random_key())
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CryptoError::InvalidMasterKey)?;
        Ok(Self(Zeroizing::new(bytes)))
    }

    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Names the key without revealing it: the server keeps the id of the current workspace key,
    /// so a client can tell an out-of-date code from a damaged database.
    pub fn key_id(&self) -> String {
        hex(&self.derive("workspace-key-id")[..12])
    }

    /// An independent secret for another purpose (the workspace's session tokens).
    pub fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        WORKSPACE_WRAPPING.derive(&self.0, purpose)
    }

    pub fn wrap(&self, tenant: TenantId, key: &DataKey) -> String {
        WORKSPACE_WRAPPING.wrap(&self.0, tenant, key)
    }

    pub fn unwrap(
        &self,
        tenant: TenantId,
        version: u32,
        wrapped: &str,
    ) -> Result<DataKey, CryptoError> {
        WORKSPACE_WRAPPING.unwrap(&self.0, tenant, version, wrapped)
    }
}

/// What makes the master key's and a workspace key's derivations and wrapped data keys their
/// own: each kind has its HKDF salt, envelope prefix and associated data, so a secret derived
/// from one never equals the other's and a key wrapped by one never opens as the other's.
struct KeyWrapping {
    salt: &'static [u8],
    prefix: &'static str,
    aad: fn(TenantId, u32) -> String,
}

const MASTER_WRAPPING: KeyWrapping = KeyWrapping {
    salt: b"integration-manager/v1",
    prefix: WRAP_PREFIX,
    aad: wrap_aad,
};

const WORKSPACE_WRAPPING: KeyWrapping = KeyWrapping {
    salt: b"integration-manager/workspace/v1",
    prefix: WORKSPACE_WRAP_PREFIX,
    aad: workspace_wrap_aad,
};

impl KeyWrapping {
    fn derive(&self, key: &[u8; 32], purpose: &str) -> Zeroizing<[u8; 32]> {
        let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(self.salt), key);
        let mut out = Zeroizing::new([0u8; 32]);
        hk.expand(purpose.as_bytes(), out.as_mut())
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        out
    }

    fn wrap(&self, key: &[u8; 32], tenant: TenantId, data: &DataKey) -> String {
        let aad = (self.aad)(tenant, data.version);
        let (nonce, ciphertext) = seal(&cipher_for(key), data.bytes.as_ref(), aad.as_bytes());
        format!(
            "{}.{}.{}",
            self.prefix,
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(ciphertext)
        )
    }

    fn unwrap(
        &self,
        key: &[u8; 32],
        tenant: TenantId,
        version: u32,
        wrapped: &str,
    ) -> Result<DataKey, CryptoError> {
        let (nonce, ciphertext) = split_wrapped(wrapped, self.prefix)?;
        let aad = (self.aad)(tenant, version);
        let plaintext = open(&cipher_for(key), nonce, ciphertext, aad.as_bytes())?;
        data_key(version, &plaintext)
    }
}

fn cipher_for(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key))
}

fn split_wrapped<'a>(wrapped: &'a str, prefix: &str) -> Result<(&'a str, &'a str), CryptoError> {
    let mut parts = wrapped.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(found), Some(nonce), Some(ciphertext), None) if found == prefix => {
            Ok((nonce, ciphertext))
        }
        _ => Err(CryptoError::MalformedEnvelope),
    }
}

fn data_key(version: u32, plaintext: &[u8]) -> Result<DataKey, CryptoError> {
    let bytes: [u8; 32] = plaintext
        .try_into()
        .map_err(|_| CryptoError::MalformedEnvelope)?;
    Ok(DataKey {
        version,
        bytes: Zeroizing::new(bytes),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn workspace_wrap_aad(tenant: TenantId, version: u32) -> String {
    format!("integration-manager/workspace-wrap/v1|tenant={tenant}|version={version}")
}

fn escrow_aad(tenant: TenantId) -> String {
    format!("integration-manager/workspace-key-escrow/v1|tenant={tenant}")
}

fn wrap_aad(tenant: TenantId, version: u32) -> String {
    format!("integration-manager/tenant-key/v1|tenant={tenant}|version={version}")
}

fn credentials_aad(tenant: TenantId, integration: IntegrationId, version: u32) -> String {
    format!(
        "integration-manager/credentials/v1|tenant={tenant}|integration={integration}|key={version}"
    )
}

fn seal(cipher: &Aes256Gcm, plaintext: &[u8], aad: &[u8]) -> ([u8; NONCE_LEN], Vec<u8>) {
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("AES-GCM encryption of a small buffer cannot fail");
    (nonce.into(), ciphertext)
}

fn open(
    cipher: &Aes256Gcm,
    nonce_b64: &str,
    ciphertext_b64: &str,
    aad: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let nonce = URL_SAFE_NO_PAD
        .decode(nonce_b64)
        .map_err(|_| CryptoError::MalformedEnvelope)?;
    if nonce.len() != NONCE_LEN {
        return Err(CryptoError::MalformedEnvelope);
    }
    let ciphertext = URL_SAFE_NO_PAD
        .decode(ciphertext_b64)
        .map_err(|_| CryptoError::MalformedEnvelope)?;
    cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Authentication)
}

/// One version of a tenant's data key.
pub struct DataKey {
    version: u32,
    bytes: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DataKey(v{}, [REDACTED])", self.version)
    }
}

impl DataKey {
    pub fn generate(version: u32) -> Self {
        Self {
            version,
            bytes: random_key(),
        }
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    fn cipher(&self) -> Aes256Gcm {
        cipher_for(&self.bytes)
    }

    pub fn seal(&self, tenant: TenantId, integration: IntegrationId, plaintext: &[u8]) -> String {
        let aad = credentials_aad(tenant, integration, self.version);
        let (nonce, ciphertext) = seal(&self.cipher(), plaintext, aad.as_bytes());
        format!(
            "{ENVELOPE_PREFIX}.{}.{}.{}",
            self.version,
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(ciphertext)
        )
    }
}

/// The three fields after `prefix` of a dot-separated text of exactly four.
fn prefixed_parts<'a>(text: &'a str, prefix: &str) -> Result<[&'a str; 3], CryptoError> {
    let mut parts = text.split('.');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some(first), Some(a), Some(b), Some(c), None) if first == prefix => Ok([a, b, c]),
        _ => Err(CryptoError::MalformedEnvelope),
    }
}

/// 32 bytes from unpadded URL-safe base64, or `None` for anything else.
fn decode_32(text: &str) -> Option<[u8; 32]> {
    URL_SAFE_NO_PAD
        .decode(text)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
}

/// The parts of an envelope, parsed but not opened.
struct Envelope<'a> {
    version: u32,
    nonce: &'a str,
    ciphertext: &'a str,
}

impl<'a> Envelope<'a> {
    fn parse(text: &'a str) -> Result<Self, CryptoError> {
        let [version, nonce, ciphertext] = prefixed_parts(text, ENVELOPE_PREFIX)?;
        let version = version
            .parse()
            .map_err(|_| CryptoError::MalformedEnvelope)?;
        Ok(Self {
            version,
            nonce,
            ciphertext,
        })
    }
}

/// The key version an envelope was sealed with.
pub fn envelope_key_version(envelope: &str) -> Result<u32, CryptoError> {
    Envelope::parse(envelope).map(|parsed| parsed.version)
}

/// All of one tenant's data keys, unwrapped. New seals use the newest version; opening picks the
/// version named in the envelope, so rotation never strands old ciphertexts.
#[derive(Debug, Default)]
pub struct TenantKeyring {
    keys: BTreeMap<u32, DataKey>,
}

impl TenantKeyring {
    pub fn new(keys: impl IntoIterator<Item = DataKey>) -> Self {
        Self {
            keys: keys.into_iter().map(|key| (key.version, key)).collect(),
        }
    }

    pub fn current(&self) -> Option<&DataKey> {
        self.keys.values().next_back()
    }

    pub fn current_version(&self) -> u32 {
        self.current().map_or(0, DataKey::version)
    }

    pub fn insert(&mut self, key: DataKey) {
        self.keys.insert(key.version, key);
    }

    pub fn open(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        envelope: &str,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let parsed = Envelope::parse(envelope)?;
        let key = self
            .keys
            .get(&parsed.version)
            .ok_or(CryptoError::UnknownKeyVersion(parsed.version))?;
        open(
            &key.cipher(),
            parsed.nonce,
            parsed.ciphertext,
            credentials_aad(tenant, integration, parsed.version).as_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use uuid::Uuid;

    use super::*;

    fn ids() -> (TenantId, IntegrationId) {
        (Uuid::new_v4(), Uuid::new_v4())
    }

    #[test]
    fn a_sealed_secret_opens_for_its_own_row() {
        let (tenant, integration) = ids();
        let ring = TenantKeyring::new([DataKey::generate(1)]);
        let envelope = ring
            .current()
            .unwrap()
            .seal(tenant, integration, b"{\"apiKey\":\"k\"}");
        assert!(envelope.starts_with("ime1.1."));
        let opened = ring.open(tenant, integration, &envelope).unwrap();
        assert_eq!(opened.as_slice(), b"{\"apiKey\":\"k\"}");
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_or_tenant_fails_to_open() {
        let (tenant, integration) = ids();
        let ring = TenantKeyring::new([DataKey::generate(1)]);
        let envelope = ring.current().unwrap().seal(tenant, integration, b"secret");
        assert_eq!(
            ring.open(tenant, Uuid::new_v4(), &envelope).unwrap_err(),
            CryptoError::Authentication
        );
        assert_eq!(
            ring.open(Uuid::new_v4(), integration, &envelope)
                .unwrap_err(),
            CryptoError::Authentication
        );
    }

    #[test]
    fn a_tampered_ciphertext_fails_to_open() {
        let (tenant, integration) = ids();
        let ring = TenantKeyring::new([DataKey::generate(1)]);
        let envelope = ring.current().unwrap().seal(tenant, integration, b"secret");
        let mut parts: Vec<String> = envelope.split('.').map(str::to_owned).collect();
        let mut raw = URL_SAFE_NO_PAD.decode(&parts[3]).unwrap();
        raw[0] ^= 0x01;
        parts[3] = URL_SAFE_NO_PAD.encode(raw);
        assert_eq!(
            ring.open(tenant, integration, &parts.join("."))
                .unwrap_err(),
            CryptoError::Authentication
        );
        // Relabelling the version is tampering too: the version is in the associated data.
        let mut ring2 = TenantKeyring::new([DataKey::generate(1)]);
        ring2.insert(DataKey::generate(2));
        let sealed = ring2.current().unwrap().seal(tenant, integration, b"x");
        let relabelled = sealed.replacen("ime1.2.", "ime1.1.", 1);
        assert_eq!(
            ring2.open(tenant, integration, &relabelled).unwrap_err(),
            CryptoError::Authentication
        );
        assert_eq!(
            ring.open(tenant, integration, "ime1.x.y").unwrap_err(),
            CryptoError::MalformedEnvelope
        );
    }

    #[test]
    fn another_tenants_key_cannot_open_a_ciphertext() {
        let (tenant, integration) = ids();
        let mine = TenantKeyring::new([DataKey::generate(1)]);
        let theirs = TenantKeyring::new([DataKey::generate(1)]);
        let envelope = mine.current().unwrap().seal(tenant, integration, b"secret");
        assert_eq!(
            theirs.open(tenant, integration, &envelope).unwrap_err(),
            CryptoError::Authentication
        );
    }

    #[test]
    fn old_versions_still_open_after_a_new_key_is_added() {
        let (tenant, integration) = ids();
        let mut ring = TenantKeyring::new([DataKey::generate(1)]);
        let old = ring.current().unwrap().seal(tenant, integration, b"old");
        ring.insert(DataKey::generate(2));
        assert_eq!(ring.current_version(), 2);
        assert_eq!(
            ring.open(tenant, integration, &old).unwrap().as_slice(),
            b"old"
        );
        let missing = TenantKeyring::new([DataKey::generate(2)]);
        assert_eq!(
            missing.open(tenant, integration, &old).unwrap_err(),
            CryptoError::UnknownKeyVersion(1)
        );
    }

    #[test]
    fn one_hundred_thousand_encryptions_never_reuse_a_nonce() {
        let (tenant, integration) = ids();
        let key = DataKey::generate(1);
        let mut nonces = HashSet::with_capacity(100_000);
        for _ in 0..100_000 {
            let envelope = key.seal(tenant, integration, b"k");
            let nonce = envelope.split('.').nth(2).unwrap().to_owned();
            assert!(nonces.insert(nonce), "nonce reused");
        }
        assert_eq!(nonces.len(), 100_000);
    }

    #[test]
    fn wrapped_data_keys_are_bound_to_tenant_and_version() {
        let master = MasterKey::generate();
        let tenant = Uuid::new_v4();
        let key = DataKey::generate(3);
        let wrapped = master.wrap(tenant, &key);
        let unwrapped = master.unwrap(tenant, 3, &wrapped).unwrap();
        let (t, i) = ids();
        let envelope = key.seal(t, i, b"x");
        assert_eq!(
            TenantKeyring::new([unwrapped])
                .open(t, i, &envelope)
                .unwrap()
                .as_slice(),
            b"x"
        );
        assert!(master.unwrap(Uuid::new_v4(), 3, &wrapped).is_err());
        assert!(master.unwrap(tenant, 4, &wrapped).is_err());
        assert!(MasterKey::generate().unwrap(tenant, 3, &wrapped).is_err());
    }

    #[test]
    fn a_data_key_wrapped_twice_opens_with_either_key_and_no_other() {
        let tenant = Uuid::new_v4();
        let master = MasterKey::generate();
        let workspace = WorkspaceKey::generate();
        let key = DataKey::generate(3);
        let envelope = key.seal(tenant, Uuid::nil(), b"secret");
        let by_workspace = workspace.wrap(tenant, &key);
        let by_master = master.public_key().wrap(tenant, &key);
        assert!(by_master.starts_with("imk2."), "{by_master}");
        for opened in [
            workspace.unwrap(tenant, 3, &by_workspace).unwrap(),
            master.unwrap(tenant, 3, &by_master).unwrap(),
        ] {
            let ring = TenantKeyring::new([opened]);
            assert_eq!(
                ring.open(tenant, Uuid::nil(), &envelope)
                    .unwrap()
                    .as_slice(),
                b"secret"
            );
        }
        // Another workspace's key, another master key, another tenant or version: refused.
        let stranger = WorkspaceKey::generate();
        assert!(stranger.unwrap(tenant, 3, &by_workspace).is_err());
        assert!(MasterKey::generate().unwrap(tenant, 3, &by_master).is_err());
        assert!(workspace.unwrap(Uuid::new_v4(), 3, &by_workspace).is_err());
        assert!(master.unwrap(tenant, 4, &by_master).is_err());
        // The workspace wrap is not a master wrap, nor the other way round.
        assert!(master.unwrap(tenant, 3, &by_workspace).is_err());
        assert!(workspace.unwrap(tenant, 3, &by_master).is_err());
    }

    #[test]
    fn an_escrowed_workspace_key_opens_only_with_the_master_key_for_its_tenant() {
        let tenant = Uuid::new_v4();
        let master = MasterKey::generate();
        let workspace = WorkspaceKey::generate();
        let escrowed = master.escrow(tenant, &workspace);
        let back = master.open_escrow(tenant, &escrowed).unwrap();
        assert_eq!(back.key_id(), workspace.key_id());
        assert!(master.open_escrow(Uuid::new_v4(), &escrowed).is_err());
        assert!(MasterKey::generate()
            .open_escrow(tenant, &escrowed)
            .is_err());
        assert_ne!(workspace.key_id(), WorkspaceKey::generate().key_id());
        assert_eq!(
            MasterPublicKey::from_base64(&master.public_key().to_base64()).unwrap(),
            master.public_key()
        );
    }

    #[test]
    fn master_keys_must_be_thirty_two_bytes_of_base64() {
        let key = MasterKey::generate();
        let encoded = key.to_base64();
        assert!(MasterKey::from_base64(&encoded).is_ok());
        assert_eq!(
            MasterKey::from_base64("c2hvcnQ=").unwrap_err(),
            CryptoError::InvalidMasterKey
        );
        assert_eq!(
            MasterKey::from_base64("not base64!").unwrap_err(),
            CryptoError::InvalidMasterKey
        );
        assert_eq!(format!("{key:?}"), "MasterKey([REDACTED])");
        assert_ne!(key.derive("a").as_ref(), key.derive("b").as_ref());
    }

    #[test]
    fn generated_keys_differ_and_never_show_their_bytes() {
        let (one, two) = (WorkspaceKey::generate(), WorkspaceKey::generate());
        assert_ne!(one.expose_bytes(), two.expose_bytes());
        assert_eq!(format!("{one:?}"), "WorkspaceKey([REDACTED])");
        assert_ne!(
            MasterKey::generate().to_base64(),
            MasterKey::generate().to_base64()
        );
    }
}
