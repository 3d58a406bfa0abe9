//! `surveil check`: the regression gate for CI.
//!
//! A baseline file records scenarios, the seeds to run each on, and per
//! detector and kind the mean F1, recall and median delay over those seeds.
//! The gate runs the same scenarios and seeds with the detectors the file
//! names (every built-in at its defaults when it names none) and compares: a figure is worse when F1 or recall fell
//! by more than the tolerance (an absolute difference: 0.02 is two
//! points), or the median delay grew by more than the tolerance as a share
//! of the baseline's delay and by more than one millisecond, or a figure
//! the baseline had is now undefined, or a detector and kind of the
//! baseline is no longer scored. Anything else, including improvements
//! and detectors new since the baseline, passes and is shown.
//!
//! The baseline is TOML:
//!
//! ```toml
//! tolerance = 0.02
//!
//! [[run]]
//! scenario = "small"      # a built-in, or a file beside the baseline
//! seeds = [1, 2]          # the scenario's own seed when left out
//! detectors = ["key_travel", "spoof_cancel:size_ratio=6"]   # optional
//!
//! [[run.score]]
//! detector = "key_travel"
//! kind = "key_sharing"
//! f1 = 0.95
//! recall = 0.9
//! delay_p50_ms = 812.5
//! ```
//!
//! Because runs are deterministic, the same code gives exactly the
//! baseline's figures; the tolerance absorbs deliberate changes elsewhere
//! in the market that move scores a little.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use comfy_table::presets::ASCII_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use surveil_detectors::Choice;
use surveil_reports::SeedsReport;

use crate::pipeline::PipelineOptions;
use crate::run::RunRequest;
use crate::seeds::{Protocol, SeedsError, evaluate};
use crate::thresholds::Objective;

/// The tolerance used when neither the command line nor the file sets one.
pub const DEFAULT_TOLERANCE: f64 = 0.02;

/// A baseline file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The tolerance the file asks for; the command line's wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<f64>,
    /// The scenarios and seeds, with their recorded figures.
    #[serde(default, rename = "run")]
    pub runs: Vec<BaselineRun>,
}

/// One scenario of a baseline, run on its seeds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineRun {
    /// A scenario file's path, relative to the baseline file's folder, or
    /// a built-in scenario's name; an existing file wins.
    pub scenario: String,
    /// The seeds; the scenario's own seed when absent. An empty list is
    /// refused rather than read as absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds: Option<Vec<u64>>,
    /// The detectors, each `NAME` or `NAME:PARAM=VALUE[:PARAM=VALUE...]`
    /// as on the command line; every built-in at its defaults when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detectors: Vec<String>,
    /// The recorded figures.
    #[serde(default, rename = "score")]
    pub scores: Vec<BaselineScore>,
}

/// The recorded figures of one detector and kind: means over the seeds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineScore {
    /// The detector.
    pub detector: String,
    /// The kind.
    pub kind: String,
    /// Mean F1; absent when undefined on every seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f1: Option<f64>,
    /// Mean recall; absent when undefined on every seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recall: Option<f64>,
    /// Mean median delay in milliseconds; absent when no episode was
    /// caught on any seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_p50_ms: Option<f64>,
}

/// Why the gate could not run.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The baseline file could not be read.
    #[error("cannot read baseline {path}: {cause}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why, in the message itself rather than as its source, so that
        /// it is printed once.
        cause: std::io::Error,
    },
    /// The baseline is not a valid baseline.
    #[error("baseline {path}: {message}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line and column.
        message: String,
    },
    /// A scenario of the baseline could not be loaded.
    #[error("baseline {path}, scenario `{scenario}`: {message}")]
    Scenario {
        /// The file.
        path: PathBuf,
        /// The scenario.
        scenario: String,
        /// Why.
        message: String,
    },
    /// A run was refused.
    #[error(transparent)]
    Run(#[from] SeedsError),
    /// An output could not be written.
    #[error("cannot write {path}: {cause}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why, in the message itself.
        cause: std::io::Error,
    },
}

impl CheckError {
    /// Tells whether the error is in the user's input rather than in the
    /// run.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            CheckError::Read { .. } | CheckError::Malformed { .. } | CheckError::Scenario { .. }
        ) || matches!(self, CheckError::Run(SeedsError::Run(_)))
    }
}

