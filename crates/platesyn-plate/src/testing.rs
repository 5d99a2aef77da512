//! Test support shared by every platesyn crate's tests (compiled only with the `testing`
//! feature, which the crates enable in their `[dev-dependencies]`).
//!
//! The reference data (`../shared/ref` beside the project root) is real data nobody on the team
//! wrote. It is not shipped with the repository, so tests that read it must not silently pass
//! without it on CI, and must say that they skipped elsewhere.

use std::path::PathBuf;

/// `../shared/ref` beside the project root, if present. When it is missing: panics under
/// `CI=true` (a CI run must not pass without its references), else prints
/// "skipped: no ../shared" and returns `None`.
///
/// # Panics
/// When the directory is missing and the environment has `CI=true`.
#[must_use]
pub fn shared_ref() -> Option<PathBuf> {
    // every crate sits at <root>/crates/<name>, so one path serves all of them
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ref");
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but ../shared/ref is missing at {}",
        p.display()
    );
    eprintln!("skipped: no ../shared");
    None
}
