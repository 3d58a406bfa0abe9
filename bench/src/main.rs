//! The `surveil` command line.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use surveil_bench::check;
use surveil_bench::dataset::{self, DatasetError, DatasetFormat, GenerateRequest};
use surveil_bench::detector_config;
use surveil_bench::external::{self, ExternalDetector, ExternalError};
use surveil_bench::facts::{
    Comparison, FactTable, FactsError, LOBSTER_TICK, View, lobster_facts, simulate,
};
use surveil_bench::pipeline::PipelineOptions;
use surveil_bench::replay::{self, OnError, ReplayError};
use surveil_bench::run::{self as run_mod, RunRequest, assemble_with};
use surveil_bench::seeds::{self, Protocol};
use surveil_bench::thresholds::Objective;
use surveil_detectors::{AbuseKind, Choice};
use surveil_reports::series::FactsCharts;
use surveil_reports::{RunReport, html};
use surveil_scenarios::library;
use tracing_subscriber::EnvFilter;

mod out_dir;
mod sweep_cmd;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the run failed (for example, an output could not be written, or an external
     detector crashed, printed a malformed line or timed out), a replay's
     rebuilt book disagreed with its order book file, or cells of a sweep failed
  2  bad input: an unknown command, option, scenario, detector or detector
     parameter, an invalid scenario, detector configuration or baseline file,
     a calibration seed among the evaluation seeds, a missing or malformed
     data file, an invalid sweep spec, or sweep outputs that do not belong
     together (another spec or version, a shard twice, cells missing)
  3  `surveil check` only: a detector's F1, recall or delay is worse than the
     baseline by more than the tolerance
  130  `surveil generate` only: stopped by SIGINT or SIGTERM; the partial
     dataset was removed

Logs go to standard error: -v for the run's lifecycle, -vv for every alert
and score, or set RUST_LOG (for example RUST_LOG=surveil_bench=debug).";

/// A deterministic market simulator and benchmark harness for
/// market-abuse detectors.
#[derive(Debug, Parser)]
#[command(name = "surveil", version, after_help = EXIT_CODES)]
struct Cli {
    /// More log output on standard error (repeat for more).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario, run the detectors on its public events and
    /// print their scores.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),