/// Reads a baseline file.
///
/// # Errors
///
/// Returns [`CheckError`] naming the file and, for malformed TOML, the line.
pub fn read_baseline(path: &Path) -> Result<Baseline, CheckError> {
    let text = std::fs::read_to_string(path)
        .map_err(|cause| CheckError::Read { path: path.to_owned(), cause })?;
    let baseline: Baseline = toml::from_str(&text)
        .map_err(|e| CheckError::Malformed { path: path.to_owned(), message: e.to_string() })?;
    let malformed = |message: String| CheckError::Malformed { path: path.to_owned(), message };
    if baseline.runs.is_empty() {
        return Err(malformed(
            "no [[run]] table: the baseline names no scenario to run".to_owned(),
        ));
    }
    let lines = Lines::new(&text);
    check_runs(&lines, &baseline).map_err(malformed)?;
    check_scores(&lines, &baseline).map_err(malformed)?;
    Ok(baseline)
}

/// Finds the lines of a baseline's fields, so that every message about one
/// names its line.
struct Lines<'a> {
    text: &'a str,
    document: Option<toml_edit::Document<&'a str>>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        Lines { text, document: toml_edit::Document::parse(text).ok() }
    }

    /// Returns `line N, ` for a span of the text, or nothing without one.
    fn at(&self, span: Option<std::ops::Range<usize>>) -> String {
        span.map_or_else(String::new, |s| {
            format!(
                "line {}, ",
                self.text[..s.start.min(self.text.len())].matches('\n').count() + 1
            )
        })
    }

    /// Returns the `[[run]]` table at `run`.
    fn run(&self, run: usize) -> Option<&toml_edit::Table> {
        self.document.as_ref()?.get("run")?.as_array_of_tables()?.get(run)
    }

    /// Returns the `[[run.score]]` table at `score` of the run at `run`.
    fn score(&self, run: usize, score: usize) -> Option<&toml_edit::Table> {
        self.run(run)?.get("score")?.as_array_of_tables()?.get(score)
    }

    /// Returns where a top-level field is written.
    fn top(&self, field: &str) -> String {
        self.at(self.document.as_ref().and_then(|d| d.get(field)).and_then(|i| i.span()))
    }

    /// Returns where a field of a table is written, or the table itself
    /// when the field is not.
    fn field(&self, table: Option<&toml_edit::Table>, field: &str) -> String {
        self.at(table.and_then(|t| t.get(field).and_then(|i| i.span()).or_else(|| t.span())))
    }

    /// Returns where the entry at `index` of a list field is written.
    fn entry(&self, table: Option<&toml_edit::Table>, field: &str, index: usize) -> String {
        let entry = table
            .and_then(|t| t.get(field))
            .and_then(|i| i.as_array())
            .and_then(|a| a.get(index))
            .and_then(|v| v.span());
        match entry {
            Some(span) => self.at(Some(span)),
            None => self.field(table, field),
        }
    }
}

/// Checks the tolerance and each run's seeds and detectors before anything
/// runs: a tolerance of 0 or more, a seed list that is absent or names a
/// seed, and detectors the registry knows with parameters it accepts. The
/// message names the line, the run and the field.
fn check_runs(lines: &Lines<'_>, baseline: &Baseline) -> Result<(), String> {
    if let Some(t) = baseline.tolerance
        && !(t.is_finite() && t >= 0.0)
    {
        return Err(format!(
            "{}`tolerance`: expected a number of at least 0, found {t}",
            lines.top("tolerance")
        ));
    }
    for (r, run) in baseline.runs.iter().enumerate() {
        let table = lines.run(r);
        let name = |at: String, field: &str| {
            format!("{at}run {} (scenario `{}`): `{field}`", r + 1, run.scenario)
        };
        if run.seeds.as_ref().is_some_and(Vec::is_empty) {
            return Err(format!(
                "{}: the list is empty; name the seeds to run, or leave `seeds` out to run \
                 the scenario's own seed",
                name(lines.field(table, "seeds"), "seeds")
            ));
        }
        for (i, detector) in run.detectors.iter().enumerate() {
            if let Err(e) = Choice::parse(detector) {
                return Err(format!(
                    "{}: {e}",
                    name(lines.entry(table, "detectors", i), "detectors")
                ));
            }
        }
    }
    Ok(())
}

