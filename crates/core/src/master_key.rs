//! Where the master key comes from.
//!
//! `INTEGRATIONS_MASTER_KEY` wins. Otherwise (standalone mode) a key is created on first run and
//! kept in the OS keychain where one is available, else in `master.key` in the data directory,
//! readable only by the user. A small marker file records which of the two holds the key, so a
//! keychain that is locked or missing on a later run is reported instead of silently replaced by
//! a new key (which would make every stored credential unreadable).

use std::fs;
use std::path::Path;

use crate::crypto::MasterKey;
use crate::error::{CoreError, CoreResult};

const KEY_FILE: &str = "master.key";
const LOCATION_FILE: &str = "master-key.location";
#[cfg(feature = "keychain")]
const KEYCHAIN_SERVICE: &str = "integration-manager";

/// Where the key was found or put; reported by `integrations status` and in logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterKeySource {
    Environment,
    Keychain,
    File,
}

pub struct LoadedMasterKey {
    pub key: MasterKey,
    pub source: MasterKeySource,
}

/// Loads the standalone master key, creating it on first run. `database` is the embedded
/// database the key seals for: if it exists without its key, no new key is made.
/// `use_keychain` is false in tests and headless runs that must not touch the user's keychain.
pub fn load_or_create(
    data_dir: &Path,
    database: &Path,
    use_keychain: bool,
) -> CoreResult<LoadedMasterKey> {
    crate::private_fs::create_dir_all(data_dir).map_err(CoreError::data_dir(data_dir))?;
    let location_path = data_dir.join(LOCATION_FILE);
    let recorded = fs::read_to_string(&location_path)
        .ok()
        .map(|text| text.trim().to_owned());

    match recorded.as_deref() {
        Some("keychain") => {
            let key = keychain_read(data_dir)?.ok_or_else(|| {
                CoreError::Configuration(
                    "The master key is kept in the OS keychain, but the keychain cannot be read. \
                     Unlock it (or set INTEGRATIONS_MASTER_KEY) and start again."
                        .into(),
                )
            })?;
            return Ok(LoadedMasterKey {
                key,
                source: MasterKeySource::Keychain,
            });
        }
        Some("file") => {
            return Ok(LoadedMasterKey {
                key: read_key_file(&data_dir.join(KEY_FILE))?,
                source: MasterKeySource::File,
            });
        }
        _ => {}
    }

    // First run (or a data dir whose marker was lost).
    let key_path = data_dir.join(KEY_FILE);
    if key_path.exists() {
        let key = read_key_file(&key_path)?;
        write_private(&location_path, b"file")?;
        return Ok(LoadedMasterKey {
            key,
            source: MasterKeySource::File,
        });
    }
    if use_keychain {
        if let Some(key) = keychain_read(data_dir)? {
            write_private(&location_path, b"keychain")?;
            return Ok(LoadedMasterKey {
                key,
                source: MasterKeySource::Keychain,
            });
        }
    }
    // A database without its key must not get a new one: everything sealed would be lost.
    if database.exists() {
        return Err(CoreError::Configuration(format!(
            "The master key for the database in {} is missing (no key file and none in the OS \
             keychain). Restore master.key or set INTEGRATIONS_MASTER_KEY.",
            data_dir.display()
        )));
    }
    let key = MasterKey::generate();
    if use_keychain && keychain_store(data_dir, &key) {
        write_private(&location_path, b"keychain")?;
        return Ok(LoadedMasterKey {
            key,
            source: MasterKeySource::Keychain,
        });
    }
    write_private(&key_path, key.to_base64().as_bytes())?;
    write_private(&location_path, b"file")?;
    Ok(LoadedMasterKey {
        key,
        source: MasterKeySource::File,
    })
}

fn read_key_file(path: &Path) -> CoreResult<MasterKey> {
    let text = zeroize::Zeroizing::new(fs::read_to_string(path).map_err(|err| {
        CoreError::Configuration(format!(
            "Cannot read the master key file {}: {err}",
            path.display()
        ))
    })?);
    MasterKey::from_base64(&text).map_err(|_| {
        CoreError::Configuration(format!(
            "The master key file {} is damaged: it must hold 32 bytes in base64.",
            path.display()
        ))
    })
}