    /// Run the scenarios and seeds of a baseline file and fail when any
    /// detector's F1, recall or median delay is worse than the baseline by
    /// more than the tolerance.
    ///
    /// F1 and recall are compared in absolute points (a tolerance of 0.02
    /// allows a fall of two points); the median delay as a share of the
    /// baseline's (0.02 allows 2% slower, and never less than 1 ms). A
    /// detector and kind that the baseline has but the run no longer scores
    /// fails too. Prints a table of every figure as it was and as it is.
    #[command(after_help = EXIT_CODES)]
    Check {
        /// The baseline file (TOML), as `--update` writes it.
        #[arg(long)]
        baseline: PathBuf,

        /// The largest fall allowed; the file's own `tolerance`, or 0.02,
        /// when omitted.
        #[arg(long)]
        tolerance: Option<f64>,

        /// Rewrite the baseline with the figures of this run (through a
        /// temporary file renamed over it) and exit 0.
        #[arg(long)]
        update: bool,

        /// Also write the comparison as JUnit XML to this file, one test
        /// case per detector, kind and scenario.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,

        /// Detector threads, 1 to 256. Results are identical for any number.
        #[arg(long, default_value_t = default_threads(),
              value_parser = clap::value_parser!(u16).range(1..=256))]
        threads: u16,
    },

    /// Write the HTML report of a results document: `report.html`, with
    /// every chart inline as SVG and no outside resources, and one PNG
    /// per chart beside it.
    #[command(after_help = EXIT_CODES)]
    Report {
        /// A results document, as `surveil run --json` prints it or
        /// `surveil run --out` writes it.
        run: PathBuf,

        /// The directory to write into, created if needed; files of an
        /// earlier report there are replaced.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,

        /// Also draw the return distribution and the autocorrelation of
        /// absolute returns from this output of `surveil facts --json`
        /// (of a scenario, or of one set against a real day), in place of
        /// any the document carries.
        #[arg(long, value_name = "FACTS.json")]
        facts: Option<PathBuf>,
    },

    /// Replay a LOBSTER message file through the order book; given the
    /// order book file of the same day, check the rebuilt book after every
    /// message.
    #[command(after_help = EXIT_CODES)]
    Replay {
        /// The LOBSTER message file, with or without a header row.
        messages: PathBuf,

        /// The LOBSTER order book file that goes with the message file: row
        /// i is the book after message i.
        #[arg(long)]
        orderbook: Option<PathBuf>,

        /// What to do with a malformed row: stop at the first one (exit
        /// code 2), or report each on standard error, skip it and go on.
        #[arg(long, value_enum, default_value_t = ErrorPolicy::Stop)]
        on_error: ErrorPolicy,

        /// Print the report as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },

    /// Compute the stylized facts of a simulated market or of a LOBSTER
    /// day, or set a simulation against a real day with a verdict per fact.
    ///
    /// `surveil facts [SCENARIO]` simulates and prints the facts of one
    /// instrument; `surveil facts --lobster MESSAGES.csv` prints those of a
    /// real day; `surveil facts [SCENARIO] --against MESSAGES.csv` prints
    /// both side by side, each measure with its tolerance and verdict, the
    /// simulation seen as the real files would show it (only orders at as
    /// many price levels as they cover). A comparison exits with 0 whatever
    /// its verdicts: failing facts are its finding, not an error.
    #[command(after_help = EXIT_CODES)]
    Facts(FactsArgs),

    /// Write a labelled dataset of a scenario: the public events, the
    /// ground truth apart from them, per-instrument LOBSTER files,
    /// metadata.json and a dataset card (README.md).
    ///
    /// The dataset is written into a hidden directory beside OUT and
    /// renamed into place only when complete. SIGINT or SIGTERM stops the
    /// run and removes that directory (a second signal ends the process at
    /// once); a later run to the same OUT removes one whose writer is gone.
    #[command(after_help = EXIT_CODES)]
    Generate(GenerateArgs),

    /// Score a detector written in any language on a dataset written by
    /// `surveil generate`: its public events go to the program's standard
    /// input as JSON Lines, its alerts come back as JSON Lines on its
    /// standard output (docs/detector-protocol.md), and they are scored
    /// as `surveil run` scores the built-in detectors, beside the null and
    /// random floors. The ground truth never reaches the program.
    #[command(after_help = EXIT_CODES)]
    Score(ScoreArgs),

    /// Run a grid of scenarios, overrides and seeds described in a TOML
    /// spec, one cell per worker at a time, and write the results table
    /// (results.csv, results.parquet), summary.json and report.html.
    ///
    /// Each finished cell is recorded at once under DIR/cells; running the
    /// same command again skips the cells already recorded and retries the
    /// failed ones. A failed cell does not stop the others, but makes the
    /// exit code 1. With --shard K/N only the K-th of N disjoint parts of
    /// the grid runs; `surveil merge` combines the parts. With --slurm
    /// nothing runs: Slurm batch scripts for a job array are written under
    /// DIR/slurm.
    #[command(after_help = EXIT_CODES)]
    Sweep(SweepArgs),

    /// Merge the output directories of the shards of one sweep into one
    /// results table, summary and report. Shards of different specs or
    /// surveil versions, a shard given twice and missing cells are refused.
    #[command(after_help = EXIT_CODES)]
    Merge {
        /// The shards' output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,

        /// The directory to write the merged results into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },

    /// List the built-in detectors with their kinds, rules and parameters.
    Detectors {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },

    /// List the built-in scenarios.
    Scenarios {
        /// Print the list as JSON.
        #[arg(long)]
        json: bool,
    },

    /// Run one market under several control policies (key whitelists,
    /// detector-driven interventions, reconciliation, halts) on the same
    /// seeds and compare, side by side, the abuse that still succeeded,
    /// the damage avoided and the cost to honest accounts by decoy type.
    #[command(after_help = EXIT_CODES)]
    Whatif(WhatifArgs),
}

/// What `surveil whatif` is asked for.
#[derive(Debug, Args)]
struct WhatifArgs {
    /// A scenario file or the name of a built-in scenario.
    #[arg(default_value = library::DEFAULT)]
    scenario: String,

    /// The policies, comma-separated: presets (none, whitelist,
    /// interventions, all) or TOML files holding a `[policy]` section.
    /// Damage avoided is read against the first.
    #[arg(long, default_value = "none,whitelist,interventions,all")]
    policies: String,

    /// The seeds, as a comma-separated list or a range such as 1..5; the
    /// scenario's own when omitted.
    #[arg(long)]
    seeds: Option<String>,

    /// Print the comparison as JSON.
    #[arg(long)]
    json: bool,

    /// Also write whatif.json and whatif.html into this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// What `surveil run` is asked for.
#[derive(Debug, Args)]
struct RunArgs {
    /// A scenario file or the name of a built-in scenario.
    #[arg(default_value = library::DEFAULT)]
    scenario: String,

    /// The seed, from 0 to 18446744073709551615; the scenario's own when
    /// omitted.
    #[arg(long, allow_negative_numbers = true, conflicts_with = "seeds")]
    seed: Option<u64>,

    /// Run and score each of these seeds and report means with 95%
    /// confidence intervals: a list and inclusive ranges, such as 1..20 or
    /// 1,2,5..8.
    #[arg(long, value_name = "LIST")]
    seeds: Option<String>,

    /// Comma-separated detectors, each NAME or NAME:PARAM=VALUE[:PARAM=VALUE...]
    /// (for example spoof_cancel:size_ratio=6,burst_rate:window_ms=500);
    /// every built-in when omitted. The null and random detectors are always
    /// added. `surveil detectors` lists the names and parameters.
    #[arg(long, value_delimiter = ',')]
    detectors: Vec<String>,

    /// A TOML file of detector parameters, one table per detector
    /// ([spoof_cancel] size_ratio = 6); `--detectors` overrides it.
    #[arg(long, value_name = "FILE.toml")]
    detector_config: Option<PathBuf>,

    /// Choose each detector's operating threshold on this seed (at its best
    /// F1, or within --alert-budget) and score the evaluation seeds at it.
    /// It must not be one of the evaluation seeds.
    #[arg(long, value_name = "N")]
    calibrate_seed: Option<u64>,

    /// With --calibrate-seed: choose the lowest threshold that flags at most
    /// K entities per 1,000 accounts on the calibration seed, instead of
    /// the best F1.
    #[arg(long, value_name = "K", requires = "calibrate_seed")]
    alert_budget: Option<f64>,

    /// Detector threads, 1 to 256; the simulation runs on a thread of its
    /// own. Results are identical for any number.
    #[arg(long, default_value_t = default_threads(),
          value_parser = clap::value_parser!(u16).range(1..=256))]
    threads: u16,

    /// Print the results document as JSON instead of a table.
    #[arg(long)]
    json: bool,

    /// Also write the results document (`run.json`) and an HTML report
    /// with its charts (`report.html`, and one PNG per chart) into this
    /// directory, creating it if needed. The files are written all or
    /// none; the results are printed even when they cannot be.
    #[arg(long, value_name = "DIR", conflicts_with = "seeds")]
    out: Option<PathBuf>,
}

