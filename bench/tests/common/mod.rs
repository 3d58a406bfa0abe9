//! Helpers shared by the integration tests: where the real market data is.
//!
//! The real data (see `shared/data/real/SOURCES.md`) is not part of this
//! repository. Tests find it through one setting, the environment variable
//! `SURVEIL_DATA`, which names the folder; unset, it is `shared/data/real`
//! beside the workspace. A test whose files are absent is skipped with a
//! message saying so, except under `CI=true`, where a missing file fails it:
//! CI always has the data, so a skip there would hide a broken path.

#![allow(dead_code, reason = "each test binary uses only some of the shared helpers")]

use std::path::PathBuf;

/// Returns the folder of real market data: `SURVEIL_DATA` when set, else
/// `shared/data/real` beside the workspace root.
pub fn real_data_dir() -> PathBuf {
    match std::env::var_os("SURVEIL_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/real")),
    }
}

/// Returns the paths of files in the real data folder, or `None` when one
/// is missing, after printing why the calling test is skipped.
///
/// # Panics
///
/// Panics when a file is missing and the environment variable `CI` is
/// `true`.
#[allow(clippy::print_stderr, reason = "a skipped test says why on the test log")]
pub fn real_data_files<const N: usize>(names: [&str; N]) -> Option<[PathBuf; N]> {
    let dir = real_data_dir();
    let paths = names.map(|name| dir.join(name));
    let missing: Vec<String> =
        paths.iter().filter(|p| !p.is_file()).map(|p| p.display().to_string()).collect();
    if missing.is_empty() {
        return Some(paths);
    }
    let missing = missing.join(", ");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and real data is missing: {missing} (SURVEIL_DATA names its folder)");
    }
    eprintln!("skipped: real data not found: {missing} (set SURVEIL_DATA to its folder)");
    None
}
