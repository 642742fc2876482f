//! Files and directories only their owner may read, private from the moment they exist.
//!
//! The data directory holds the embedded database (sealed credentials, password hashes, refresh
//! token hashes), the master key file, the mirror and the CLI's session. Each is created with
//! its final mode in the same system call that creates it (`mkdir(0700)`, `open(O_CREAT,
//! 0600)`), so there is no moment, whatever the process umask, when another user could open
//! it; nothing is created loose and narrowed afterwards. A file that an earlier version left
//! readable by others is narrowed when found (that is a repair, not the way files are made).
//!
//! SQLite creates a database's `-wal` and `-shm` files with the database file's own mode, so a
//! database file made here first keeps its companions private too.
//!
//! On other platforms than Unix these are the plain operations: the per-user data directory is
//! already private there.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Mode of the directories made here.
pub const DIR_MODE: u32 = 0o700;
/// Mode of the files made here.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents, each as 0700. An existing directory is left as it
/// is (it may be one the user chose and shares on purpose), with a warning when others can
/// enter it.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        warn_if_open(dir);
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir)
}

#[cfg(unix)]
fn warn_if_open(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = fs::metadata(dir) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                dir = %dir.display(),
                mode = format!("{mode:o}"),
                "the data directory can be entered by other users; its files are private, but \
                 consider `chmod 700` on it"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_open(_dir: &Path) {}

/// Makes sure `path` exists as a file only its owner can read and write: created empty with
/// mode 0600 if missing (its parent directory too, as 0700), narrowed to 0600 if an earlier
/// version left it open to others. Returns whether it was created.
pub fn ensure_file(path: &Path) -> io::Result<bool> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_all(parent)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    match options.open(path) {
        Ok(_) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            narrow(path)?;
            Ok(false)
        }
        Err(err) => Err(err),
    }
}

/// Narrows an existing file to 0600 if others may read or write it (a file from an earlier
/// version); a missing file is not an error.
pub fn narrow(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(err),
        };
        if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
            tracing::info!(file = %path.display(), "narrowing a file left readable by others");
            fs::set_permissions(path, fs::Permissions::from_mode(FILE_MODE))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// An SQLite database file and its companions (`-wal`, `-shm`, `-journal`).
pub fn sqlite_files(database: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| {
            let mut name = database.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        })
        .collect()
}

/// Prepares an SQLite database path before SQLite opens it: the file exists as 0600 (so
/// SQLite, which never creates it, gives its `-wal` and `-shm` the same mode), and companions
/// an earlier version left open are narrowed.
pub fn prepare_sqlite(database: &Path) -> io::Result<()> {
    ensure_file(database)?;
    for companion in sqlite_files(database).iter().skip(1) {
        narrow(companion)?;
    }
    Ok(())
}

/// Writes a file that only the current user can read (0600 on Unix), replacing it atomically:
/// the contents go to a temporary file created 0600 next to it, which is then renamed over it.
pub fn write(path: &Path, contents: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_all(parent)?;
    }
    let tmp: PathBuf = path.with_extension("tmp");
    // A temp file left by a crash may have any mode: start from a fresh one.
    match fs::remove_file(&tmp) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
        _ => {}
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    let mut file = options.open(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)
}
