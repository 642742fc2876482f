//! The files and directories the core creates are private from the moment they exist, whatever
//! the umask: 0700 directories, 0600 files, never created wider and narrowed afterwards.
//!
//! Every test in this binary (its own process) runs under umask 000, where anything made with
//! the default modes would be open to every user. An inotify watch records the directory's
//! events while the core opens: a file created wide and then `chmod`-ed would show an
//! `IN_ATTRIB` event on it, so "private at the end" cannot hide a window in between.
#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::ffi::OsStr;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use integrations_core::{CoreConfig, SharedStore};
use rustix::fs::inotify;
use secrecy::SecretString;

fn permissive_umask() {
    rustix::process::umask(rustix::fs::Mode::empty());
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every entry under `dir` (itself included) with its mode.
fn modes_under(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut found = vec![(dir.to_owned(), mode(dir))];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(modes_under(&path));
        } else {
            found.push((path.clone(), mode(&path)));
        }
    }
    found
}

fn assert_private(dir: &Path) {
    for (path, mode) in modes_under(dir) {
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, expected, "{} is {mode:o}", path.display());
    }
}

/// The events of some directories, read without blocking.
struct Watch {
    fd: OwnedFd,
    dirs: HashMap<i32, PathBuf>,
}

/// Creations (`IN_CREATE`, `IN_MOVED_TO`) and attribute changes (`IN_ATTRIB`) are all a test
/// needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    Created,
    Changed,
}

impl Watch {
    fn new(dirs: &[&Path]) -> Self {
        let fd = inotify::init(inotify::CreateFlags::NONBLOCK | inotify::CreateFlags::CLOEXEC)
            .expect("inotify");
        let mut watched = HashMap::new();
        for dir in dirs {
            let flags = inotify::WatchFlags::CREATE
                | inotify::WatchFlags::ATTRIB
                | inotify::WatchFlags::MOVED_TO;
            let wd = inotify::add_watch(&fd, *dir, flags).expect("inotify watch");
            watched.insert(wd, dir.to_path_buf());
        }
        Self { fd, dirs: watched }
    }

    /// Every event so far.
    fn events(&self) -> Vec<(PathBuf, Seen)> {
        let mut events = Vec::new();
        let mut buffer = vec![MaybeUninit::<u8>::uninit(); 64 * 1024];
        let mut reader = inotify::Reader::new(&self.fd, &mut buffer);
        loop {
            let event = match reader.next() {
                Ok(event) => event,
                Err(rustix::io::Errno::WOULDBLOCK) => return events,
                Err(err) => panic!("inotify read: {err}"),
            };
            let (Some(dir), Some(name)) = (self.dirs.get(&event.wd()), event.file_name()) else {
                continue;
            };
            let path = dir.join(OsStr::from_bytes(name.to_bytes()));
            let flags = event.events();
            if flags.intersects(inotify::ReadFlags::CREATE | inotify::ReadFlags::MOVED_TO) {
                events.push((path.clone(), Seen::Created));
            }
            if flags.contains(inotify::ReadFlags::ATTRIB) {
                events.push((path, Seen::Changed));
            }
        }
    }
}

/// The paths whose attributes (mode, owner) changed after they were created.
fn changed(events: &[(PathBuf, Seen)]) -> Vec<PathBuf> {
    events
        .iter()
        .filter(|(_, seen)| *seen == Seen::Changed)
        .map(|(path, _)| path.clone())
        .collect()
}