/// Checks the recorded figures of every run: a built-in detector, a kind
/// surveil scores, each detector and kind once, F1 and recall between 0
/// and 1 and a delay of zero or more milliseconds. A misspelt name or a
/// figure out of range would make the gate pass or fail for nothing. The
/// message names the line, the run, the score table and the field.
fn check_scores(lines: &Lines<'_>, baseline: &Baseline) -> Result<(), String> {
    for (r, run) in baseline.runs.iter().enumerate() {
        for (i, score) in run.scores.iter().enumerate() {
            let fail = |field: &str, message: String| {
                let at = lines.field(lines.score(r, i), field);
                Err(format!(
                    "{at}run {} (scenario `{}`), score {} ({} on {}): `{field}`: {message}",
                    r + 1,
                    run.scenario,
                    i + 1,
                    score.detector,
                    score.kind
                ))
            };
            if let Err(e) = surveil_detectors::registry::spec(&score.detector) {
                return fail("detector", e.to_string());
            }
            if surveil_sim::AbuseKind::ALL.iter().all(|k| k.as_str() != score.kind) {
                let kinds: Vec<&str> =
                    surveil_sim::AbuseKind::ALL.iter().map(|k| k.as_str()).collect();
                return fail("kind", format!("expected one of {}", kinds.join(", ")));
            }
            if run.scores[..i].iter().any(|s| s.detector == score.detector && s.kind == score.kind)
            {
                return fail("kind", "this detector and kind are recorded twice in the run".into());
            }
            for (field, value) in [("f1", score.f1), ("recall", score.recall)] {
                if let Some(v) = value
                    && !(0.0..=1.0).contains(&v)
                {
                    return fail(field, format!("expected a number from 0 to 1, found {v}"));
                }
            }
            if let Some(v) = score.delay_p50_ms
                && !(v.is_finite() && v >= 0.0)
            {
                return fail(
                    "delay_p50_ms",
                    format!("expected a number of milliseconds, 0 or more, found {v}"),
                );
            }
        }
    }
    Ok(())
}

/// How one figure compares with the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Within the tolerance.
    Same,
    /// Better than the baseline by more than the tolerance.
    Better,
    /// Scored now, absent from the baseline.
    New,
    /// Worse by more than the tolerance, or no longer scored.
    Worse,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Same => "ok",
            Verdict::Better => "better",
            Verdict::New => "new",
            Verdict::Worse => "WORSE",
        }
    }
}

/// One detector and kind of one scenario, compared.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The scenario.
    pub scenario: String,
    /// The detector.
    pub detector: String,
    /// The kind.
    pub kind: String,
    /// The baseline's figures; `None` when it has none for this row.
    pub baseline: Option<BaselineScore>,
    /// The current figures; `None` when the row is no longer scored.
    pub current: Option<BaselineScore>,
    /// The verdict of each figure: F1, recall, delay.
    pub verdicts: [Verdict; 3],
    /// Why the row failed, in words; empty when it passed.
    pub reasons: Vec<String>,
}

impl Comparison {
    /// Tells whether the row is a regression.
    pub fn failed(&self) -> bool {
        self.verdicts.contains(&Verdict::Worse)
    }
}

/// The outcome of a gate run.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckReport {
    /// The tolerance applied.
    pub tolerance: f64,
    /// Every row, scenario by scenario, in the order of the current runs.
    pub rows: Vec<Comparison>,
    /// The baseline the current runs would record.
    pub updated: Baseline,
}

impl CheckReport {
    /// Returns the number of regressed rows.
    pub fn failures(&self) -> usize {
        self.rows.iter().filter(|r| r.failed()).count()
    }
}

/// Summarises a scenario's runs as the figures a baseline records.
fn figures(report: &SeedsReport) -> Vec<BaselineScore> {
    report
        .summary
        .iter()
        .map(|s| BaselineScore {
            detector: s.name.clone(),
            kind: s.kind.clone(),
            f1: s.f1.mean,
            recall: s.recall.mean,
            delay_p50_ms: s.delay_p50_ms.mean,
        })
        .collect()
}

/// Compares a higher-is-better ratio.
fn ratio_verdict(base: Option<f64>, now: Option<f64>, tolerance: f64) -> Verdict {
    match (base, now) {
        (None, _) => Verdict::Same,
        (Some(_), None) => Verdict::Worse,
        (Some(b), Some(n)) if n < b - tolerance => Verdict::Worse,
        (Some(b), Some(n)) if n > b + tolerance => Verdict::Better,
        _ => Verdict::Same,
    }
}

