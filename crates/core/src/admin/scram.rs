//! Role passwords are sent to PostgreSQL as SCRAM-SHA-256 verifiers computed here, as `psql`'s
//! `\password` does: the password itself never reaches the server, so no statement log, no
//! `pg_stat_activity` row and no catalogue holds it.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const ITERATIONS: u32 = 4096;

/// A new random password for a login role: 32 bytes, base64url (ASCII, so SASLprep is the
/// identity).
pub fn random_password() -> SecretString {
    let mut bytes = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(bytes.as_mut());
    SecretString::from(URL_SAFE_NO_PAD.encode(bytes.as_ref()))
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (RFC 5802, RFC 7677).
pub fn verifier(password: &SecretString) -> String {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let mut salted = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha256>(
        password.expose_secret().as_bytes(),
        &salt,
        ITERATIONS,
        salted.as_mut(),
    );
    let client_key = Zeroizing::new(hmac(salted.as_ref(), b"Client Key"));
    let stored_key = Sha256::digest(client_key.as_ref());
    let server_key = hmac(salted.as_ref(), b"Server Key");
    format!(
        "SCRAM-SHA-256${ITERATIONS}:{}${}:{}",
        STANDARD.encode(salt),
        STANDARD.encode(stored_key),
        STANDARD.encode(server_key)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verifier_has_postgresqls_shape_and_never_the_password() {
        let password = random_password();
        let text = verifier(&password);
        assert!(text.starts_with("SCRAM-SHA-256$4096:"), "{text}");
        assert!(!text.contains(password.expose_secret()));
        assert!(!text.contains('\''));
        assert_ne!(text, verifier(&password), "a fresh salt every time");
    }
}