fn created(events: &[(PathBuf, Seen)]) -> Vec<String> {
    events
        .iter()
        .filter(|(_, seen)| *seen == Seen::Created)
        .map(|(path, _)| file_name(path))
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// SQLite itself calls `fchown` on the `-journal`, `-wal` and `-shm` it creates when it runs as
/// root (to give them the database's owner), which is an attribute change too; it never changes
/// their mode, which it takes from the database file. Those are checked by their final mode.
fn not_sqlite_companion(path: &Path) -> bool {
    let name = file_name(path);
    !(name.ends_with("-journal") || name.ends_with("-wal") || name.ends_with("-shm"))
}

/// Under a permissive umask, a `data` directory that is already private and watched, so only
/// what is made inside it shows. The temporary root goes when the first value is dropped.
fn watched_private_data_dir() -> (tempfile::TempDir, PathBuf, Watch) {
    permissive_umask();
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    let watch = Watch::new(&[&data]);
    (root, data, watch)
}

/// No file was created wider and narrowed afterwards, and everything under `data` ends private.
fn assert_never_made_wide(events: &[(PathBuf, Seen)], data: &Path) {
    let changed: Vec<PathBuf> = changed(events)
        .into_iter()
        .filter(|path| not_sqlite_companion(path))
        .collect();
    assert_eq!(changed, Vec::<PathBuf>::new(), "made wide, then narrowed");
    assert_private(data);
}

async fn open_standalone(data_dir: &Path) -> integrations_core::Core {
    let mut config = CoreConfig::standalone(data_dir.to_owned());
    config.use_keychain = false;
    config
        .open(integrations_core::gateway_from_env().unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_data_directory_and_its_parents_are_made_0700_in_one_step() {
    permissive_umask();
    let root = tempfile::tempdir().unwrap();
    let watch = Watch::new(&[root.path()]);
    let data = root.path().join("home").join("integration-manager");
    let core = open_standalone(&data).await;
    core.sign_up("Shop", "chu@shop.vn", &SecretString::from("mật khẩu 123"))
        .await
        .unwrap();
    let home = root.path().join("home");
    let events = watch.events();
    assert_eq!(created(&events), ["home"]);
    assert_eq!(mode(&home), 0o700);
    assert_eq!(changed(&events), Vec::<PathBuf>::new());
    assert_private(&home);
    let names: Vec<String> = modes_under(&data)
        .iter()
        .map(|(path, _)| file_name(path))
        .collect();
    for expected in ["integrations.db", "master.key", "master-key.location"] {
        assert!(names.contains(&expected.to_owned()), "{names:?}");
    }
}

#[tokio::test]
async fn the_database_and_the_key_file_never_exist_with_a_wider_mode() {
    let (_root, data, watch) = watched_private_data_dir();
    let core = open_standalone(&data).await;
    core.sign_up("Shop", "chu@shop.vn", &SecretString::from("mật khẩu 123"))
        .await
        .unwrap();
    let events = watch.events();
    let created = created(&events);
    for expected in ["integrations.db", "integrations.db-wal", "master.key"] {
        assert!(created.contains(&expected.to_owned()), "{created:?}");
    }
    assert_never_made_wide(&events, &data);
}

#[tokio::test]
async fn the_mirror_is_private_from_its_creation() {
    let (_root, data, watch) = watched_private_data_dir();
    let mirror = data.join("mirror-0123456789abcdef.db");
    // A server nobody answers at: opening the mirror never waits for it.
    let server =
        integrations_core::workspace::tls::options_from_url("postgres://u:p@127.0.0.1:9/none")
            .unwrap();
    let shared = SharedStore::open(server, &mirror, "fingerprint")
        .await
        .unwrap();
    drop(shared);
    let events = watch.events();
    assert!(created(&events).contains(&file_name(&mirror)));
    assert_never_made_wide(&events, &data);
}

#[tokio::test]
async fn files_an_earlier_version_left_open_are_narrowed_when_opened() {
    permissive_umask();
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    {
        let core = open_standalone(&data).await;
        core.sign_up("Shop", "chu@shop.vn", &SecretString::from("mật khẩu 123"))
            .await
            .unwrap();
    }
    for (path, _) in modes_under(&data) {
        let wide = if path.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(wide)).unwrap();
    }
    let core = open_standalone(&data).await;
    core.sign_in("chu@shop.vn", &SecretString::from("mật khẩu 123"))
        .await
        .unwrap();
    for (path, mode) in modes_under(&data) {
        let name = file_name(&path);
        if name.starts_with("integrations.db") {
            assert_eq!(mode, 0o600, "{name} is {mode:o}");
        }
    }
    // A directory the user already has is theirs to set: it is left as it is.
    assert_eq!(mode(&data), 0o755);
}

#[test]
fn a_private_write_replaces_a_leftover_wide_temp_file() {
    permissive_umask();
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("cli-session.json");
    std::fs::write(root.path().join("cli-session.tmp"), "stale").unwrap();
    assert_eq!(mode(&root.path().join("cli-session.tmp")), 0o666);
    let watch = Watch::new(&[root.path()]);
    integrations_core::master_key::write_private(&target, b"{}").unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"{}");
    assert_eq!(mode(&target), 0o600);
    assert_eq!(changed(&watch.events()), Vec::<PathBuf>::new());
}
