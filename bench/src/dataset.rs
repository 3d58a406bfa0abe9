//! `surveil generate`: a labelled dataset of one simulated session, and the
//! reader that `surveil score` and tests use to read it back.
//!
//! A dataset is a directory:
//!
//! ```text
//! README.md                      the dataset card: every table and column, the labels, how it was made
//! metadata.json                  scenario, seed, version, row counts, event-stream digest
//! events.parquet | events.csv    the public event stream, one row per event
//! truth/*.parquet | truth/*.csv  the ground truth: episodes, members, order labels, decoys, accounts, keys
//! lobster/SYMBOL_message_N.csv   per instrument, LOBSTER messages
//! lobster/SYMBOL_orderbook_N.csv and the order book after each, N levels deep
//! ```
//!
//! Writing is streamed: the simulation hands batches of events to a writer
//! thread, which digests them and writes the event table and the LOBSTER
//! files as they come, so memory stays flat however long the session. It is
//! also atomic: everything is written into a hidden sibling directory,
//! named `.OUT.partial-` and a random suffix, which is renamed into place
//! only once complete. A run that fails, or is stopped through
//! [`GenerateRequest::stop`], removes that directory; one killed outright
//! leaves it, and the next run to the same `out` removes it once it can
//! take the lock the writer held on it, which the system releases when the
//! writer's process ends. Nothing that looks like a dataset is ever left
//! half-written, `force` replaces only a dataset, and a run never replaces
//! without `force` a dataset that another run put in place while it was
//! writing. The same scenario and seed give the same files, byte for byte,
//! and the same digest `surveil run` reports, because the dataset is made
//! from the run `surveil run` would score, its API-share calibration
//! included.

pub mod card;
pub mod events;
pub mod format;
pub mod lobster;
pub mod table;
pub mod truth;

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::bounded;
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use surveil_scenarios::{Loaded, ScenarioError};
use surveil_sim::{Config, Event, EventBody, EventDigest, GroundTruth, Simulation};

use crate::calibrate::{self, Next};
use crate::stats::StreamStats;
use format::{TableError, TableFormat, TableWriter};
use lobster::{LobsterFiles, LobsterWriter};
use table::Columns;

/// The version of the dataset layout this code writes and reads.
pub const LAYOUT_VERSION: u32 = 1;

/// Rows gathered before a batch goes to the event table's writer.
const WRITE_BATCH: usize = 1 << 16;

/// Events pulled from the simulation at a time.
const SIM_BATCH: usize = 4096;

/// The file inside a partial dataset directory that its writer holds
/// locked for as long as it runs, so that a later run can tell an abandoned
/// directory from one still being written.
const WRITER_LOCK: &str = ".writer.lock";

/// What a dataset holds its tables as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetFormat {
    /// Events and ground truth in Parquet, beside the LOBSTER files.
    Parquet,
    /// Events and ground truth in CSV, beside the LOBSTER files.
    Csv,
    /// The LOBSTER files only, with the ground truth in CSV; no event
    /// table, so no access records.
    Lobster,
}

