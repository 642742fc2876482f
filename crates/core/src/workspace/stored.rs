//! The joined workspace on this computer. The code (the role's password and the workspace key
//! in it) goes to the OS keychain; where there is none, to `workspace-<id>.code`, readable by the
//! user only. `workspace.json` beside it says which, and names the server and the workspace,
//! nothing secret, so Settings can show them without opening the keychain.
//!
//! Each workspace's code has a place of its own (file or keychain entry named by its id), and
//! `workspace.json` is the one pointer to the joined one, replaced whole by a rename: joining
//! another workspace keeps the new code first and then switches the pointer, so a failure (or a
//! crash) at any point leaves one workspace joined, the old or the new, never neither. Codes kept
//! before this (`workspace.code`, one keychain entry per data directory) are still read.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::code::ConnectionCode;
use crate::domain::TenantId;
use crate::error::{CoreError, CoreResult};

const INFO_FILE: &str = "workspace.json";
/// Where a code was kept before each workspace had its own place.
const LEGACY_CODE_FILE: &str = "workspace.code";

fn code_file(workspace: TenantId) -> String {
    format!("workspace-{workspace}.code")
}
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
        "keychain" => keychain_read(data_dir, Some(info.workspace_id))
            .or_else(|| keychain_read(data_dir, None))
            .ok_or_else(|| {
                CoreError::Configuration(
                    "The workspace's connection code is kept in the OS keychain, which cannot be \
                     read now. Unlock it and start again (or leave the workspace and join again)."
                        .into(),
                )
            })?,
        _ => SecretString::from(
            std::fs::read_to_string(data_dir.join(code_file(info.workspace_id)))
                .or_else(|_| std::fs::read_to_string(data_dir.join(LEGACY_CODE_FILE)))
                .map_err(|_| {
                    CoreError::Configuration(
                        "The workspace's connection code is missing from this computer: leave \
                         the workspace and join again."
                            .into(),
                    )
                })?,
        ),
    };
    let code = ConnectionCode::parse(&text).map_err(|_| {
        CoreError::Configuration(
            "The workspace's stored connection code is damaged: leave the workspace and join again."
                .into(),
        )
    })?;
    if code.workspace_id != info.workspace_id {
        return Err(CoreError::Configuration(
            "The workspace's stored connection code is for another workspace: leave the \
             workspace and join again."
                .into(),
        ));
    }
    Ok(Some((info, code)))
}

/// Keeps a verified code: in the keychain if `use_keychain` and it takes it, else in a private
/// file, in the place of its workspace; then makes it the joined one by replacing the pointer
/// (`workspace.json`) whole. Until that rename a workspace joined before stays joined; if the
/// pointer cannot be written, the new code is removed again and nothing changed. The caller
/// removes the rest of the previous workspace (its keychain entry: [`forget_code`]; its mirror).
pub fn save(
    data_dir: &Path,
    code: &ConnectionCode,
    workspace_name: &str,
    use_keychain: bool,
) -> CoreResult<JoinedWorkspace> {
    crate::private_fs::create_dir_all(data_dir).map_err(CoreError::data_dir(data_dir))?;
    let previous = joined(data_dir).ok().flatten();
    let same_place = previous
        .as_ref()
        .is_some_and(|previous| previous.workspace_id == code.workspace_id);
    let text = code.encode();
    let file = data_dir.join(code_file(code.workspace_id));
    let in_keychain = use_keychain && keychain_store(data_dir, code.workspace_id, &text);
    if in_keychain {
        remove_if_present(&file)?;
    } else {
        let line = zeroize::Zeroizing::new(format!("{}\n", text.expose_secret()));
        write_private(&file, line.as_bytes())?;
    }
    let info = JoinedWorkspace {
        server: code.server.to_string(),
        workspace_id: code.workspace_id,
        workspace_name: workspace_name.to_owned(),
        key_location: if in_keychain { "keychain" } else { "file" }.to_owned(),
    };
    let json = serde_json::to_vec_pretty(&info).expect("workspace info serializes");
    if let Err(err) = write_private(&info_path(data_dir), &json) {
        // The workspace joined before is still the joined one: the new code must not stay.
        if !same_place {
            let _ = forget_code(data_dir, code.workspace_id);
        }
        return Err(err);
    }
    // Codes kept the old way, and any other workspace's file (one a killed join left, or the
    // previous workspace's), are superseded by the one just kept.
    keychain_delete(data_dir, None);
    remove_if_present(&data_dir.join(LEGACY_CODE_FILE))?;
    remove_code_files(data_dir, Some(&code_file(code.workspace_id)))?;
    Ok(info)
}

