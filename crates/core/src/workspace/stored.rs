//! The joined workspace on this computer. The code (the role's password and the workspace key
//! in it) goes to the OS keychain; where there is none, to `workspace.code`, readable by the
//! user only. `workspace.json` beside it says which, and names the server and the workspace,
//! nothing secret, so Settings can show them without opening the keychain.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::code::ConnectionCode;
use crate::domain::TenantId;
use crate::error::{CoreError, CoreResult};

const INFO_FILE: &str = "workspace.json";
const CODE_FILE: &str = "workspace.code";
#[cfg(feature = "keychain")]
const KEYCHAIN_SERVICE: &str = "integration-manager";

/// What is known of the joined workspace without its secrets (Settings shows it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct JoinedWorkspace {
    /// `host:port/database`.
    pub server: String,
    pub workspace_id: TenantId,
    pub workspace_name: String,
    /// `keychain` or `file`.
    #[ts(type = "\"keychain\" | \"file\"")]
    pub key_location: String,
}

fn info_path(data_dir: &Path) -> PathBuf {
    data_dir.join(INFO_FILE)
}

/// Whether a workspace is joined here (its description exists, readable or not).
pub fn is_joined(data_dir: &Path) -> bool {
    info_path(data_dir).exists()
}

/// The joined workspace, if any (without opening the keychain).
pub fn joined(data_dir: &Path) -> CoreResult<Option<JoinedWorkspace>> {
    let path = info_path(data_dir);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    serde_json::from_str(&text).map(Some).map_err(|_| {
        CoreError::Configuration(format!(
            "The joined workspace's settings in {} are damaged: leave the workspace and join again.",
            path.display()
        ))
    })
}

/// The joined workspace's code, from the keychain or the private file.
pub fn load(data_dir: &Path) -> CoreResult<Option<(JoinedWorkspace, ConnectionCode)>> {
    let Some(info) = joined(data_dir)? else {
        return Ok(None);
    };
    let text = match info.key_location.as_str() {
        "keychain" => keychain_read(data_dir).ok_or_else(|| {
            CoreError::Configuration(
                "The workspace's connection code is kept in the OS keychain, which cannot be read \
                 now. Unlock it and start again (or leave the workspace and join again)."
                    .into(),
            )
        })?,
        _ => SecretString::from(std::fs::read_to_string(data_dir.join(CODE_FILE)).map_err(
            |_| {
                CoreError::Configuration(
                    "The workspace's connection code is missing from this computer: leave the \
                     workspace and join again."
                        .into(),
                )
            },
        )?),
    };
    let code = ConnectionCode::parse(&text).map_err(|_| {
        CoreError::Configuration(
            "The workspace's stored connection code is damaged: leave the workspace and join again."
                .into(),
        )
    })?;
    Ok(Some((info, code)))
}

/// Keeps a verified code: in the keychain if `use_keychain` and it takes it, else in a private
/// file. Replaces a workspace joined before.
pub fn save(
    data_dir: &Path,
    code: &ConnectionCode,
    workspace_name: &str,
    use_keychain: bool,
) -> CoreResult<JoinedWorkspace> {
    crate::private_fs::create_dir_all(data_dir).map_err(|err| {
        CoreError::Configuration(format!(
            "Cannot create the data directory {}: {err}",
            data_dir.display()
        ))
    })?;
    let text = code.encode();
    let in_keychain = use_keychain && keychain_store(data_dir, &text);
    if in_keychain {
        let _ = std::fs::remove_file(data_dir.join(CODE_FILE));
    } else {
        let line = zeroize::Zeroizing::new(format!("{}\n", text.expose_secret()));
        write_private(&data_dir.join(CODE_FILE), line.as_bytes())?;
    }
    let info = JoinedWorkspace {
        server: code.server.to_string(),
        workspace_id: code.workspace_id,
        workspace_name: workspace_name.to_owned(),
        key_location: if in_keychain { "keychain" } else { "file" }.to_owned(),
    };
    let json = serde_json::to_vec_pretty(&info).expect("workspace info serializes");
    write_private(&info_path(data_dir), &json)?;
    Ok(info)
}