/// Writes a file that only the current user can read (0600 on Unix, from its creation),
/// replacing it atomically.
pub fn write_private(path: &Path, contents: &[u8]) -> CoreResult<()> {
    crate::private_fs::write(path, contents)
        .map_err(|err| CoreError::Configuration(format!("Cannot write {}: {err}", path.display())))
}

#[cfg(feature = "keychain")]
fn keychain_entry(data_dir: &Path) -> Option<keyring::Entry> {
    // One entry per data directory, so a dev build and a release build never share a key.
    let account = format!("master-key:{}", data_dir.display());
    keyring::Entry::new(KEYCHAIN_SERVICE, &account).ok()
}

#[cfg(feature = "keychain")]
fn keychain_store(data_dir: &Path, key: &MasterKey) -> bool {
    let Some(entry) = keychain_entry(data_dir) else {
        return false;
    };
    let stored = entry.set_password(&key.to_base64()).is_ok();
    // Only trust the keychain if the key reads back: some backends accept writes they lose.
    stored && keychain_read(data_dir).ok().flatten().is_some()
}

#[cfg(feature = "keychain")]
fn keychain_read(data_dir: &Path) -> CoreResult<Option<MasterKey>> {
    let Some(entry) = keychain_entry(data_dir) else {
        return Ok(None);
    };
    match entry.get_password() {
        Ok(text) => {
            let text = zeroize::Zeroizing::new(text);
            MasterKey::from_base64(&text).map(Some).map_err(|_| {
                CoreError::Configuration("The master key in the OS keychain is damaged.".into())
            })
        }
        Err(_) => Ok(None),
    }
}

#[cfg(not(feature = "keychain"))]
fn keychain_store(_data_dir: &Path, _key: &MasterKey) -> bool {
    false
}

#[cfg(not(feature = "keychain"))]
fn keychain_read(_data_dir: &Path) -> CoreResult<Option<MasterKey>> {
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As the configuration calls it: the embedded database beside the key.
    fn load_or_create(data_dir: &Path, use_keychain: bool) -> CoreResult<LoadedMasterKey> {
        super::load_or_create(
            data_dir,
            &data_dir.join(crate::config::DATABASE_FILE),
            use_keychain,
        )
    }

    #[test]
    fn first_run_creates_a_user_only_key_file_and_later_runs_reuse_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path(), false).unwrap();
        assert_eq!(first.source, MasterKeySource::File);
        let second = load_or_create(dir.path(), false).unwrap();
        assert_eq!(*first.key.to_base64(), *second.key.to_base64());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_key_file_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        load_or_create(dir.path(), false).unwrap();
        fs::write(dir.path().join(KEY_FILE), "garbage").unwrap();
        let err = load_or_create(dir.path(), false).err().unwrap();
        assert!(err.to_string().contains("damaged"), "{err}");
        assert_eq!(
            fs::read_to_string(dir.path().join(KEY_FILE)).unwrap(),
            "garbage"
        );
    }

    #[test]
    fn a_database_whose_key_is_missing_gets_no_new_key() {
        let dir = tempfile::tempdir().unwrap();
        load_or_create(dir.path(), false).unwrap();
        fs::write(dir.path().join(crate::config::DATABASE_FILE), b"").unwrap();
        fs::remove_file(dir.path().join(KEY_FILE)).unwrap();
        fs::remove_file(dir.path().join(LOCATION_FILE)).unwrap();
        let err = load_or_create(dir.path(), false).err().unwrap();
        assert!(err.to_string().contains("missing"), "{err}");
        assert!(!dir.path().join(KEY_FILE).exists());
    }

    #[test]
    fn a_keychain_marker_without_a_readable_keychain_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(LOCATION_FILE), "keychain").unwrap();
        // No keychain entry exists for this fresh temp directory.
        let err = load_or_create(dir.path(), false).err().unwrap();
        assert!(err.to_string().contains("keychain"), "{err}");
        assert!(!dir.path().join(KEY_FILE).exists());
    }
}