/// Compares a lower-is-better delay: relative, with a floor of 1 ms.
fn delay_verdict(base: Option<f64>, now: Option<f64>, tolerance: f64) -> Verdict {
    match (base, now) {
        (None, _) => Verdict::Same,
        (Some(_), None) => Verdict::Worse,
        (Some(b), Some(n)) => {
            let allowed = (tolerance * b).max(1.0);
            if n > b + allowed {
                Verdict::Worse
            } else if n < b - allowed {
                Verdict::Better
            } else {
                Verdict::Same
            }
        }
    }
}

fn show(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.decimals$}"))
}

/// Compares the current figures of one scenario with the baseline's.
fn compare(
    scenario: &str,
    base: &[BaselineScore],
    now: &[BaselineScore],
    tolerance: f64,
) -> Vec<Comparison> {
    let mut rows = Vec::new();
    for current in now {
        let baseline =
            base.iter().find(|b| b.detector == current.detector && b.kind == current.kind);
        let verdicts = match baseline {
            None => [Verdict::New; 3],
            Some(b) => [
                ratio_verdict(b.f1, current.f1, tolerance),
                ratio_verdict(b.recall, current.recall, tolerance),
                delay_verdict(b.delay_p50_ms, current.delay_p50_ms, tolerance),
            ],
        };
        let mut reasons = Vec::new();
        if let Some(b) = baseline {
            let names = ["F1", "recall", "delay p50 ms"];
            let pairs = [
                (b.f1, current.f1, 3),
                (b.recall, current.recall, 3),
                (b.delay_p50_ms, current.delay_p50_ms, 1),
            ];
            for ((name, (was, is, d)), verdict) in names.iter().zip(pairs).zip(verdicts) {
                if verdict == Verdict::Worse {
                    reasons.push(format!("{name} {} -> {}", show(was, d), show(is, d)));
                }
            }
        }
        rows.push(Comparison {
            scenario: scenario.to_owned(),
            detector: current.detector.clone(),
            kind: current.kind.clone(),
            baseline: baseline.cloned(),
            current: Some(current.clone()),
            verdicts,
            reasons,
        });
    }
    for b in base {
        if !now.iter().any(|c| c.detector == b.detector && c.kind == b.kind) {
            rows.push(Comparison {
                scenario: scenario.to_owned(),
                detector: b.detector.clone(),
                kind: b.kind.clone(),
                baseline: Some(b.clone()),
                current: None,
                verdicts: [Verdict::Worse; 3],
                reasons: vec!["no longer scored".to_owned()],
            });
        }
    }
    rows
}

/// Runs every scenario and seed of the baseline and compares.
///
/// # Errors
///
/// Returns [`CheckError`] when a scenario cannot be loaded or run.
pub fn check(
    path: &Path,
    baseline: &Baseline,
    tolerance: Option<f64>,
    pipeline: PipelineOptions,
    progress: &ProgressBar,
) -> Result<CheckReport, CheckError> {
    let tolerance = tolerance.or(baseline.tolerance).unwrap_or(DEFAULT_TOLERANCE);
    let mut rows = Vec::new();
    let mut updated = Baseline { tolerance: baseline.tolerance, runs: Vec::new() };
    let folder = path.parent().unwrap_or(Path::new(""));
    for run in &baseline.runs {
        let loaded = load_scenario(folder, &run.scenario).map_err(|e| CheckError::Scenario {
            path: path.to_owned(),
            scenario: run.scenario.clone(),
            message: e.to_string(),
        })?;
        let seeds = run.seeds.clone().unwrap_or_else(|| vec![loaded.config.seed]);
        let detectors =
            run.detectors.iter().map(|d| Choice::parse(d)).collect::<Result<Vec<_>, _>>().map_err(
                |e| CheckError::Malformed { path: path.to_owned(), message: e.to_string() },
            )?;
        let request = RunRequest { seed: None, detectors, pipeline };
        let protocol = Protocol { calibrate_seed: None, objective: Objective::BestF1 };
        let report = evaluate(&loaded, &request, &seeds, protocol, progress)?;
        let now = figures(&report);
        rows.extend(compare(&run.scenario, &run.scores, &now, tolerance));
        updated.runs.push(BaselineRun {
            scenario: run.scenario.clone(),
            seeds: Some(seeds),
            detectors: run.detectors.clone(),
            scores: now,
        });
    }
    Ok(CheckReport { tolerance, rows, updated })
}