impl DatasetFormat {
    /// Returns the format's name, as the command line and `metadata.json`
    /// spell it.
    pub fn name(self) -> &'static str {
        match self {
            DatasetFormat::Parquet => "parquet",
            DatasetFormat::Csv => "csv",
            DatasetFormat::Lobster => "lobster",
        }
    }

    fn parse(name: &str) -> Option<DatasetFormat> {
        [DatasetFormat::Parquet, DatasetFormat::Csv, DatasetFormat::Lobster]
            .into_iter()
            .find(|f| f.name() == name)
    }

    /// Returns the format of the event table, if there is one.
    fn events(self) -> Option<TableFormat> {
        match self {
            DatasetFormat::Parquet => Some(TableFormat::Parquet),
            DatasetFormat::Csv => Some(TableFormat::Csv),
            DatasetFormat::Lobster => None,
        }
    }

    /// Returns the format of the ground-truth tables.
    fn truth(self) -> TableFormat {
        match self {
            DatasetFormat::Parquet => TableFormat::Parquet,
            DatasetFormat::Csv | DatasetFormat::Lobster => TableFormat::Csv,
        }
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenerateRequest {
    /// The seed; the scenario's own when `None`.
    pub seed: Option<u64>,
    /// The directory to write.
    pub out: PathBuf,
    /// The table format.
    pub format: DatasetFormat,
    /// Levels per side in the LOBSTER order book files; at least one.
    pub depth: usize,
    /// Whether to replace an existing dataset at `out`.
    pub force: bool,
    /// Set from another thread (a signal handler, say) to stop the run:
    /// [`generate`] then removes what it wrote and returns
    /// [`DatasetError::Interrupted`].
    pub stop: Arc<AtomicBool>,
}

/// Why a dataset could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The output directory holds files and `--force` was not given.
    #[error("{}: the output directory is not empty; give --force to replace it", .0.display())]
    OutNotEmpty(PathBuf),
    /// The output path names something that is not a directory.
    #[error("{}: exists and is not a directory", .0.display())]
    OutNotDirectory(PathBuf),
    /// `--force` was given for a non-empty directory that is not a dataset.
    #[error(
        "{}: is not a dataset written by `surveil generate` (it has no metadata.json naming a \
         layout_version), and --force replaces only such a dataset; move its files away or \
         choose another --out",
        .0.display()
    )]
    OutNotDataset(PathBuf),
    /// Another run put something at the output path while this one was
    /// writing, and `--force` was not given.
    #[error(
        "{}: appeared while this run was writing (another run finished first?) and was left \
         as it is; this run's dataset was removed; give --force to replace it",
        .0.display()
    )]
    OutTaken(PathBuf),
    /// The run was stopped through [`GenerateRequest::stop`].
    #[error("interrupted; the partial dataset was removed")]
    Interrupted,
    /// A file or directory could not be created, written or read.
    #[error("{}: {message}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// What the system said.
        message: String,
    },
    /// A table file could not be written or read.
    #[error(transparent)]
    Table(#[from] TableError),
    /// A row of the event table is not an event.
    #[error("{}: row {row}: {problem}", path.display())]
    Event {
        /// The file.
        path: PathBuf,
        /// The 1-based data row.
        row: u64,
        /// What was wrong.
        problem: String,
    },
    /// The ground-truth tables do not fit together.
    #[error("{}: {cause}", dir.display())]
    Truth {
        /// The truth directory.
        dir: PathBuf,
        /// What was wrong, in the message itself rather than as its
        /// source, so that it is printed once.
        cause: truth::TruthError,
    },
    /// `metadata.json` is missing, malformed or inconsistent.
    #[error("{}: {message}", path.display())]
    Metadata {
        /// The file.
        path: PathBuf,
        /// What was wrong, and what was expected.
        message: String,
    },
    /// The scenario stored in `metadata.json` is not valid here.
    #[error("the scenario stored in the dataset: {0}")]
    Scenario(#[from] ScenarioError),
    /// The event table does not digest to the digest in `metadata.json`.
    #[error(
        "{}: the events digest to {found}, but metadata.json records {expected}; the file was changed or is incomplete",
        path.display()
    )]
    Digest {
        /// The event table.
        path: PathBuf,
        /// The digest in `metadata.json`.
        expected: String,
        /// The digest of the events read.
        found: String,
    },
}

impl DatasetError {
    /// Tells whether the error is the user's input (a path, an existing
    /// directory, a malformed dataset) rather than a failure of the run.
    pub fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            DatasetError::Io { .. } | DatasetError::OutTaken(_) | DatasetError::Interrupted
        )
    }
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> DatasetError {
    DatasetError::Io { path: path.to_owned(), message: e.to_string() }
}

/// The scenario a dataset was made from, as given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioRecord {
    /// Its name.
    pub name: String,
    /// Its TOML source, exactly as given.
    pub source: String,
}

/// How the run met the scenario's target API share.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationRecord {
    /// Simulations made to meet it; the dataset is the last.
    pub runs: u32,
    /// Whether the dataset's run met it.
    pub met: bool,
    /// The retail size multiplier of the dataset's run.
    pub retail_size_multiplier: f64,
}

/// One instrument of the market.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstrumentRecord {
    /// Its index, as the events' `instrument` column holds it.
    pub id: u16,
    /// Its ticker.
    pub symbol: String,
    /// Prices are multiples of this many price units.
    pub tick_size: i64,
    /// Quantities are multiples of this many lots.
    pub lot_size: i64,
    /// KRW per price unit.
    pub krw_per_tick: f64,
    /// Tokens per lot.
    pub tokens_per_lot: f64,
}

/// One table file and its rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRecord {
    /// The table.
    pub name: String,
    /// Its file, relative to the dataset.
    pub file: String,
    /// Its data rows.
    pub rows: u64,
}

