//! One cell of a sweep: its run, and the record of it on disk.
//!
//! A cell runs its scenario with the detectors on the calling thread, so a
//! pool of workers uses one core per cell, and keeps of the results
//! document only what is a function of the scenario and the seed: the
//! scores and counts, never a wall-clock figure. Its record is therefore
//! the same bytes whether the cell ran alone, in a shard, beside other
//! cells or after an interruption. Each record names the spec's
//! fingerprint and the surveil version, so that records of different
//! sweeps are never mixed.

use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};

use super::spec::{Cell, Spec};
use crate::pipeline::PipelineOptions;
use crate::run::{RunRequest, assemble, execute};

/// The version of surveil written into every record.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What a cell produced, or why it failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellRecord {
    /// The surveil version that ran it.
    pub surveil_version: String,
    /// The fingerprint of the spec it belongs to.
    pub spec_fingerprint: String,
    /// Its position in the grid.
    pub cell: usize,
    /// The scenario as the spec names it.
    pub scenario: String,
    /// The value of each axis, in the spec's order of axes.
    pub values: Vec<String>,
    /// The seed.
    pub seed: u64,
    /// Why it failed; `None` when it ran.
    pub error: Option<String>,
    /// Events in the public stream.
    pub events: u64,
    /// Trades.
    pub trades: u64,
    /// The API share of traded value.
    pub algo_share: f64,
    /// The digest of the public stream.
    pub digest: String,
    /// One row per detector and kind scored.
    pub rows: Vec<ScoreRow>,
}

/// How one detector scored on one kind in one cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    /// The detector.
    pub detector: String,
    /// The abuse kind.
    pub kind: String,
    /// Episodes of the kind.
    pub episodes: u64,
    /// Episodes caught.
    pub detected: u64,
    /// Alerts of the kind.
    pub alerts: u64,
    /// Precision; `None` when undefined.
    pub precision: Option<f64>,
    /// Recall; `None` when undefined.
    pub recall: Option<f64>,
    /// F1; `None` when undefined.
    pub f1: Option<f64>,
    /// Median detection delay in simulated milliseconds.
    pub delay_p50_ms: Option<f64>,
    /// 90th percentile of the detection delay.
    pub delay_p90_ms: Option<f64>,
    /// Honest accounts flagged per 1,000.
    pub false_flags_per_1k_honest: f64,
    /// Average precision over thresholds.
    pub average_precision: Option<f64>,
}

impl CellRecord {
    /// A record of `cell` with no results yet.
    pub fn of(spec: &Spec, fingerprint: &str, cell: &Cell) -> CellRecord {
        CellRecord {
            surveil_version: VERSION.to_owned(),
            spec_fingerprint: fingerprint.to_owned(),
            cell: cell.index,
            scenario: cell.scenario.clone(),
            values: spec.axes.iter().zip(&cell.choice).map(|(a, &i)| a.values[i].clone()).collect(),
            seed: cell.seed,
            error: None,
            events: 0,
            trades: 0,
            algo_share: 0.0,
            digest: String::new(),
            rows: Vec::new(),
        }
    }

    /// Returns the record as JSON ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .expect("a cell record is plain data that always serialises");
        text.push('\n');
        text
    }
}

/// Returns the file of cell `index` in a sweep's output directory.
pub fn record_path(out: &Path, index: usize) -> PathBuf {
    out.join("cells").join(format!("cell-{index:06}.json"))
}

/// Runs one cell and returns its record; a failure is recorded in it, not
/// returned. A panic inside the run is caught and recorded too, so one bad
/// cell never stops a sweep.
pub fn run_cell(spec: &Spec, fingerprint: &str, cell: &Cell) -> CellRecord {
    let mut record = CellRecord::of(spec, fingerprint, cell);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_scored(spec, cell)));
    match outcome {
        Ok(Ok(scored)) => CellRecord { error: None, ..scored.into_record(record) },
        Ok(Err(message)) => {
            record.error = Some(message);
            record
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the run panicked".to_owned());
            record.error = Some(format!("the run panicked: {message}"));
            record
        }
    }
}

/// A cell's results before they are put in its record.
struct Scored {
    events: u64,
    trades: u64,
    algo_share: f64,
    digest: String,
    rows: Vec<ScoreRow>,
}

impl Scored {
    fn into_record(self, record: CellRecord) -> CellRecord {
        CellRecord {
            events: self.events,
            trades: self.trades,
            algo_share: self.algo_share,
            digest: self.digest,
            rows: self.rows,
            ..record
        }
    }
}

fn run_scored(spec: &Spec, cell: &Cell) -> Result<Scored, String> {
    let prepared = spec.prepare(cell).map_err(|e| e.to_string())?;
    let request = RunRequest {
        seed: Some(cell.seed),
        detectors: prepared.detectors,
        // The worker's own thread runs the detectors: the pool already has
        // one worker per core.
        pipeline: PipelineOptions { threads: 0, ..PipelineOptions::default() },
    };
    let executed =
        execute(&prepared.loaded, &request, &ProgressBar::hidden()).map_err(|e| e.to_string())?;
    let report = assemble(&prepared.loaded, executed.seed, &executed.output);
    let rows = report
        .detectors
        .iter()
        .map(|d| ScoreRow {
            detector: d.name.clone(),
            kind: d.kind.clone(),
            episodes: d.episodes,
            detected: d.detected,
            alerts: d.alerts,
            precision: d.precision,
            recall: d.recall,
            f1: d.f1,
            delay_p50_ms: d.delay_p50_ms,
            delay_p90_ms: d.delay_p90_ms,
            false_flags_per_1k_honest: d.false_flags_per_1k_honest,
            average_precision: d.average_precision,
        })
        .collect();
    Ok(Scored {
        events: report.events,
        trades: report.trades,
        algo_share: report.algo_share,
        digest: report.digest,
        rows,
    })
}