/// Loads a run's scenario: a file relative to the baseline's folder, as a
/// sweep spec finds its scenarios, so that a baseline gives the same runs
/// from any working directory; a built-in by name when no such file exists.
fn load_scenario(
    folder: &Path,
    scenario: &str,
) -> Result<surveil_scenarios::Loaded, surveil_scenarios::ScenarioError> {
    let file = folder.join(scenario);
    if !file.exists() && surveil_scenarios::library::find(scenario).is_some() {
        return surveil_scenarios::load(scenario);
    }
    surveil_scenarios::load(&file.to_string_lossy())
}

impl CheckReport {
    /// Renders the comparison for people: one row per detector, kind and
    /// scenario, with each figure as it was and as it is, then a verdict
    /// line. Ends in a newline.
    pub fn render_table(&self) -> String {
        let header = [
            "scenario",
            "detector",
            "kind",
            "F1 was",
            "F1 now",
            "recall was",
            "recall now",
            "delay was",
            "delay now",
            "verdict",
        ];
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                let (b, c) = (r.baseline.as_ref(), r.current.as_ref());
                let verdict = r.verdicts.iter().max().copied().unwrap_or(Verdict::Same);
                let verdict = if r.failed() {
                    format!("WORSE: {}", r.reasons.join("; "))
                } else {
                    verdict.as_str().to_owned()
                };
                vec![
                    r.scenario.clone(),
                    r.detector.clone(),
                    r.kind.clone(),
                    show(b.and_then(|b| b.f1), 3),
                    show(c.and_then(|c| c.f1), 3),
                    show(b.and_then(|b| b.recall), 3),
                    show(c.and_then(|c| c.recall), 3),
                    show(b.and_then(|b| b.delay_p50_ms), 1),
                    show(c.and_then(|c| c.delay_p50_ms), 1),
                    verdict,
                ]
            })
            .collect();
        let mut out = render_rows(&header, &rows);
        let failures = self.failures();
        let _ = writeln!(
            out,
            "\n{} of {} rows worse than the baseline by more than the tolerance ({}; F1 and recall in absolute points, delay as a share of the baseline's)",
            failures,
            self.rows.len(),
            self.tolerance
        );
        out
    }

    /// Returns the comparison as JUnit XML: one test suite per scenario,
    /// one test case per detector and kind, a failure for each regression.
    pub fn to_junit(&self) -> String {
        junit::write(self)
    }
}

/// Writes `text` to `path` through a temporary file in the same folder,
/// renamed over it when complete, so a reader never sees half a file.
///
/// # Errors
///
/// Returns [`CheckError::Write`] when the file cannot be written.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), CheckError> {
    let fail = |cause| CheckError::Write { path: path.to_owned(), cause };
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&temporary, text).map_err(fail)?;
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        fail(e)
    })
}

impl Baseline {
    /// Returns the baseline as TOML, with a comment saying how it is made.
    pub fn to_toml(&self) -> String {
        let body =
            toml::to_string(self).expect("a baseline is made of plain data that always serialises");
        format!(
            "# The regression baseline of `surveil check`: per scenario, the seeds it\n\
             # runs and each detector's mean F1, recall and median delay over them.\n\
             # Rewrite it with `surveil check --baseline FILE --update`.\n\n{body}"
        )
    }
}

/// Draws the gate's table with comfy-table, like the run's own tables.
fn render_rows(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut table = Table::new();
    table
        .load_preset(ASCII_FULL_CONDENSED)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    for row in rows {
        table.add_row(row.clone());
    }
    format!("{table}\n")
}

mod junit;

#[cfg(test)]
mod tests {
    use super::*;

    fn score(detector: &str, f1: f64, recall: f64, delay: Option<f64>) -> BaselineScore {
        BaselineScore {
            detector: detector.to_owned(),
            kind: "spoofing".to_owned(),
            f1: Some(f1),
            recall: Some(recall),
            delay_p50_ms: delay,
        }
    }

    #[test]
    fn a_fall_beyond_the_tolerance_fails_and_within_it_passes() {
        let base = [score("a", 0.9, 0.9, Some(1000.0)), score("b", 0.5, 0.5, Some(100.0))];
        let now = [score("a", 0.89, 0.95, Some(1015.0)), score("b", 0.47, 0.5, Some(100.0))];
        let rows = compare("small", &base, &now, 0.02);
        assert!(!rows[0].failed(), "{:?}", rows[0]);
        assert_eq!(rows[0].verdicts, [Verdict::Same, Verdict::Better, Verdict::Same]);
        assert!(rows[1].failed());
        assert_eq!(rows[1].reasons, ["F1 0.500 -> 0.470"]);
    }

