//! Sweeps: a grid of scenarios, overrides and seeds run as independent
//! cells on a pool of workers, in one process or in shards, and merged.
//!
//! The grid comes from a spec file ([`spec`]). Each cell is one
//! deterministic run whose record ([`cell`]) is written, atomically, the
//! moment it finishes, into `DIR/cells/`; a sweep run again into the same
//! directory skips every cell already recorded, so an interruption loses at
//! most the cells in flight. A failed cell is recorded with its error and
//! run again next time; it never stops the others. When the cells are done
//! the results are written from the records ([`output`]): the tidy table,
//! the summary and the report.
//!
//! A shard `K/N` holds the cells whose position modulo `N` is `K - 1`: the
//! shards of a grid are disjoint, cover it, and mix every axis value into
//! each shard. `DIR/sweep.json` names the spec's fingerprint, the surveil
//! version and the shard, so that [`merge`] can refuse outputs that do not
//! belong together. Since a record is the same bytes however its cell was
//! run, the merged results equal those of one process, byte for byte.

pub mod cell;
pub mod output;
pub mod slurm;
pub mod spec;

use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};

use cell::{CellRecord, VERSION, record_path, run_cell};
use spec::{Axis, Cell, Spec};

/// One of `count` disjoint parts of a grid, numbered from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which part, from 1 to `count`.
    pub index: usize,
    /// How many parts.
    pub count: usize,
}

impl Shard {
    /// The whole grid.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Reads `K/N`, with K from 1 to N.
    ///
    /// # Errors
    ///
    /// Returns a message saying what was expected.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let expected = || format!("`{text}` is not a shard K/N with 1 <= K <= N, such as 2/4");
        let (k, n) = text.split_once('/').ok_or_else(expected)?;
        let index: usize = k.trim().parse().map_err(|_| expected())?;
        let count: usize = n.trim().parse().map_err(|_| expected())?;
        if index == 0 || index > count {
            return Err(expected());
        }
        Ok(Shard { index, count })
    }

    /// Tells whether cell `cell` belongs to this shard.
    pub fn holds(self, cell: usize) -> bool {
        cell % self.count == self.index - 1
    }
}

/// What a sweep's output directory holds, in `DIR/sweep.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The surveil version that ran the cells.
    pub surveil_version: String,
    /// The fingerprint of the spec.
    pub spec_fingerprint: String,
    /// The spec file as given.
    pub spec_file: String,
    /// The part of the grid the directory holds.
    pub shard: Shard,
    /// The cells in the whole grid.
    pub cells: usize,
    /// The swept keys.
    pub axes: Vec<Axis>,
    /// Each cell in grid order, described in one line.
    pub describe: Vec<String>,
}

impl Manifest {
    /// The manifest of `spec`'s shard.
    pub fn of(spec: &Spec, shard: Shard) -> Manifest {
        Manifest {
            surveil_version: VERSION.to_owned(),
            spec_fingerprint: spec.fingerprint(),
            spec_file: spec.path.display().to_string(),
            shard,
            cells: spec.len(),
            axes: spec.axes.clone(),
            describe: spec.cells().map(|c| spec.describe(&c)).collect(),
        }
    }

    /// Reads `DIR/sweep.json`.
    ///
    /// # Errors
    ///
    /// Returns [`SweepError`] naming the file.
    pub fn read(dir: &Path) -> Result<Manifest, SweepError> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| SweepError::Refused {
            message: format!(
                "{}: cannot read ({e}); is {} the output of `surveil sweep`?",
                path.display(),
                dir.display()
            ),
        })?;
        serde_json::from_str(&text).map_err(|e| SweepError::Refused {
            message: format!("{}: not a sweep manifest: {e}", path.display()),
        })
    }
}

/// The manifest's file name in an output directory.
pub const MANIFEST: &str = "sweep.json";

/// Why a sweep or a merge failed.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The inputs do not fit together: another spec or version in the
    /// directory, shards that do not belong together or leave cells out.
    #[error("{message}")]
    Refused {
        /// What is wrong and what to do.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{message}")]
    Io {
        /// The file and what went wrong.
        message: String,
    },
}

impl SweepError {
    /// Tells whether the error is the user's input rather than the run.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, SweepError::Refused { .. })
    }
}

fn io(path: &Path, e: impl std::fmt::Display) -> SweepError {
    SweepError::Io { message: format!("{}: {e}", path.display()) }
}

/// How a sweep uses the machine.
#[derive(Clone, Copy, Debug)]
pub struct SweepOptions {
    /// Cells run at once, each on its own thread; at least 1.
    pub workers: usize,
    /// The part of the grid to run.
    pub shard: Shard,
}

