//! The workspace connection code: everything a client needs to work against one workspace of a
//! shared server, as one line of text an operator hands to the workspace's owner.
//!
//! `imc1.<payload>.<check>`: `imc1` is the format's version, the payload is base64url JSON, and
//! the check is the first 9 bytes of SHA-256 over version and payload, so a code cut short or
//! altered in transit is caught before anything is tried with it. Whitespace anywhere is
//! ignored (a code wrapped by an email client still reads). The code is a secret as a whole (it
//! holds the role's password and the workspace key): it is held in `secrecy` types, has no
//! `Debug` that shows it, and no error message quotes any part of it.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::tls::TlsMode;
use crate::crypto::WorkspaceKey;
use crate::domain::TenantId;
use crate::error::CoreError;

const VERSION: &str = "imc1";
const CHECK_BYTES: usize = 9;

/// Where the shared server is, as clients reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress {
    pub host: String,
    pub port: u16,
    pub database: String,
}

impl std::fmt::Display for ServerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}/{}", self.host, self.port, self.database)
    }
}

/// A parsed connection code.
#[derive(Clone, Debug)]
pub struct ConnectionCode {
    pub server: ServerAddress,
    pub role: String,
    pub password: SecretString,
    pub workspace_id: TenantId,
    pub workspace_key: WorkspaceKey,
    /// The operator's explicit choice; `None` means verify-full except on loopback.
    pub tls: Option<TlsMode>,
    /// PEM, for a server whose certificate no public authority signed.
    pub ca_certificate: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    host: String,
    port: u16,
    database: String,
    role: String,
    password: String,
    workspace: TenantId,
    /// base64url, 32 bytes.
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tls: Option<TlsMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ca: Option<String>,
}

impl Drop for Payload {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.password.zeroize();
        self.key.zeroize();
    }
}

fn check(payload: &str) -> String {
    let digest = Sha256::digest(format!("{VERSION}.{payload}").as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..CHECK_BYTES])
}

fn damaged() -> CoreError {
    CoreError::Validation(
        "This connection code is incomplete or damaged: copy it again, whole (it starts with \
         imc1.), or open the file the operator gave you."
            .into(),
    )
}

impl ConnectionCode {
    /// The code as text: one line, safe to paste or to save in a file.
    pub fn encode(&self) -> SecretString {
        let payload = Payload {
            host: self.server.host.clone(),
            port: self.server.port,
            database: self.server.database.clone(),
            role: self.role.clone(),
            password: self.password.expose_secret().to_owned(),
            workspace: self.workspace_id,
            key: URL_SAFE_NO_PAD.encode(self.workspace_key.expose_bytes()),
            tls: self.tls,
            ca: self.ca_certificate.clone(),
        };
        let json = Zeroizing::new(serde_json::to_vec(&payload).expect("a code serializes"));
        let body = Zeroizing::new(URL_SAFE_NO_PAD.encode(json.as_slice()));
        let sum = check(&body);
        SecretString::from(format!("{VERSION}.{}.{sum}", body.as_str()))
    }

    /// Reads a code as pasted or read from a file. A damaged or truncated code, or anything
    /// else, is a validation error that names no part of what was given.
    pub fn parse(text: &SecretString) -> Result<Self, CoreError> {
        let compact: Zeroizing<String> = Zeroizing::new(
            text.expose_secret()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect(),
        );
        if compact.is_empty() {
            return Err(CoreError::Validation(
                "Paste the workspace connection code the operator gave you.".into(),
            ));
        }
        let mut parts = compact.split('.');
        let (Some(version), Some(body), Some(sum), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(if compact.starts_with("imc") {
                damaged()
            } else {
                CoreError::Validation(
                    "This is not a workspace connection code (one starts with imc1.).".into(),
                )
            });
        };
        if version != VERSION {
            return Err(if version.starts_with("imc") {
                CoreError::Validation(
                    "This connection code was made by a newer Integration Manager: update the \
                     app, then join again."
                        .into(),
                )
            } else {
                CoreError::Validation(
                    "This is not a workspace connection code (one starts with imc1.).".into(),
                )
            });
        }
        // Constant-time comparison is not needed: the check is a checksum, not a secret.
        if check(body) != sum {
            return Err(damaged());
        }
        let json = Zeroizing::new(URL_SAFE_NO_PAD.decode(body).map_err(|_| damaged())?);
        let payload: Payload = serde_json::from_slice(&json).map_err(|_| damaged())?;
        let key_bytes = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(&payload.key)
                .map_err(|_| damaged())?,
        );
        let workspace_key = WorkspaceKey::from_bytes(&key_bytes).map_err(|_| damaged())?;
        if payload.host.is_empty() || payload.database.is_empty() || payload.role.is_empty() {
            return Err(damaged());
        }
        if let Some(ca) = &payload.ca {
            if !ca.contains("-----BEGIN CERTIFICATE-----") {
                return Err(damaged());
            }
        }
        Ok(Self {
            server: ServerAddress {
                host: payload.host.clone(),
                port: payload.port,
                database: payload.database.clone(),
            },
            role: payload.role.clone(),
            password: SecretString::from(payload.password.clone()),
            workspace_id: payload.workspace,
            workspace_key,
            tls: payload.tls,
            ca_certificate: payload.ca.clone(),
        })
    }
}