/// One instrument's LOBSTER files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LobsterRecord {
    /// The instrument's index.
    pub instrument: u16,
    /// Its ticker.
    pub symbol: String,
    /// The message file, relative to the dataset.
    pub messages: String,
    /// The order book file, relative to the dataset.
    pub orderbook: String,
    /// Rows in each.
    pub rows: u64,
}

/// `metadata.json`: what a dataset is and how it was made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// The dataset layout's version, [`LAYOUT_VERSION`].
    pub layout_version: u32,
    /// The surveil version that wrote it.
    pub surveil_version: String,
    /// The scenario, as given.
    pub scenario: ScenarioRecord,
    /// The seed.
    pub seed: u64,
    /// How the API share target was met.
    pub calibration: CalibrationRecord,
    /// `parquet`, `csv` or `lobster`.
    pub format: String,
    /// The session's length in nanoseconds.
    pub duration_ns: u64,
    /// The instruments, by index.
    pub instruments: Vec<InstrumentRecord>,
    /// Events in the public stream.
    pub events: u64,
    /// Trades among them.
    pub trades: u64,
    /// Share of traded value from API orders, both sides counted.
    pub algo_share: f64,
    /// The BLAKE3 digest of the event stream, in hex, as `surveil run`
    /// reports it.
    pub digest: String,
    /// Every table file with its rows: the events (unless the format is
    /// `lobster`), then the ground truth.
    pub tables: Vec<TableRecord>,
    /// Levels per side in the order book files.
    pub lobster_depth: usize,
    /// The LOBSTER files, by instrument.
    pub lobster: Vec<LobsterRecord>,
}

/// What `generate` did.
#[derive(Clone, Debug)]
pub struct Generated {
    /// Where the dataset is.
    pub dir: PathBuf,
    /// Its metadata.
    pub metadata: Metadata,
    /// Wall-clock time spent writing the event table.
    pub events_write: Duration,
    /// Wall-clock time of the whole command.
    pub wall: Duration,
}

