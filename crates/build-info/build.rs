//! Records the commit being built as `INTEGRATIONS_COMMIT` for `src/lib.rs`.
//!
//! `INTEGRATIONS_COMMIT` set in the environment wins (a release job can name the commit it was
//! asked to build); otherwise `git rev-parse` in this checkout; `unknown` outside one. Kept in
//! this tiny crate so that a new commit recompiles only it and relinks the two binaries.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Files whose change means another commit is checked out: HEAD itself, the branch it points
/// to (loose or packed). Paths from `git rev-parse --git-path` also work in a worktree.
fn watch_git_head() {
    let mut paths = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        paths.push(branch);
    }
    for path in paths {
        if let Some(file) = git(&["rev-parse", "--path-format=absolute", "--git-path", &path]) {
            if PathBuf::from(&file).exists() {
                println!("cargo:rerun-if-changed={file}");
            }
        }
    }
}

fn main() {
    println!("cargo:rerun-if-env-changed=INTEGRATIONS_COMMIT");
    let commit = match std::env::var("INTEGRATIONS_COMMIT") {
        Ok(commit) if !commit.trim().is_empty() => commit.trim().to_owned(),
        _ => {
            watch_git_head();
            git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".to_owned())
        }
    };
    println!("cargo:rustc-env=INTEGRATIONS_COMMIT={commit}");
}