    #[test]
    fn a_slower_detection_or_a_lost_one_fails() {
        let base = [score("a", 0.9, 0.9, Some(1000.0)), score("b", 0.9, 0.9, Some(10.0))];
        let now = [score("a", 0.9, 0.9, Some(1100.0)), score("b", 0.9, 0.9, None)];
        let rows = compare("small", &base, &now, 0.05);
        assert_eq!(rows[0].verdicts[2], Verdict::Worse);
        assert_eq!(rows[1].verdicts[2], Verdict::Worse);
    }

    #[test]
    fn a_missing_detector_fails_and_a_new_one_passes() {
        let base = [score("gone", 0.9, 0.9, None)];
        let now = [score("fresh", 0.1, 0.1, None)];
        let rows = compare("small", &base, &now, 0.02);
        assert_eq!(rows.len(), 2);
        assert!(!rows[0].failed());
        assert_eq!(rows[0].verdicts, [Verdict::New; 3]);
        assert!(rows[1].failed());
    }

    #[test]
    fn a_baseline_reads_back_from_its_own_toml() {
        let baseline = Baseline {
            tolerance: Some(0.05),
            runs: vec![BaselineRun {
                scenario: "small".into(),
                seeds: Some(vec![1, 2]),
                detectors: vec!["spoof_cancel:size_ratio=6".into()],
                scores: vec![score("a", 0.9, 0.8, Some(12.5)), score("b", 0.0, 0.0, None)],
            }],
        };
        let text = baseline.to_toml();
        let read: Baseline = toml::from_str(&text).unwrap();
        assert_eq!(read, baseline);
    }

    #[test]
    fn a_malformed_baseline_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.toml");
        std::fs::write(&path, "[[run]]\nscenario = \"small\"\nseeds = [1, \"two\"]\n").unwrap();
        let message = read_baseline(&path).unwrap_err().to_string();
        assert!(message.contains("b.toml") && message.contains("line 3"), "{message}");
        std::fs::write(&path, "tolerance = 0.1\n").unwrap();
        assert!(read_baseline(&path).unwrap_err().to_string().contains("no [[run]]"));
    }

    #[test]
    fn an_empty_seed_list_a_negative_tolerance_or_an_unknown_detector_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.toml");
        let run = "[[run]]\nscenario = \"small\"\n";
        let score = "\n[[run.score]]\nkind = \"spoofing\"\nf1 = 0.5\n";
        for (text, line, field, said) in [
            (format!("{run}seeds = []\n"), 3, "`seeds`", "empty"),
            (format!("tolerance = -1\n\n{run}"), 1, "`tolerance`", "found -1"),
            (
                format!(
                    "{run}seeds = [1]\ndetectors = [\n  \"burst_rate\",\n  \"spoof_cancl\",\n]\n"
                ),
                6,
                "`detectors`",
                "unknown detector `spoof_cancl`",
            ),
            (
                format!("{run}seeds = [1]\n{score}detector = \"spoof_cancl\"\n"),
                8,
                "`detector`",
                "unknown detector `spoof_cancl`",
            ),
        ] {
            std::fs::write(&path, &text).unwrap();
            let error = read_baseline(&path).unwrap_err();
            assert!(error.is_bad_input());
            let message = error.to_string();
            assert!(message.starts_with("baseline "), "{message}");
            assert!(message.contains("b.toml: "), "{message}");
            assert!(message.contains(&format!("line {line}, ")), "{message}");
            assert!(message.contains(field) && message.contains(said), "{message}");
        }
    }

    #[test]
    fn a_baseline_finds_scenario_files_beside_itself_and_built_ins_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.toml"), "name = \"mine\"\nduration_s = 60\n").unwrap();
        let loaded = load_scenario(dir.path(), "mine.toml").unwrap();
        assert_eq!(loaded.scenario.duration_s.0, 60.0);
        assert!(load_scenario(dir.path(), "small").is_ok());
        let message = load_scenario(dir.path(), "other.toml").unwrap_err().to_string();
        assert!(
            message.contains(&dir.path().join("other.toml").display().to_string()),
            "{message}"
        );
    }
}