/// Writes the dataset of a scenario.
///
/// # Errors
///
/// Refuses an output path that is a file, a non-empty directory without
/// `force`, or one that is not a dataset even with `force`; fails when a
/// file cannot be written, when another run put a dataset at `out` in the
/// meantime and `force` was not given, and when stopped. Nothing is left
/// at `out` unless the whole dataset was written.
#[allow(clippy::disallowed_methods, reason = "the command reports its own wall time")]
pub fn generate(
    loaded: &Loaded,
    request: &GenerateRequest,
    progress: &ProgressBar,
) -> Result<Generated, DatasetError> {
    let started = Instant::now();
    let out = &request.out;
    check_out(out, request.force)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| io_error(&parent, e))?;
    let stem = out.file_name().map_or("dataset".into(), |n| n.to_string_lossy().into_owned());
    let prefix = format!(".{stem}.partial-");
    remove_abandoned(&parent, &prefix);
    let partial = Partial::create(&parent, &prefix)?;
    let temp = &partial.dir;

    // The session is simulated again with rescaled retail sizes while its
    // API share is off target, exactly as `surveil run` does, so that the
    // dataset is the run `surveil run` scores.
    let seed = request.seed.unwrap_or(loaded.config.seed);
    let mut config = loaded.with_seed(seed);
    crate::run::warn_inert_interventions(&config);
    let target = loaded.api_share;
    let mut search = calibrate::Search::new(target);
    tracing::info!(scenario = %loaded.scenario.name, seed, out = %out.display(), "generate starts");
    let (written, met) = loop {
        let written = write_stream(&config, temp.path(), request, progress)?;
        let share = written.stats.algo_share();
        match search.record(config.retail.size_multiplier, share) {
            Next::Met => break (written, true),
            Next::Again(multiplier) => {
                config.retail.size_multiplier = multiplier;
                tracing::info!(
                    retail_size_multiplier = multiplier,
                    "API share off target; simulating again with rescaled retail sizes"
                );
                progress.reset();
            }
            Next::GiveUp { multiplier, .. } => {
                // No run met the target: the closest is written once more,
                // so the dataset is the run `surveil run` reports in that
                // case.
                config.retail.size_multiplier = multiplier;
                progress.reset();
                break (write_stream(&config, temp.path(), request, progress)?, false);
            }
        }
    };

    let truth_format = request.format.truth();
    let mut tables = Vec::new();
    if let Some(f) = request.format.events() {
        tables.push(TableRecord {
            name: events::EVENTS.name.to_owned(),
            file: format!("{}.{}", events::EVENTS.name, f.extension()),
            rows: written.stats.events,
        });
    }
    let truth_dir = temp.path().join("truth");
    std::fs::create_dir_all(&truth_dir).map_err(|e| io_error(&truth_dir, e))?;
    for (schema, columns) in truth::TABLES.iter().zip(truth::encode(&written.truth)) {
        let rows = columns.rows() as u64;
        let mut writer = TableWriter::create(&truth_dir, *schema, truth_format)?;
        writer.write(columns)?;
        writer.finish()?;
        tables.push(TableRecord {
            name: schema.name.to_owned(),
            file: format!("truth/{}.{}", schema.name, truth_format.extension()),
            rows,
        });
    }

    let metadata = Metadata {
        layout_version: LAYOUT_VERSION,
        surveil_version: env!("CARGO_PKG_VERSION").to_owned(),
        scenario: ScenarioRecord {
            name: loaded.scenario.name.clone(),
            source: loaded.source.clone(),
        },
        seed,
        calibration: CalibrationRecord {
            runs: search.tries() as u32,
            met,
            retail_size_multiplier: config.retail.size_multiplier,
        },
        format: request.format.name().to_owned(),
        duration_ns: config.duration.0,
        instruments: config
            .instruments
            .iter()
            .enumerate()
            .map(|(i, c)| InstrumentRecord {
                id: i as u16,
                symbol: c.spec.symbol.clone(),
                tick_size: c.spec.tick_size,
                lot_size: c.spec.lot_size,
                krw_per_tick: c.spec.krw_per_tick,
                tokens_per_lot: c.spec.tokens_per_lot,
            })
            .collect(),
        events: written.stats.events,
        trades: written.stats.trades,
        algo_share: written.stats.algo_share(),
        digest: written.digest,
        tables,
        lobster_depth: request.depth,
        lobster: written
            .lobster
            .into_iter()
            .enumerate()
            .map(|(i, f)| LobsterRecord {
                instrument: i as u16,
                symbol: config.instruments[i].spec.symbol.clone(),
                messages: f.messages,
                orderbook: f.orderbook,
                rows: f.rows,
            })
            .collect(),
    };
    let json = serde_json::to_string_pretty(&metadata).map_err(|e| io_error(out, e))? + "\n";
    write_file(&temp.path().join("metadata.json"), json.as_bytes())?;
    let readme = card::render(&metadata);
    write_file(&temp.path().join("README.md"), readme.as_bytes())?;

    if stopped(request) {
        return Err(DatasetError::Interrupted);
    }
    put_in_place(partial, out, request.force)?;
    tracing::info!(events = metadata.events, digest = %metadata.digest, "generate ends");
    Ok(Generated {
        dir: out.clone(),
        metadata,
        events_write: written.events_write,
        wall: started.elapsed(),
    })
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), DatasetError> {
    std::fs::write(path, bytes).map_err(|e| io_error(path, e))
}

/// Refuses an output path that is a file, a non-empty directory without
/// `force`, or a non-empty directory that is not a dataset.
fn check_out(out: &Path, force: bool) -> Result<(), DatasetError> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(DatasetError::OutNotDirectory(out.to_owned()));
    }
    let mut entries = std::fs::read_dir(out).map_err(|e| io_error(out, e))?;
    if entries.next().is_none() {
        return Ok(());
    }
    if !force {
        return Err(DatasetError::OutNotEmpty(out.to_owned()));
    }
    if !is_dataset(out) {
        return Err(DatasetError::OutNotDataset(out.to_owned()));
    }
    Ok(())
}

/// Tells whether `dir` holds a dataset of any layout version: a
/// `metadata.json` that names its `layout_version` and `surveil_version`.
fn is_dataset(dir: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("metadata.json")) else {
        return false;
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    value.get("layout_version").is_some_and(serde_json::Value::is_u64)
        && value.get("surveil_version").is_some_and(serde_json::Value::is_string)
}

/// A dataset being written: a hidden directory beside `out`, removed when
/// dropped unless put in place, and the lock its writer holds on it.
struct Partial {
    /// The open, locked [`WRITER_LOCK`] file; the system releases the lock
    /// when the process ends, however it ends.
    lock: File,
    dir: tempfile::TempDir,
}