impl ConnectionCode {
    /// How to reach the server as this workspace's role, TLS rule applied (see [`super::tls`]).
    pub fn connect_options(&self) -> Result<sqlx::postgres::PgConnectOptions, CoreError> {
        let options = sqlx::postgres::PgConnectOptions::new()
            .host(&self.server.host)
            .port(self.server.port)
            .database(&self.server.database)
            .username(&self.role)
            .password(self.password.expose_secret());
        super::tls::apply(options, self.tls, self.ca_certificate.as_deref())
    }
}

/// A CA certificate given as a file's text: PEM, or DER in base64 as some tools write it.
pub fn normalize_ca_certificate(text: &str) -> Result<String, CoreError> {
    let trimmed = text.trim();
    if trimmed.contains("-----BEGIN CERTIFICATE-----") {
        return Ok(format!("{trimmed}\n"));
    }
    let der = STANDARD
        .decode(trimmed.split_whitespace().collect::<String>())
        .map_err(|_| {
            CoreError::Validation(
                "The CA certificate must be a PEM file (BEGIN CERTIFICATE).".into(),
            )
        })?;
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).expect("base64 is ASCII"))
        .collect();
    Ok(format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ConnectionCode {
        ConnectionCode {
            server: ServerAddress {
                host: "db.shop.vn".into(),
                port: 5432,
                database: "integrations".into(),
            },
            role: "integrations_w_0a1b2c3d4e".into(),
            password: SecretString::from("PASSWORD-SECRET-123"),
            workspace_id: uuid::Uuid::new_v4(),
            workspace_key: WorkspaceKey::generate(),
            tls: None,
            ca_certificate: None,
        }
    }

    #[test]
    fn debug_shows_neither_the_password_nor_the_workspace_key() {
        let code = sample();
        let shown = format!("{code:?}");
        assert!(!shown.contains("PASSWORD-SECRET-123"), "{shown}");
        assert!(!shown.contains(code.encode().expose_secret()), "{shown}");
        assert!(shown.contains("WorkspaceKey([REDACTED])"), "{shown}");
    }

    #[test]
    fn a_code_reads_back_whole_even_when_wrapped_over_lines() {
        let code = sample();
        let text = code.encode();
        assert!(text.expose_secret().starts_with("imc1."));
        let wrapped: String = text
            .expose_secret()
            .as_bytes()
            .chunks(40)
            .map(|chunk| format!("  {}\r\n", std::str::from_utf8(chunk).unwrap()))
            .collect();
        let back = ConnectionCode::parse(&SecretString::from(wrapped)).unwrap();
        assert_eq!(back.server, code.server);
        assert_eq!(back.role, code.role);
        assert_eq!(back.password.expose_secret(), "PASSWORD-SECRET-123");
        assert_eq!(back.workspace_id, code.workspace_id);
        assert_eq!(back.workspace_key.key_id(), code.workspace_key.key_id());
        assert!(!format!("{back:?}").contains("PASSWORD-SECRET"));
    }

    #[test]
    fn a_truncated_or_altered_code_is_caught_and_never_quoted() {
        let text = sample().encode();
        let full = text.expose_secret().to_owned();
        let mut altered = full.clone().into_bytes();
        let middle = altered.len() / 2;
        altered[middle] = if altered[middle] == b'A' { b'B' } else { b'A' };
        for bad in [
            full[..full.len() - 1].to_owned(),
            full[..full.len() / 2].to_owned(),
            String::from_utf8(altered).unwrap(),
            format!("{full}x"),
            full.replacen("imc1", "imc9", 1),
            "postgres://user:pw@host/db".to_owned(),
            String::new(),
        ] {
            let err = ConnectionCode::parse(&SecretString::from(bad.clone())).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::Validation, "{bad}");
            let message = err.to_string();
            assert!(!message.contains("PASSWORD-SECRET"), "{message}");
            assert!(
                message.len() < 200 && !message.contains(&full[5..30]),
                "{message}"
            );
        }
    }

    #[test]
    fn a_ca_certificate_in_base64_der_becomes_pem() {
        let pem = normalize_ca_certificate("MIIB\nAAAA").unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(normalize_ca_certificate("not a certificate!").is_err());
    }
}
