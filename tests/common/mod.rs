//! The one place where tests find `../shared`: other projects' published
//! files (Azure's built-in policies, schemas, peers' test suites) that sit
//! beside the repository in CI but not in a user's clone.
//!
//! - `ACRPC_SHARED=DIR` points at another folder (CI also sets it to an empty
//!   folder once, to prove that a fresh clone passes by skipping).
//! - Without it, `../shared` next to the repository is used.
//! - A missing folder prints one `skipping …` line and the caller returns,
//!   except when `CI` is set and `ACRPC_SHARED` is not: then the test fails,
//!   so a green CI always means these tests ran.
#![allow(dead_code)] // each test binary uses its own subset

use std::io::Write;
use std::path::{Path, PathBuf};

/// `<shared>/<rel>` when it exists; otherwise a skip note (or a failure in CI).
/// The caller skips the whole test or only the part that needs the folder.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let overridden = std::env::var_os("ACRPC_SHARED").filter(|v| !v.is_empty());
    let root = match &overridden {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    };
    let path = root.join(rel);
    if path.exists() {
        return Some(path);
    }
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    assert!(
        !in_ci || overridden.is_some(),
        "{} not found, and CI is set: CI always has ../shared beside the repository, \
         so these tests must run there (set ACRPC_SHARED to point elsewhere)",
        path.display()
    );
    // Written to stderr directly: libtest captures `eprintln!` of passing
    // tests, and a skip must be visible in a plain `cargo test`.
    let _ = writeln!(
        std::io::stderr(),
        "note: {}: skipping what needs {} (not found: a clone without the shared folder)",
        test_name(),
        path.display()
    );
    None
}

/// The running test's name, for the skip note.
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_string()
}