impl Partial {
    /// Creates a directory named `prefix` and a random suffix in `parent`,
    /// with its writer lock taken.
    fn create(parent: &Path, prefix: &str) -> Result<Partial, DatasetError> {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(parent)
            .map_err(|e| io_error(parent, e))?;

        // The lock is taken under another name and only then renamed to
        // the name others look for, so that no other run can find the
        // lock file before it is held.
        let taking = dir.path().join(format!("{WRITER_LOCK}.new"));
        let lock = File::create(&taking).map_err(|e| io_error(&taking, e))?;
        lock.lock().map_err(|e| io_error(&taking, e))?;
        let path = dir.path().join(WRITER_LOCK);
        std::fs::rename(&taking, &path).map_err(|e| io_error(&path, e))?;
        Ok(Partial { lock, dir })
    }
}

/// Removes the partial dataset directories in `parent` whose names start
/// with `prefix` and whose writer is gone: those whose writer lock this
/// process can take. One still being written, by a concurrent run to the
/// same `out`, holds its lock and is left alone, and so is a directory
/// without a lock file, whose owner cannot be told. Failing to remove one
/// only leaves it, since the new dataset does not need it gone.
fn remove_abandoned(parent: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let named = entry.file_name().to_str().is_some_and(|n| n.starts_with(prefix));
        if !named || !path.is_dir() {
            continue;
        }
        let Ok(lock) = File::open(path.join(WRITER_LOCK)) else {
            tracing::debug!(dir = %path.display(), "left alone: it has no writer lock");
            continue;
        };
        match lock.try_lock() {
            Ok(()) => match std::fs::remove_dir_all(&path) {
                Ok(()) => {
                    tracing::info!(dir = %path.display(), "removed an abandoned partial dataset")
                }
                Err(e) => {
                    tracing::warn!(dir = %path.display(), "cannot remove an abandoned partial dataset: {e}")
                }
            },
            Err(TryLockError::WouldBlock) => {
                tracing::info!(dir = %path.display(), "left alone: another run is writing it");
            }
            Err(TryLockError::Error(e)) => {
                tracing::debug!(dir = %path.display(), "left alone: cannot test its lock: {e}");
            }
        }
    }
}

/// Renames the finished dataset onto `out`. Without `force` it refuses an
/// `out` that another run filled in the meantime; with it, it moves the
/// dataset there aside first and removes it only once the new one is in
/// place. The partial directory is removed whenever this fails.
fn put_in_place(partial: Partial, out: &Path, force: bool) -> Result<(), DatasetError> {
    // The lock file goes before the rename, so that the dataset does not
    // hold it; the lock itself is held until `partial` is dropped.
    let lock_path = partial.dir.path().join(WRITER_LOCK);
    std::fs::remove_file(&lock_path).map_err(|e| io_error(&lock_path, e))?;

    let finished = partial.dir.path();
    let aside = make_room(out, force, finished)?;
    if let Err(e) = std::fs::rename(finished, out) {
        if let Some(aside) = &aside
            && std::fs::rename(aside, out).is_err()
        {
            // Another forced run put its dataset there first; the one
            // moved aside was to be replaced either way.
            let _ = std::fs::remove_dir_all(aside);
        }
        if !force && out.exists() {
            return Err(DatasetError::OutTaken(out.to_owned()));
        }
        return Err(io_error(out, e));
    }
    let _ = partial.dir.keep();
    drop(partial.lock);
    if let Some(aside) = aside {
        std::fs::remove_dir_all(&aside).map_err(|e| io_error(&aside, e))?;
    }
    Ok(())
}

/// Clears the way for the rename of `finished` onto `out`, and returns
/// where an old dataset was moved to. Without `force`, only an empty
/// directory is removed; one that is no longer empty was filled by
/// another run since the start. With `force`, a dataset is moved aside,
/// under the partial directory's name with `.old` added.
fn make_room(out: &Path, force: bool, finished: &Path) -> Result<Option<PathBuf>, DatasetError> {
    if !out.exists() {
        return Ok(None);
    }
    if !force {
        return match std::fs::remove_dir(out) {
            Ok(()) => Ok(None),
            Err(_) if out.exists() => Err(DatasetError::OutTaken(out.to_owned())),
            Err(e) => Err(io_error(out, e)),
        };
    }
    check_out(out, force)?;
    let mut aside = finished.as_os_str().to_owned();
    aside.push(".old");
    let aside = PathBuf::from(aside);
    std::fs::rename(out, &aside).map_err(|e| io_error(out, e))?;
    Ok(Some(aside))
}

/// What one simulation wrote.
struct Written {
    stats: StreamStats,
    digest: String,
    truth: GroundTruth,
    lobster: Vec<LobsterFiles>,
    events_write: Duration,
}