/// What `surveil sweep` is asked for.
#[derive(Debug, Args)]
struct SweepArgs {
    /// The sweep spec (TOML): scenarios, seeds, detectors, [set] and [grid].
    spec: PathBuf,

    /// The output directory, created if needed.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Run only the K-th of N disjoint parts of the grid, such as 2/4.
    #[arg(long, value_name = "K/N", conflicts_with = "slurm")]
    shard: Option<String>,

    /// Cells run at once, 1 to 256; each runs its detectors on its own
    /// thread. Results are identical for any number.
    #[arg(long, default_value_t = default_threads(),
          value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: u16,

    /// Write Slurm batch scripts for the sweep under DIR/slurm (a job array
    /// of --tasks shards and a merge job) instead of running it.
    #[arg(long)]
    slurm: bool,

    /// With --slurm: the array's tasks, one shard each, 1 to 10000; never
    /// more than the grid's cells.
    #[arg(long, default_value_t = 16, requires = "slurm",
          value_parser = clap::value_parser!(u16).range(1..=10000))]
    tasks: u16,

    /// With --slurm: cores per task, which is also the workers of each
    /// shard.
    #[arg(long, default_value_t = 1, requires = "slurm",
          value_parser = clap::value_parser!(u16).range(1..=256))]
    cpus_per_task: u16,
}

/// What `surveil facts` is asked for.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("real").args(["lobster", "against"])))]
struct FactsArgs {
    /// A scenario file or the name of a built-in scenario; the default
    /// scenario when omitted.
    #[arg(conflicts_with = "lobster")]
    scenario: Option<String>,

    /// The seed, from 0 to 18446744073709551615; the scenario's own when
    /// omitted.
    #[arg(long, allow_negative_numbers = true, conflicts_with = "lobster")]
    seed: Option<u64>,

    /// The simulated instrument, by symbol; the one with the most
    /// trades when omitted.
    #[arg(long, conflicts_with = "lobster")]
    instrument: Option<String>,

    /// Compute the facts of this LOBSTER message file instead of a
    /// simulation.
    #[arg(long, value_name = "MESSAGES.csv")]
    lobster: Option<PathBuf>,

    /// Set the simulation against this LOBSTER message file.
    #[arg(long, value_name = "MESSAGES.csv")]
    against: Option<PathBuf>,

    /// The LOBSTER order book file that goes with the message file; the
    /// mid price, spread and depth come from it. Without it the facts
    /// that need prices (1 to 5, 10 and 12) are undefined for the file.
    #[arg(long, value_name = "ORDERBOOK.csv", requires = "real")]
    orderbook: Option<PathBuf>,

    /// Price units of one tick in the LOBSTER files (prices are dollars
    /// times 10000, so 100 is one cent).
    #[arg(long, default_value_t = LOBSTER_TICK, requires = "real",
          value_parser = clap::value_parser!(i64).range(1..))]
    tick: i64,

    /// Print the facts as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// What `surveil generate` is asked for.
#[derive(Debug, Args)]
struct GenerateArgs {
    /// A scenario file or the name of a built-in scenario.
    #[arg(default_value = library::DEFAULT)]
    scenario: String,

    /// The directory to write; refused if it exists and is not empty,
    /// unless --force is given.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// The table format: parquet or csv for the events and the ground
    /// truth (the LOBSTER files are always written), or lobster for the
    /// LOBSTER files only, with the ground truth in CSV.
    #[arg(long, value_enum, default_value_t = FormatArg::Parquet)]
    format: FormatArg,

    /// The seed, from 0 to 18446744073709551615; the scenario's own when
    /// omitted.
    #[arg(long, allow_negative_numbers = true)]
    seed: Option<u64>,