/// Removes the code files kept here, but `keep`.
fn remove_code_files(data_dir: &Path, keep: Option<&str>) -> CoreResult<()> {
    let Ok(entries) = std::fs::read_dir(data_dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("workspace-") && name.ends_with(".code") && Some(&*name) != keep {
            remove_if_present(&entry.path())?;
        }
    }
    Ok(())
}

/// Removes one workspace's code (keychain entry and file).
pub fn forget_code(data_dir: &Path, workspace: TenantId) -> CoreResult<()> {
    keychain_delete(data_dir, Some(workspace));
    remove_if_present(&data_dir.join(code_file(workspace)))
}

/// Forgets the joined workspace: its description first (so this computer is no longer joined
/// even if a code cannot be removed), then every code kept here (keychain and files, also any
/// left by a join that was interrupted). The caller removes the mirror.
pub fn forget(data_dir: &Path) -> CoreResult<()> {
    let joined = joined(data_dir).ok().flatten();
    remove_if_present(&info_path(data_dir))?;
    if let Some(joined) = joined {
        keychain_delete(data_dir, Some(joined.workspace_id));
    }
    keychain_delete(data_dir, None);
    remove_if_present(&data_dir.join(LEGACY_CODE_FILE))?;
    remove_code_files(data_dir, None)
}

fn remove_if_present(path: &Path) -> CoreResult<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(CoreError::Configuration(format!(
            "Cannot remove {}: {err}",
            path.display()
        ))),
    }
}

/// A file only the user can read (0600 on Unix), written whole or not at all.
fn write_private(path: &Path, contents: &[u8]) -> CoreResult<()> {
    crate::private_fs::write(path, contents)
        .map_err(|err| CoreError::Configuration(format!("Cannot write {}: {err}", path.display())))
}

/// The keychain entry of one workspace's code (`None`: the one entry per data directory that
/// codes were kept in before).
#[cfg(feature = "keychain")]
fn keychain_entry(data_dir: &Path, workspace: Option<TenantId>) -> Option<keyring::Entry> {
    let user = match workspace {
        Some(workspace) => format!("workspace-code:{}:{workspace}", data_dir.display()),
        None => format!("workspace-code:{}", data_dir.display()),
    };
    keyring::Entry::new(KEYCHAIN_SERVICE, &user).ok()
}

#[cfg(feature = "keychain")]
fn keychain_store(data_dir: &Path, workspace: TenantId, code: &SecretString) -> bool {
    let Some(entry) = keychain_entry(data_dir, Some(workspace)) else {
        return false;
    };
    // Trusted only if it reads back: some backends accept writes they lose.
    entry.set_password(code.expose_secret()).is_ok()
        && keychain_read(data_dir, Some(workspace))
            .is_some_and(|back| back.expose_secret() == code.expose_secret())
}

#[cfg(feature = "keychain")]
fn keychain_read(data_dir: &Path, workspace: Option<TenantId>) -> Option<SecretString> {
    keychain_entry(data_dir, workspace)?
        .get_password()
        .ok()
        .map(SecretString::from)
}

#[cfg(feature = "keychain")]
fn keychain_delete(data_dir: &Path, workspace: Option<TenantId>) {
    if let Some(entry) = keychain_entry(data_dir, workspace) {
        let _ = entry.delete_credential();
    }
}

#[cfg(not(feature = "keychain"))]
fn keychain_store(_data_dir: &Path, _workspace: TenantId, _code: &SecretString) -> bool {
    false
}

