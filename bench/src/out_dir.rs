//! The `--out` directory of `surveil run` and `surveil report`: checked
//! before anything runs, and written all or none.
//!
//! Every file goes first into a hidden staging directory inside the output
//! directory, and the files are moved in only once every one is written, so
//! that a failure leaves the directory as it was instead of holding files of
//! two runs. Each move is a rename within one file system, which replaces a
//! file of an earlier run at once; a name held by a directory is refused
//! before any file moves. The staging directory is removed in every case
//! but the process being killed.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The start of the staging directory's name.
const STAGING_PREFIX: &str = ".surveil-out.partial-";

/// Refuses an output path that exists and is not a directory.
///
/// # Errors
///
/// Returns an error naming the path and what was expected.
pub(super) fn check(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!(
            "--out {}: exists and is not a directory; --out takes a directory (created if \
             needed) to write the results into",
            dir.display()
        );
    }
    Ok(())
}

/// Creates `dir` if needed, has `write` write its files into a staging
/// directory, and moves them into `dir` once `write` has written them all.
///
/// # Errors
///
/// Returns the error of `write`, or one naming the path that could not be
/// created or moved. `dir` then holds none of the new files, unless a move
/// failed after others had succeeded (a file of `dir` that its owner made
/// immutable, say), which the checks before the moves cannot foresee.
pub(super) fn write_all_or_none(
    dir: &Path,
    write: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    check(dir)?;
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(dir)
        .with_context(|| format!("cannot create a staging directory in {}", dir.display()))?;

    write(staging.path())?;

    let names = staged_names(staging.path())?;
    if let Some(taken) = names.iter().map(|name| dir.join(name)).find(|path| path.is_dir()) {
        anyhow::bail!(
            "{}: is a directory; expected a file of an earlier run or nothing, so none of this \
             run's files were written",
            taken.display()
        );
    }
    for name in &names {
        let target = dir.join(name);
        fs::rename(staging.path().join(name), &target)
            .with_context(|| format!("cannot move {} into place", target.display()))?;
    }
    Ok(())
}

/// Lists the files written into the staging directory, in name order.
fn staged_names(staging: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let cannot = || format!("cannot list {}", staging.display());
    let mut names = Vec::new();
    for entry in fs::read_dir(staging).with_context(cannot)? {
        names.push(PathBuf::from(entry.with_context(cannot)?.file_name()));
    }
    names.sort();
    Ok(names)
}