/// What a sweep did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepOutcome {
    /// Cells of the shard.
    pub cells: usize,
    /// Cells run now.
    pub ran: usize,
    /// Cells found already recorded and skipped.
    pub skipped: usize,
    /// Cells that failed now, by position.
    pub failed: Vec<usize>,
}

/// Runs the cells of `options.shard` not yet recorded in `out`, `workers`
/// at a time, then writes the results of every recorded cell of the shard.
/// `progress` counts cells; its message counts failures.
///
/// # Errors
///
/// Refuses an output directory that holds another spec's, another
/// version's or another shard's cells; fails when a file cannot be written.
pub fn sweep(
    spec: &Spec,
    out: &Path,
    options: SweepOptions,
    progress: &ProgressBar,
) -> Result<SweepOutcome, SweepError> {
    let fingerprint = spec.fingerprint();
    let runner = |cell: &Cell| run_cell(spec, &fingerprint, cell);
    sweep_with(spec, out, options, progress, &runner)
}

/// [`sweep`] with the function that runs a cell given, so that the pool's
/// handling of failures can be tested without a failing simulation.
///
/// # Errors
///
/// As [`sweep`].
pub fn sweep_with(
    spec: &Spec,
    out: &Path,
    options: SweepOptions,
    progress: &ProgressBar,
    runner: &(dyn Fn(&Cell) -> CellRecord + Sync),
) -> Result<SweepOutcome, SweepError> {
    let manifest = Manifest::of(spec, options.shard);
    std::fs::create_dir_all(out.join("cells")).map_err(|e| io(out, e))?;

    // A directory holding another sweep's cells is never mixed with this one.
    if out.join(MANIFEST).is_file() {
        let found = Manifest::read(out)?;
        check_same(&found, &manifest, out)?;
        if found.shard != manifest.shard {
            return Err(SweepError::Refused {
                message: format!(
                    "{} holds shard {}/{}, not {}/{}; give each shard its own --out",
                    out.display(),
                    found.shard.index,
                    found.shard.count,
                    manifest.shard.index,
                    manifest.shard.count
                ),
            });
        }
    }
    write_atomically(&out.join(MANIFEST), &to_json(&manifest))?;

    let shard: Vec<Cell> = spec.cells().filter(|c| options.shard.holds(c.index)).collect();
    let todo: Vec<Cell> = shard
        .iter()
        .filter(|c| !matches!(read_record(out, c.index), Ok(Some(r)) if r.error.is_none()))
        .cloned()
        .collect();
    let skipped = shard.len() - todo.len();
    tracing::info!(cells = shard.len(), skipped, workers = options.workers, "sweep starts");

    progress.set_length(todo.len() as u64);
    let failed = run_pool(&todo, out, options.workers.max(1), progress, runner)?;
    progress.finish_and_clear();

    let records = shard
        .iter()
        .filter_map(|c| read_record(out, c.index).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    output::write_results(out, &manifest, &records)?;
    Ok(SweepOutcome { cells: shard.len(), ran: todo.len(), skipped, failed })
}

/// Runs `cells` on `workers` threads, writing each record as it finishes;
/// returns the positions of the cells that failed.
fn run_pool(
    cells: &[Cell],
    out: &Path,
    workers: usize,
    progress: &ProgressBar,
    runner: &(dyn Fn(&Cell) -> CellRecord + Sync),
) -> Result<Vec<usize>, SweepError> {
    let (jobs, queue) = crossbeam_channel::bounded::<&Cell>(workers);
    let (done, finished) = crossbeam_channel::unbounded::<Result<CellRecord, SweepError>>();
    let mut failed = Vec::new();
    let mut first_error = None;
    std::thread::scope(|scope| {
        for _ in 0..workers.min(cells.len().max(1)) {
            let (queue, done) = (queue.clone(), done.clone());
            scope.spawn(move || {
                for cell in queue {
                    let record = runner(cell);
                    let path = record_path(out, cell.index);
                    let written = write_atomically(&path, &record.to_json()).map(|()| record);
                    if done.send(written).is_err() {
                        break;
                    }
                }
            });
        }
        drop((queue, done));

        // Feeding and collecting happen on this thread, so the queue stays
        // as short as the pool and the progress bar moves as cells finish.
        let mut pending = cells.iter();
        let mut outstanding = 0usize;
        loop {
            while outstanding < workers * 2 {
                let Some(cell) = pending.next() else { break };
                if jobs.send(cell).is_err() {
                    break;
                }
                outstanding += 1;
            }
            if outstanding == 0 {
                break;
            }
            let Ok(result) = finished.recv() else { break };
            outstanding -= 1;
            match result {
                Ok(record) => {
                    if let Some(error) = &record.error {
                        tracing::warn!(cell = record.cell, %error, "cell failed");
                        failed.push(record.cell);
                    }
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
            progress.inc(1);
            if !failed.is_empty() {
                progress.set_message(format!("{} failed", failed.len()));
            }
        }
        drop(jobs);
    });
    match first_error {
        Some(e) => Err(e),
        None => {
            failed.sort_unstable();
            Ok(failed)
        }
    }
}

/// Reads the record of cell `index`, if one is there and whole.
fn read_record(out: &Path, index: usize) -> Result<Option<CellRecord>, SweepError> {
    let path = record_path(out, index);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&path, e)),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| SweepError::Refused {
        message: format!(
            "{}: not a cell record: {e}; the sweep of this directory runs the cell again \
             when given the same spec, --out and --shard",
            path.display()
        ),
    })
}