/// The event table of a dataset, written in batches as the stream goes by.
pub struct EventTable {
    writer: TableWriter,
    pending: Columns,
}

impl EventTable {
    /// Creates `events.parquet` or `events.csv` in `dir`.
    ///
    /// # Errors
    ///
    /// Returns an error when the file cannot be created.
    pub fn create(dir: &Path, format: TableFormat) -> Result<EventTable, TableError> {
        Ok(EventTable {
            writer: TableWriter::create(dir, events::EVENTS, format)?,
            pending: events::EVENTS.empty(),
        })
    }

    /// Appends events, in stream order.
    ///
    /// # Errors
    ///
    /// Returns an error when the file cannot be written.
    pub fn push(&mut self, batch: &[Event]) -> Result<(), TableError> {
        events::encode(batch, &mut self.pending);
        if self.pending.rows() >= WRITE_BATCH {
            self.writer.write(std::mem::replace(&mut self.pending, events::EVENTS.empty()))?;
        }
        Ok(())
    }

    /// Writes what is left and closes the file.
    ///
    /// # Errors
    ///
    /// Returns an error when the file cannot be written.
    pub fn finish(mut self) -> Result<(), TableError> {
        if self.pending.rows() > 0 {
            self.writer.write(std::mem::replace(&mut self.pending, events::EVENTS.empty()))?;
        }
        self.writer.finish()
    }
}

/// The writer thread's state: everything that follows the stream.
struct StreamSink {
    events: Option<EventTable>,
    lobster: Vec<LobsterWriter>,
    digest: EventDigest,
    stats: StreamStats,
    events_write: Duration,
}

impl StreamSink {
    #[allow(clippy::disallowed_methods, reason = "the writer's speed is reported")]
    fn write(&mut self, batch: &[Event]) -> Result<(), DatasetError> {
        self.digest.update(batch);
        self.stats.update(batch);
        for event in batch {
            let instrument = event.body.instrument().map(|i| usize::from(i.0));
            if let Some(writer) = instrument.and_then(|i| self.lobster.get_mut(i)) {
                writer.apply(event).map_err(|(path, e)| io_error(&path, e))?;
            } else if matches!(event.body, EventBody::Control(_)) {
                // A halt stops every book, so every instrument's file says so.
                for writer in &mut self.lobster {
                    writer.apply(event).map_err(|(path, e)| io_error(&path, e))?;
                }
            }
        }
        if let Some(table) = &mut self.events {
            let t = Instant::now();
            table.push(batch)?;
            self.events_write += t.elapsed();
        }
        Ok(())
    }

    #[allow(clippy::disallowed_methods, reason = "the writer's speed is reported")]
    fn finish(
        mut self,
        dir: &Path,
    ) -> Result<(String, StreamStats, Vec<LobsterFiles>, Duration), DatasetError> {
        if let Some(table) = self.events.take() {
            let t = Instant::now();
            table.finish()?;
            self.events_write += t.elapsed();
        }
        let mut files = Vec::new();
        for writer in self.lobster {
            files.push(writer.finish(dir).map_err(|(path, e)| io_error(&path, e))?);
        }
        Ok((self.digest.hex(), self.stats, files, self.events_write))
    }
}