    /// Levels per side in the LOBSTER order book files, 1 to 1000.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    depth: u16,

    /// Replace an existing dataset at the output directory; a directory
    /// that is not a dataset written by `surveil generate` is never
    /// replaced.
    #[arg(long)]
    force: bool,

    /// Print the dataset's metadata as JSON instead of a summary.
    #[arg(long)]
    json: bool,
}

/// What `surveil score` is asked for.
#[derive(Debug, Args)]
struct ScoreArgs {
    /// The dataset directory.
    #[arg(long, value_name = "DIR")]
    dataset: PathBuf,

    /// The detector's command line, run by the shell (`sh -c`).
    #[arg(long, value_name = "CMD")]
    detector_cmd: String,

    /// The name the detector is scored under; not empty, and not `null`
    /// or `random`, the floors scored beside it.
    #[arg(long, default_value = "external")]
    name: String,

    /// Comma-separated abuse kinds to score it on; when omitted, the kinds
    /// its alerts name (every kind the scenario injects if it raised none).
    #[arg(long, value_delimiter = ',')]
    kinds: Vec<String>,

    /// Seconds the detector may run, from start to exit, before it is
    /// killed.
    #[arg(long, default_value_t = 600.0)]
    timeout_s: f64,

    /// Print the results document as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// The table formats of `surveil generate`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    /// Apache Parquet.
    Parquet,
    /// Comma-separated values.
    Csv,
    /// LOBSTER files only.
    Lobster,
}

/// What `surveil replay` does with a malformed row.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ErrorPolicy {
    /// Stop at the first malformed row.
    Stop,
    /// Report each malformed row on standard error, skip it and go on.
    Skip,
}

fn default_threads() -> u16 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    u16::try_from(cores.clamp(1, 256)).unwrap_or(1)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match execute(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(e)) => {
            report(&e);
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            report(&e);
            ExitCode::from(1)
        }
        Err(Failure::Regressed(n)) => {
            let rows = if n == 1 { "row" } else { "rows" };
            report(&anyhow::anyhow!("{n} detector {rows} regressed against the baseline"));
            ExitCode::from(3)
        }
        Err(Failure::Interrupted(e)) => {
            report(&e);
            ExitCode::from(130)
        }
    }
}

/// Reports a fatal error on standard error. A standard error that cannot
/// be written loses the message, but the exit code still tells.
fn report(error: &anyhow::Error) {
    let _ = writeln!(std::io::stderr(), "error: {error:#}");
}

/// Reports a skipped row on standard error as it is met.
fn warn_skipped(error: &ReplayError) {
    let _ = writeln!(std::io::stderr(), "warning: skipped {error}");
}

enum Failure {
    BadInput(anyhow::Error),
    Run(anyhow::Error),
    /// `surveil check` found this many regressed rows.
    Regressed(usize),
    /// A signal stopped the run, which cleaned up after itself.
    Interrupted(anyhow::Error),
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        // A standard error that cannot be written loses the logs; the
        // subscriber must not then report that on standard error itself.
        .log_internal_errors(false)
        .init();
}

fn execute(command: Command) -> Result<(), Failure> {
    match command {
        Command::Run(args) => {
            let text = run_command(args)?;
            write_stdout(&text).map_err(Failure::Run)
        }
        Command::Check { baseline, tolerance, update, junit, threads } => {
            check_command(&baseline, tolerance, update, junit.as_deref(), threads)
        }
        Command::Detectors { json } => write_stdout(&detectors_list(json)).map_err(Failure::Run),
        Command::Sweep(args) => {
            let text = sweep_cmd::sweep(args)?;
            write_stdout(&text).map_err(Failure::Run)
        }
        Command::Merge { dirs, out } => {
            let text = sweep_cmd::merge(&dirs, &out)?;
            write_stdout(&text).map_err(Failure::Run)
        }
        Command::Report { run, out, facts } => {
            let text = std::fs::read_to_string(&run)
                .with_context(|| format!("cannot read {}", run.display()))
                .map_err(Failure::BadInput)?;
            let mut report = RunReport::from_json(&text)
                .with_context(|| run.display().to_string())
                .map_err(Failure::BadInput)?;
            if let Some(path) = facts {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))
                    .map_err(Failure::BadInput)?;
                let charts = FactsCharts::from_facts_json(&text)
                    .with_context(|| path.display().to_string())
                    .map_err(Failure::BadInput)?;
                report.charts.facts = Some(charts);
            }
            out_dir::write_all_or_none(&out, |staging| {
                html::write_report(&report, staging).context("cannot write the report")?;
                Ok(())
            })
            .map_err(Failure::Run)
        }
        Command::Replay { messages, orderbook, on_error, json } => {
            let on_error = match on_error {
                ErrorPolicy::Stop => OnError::Stop,
                ErrorPolicy::Skip => OnError::Skip,
            };
            let report =
                replay::replay_files(&messages, orderbook.as_deref(), on_error, &mut warn_skipped)
                    .map_err(|e| Failure::BadInput(e.into()))?;
            let text = if json { report.to_json() } else { report.render_table() };
            write_stdout(&text).map_err(Failure::Run)?;

            // Disagreeing with the order book file is the replay's finding,
            // printed in full above, and also what a script checking a data
            // set wants to see in the exit code.
            match report.mismatches() {
                0 => Ok(()),
                n => Err(Failure::Run(anyhow::anyhow!(
                    "{n} of {} rows disagree with the order book file",
                    report.rows
                ))),
            }
        }
        Command::Facts(args) => {
            let text = facts(args)?;
            write_stdout(&text).map_err(Failure::Run)
        }
        Command::Generate(args) => {
            let text = generate(args)?;
            write_stdout(&text).map_err(Failure::Run)
        }
        Command::Score(args) => {
            let text = score(args)?;
            write_stdout(&text).map_err(Failure::Run)
        }
        Command::Scenarios { json } => {
            let mut rows = Vec::new();
            for builtin in library::BUILTINS {
                let loaded = surveil_scenarios::load(builtin.name)
                    .with_context(|| format!("built-in scenario `{}`", builtin.name))
                    .map_err(Failure::Run)?;
                rows.push((builtin.name, loaded.scenario.description.clone()));
            }
            let text = if json {
                let list: Vec<_> = rows
                    .iter()
                    .map(|(name, description)| serde_json::json!({"name": name, "description": description}))
                    .collect();
                format!("{}\n", serde_json::Value::Array(list))
            } else {
                let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
                rows.iter().map(|(n, d)| format!("{n:width$}  {d}\n")).collect()
            };
            write_stdout(&text).map_err(Failure::Run)
        }
        Command::Whatif(args) => {
            let text = whatif_command(args)?;
            write_stdout(&text).map_err(Failure::Run)
        }
    }
}