/// Forgets the joined workspace: the code (keychain and file) and its description. The caller
/// removes the mirror.
pub fn forget(data_dir: &Path) -> CoreResult<()> {
    keychain_delete(data_dir);
    for file in [CODE_FILE, INFO_FILE] {
        match std::fs::remove_file(data_dir.join(file)) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(CoreError::Configuration(format!(
                    "Cannot remove {}: {err}",
                    data_dir.join(file).display()
                )))
            }
        }
    }
    Ok(())
}

/// A file only the user can read (0600 on Unix), written whole or not at all.
fn write_private(path: &Path, contents: &[u8]) -> CoreResult<()> {
    crate::private_fs::write(path, contents)
        .map_err(|err| CoreError::Configuration(format!("Cannot write {}: {err}", path.display())))
}

#[cfg(feature = "keychain")]
fn keychain_entry(data_dir: &Path) -> Option<keyring::Entry> {
    // One entry per data directory, like the standalone master key.
    keyring::Entry::new(
        KEYCHAIN_SERVICE,
        &format!("workspace-code:{}", data_dir.display()),
    )
    .ok()
}

#[cfg(feature = "keychain")]
fn keychain_store(data_dir: &Path, code: &SecretString) -> bool {
    let Some(entry) = keychain_entry(data_dir) else {
        return false;
    };
    // Trusted only if it reads back: some backends accept writes they lose.
    entry.set_password(code.expose_secret()).is_ok()
        && keychain_read(data_dir).is_some_and(|back| back.expose_secret() == code.expose_secret())
}

#[cfg(feature = "keychain")]
fn keychain_read(data_dir: &Path) -> Option<SecretString> {
    keychain_entry(data_dir)?
        .get_password()
        .ok()
        .map(SecretString::from)
}

#[cfg(feature = "keychain")]
fn keychain_delete(data_dir: &Path) {
    if let Some(entry) = keychain_entry(data_dir) {
        let _ = entry.delete_credential();
    }
}

#[cfg(not(feature = "keychain"))]
fn keychain_store(_data_dir: &Path, _code: &SecretString) -> bool {
    false
}

#[cfg(not(feature = "keychain"))]
fn keychain_read(_data_dir: &Path) -> Option<SecretString> {
    None
}

#[cfg(not(feature = "keychain"))]
fn keychain_delete(_data_dir: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::WorkspaceKey;
    use crate::workspace::ServerAddress;

    #[test]
    fn without_a_keychain_the_code_goes_to_a_private_file_and_leaving_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let code = ConnectionCode {
            server: ServerAddress {
                host: "db.shop.vn".into(),
                port: 5432,
                database: "integrations".into(),
            },
            role: "integrations_w_0123456789".into(),
            password: SecretString::from("PASSWORD-SECRET-123"),
            workspace_id: uuid::Uuid::new_v4(),
            workspace_key: WorkspaceKey::generate(),
            tls: None,
            ca_certificate: None,
        };
        let info = save(dir.path(), &code, "Shop thời trang", false).unwrap();
        assert_eq!(info.key_location, "file");
        assert_eq!(info.server, "db.shop.vn:5432/integrations");
        let described = std::fs::read_to_string(dir.path().join(INFO_FILE)).unwrap();
        assert!(!described.contains("PASSWORD-SECRET"));
        #[cfg(unix)]
        for file in [INFO_FILE, CODE_FILE] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        let (back_info, back) = load(dir.path()).unwrap().unwrap();
        assert_eq!(back_info, info);
        assert_eq!(back.workspace_key.key_id(), code.workspace_key.key_id());
        forget(dir.path()).unwrap();
        assert!(load(dir.path()).unwrap().is_none());
        assert!(!dir.path().join(CODE_FILE).exists());
    }
}