#[cfg(not(feature = "keychain"))]
fn keychain_read(_data_dir: &Path, _workspace: Option<TenantId>) -> Option<SecretString> {
    None
}

#[cfg(not(feature = "keychain"))]
fn keychain_delete(_data_dir: &Path, _workspace: Option<TenantId>) {}

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
        let kept = code_file(code.workspace_id);
        for file in [INFO_FILE, kept.as_str()] {
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
        assert!(!dir.path().join(code_file(code.workspace_id)).exists());
    }

    fn code_for(workspace: &str, password: &str) -> ConnectionCode {
        ConnectionCode {
            server: ServerAddress {
                host: "db.shop.vn".into(),
                port: 5432,
                database: "integrations".into(),
            },
            role: format!("integrations_w_{workspace}"),
            password: SecretString::from(password.to_owned()),
            workspace_id: uuid::Uuid::new_v4(),
            workspace_key: WorkspaceKey::generate(),
            tls: None,
            ca_certificate: None,
        }
    }

    #[test]
    fn a_second_workspace_whose_switch_fails_leaves_the_first_joined_with_its_code() {
        let dir = tempfile::tempdir().unwrap();
        let first = code_for("a", "PASSWORD-A");
        let second = code_for("b", "PASSWORD-B");
        save(dir.path(), &first, "Shop A", false).unwrap();
        // The pointer's temporary file cannot be made (a directory holds its name): the write
        // of `workspace.json` fails after the second code was kept.
        std::fs::create_dir_all(dir.path().join("workspace.tmp/blocked")).unwrap();
        let err = save(dir.path(), &second, "Shop B", false).unwrap_err();
        assert!(err.to_string().contains("Cannot write"), "{err}");
        assert!(!err.to_string().contains("PASSWORD-B"));

        let (info, code) = load(dir.path())
            .unwrap()
            .expect("the first is still joined");
        assert_eq!(info.workspace_name, "Shop A");
        assert_eq!(code.workspace_id, first.workspace_id);
        assert_eq!(code.password.expose_secret(), "PASSWORD-A");
        assert!(
            !dir.path().join(code_file(second.workspace_id)).exists(),
            "the second code stayed behind"
        );

        std::fs::remove_dir_all(dir.path().join("workspace.tmp")).unwrap();
        let info = save(dir.path(), &second, "Shop B", false).unwrap();
        assert_eq!(info.workspace_id, second.workspace_id);
        let (_, code) = load(dir.path()).unwrap().unwrap();
        assert_eq!(code.password.expose_secret(), "PASSWORD-B");
        // Once the second is joined, the first's code file goes.
        assert!(!dir.path().join(code_file(first.workspace_id)).exists());
        assert_eq!(load(dir.path()).unwrap().unwrap().0, info);
    }

    #[test]
    fn a_code_kept_the_old_way_is_still_read_and_leaving_removes_every_code() {
        let dir = tempfile::tempdir().unwrap();
        let code = code_for("a", "PASSWORD-A");
        let info = JoinedWorkspace {
            server: code.server.to_string(),
            workspace_id: code.workspace_id,
            workspace_name: "Shop A".into(),
            key_location: "file".into(),
        };
        write_private(&info_path(dir.path()), &serde_json::to_vec(&info).unwrap()).unwrap();
        let line = format!("{}\n", code.encode().expose_secret());
        write_private(&dir.path().join(LEGACY_CODE_FILE), line.as_bytes()).unwrap();
        assert_eq!(
            load(dir.path()).unwrap().unwrap().1.workspace_id,
            code.workspace_id
        );
        // A code left by a join killed before its switch is swept too.
        let stray = code_for("b", "PASSWORD-B");
        let stray_line = format!("{}\n", stray.encode().expose_secret());
        write_private(
            &dir.path().join(code_file(stray.workspace_id)),
            stray_line.as_bytes(),
        )
        .unwrap();
        forget(dir.path()).unwrap();
        assert!(load(dir.path()).unwrap().is_none());
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