/// Refuses a directory whose manifest is of another spec or version.
fn check_same(found: &Manifest, expected: &Manifest, dir: &Path) -> Result<(), SweepError> {
    if found.spec_fingerprint != expected.spec_fingerprint {
        return Err(SweepError::Refused {
            message: format!(
                "{} holds cells of another spec (fingerprint {}, {}), not of {} \
                 (fingerprint {}); use another output directory",
                dir.display(),
                &found.spec_fingerprint[..12.min(found.spec_fingerprint.len())],
                found.spec_file,
                expected.spec_file,
                &expected.spec_fingerprint[..12.min(expected.spec_fingerprint.len())],
            ),
        });
    }
    if found.surveil_version != expected.surveil_version {
        return Err(SweepError::Refused {
            message: format!(
                "{} holds cells run by surveil {}, not {}; results of different versions \
                 are not comparable",
                dir.display(),
                found.surveil_version,
                expected.surveil_version
            ),
        });
    }
    Ok(())
}

/// Merges the outputs of the shards of one sweep into `out`: the table,
/// the summary and the report of every cell.
///
/// # Errors
///
/// Refuses directories of different specs or versions, a shard given twice
/// and cells left out, naming the directories; fails when a file cannot be
/// read or written.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<usize, SweepError> {
    let Some(first_dir) = dirs.first() else {
        return Err(SweepError::Refused { message: "no directory to merge".to_owned() });
    };
    let first = Manifest::read(first_dir)?;
    let mut records: Vec<Option<CellRecord>> = vec![None; first.cells];
    for dir in dirs {
        let manifest = Manifest::read(dir)?;
        let mut expected = first.clone();
        expected.spec_file = format!("{} (in {})", first.spec_file, first_dir.display());
        check_same(&manifest, &expected, dir)?;
        for index in (0..manifest.cells).filter(|&i| manifest.shard.holds(i)) {
            let Some(record) = read_record(dir, index)? else { continue };
            if record.spec_fingerprint != first.spec_fingerprint
                || record.surveil_version != first.surveil_version
            {
                return Err(SweepError::Refused {
                    message: format!(
                        "{}: the record of another spec or surveil version",
                        record_path(dir, index).display()
                    ),
                });
            }
            if records[index].is_some() {
                return Err(SweepError::Refused {
                    message: format!(
                        "cell {index} is in two of the directories ({} among them); \
                         give each shard once",
                        dir.display()
                    ),
                });
            }
            records[index] = Some(record);
        }
    }
    let missing: Vec<usize> =
        records.iter().enumerate().filter(|(_, r)| r.is_none()).map(|(i, _)| i).collect();
    if let Some(&cell) = missing.first() {
        return Err(SweepError::Refused {
            message: format!(
                "{} of {} cells are in none of the directories, the first cell {cell} ({}) of \
                 shard {}/{}; run the missing shards, or run them again to finish them",
                missing.len(),
                first.cells,
                first.describe.get(cell).map_or("", String::as_str),
                cell % first.shard.count + 1,
                first.shard.count
            ),
        });
    }
    let records: Vec<CellRecord> = records.into_iter().flatten().collect();
    let manifest = Manifest { shard: Shard::WHOLE, ..first };
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    output::write_results(out, &manifest, &records)?;
    Ok(records.len())
}

fn to_json<T: Serialize>(value: &T) -> String {
    let mut text =
        serde_json::to_string_pretty(value).expect("sweep files are plain data that serialise");
    text.push('\n');
    text
}

/// Writes through a temporary file renamed into place.
fn write_atomically(path: &Path, text: &str) -> Result<(), SweepError> {
    surveil_reports::html::write_atomically(path, text.as_bytes())
        .map_err(|e| SweepError::Io { message: e.to_string() })
}