/// Runs `surveil whatif` and returns what it prints.
fn whatif_command(args: WhatifArgs) -> Result<String, Failure> {
    let bad = |e: anyhow::Error| Failure::BadInput(e);
    let loaded = surveil_scenarios::load(&args.scenario).map_err(|e| bad(e.into()))?;
    let names: Vec<&str> = args.policies.split(',').map(str::trim).collect();
    if let Some(i) = names.iter().position(|n| n.is_empty()) {
        return Err(bad(anyhow::anyhow!(
            "--policies: entry {} of `{}` is empty; expected a preset name or a policy file",
            i + 1,
            args.policies
        )));
    }
    let policies = names
        .iter()
        .map(|p| {
            let policy = surveil_scenarios::policy::load_policy(p)?;
            surveil_bench::whatif::check_detectors(&policy)
                .map_err(|e| anyhow::anyhow!("{p}: {e}"))?;
            Ok(policy)
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(bad)?;
    // Each policy is a column named after it, in the table and in JSON.
    if let Some((i, twice)) =
        policies.iter().enumerate().find(|(i, p)| policies[..*i].iter().any(|q| q.name == p.name))
    {
        let first = policies.iter().position(|q| q.name == twice.name).unwrap_or(0);
        return Err(bad(anyhow::anyhow!(
            "--policies: `{}` and `{}` are both the policy named `{}`; each policy is one \
             column of the comparison, so give each once (and each file its own `name`)",
            names[first],
            names[i],
            twice.name
        )));
    }
    let seeds = match &args.seeds {
        Some(text) => seeds::parse_seeds(text).map_err(|e| bad(anyhow::anyhow!("--seeds: {e}")))?,
        None => Vec::new(),
    };
    let request = surveil_bench::whatif::WhatifRequest { seeds, policies, step: None };
    let progress = count_bar("what-if runs");
    let report = surveil_bench::whatif::whatif(&loaded, &request, &progress)
        .map_err(|e| bad(anyhow::anyhow!(e)))?;
    progress.finish_and_clear();
    let json = serde_json::to_string_pretty(&report)
        .context("cannot encode the comparison")
        .map_err(Failure::Run)?;
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create {}", dir.display()))
            .map_err(Failure::Run)?;
        let page = surveil_reports::whatif::render_whatif_page(&report);
        html::write_atomically(&dir.join("whatif.json"), format!("{json}\n").as_bytes())
            .and_then(|()| html::write_atomically(&dir.join("whatif.html"), page.as_bytes()))
            .context("cannot write the what-if report")
            .map_err(Failure::Run)?;
    }
    Ok(if args.json {
        format!("{json}\n")
    } else {
        surveil_reports::whatif::render_whatif_table(&report)
    })
}

/// Runs `surveil run` and returns what it prints.
fn run_command(args: RunArgs) -> Result<String, Failure> {
    let RunArgs {
        scenario,
        seed,
        seeds: seed_list,
        detectors,
        detector_config: config_file,
        calibrate_seed,
        alert_budget,
        threads,
        json,
        out,
    } = args;
    let bad = |e: anyhow::Error| Failure::BadInput(e);

    // Every input is checked before anything runs.
    let loaded = surveil_scenarios::load(&scenario).map_err(|e| bad(e.into()))?;
    let mut choices = detectors
        .iter()
        .map(|d| Choice::parse(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.into()))?;
    if let Some(path) = &config_file {
        let file = detector_config::read(path).map_err(|e| bad(e.into()))?;
        choices = detector_config::merge(choices, &file).map_err(|e| bad(e.into()))?;
    }
    if let Some(k) = alert_budget {
        at_least_zero("--alert-budget", k).map_err(bad)?;
    }
    if let Some(dir) = &out {
        out_dir::check(dir).map_err(bad)?;
    }
    let objective = alert_budget.map_or(Objective::BestF1, Objective::AlertBudget);
    let protocol = Protocol { calibrate_seed, objective };
    let many = seed_list.is_some();
    let seed_list = match seed_list {
        Some(text) => {
            seeds::parse_seeds(&text).map_err(|e| bad(anyhow::anyhow!("--seeds: {e}")))?
        }
        None => vec![seed.unwrap_or(loaded.config.seed)],
    };
    let request = RunRequest {
        seed: None,
        detectors: choices,
        pipeline: PipelineOptions { threads: usize::from(threads), ..PipelineOptions::default() },
    };
    let refused = |e: seeds::SeedsError| Failure::BadInput(e.into());

    let progress = progress_bar();
    let text = if many {
        let report =
            seeds::evaluate(&loaded, &request, &seed_list, protocol, &progress).map_err(refused)?;
        if json { report.to_json() } else { report.render_table() }
    } else {
        let thresholds = seeds::calibrate(&loaded, &request, &seed_list, protocol, &progress)
            .map_err(refused)?;
        progress.reset();
        let request = RunRequest { seed: Some(seed_list[0]), ..request };
        let executed = run_mod::execute(&loaded, &request, &progress).map_err(|e| bad(e.into()))?;
        let mut report = assemble_with(&loaded, executed.seed, &executed.output, &thresholds);
        report.calibration = executed.calibration;
        progress.finish_and_clear();
        write_cost(&report.cost, report.events);
        let text = if json { report.to_json() } else { surveil_reports::render_table(&report) };
        if let Some(dir) = &out
            && let Err(e) = write_run_report(&report, dir)
        {
            // The results are printed all the same, so that a report that
            // cannot be written does not lose the run.
            write_stdout(&text).map_err(Failure::Run)?;
            return Err(Failure::Run(e));
        }
        text
    };
    progress.finish_and_clear();
    if many {
        write_cost_line(&format!(
            "peak memory {}",
            memory_text(surveil_bench::memory::peak_resident_bytes())
        ));
    }
    Ok(text)
}

/// Checks an option's number of at least 0. A number too large for a
/// float reaches here as infinity, which the message calls out of range
/// rather than printing `inf` as though it had been typed.
fn at_least_zero(option: &str, value: f64) -> anyhow::Result<()> {
    if value.is_infinite() {
        anyhow::bail!(
            "{option}: the number is out of range; expected a finite number of at least 0"
        );
    }
    if value.is_nan() || value < 0.0 {
        anyhow::bail!("{option}: expected a number of at least 0, found {value}");
    }
    Ok(())
}

/// Tells the person at the terminal, on standard error, how fast the
/// simulation ran and how much memory the run took; the JSON results carry
/// the same figures in `cost`, and `-v` logs them wherever standard error
/// goes.
fn write_cost(cost: &surveil_reports::RunCost, events: u64) {
    tracing::info!(
        events,
        sim_seconds = cost.sim_seconds,
        events_per_sec = cost.events_per_sec,
        peak_memory_bytes = cost.peak_memory_bytes,
        "simulation cost"
    );
    write_cost_line(&format!(
        "simulated {events} events in {:.3} s: {:.2} M events/s, detectors excluded; \
         peak memory {}",
        cost.sim_seconds,
        cost.events_per_sec / 1e6,
        memory_text(cost.peak_memory_bytes),
    ));
}

fn memory_text(bytes: Option<u64>) -> String {
    match bytes {
        Some(b) => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
        None => "not reported by this system".to_owned(),
    }
}

/// Writes a line for people on standard error when it is a terminal; a
/// piped run prints nothing there but its logs.
fn write_cost_line(line: &str) {
    let mut err = std::io::stderr().lock();
    if err.is_terminal() {
        // A closed standard error is no reason to fail the run.
        let _ = writeln!(err, "{line}");
    }
}

/// Runs `surveil check`.
fn check_command(
    path: &Path,
    tolerance: Option<f64>,
    update: bool,
    junit: Option<&Path>,
    threads: u16,
) -> Result<(), Failure> {
    if let Some(t) = tolerance {
        at_least_zero("--tolerance", t).map_err(Failure::BadInput)?;
    }
    let baseline = check::read_baseline(path).map_err(|e| Failure::BadInput(e.into()))?;
    let pipeline = PipelineOptions { threads: usize::from(threads), ..PipelineOptions::default() };
    let progress = progress_bar();
    let report = check::check(path, &baseline, tolerance, pipeline, &progress).map_err(|e| {
        if e.is_bad_input() { Failure::BadInput(e.into()) } else { Failure::Run(e.into()) }
    })?;
    progress.finish_and_clear();

    write_stdout(&report.render_table()).map_err(Failure::Run)?;
    if let Some(junit) = junit {
        check::write_atomically(junit, &report.to_junit()).map_err(|e| Failure::Run(e.into()))?;
    }
    if update {
        check::write_atomically(path, &report.updated.to_toml())
            .map_err(|e| Failure::Run(e.into()))?;
        return write_stdout(&format!("baseline {} rewritten\n", path.display()))
            .map_err(Failure::Run);
    }
    match report.failures() {
        0 => Ok(()),
        n => Err(Failure::Regressed(n)),
    }
}

/// Lists the built-in detectors.
fn detectors_list(json: bool) -> String {
    let specs = &surveil_detectors::DETECTORS;
    if json {
        let list: Vec<_> = specs
            .iter()
            .map(|d| {
                let params: Vec<_> = d
                    .params
                    .iter()
                    .map(|p| {
                        serde_json::json!({
                            "name": p.name, "default": p.default, "min": p.min, "max": p.max,
                            "integer": p.integer, "help": p.help,
                        })
                    })
                    .collect();
                let kinds: Vec<_> = d.kinds.iter().map(|k| k.as_str()).collect();
                serde_json::json!({"name": d.name, "kinds": kinds, "rule": d.rule, "params": params})
            })
            .collect();
        return format!("{}\n", serde_json::Value::Array(list));
    }
    let mut out = String::new();
    for d in specs {
        let kinds: Vec<_> = d.kinds.iter().map(|k| k.as_str()).collect();
        let kinds = if kinds.is_empty() { "every kind".to_owned() } else { kinds.join(", ") };
        out.push_str(&format!("{} ({kinds}): {}\n", d.name, d.rule));
        for p in d.params {
            out.push_str(&format!("    {:<20} {:>10}  {}\n", p.name, p.default, p.help));
        }
    }
    out
}

/// Computes what `surveil facts` prints: the facts of a simulation or of a
/// LOBSTER day, or the two side by side.
fn facts(args: FactsArgs) -> Result<String, Failure> {
    let FactsArgs { scenario, seed, instrument, lobster, against, orderbook, tick, json } = args;
    let bad = |e: FactsError| Failure::BadInput(e.into());
    if let Some(messages) = lobster {
        let real = lobster_facts(&messages, orderbook.as_deref(), tick).map_err(bad)?;
        let table = FactTable::new(real.source(), &real.measurements);
        return Ok(if json { table.to_json() } else { table.render() });
    }

    let name = scenario.as_deref().unwrap_or(library::DEFAULT);
    let loaded = surveil_scenarios::load(name).map_err(|e| Failure::BadInput(e.into()))?;
    // The real files are read first, so that a malformed one is refused
    // before a long simulation rather than after it.
    let real = against
        .map(|messages| {
            let real = lobster_facts(&messages, orderbook.as_deref(), tick)?;
            let levels = real
                .levels
                .ok_or_else(|| FactsError::UnknownLevels { path: real.messages.clone() })?;
            Ok((real, levels))
        })
        .transpose()
        .map_err(bad)?;

    // Against a level-N file, the simulation is shown as that file would
    // show it.
    let view = real.as_ref().map_or(View::Full, |&(_, levels)| View::Levels(levels));
    let progress = progress_bar();
    let sim = simulate(&loaded, seed, instrument.as_deref(), view, &progress).map_err(bad)?;
    progress.finish_and_clear();

    Ok(match real {
        None => {
            let table = FactTable::new(sim.source(), &sim.measurements);
            if json { table.to_json() } else { table.render() }
        }
        Some((real, _)) => {
            let comparison =
                Comparison::new(sim.source(), &sim.measurements, real.source(), &real.measurements);
            if json { comparison.to_json() } else { comparison.render() }
        }
    })
}

/// Writes a run's results document and its HTML report into `dir`, all
/// of them or none.
fn write_run_report(report: &RunReport, dir: &Path) -> anyhow::Result<()> {
    out_dir::write_all_or_none(dir, |staging| {
        html::write_atomically(&staging.join("run.json"), report.to_json().as_bytes())?;
        html::write_report(report, staging).context("cannot write the report")?;
        Ok(())
    })
}

/// Writes a dataset and returns the summary to print.
fn generate(args: GenerateArgs) -> Result<String, Failure> {
    let GenerateArgs { scenario, out, format, seed, depth, force, json } = args;
    let loaded = surveil_scenarios::load(&scenario).map_err(|e| Failure::BadInput(e.into()))?;
    let format = match format {
        FormatArg::Parquet => DatasetFormat::Parquet,
        FormatArg::Csv => DatasetFormat::Csv,
        FormatArg::Lobster => DatasetFormat::Lobster,
    };
    let stop = stop_on_signal();
    let request = GenerateRequest { seed, out, format, depth: usize::from(depth), force, stop };
    let progress = progress_bar();
    let generated = dataset::generate(&loaded, &request, &progress).map_err(|e| match e {
        DatasetError::Interrupted => Failure::Interrupted(e.into()),
        e if e.is_bad_input() => Failure::BadInput(e.into()),
        e => Failure::Run(e.into()),
    })?;
    progress.finish_and_clear();

    let m = &generated.metadata;
    if json {
        return serde_json::to_string_pretty(m)
            .map(|s| s + "\n")
            .map_err(|e| Failure::Run(e.into()));
    }
    let mut text = format!(
        "dataset    {}\nscenario   {} (seed {})\nevents     {}\ndigest     {}\n",
        generated.dir.display(),
        m.scenario.name,
        m.seed,
        m.events,
        &m.digest[..16.min(m.digest.len())],
    );
    for t in &m.tables {
        text.push_str(&format!("table      {} ({} rows)\n", t.file, t.rows));
    }
    for l in &m.lobster {
        text.push_str(&format!("lobster    {}, {} ({} rows)\n", l.messages, l.orderbook, l.rows));
    }
    let write_s = generated.events_write.as_secs_f64();
    if m.format != "lobster" && write_s > 0.0 {
        text.push_str(&format!(
            "writing    events table {:.3} s, {:.2} million rows per second; whole command {:.3} s\n",
            write_s,
            m.events as f64 / write_s / 1e6,
            generated.wall.as_secs_f64()
        ));
    }
    Ok(text)
}

/// Returns a flag that SIGINT or SIGTERM sets, asking the run to stop
/// and clean up; a second signal ends the process at once, since the user
/// then wants it gone more than tidy.
fn stop_on_signal() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let handled = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    if let Err(e) = handled {
        tracing::warn!(
            "cannot handle SIGINT and SIGTERM ({e}); a stopped run leaves its partial \
             dataset for the next run to remove"
        );
    }
    stop
}