/// Simulates one session into `dir`: the event table and the LOBSTER
/// files, replacing any from an earlier run.
fn write_stream(
    config: &Config,
    dir: &Path,
    request: &GenerateRequest,
    progress: &ProgressBar,
) -> Result<Written, DatasetError> {
    let lobster_dir = dir.join("lobster");
    if lobster_dir.exists() {
        std::fs::remove_dir_all(&lobster_dir).map_err(|e| io_error(&lobster_dir, e))?;
    }
    std::fs::create_dir_all(&lobster_dir).map_err(|e| io_error(&lobster_dir, e))?;

    let mut sim = Simulation::new(config);
    let specs = sim.instruments().to_vec();
    let events = request.format.events().map(|f| EventTable::create(dir, f)).transpose()?;
    let lobster = specs
        .iter()
        .map(|s| LobsterWriter::create(&lobster_dir, &s.symbol, request.depth))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|(path, e)| io_error(&path, e))?;
    let sink = StreamSink {
        events,
        lobster,
        digest: EventDigest::new(),
        stats: StreamStats::new(&specs),
        events_write: Duration::ZERO,
    };
    progress.set_length(sim.duration().0);

    let finished = std::thread::scope(|scope| {
        let (tx, rx) = bounded::<Vec<Event>>(8);
        let writer = scope.spawn(move || {
            let mut sink = sink;
            for batch in rx {
                sink.write(&batch)?;
            }
            // A stopped run's files are removed, so they are not finished.
            if stopped(request) {
                return Err(DatasetError::Interrupted);
            }
            sink.finish(dir)
        });
        let mut batch = Vec::with_capacity(SIM_BATCH);
        while !stopped(request) && sim.next_batch(&mut batch, SIM_BATCH) {
            progress.set_position(sim.now().0);
            let full = std::mem::replace(&mut batch, Vec::with_capacity(SIM_BATCH));
            // The writer stops early only on an error, which its join
            // below returns.
            if tx.send(full).is_err() {
                break;
            }
        }
        drop(tx);
        writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    progress.set_position(sim.duration().0);
    let (digest, stats, lobster, events_write) = finished;
    Ok(Written { stats, digest, truth: sim.finish(), lobster, events_write })
}

/// Tells whether the run was asked to stop.
fn stopped(request: &GenerateRequest) -> bool {
    request.stop.load(Ordering::Relaxed)
}

/// A dataset on disk, opened for reading.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Its directory.
    pub dir: PathBuf,
    /// Its metadata.
    pub metadata: Metadata,
    format: DatasetFormat,
}

impl Dataset {
    /// Opens a dataset by reading its `metadata.json`.
    ///
    /// # Errors
    ///
    /// Refuses a directory without a readable, well-formed `metadata.json`
    /// of this layout version.
    pub fn open(dir: &Path) -> Result<Dataset, DatasetError> {
        let path = dir.join("metadata.json");
        let bad = |message: String| DatasetError::Metadata { path: path.clone(), message };
        let text = std::fs::read_to_string(&path).map_err(|e| {
            bad(format!("cannot read it ({e}); expected a dataset written by `surveil generate`"))
        })?;
        let metadata: Metadata =
            serde_json::from_str(&text).map_err(|e| bad(format!("malformed: {e}")))?;
        if metadata.layout_version != LAYOUT_VERSION {
            return Err(bad(format!(
                "layout_version is {}; this surveil reads version {LAYOUT_VERSION}",
                metadata.layout_version
            )));
        }
        let format = DatasetFormat::parse(&metadata.format).ok_or_else(|| {
            bad(format!("format is `{}`; expected parquet, csv or lobster", metadata.format))
        })?;
        Ok(Dataset { dir: dir.to_owned(), metadata, format })
    }

    /// Returns the scenario the dataset was made from, with the seed and
    /// retail size multiplier of its run.
    ///
    /// # Errors
    ///
    /// Returns the scenario's error if the stored source is invalid.
    pub fn loaded(&self) -> Result<Loaded, DatasetError> {
        let file = format!("{} (scenario)", self.dir.join("metadata.json").display());
        let mut loaded = surveil_scenarios::parse(&self.metadata.scenario.source, &file)?;
        loaded.config.seed = self.metadata.seed;
        loaded.config.retail.size_multiplier = self.metadata.calibration.retail_size_multiplier;
        Ok(loaded)
    }

    fn table_path(&self, name: &str) -> Result<PathBuf, DatasetError> {
        let record = self.metadata.tables.iter().find(|t| t.name == name).ok_or_else(|| {
            DatasetError::Metadata {
                path: self.dir.join("metadata.json"),
                message: match self.format {
                    DatasetFormat::Lobster if name == events::EVENTS.name => {
                        "the dataset was written with --format lobster and has no event table; \
                         write it with --format parquet or csv"
                            .to_owned()
                    }
                    _ => format!("`tables` lists no table `{name}`"),
                },
            }
        })?;
        Ok(self.dir.join(&record.file))
    }