/// The longest `--timeout-s`: a year, far beyond any dataset, and within
/// what a clock deadline can hold.
const MAX_TIMEOUT_S: f64 = 365.0 * 86_400.0;

/// Scores an external detector and returns what to print.
fn score(args: ScoreArgs) -> Result<String, Failure> {
    let ScoreArgs { dataset, detector_cmd, name, kinds, timeout_s, json } = args;
    let kinds = kinds
        .iter()
        .map(|k| k.parse::<AbuseKind>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::BadInput(anyhow::anyhow!("--kinds: {e}")))?;
    if let Some((_, twice)) = kinds.iter().enumerate().find(|(i, k)| kinds[..*i].contains(k)) {
        return Err(Failure::BadInput(anyhow::anyhow!(
            "--kinds: `{}` is named twice; each kind is scored once",
            twice.as_str()
        )));
    }
    if detector_cmd.trim().is_empty() {
        return Err(Failure::BadInput(anyhow::anyhow!(
            "--detector-cmd: the command is empty; expected the command line that runs the \
             detector, such as \"python3 examples/detectors/burst.py\""
        )));
    }
    if name.trim().is_empty() {
        return Err(Failure::BadInput(anyhow::anyhow!(
            "--name: the name is empty; expected the name to score the detector under"
        )));
    }
    if run_mod::FLOORS.contains(&name.as_str()) {
        return Err(Failure::BadInput(anyhow::anyhow!(
            "--name: `{name}` is the name of a floor, which is always scored beside the \
             detector; choose another name (floors: {})",
            run_mod::FLOORS.join(", ")
        )));
    }
    if !(timeout_s.is_finite() && timeout_s > 0.0 && timeout_s <= MAX_TIMEOUT_S) {
        return Err(Failure::BadInput(anyhow::anyhow!(
            "--timeout-s: expected a positive number of seconds, at most {MAX_TIMEOUT_S} \
             (a year), found {timeout_s}"
        )));
    }
    let detector = ExternalDetector {
        command: detector_cmd,
        name,
        kinds,
        timeout: Duration::from_secs_f64(timeout_s),
    };
    let progress = count_bar("scoring");
    let report = external::score_dataset(&dataset, &detector, &progress).map_err(|e| match e {
        ExternalError::Dataset(e) if e.is_bad_input() => Failure::BadInput(e.into()),
        e => Failure::Run(e.into()),
    })?;
    progress.finish_and_clear();
    Ok(if json { report.to_json() } else { surveil_reports::render_table(&report) })
}

/// A progress bar counting events on a terminal, nothing when standard
/// error is not one.
fn count_bar(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(1);
    let template = format!("{{spinner}} {what} [{{bar:40}}] {{percent:>3}}% eta {{eta}}");
    if let Ok(style) = ProgressStyle::with_template(&template).map(|s| s.progress_chars("=> ")) {
        bar.set_style(style);
    }
    bar
}

/// A progress bar in simulated time on a terminal, nothing when standard
/// error is not one.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(1);
    let style =
        ProgressStyle::with_template("{spinner} simulating [{bar:40}] {percent:>3}% eta {eta}")
            .map(|s| s.progress_chars("=> "));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

fn write_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`surveil run | head`) is the reader's choice, not
        // a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}