    /// Reads the public events in stream order, in batches, handing each
    /// to `each`; checks that `seq` runs from 0 without gaps, that times
    /// never decrease, and at the end that the stream digests to the
    /// digest in `metadata.json`.
    ///
    /// # Errors
    ///
    /// Returns an error naming the file, the row and the column when a row
    /// is malformed, and the first error of `each`.
    pub fn read_events(
        &self,
        each: &mut dyn FnMut(&[Event]) -> Result<(), DatasetError>,
    ) -> Result<(), DatasetError> {
        let path = self.table_path(events::EVENTS.name)?;
        let format = self.format.events().unwrap_or(TableFormat::Csv);
        let mut digest = EventDigest::new();
        let mut next_seq = 0u64;
        let mut last_time = 0u64;
        let mut decoded = Vec::with_capacity(SIM_BATCH);
        format::read_table(
            &path,
            &events::EVENTS,
            format,
            SIM_BATCH,
            &mut |columns, first_row| {
                decoded.clear();
                for i in 0..columns.rows() {
                    let row = first_row + i as u64 + 1;
                    let bad =
                        |problem: String| DatasetError::Event { path: path.clone(), row, problem };
                    let event = events::decode(&columns, i).map_err(|e| bad(e.to_string()))?;
                    if event.seq != next_seq {
                        return Err(bad(format!(
                            "column `seq`: expected {next_seq}, found {}",
                            event.seq
                        )));
                    }
                    if event.time.0 < last_time {
                        return Err(bad(format!(
                            "column `time_ns`: {} is before the previous row's {last_time}",
                            event.time.0
                        )));
                    }
                    next_seq += 1;
                    last_time = event.time.0;
                    decoded.push(event);
                }
                digest.update(&decoded);
                each(&decoded)
            },
        )?;
        let found = digest.hex();
        if found != self.metadata.digest {
            return Err(DatasetError::Digest {
                path,
                expected: self.metadata.digest.clone(),
                found,
            });
        }
        Ok(())
    }

    /// Reads every public event into memory; for tests and small datasets.
    ///
    /// # Errors
    ///
    /// As [`Dataset::read_events`].
    pub fn events(&self) -> Result<Vec<Event>, DatasetError> {
        let mut all = Vec::new();
        self.read_events(&mut |batch| {
            all.extend_from_slice(batch);
            Ok(())
        })?;
        Ok(all)
    }

    /// Reads the ground truth.
    ///
    /// # Errors
    ///
    /// Returns an error naming the file, the row and the column when a
    /// table is malformed, and the table and row when tables disagree.
    pub fn truth(&self) -> Result<GroundTruth, DatasetError> {
        let format = self.format.truth();
        let mut tables = Vec::new();
        for schema in &truth::TABLES {
            let path = self.table_path(schema.name)?;
            tables.push(format::read_all(&path, schema, format)?);
        }
        truth::decode(&tables)
            .map_err(|cause| DatasetError::Truth { dir: self.dir.join("truth"), cause })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finished partial directory, and the `out` beside it that another
    /// run filled in the meantime with a dataset of its own.
    fn race(dir: &Path) -> (Partial, PathBuf) {
        let partial = Partial::create(dir, ".d.partial-").unwrap();
        std::fs::write(partial.dir.path().join("metadata.json"), "ours").unwrap();
        let out = dir.join("d");
        std::fs::create_dir(&out).unwrap();
        let theirs = r#"{"layout_version": 1, "surveil_version": "0.1.0"}"#;
        std::fs::write(out.join("metadata.json"), theirs).unwrap();
        (partial, out)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_dataset_another_run_put_in_place_meanwhile_is_not_replaced_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let (partial, out) = race(dir.path());

        let err = put_in_place(partial, &out, false).unwrap_err();
        assert!(matches!(err, DatasetError::OutTaken(_)), "{err}");
        let message = err.to_string();
        assert!(
            message.contains(out.to_str().unwrap()) && message.contains("--force"),
            "{message}"
        );
        let kept = std::fs::read_to_string(out.join("metadata.json")).unwrap();
        assert!(kept.contains("layout_version"), "the other run's dataset is kept");
        assert_eq!(names(dir.path()), ["d"], "this run's partial directory is removed");
    }

    #[test]
    fn with_force_a_dataset_another_run_put_in_place_meanwhile_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (partial, out) = race(dir.path());

        put_in_place(partial, &out, true).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("metadata.json")).unwrap(), "ours");
        assert_eq!(names(&out), ["metadata.json"], "no lock file in the dataset");
        assert_eq!(names(dir.path()), ["d"], "nothing is left beside it");
    }

    #[test]
    fn a_directory_that_is_not_a_dataset_is_not_replaced_even_with_force() {
        let dir = tempfile::tempdir().unwrap();
        let (partial, out) = race(dir.path());
        std::fs::write(out.join("metadata.json"), "{}").unwrap();

        let err = put_in_place(partial, &out, true).unwrap_err();
        assert!(matches!(err, DatasetError::OutNotDataset(_)), "{err}");
        assert_eq!(std::fs::read_to_string(out.join("metadata.json")).unwrap(), "{}");
        assert_eq!(names(dir.path()), ["d"]);
    }
}
