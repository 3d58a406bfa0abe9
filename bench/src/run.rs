//! `surveil run`: one scenario, one seed, every detector, one results
//! document.

use std::collections::BTreeSet;

use indicatif::ProgressBar;
use surveil_detectors::{AbuseKind, Choice, Context};
use surveil_reports::{Calibration, DecoyCount, EpisodeCount, RunCost, RunReport};
use surveil_scenarios::Loaded;
use surveil_sim::{AccountId, DecoyKind};

use crate::calibrate::{self, Next};
use crate::chart_data::chart_data;
use crate::pipeline::{self, PipelineOptions, RunOutput};
use crate::score::{Cause, HonestAccounts, ScoringRules, member_credit, score_kind};
use crate::thresholds::{self, Thresholds};

/// What to run.
#[derive(Clone, Debug)]
pub struct RunRequest {
    /// The seed; the scenario's own when `None`.
    pub seed: Option<u64>,
    /// The detectors, each with its parameters; every built-in with its
    /// defaults when empty. The null and random detectors are always added.
    pub detectors: Vec<Choice>,
    /// How the run uses the machine.
    pub pipeline: PipelineOptions,
}

/// The floors, scored beside every run's detectors under these names: null
/// never alerts, random alerts at random.
pub const FLOORS: [&str; 2] = ["null", "random"];

/// Errors a run can refuse with before it starts.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A detector name is not known, or is given twice.
    #[error("{0}")]
    UnknownDetector(String),
}

/// The kinds the simulator injects, with the number of episodes of each a
/// scenario asks for. Every detector of a kind is scored on it even when a
/// scenario injects none, so that its false flags still show.
pub fn requested_episodes(loaded: &Loaded) -> [(AbuseKind, u32); 5] {
    let abuse = &loaded.config.abuse;
    [
        (AbuseKind::KeySharing, abuse.key_sharing.episodes),
        (AbuseKind::Spoofing, abuse.spoofing.episodes),
        (AbuseKind::WashTrading, abuse.wash_trading.episodes),
        (AbuseKind::MicroBurst, abuse.micro_burst.episodes),
        (AbuseKind::Pump, abuse.pump.episodes),
    ]
}

/// Returns the seed of the random detector for a run of `seed`. Its
/// stream depends on the run's seed and on nothing else, so its floor
/// moves with the market it is compared in, and is the same whether the
/// run is scored by `surveil run` or from a dataset by `surveil score`.
pub fn floor_seed(seed: u64) -> u64 {
    seed ^ 0x5EED_0F2A_D07E_C7A1
}

/// Warns that a scenario's interventions will not act: the review desk
/// that turns alerts into actions runs only in the what-if loop, and a
/// plain run's detectors only score.
pub fn warn_inert_interventions(config: &surveil_sim::Config) {
    if config.policy.interventions.is_some() {
        tracing::warn!(
            policy = %config.policy.name,
            "the scenario's [policy.interventions] acts only under `surveil whatif`; \
             this run applies the policy's other levers, and no alert leads to an action"
        );
    }
}

/// Runs a loaded scenario and scores every detector.
///
/// # Errors
///
/// Refuses an unknown detector name before anything runs.
pub fn run(
    loaded: &Loaded,
    request: &RunRequest,
    progress: &ProgressBar,
) -> Result<RunReport, RunError> {
    let executed = execute(loaded, request, progress)?;
    let mut report = assemble(loaded, executed.seed, &executed.output);
    report.calibration = executed.calibration;
    Ok(report)
}

/// A run that has been simulated and detected on but not yet scored.
#[derive(Debug)]
pub struct Executed {
    /// The seed the run used.
    pub seed: u64,
    /// Everything the run produced, the ground truth included.
    pub output: RunOutput,
    /// How the scenario's target API share was met.
    pub calibration: Calibration,
}

/// Runs a loaded scenario and every requested detector, and returns what
/// they produced unscored; [`assemble`] scores it. [`run`] does both.
///
/// # Errors
///
/// Refuses an unknown detector name before anything runs.
pub fn execute(
    loaded: &Loaded,
    request: &RunRequest,
    progress: &ProgressBar,
) -> Result<Executed, RunError> {
    let seed = request.seed.unwrap_or(loaded.config.seed);
    let config = loaded.with_seed(seed);
    crate::whatif::check_scenario_detectors(loaded)
        .map_err(|e| RunError::UnknownDetector(e.to_string()))?;
    warn_inert_interventions(&config);
    let kinds: Vec<AbuseKind> = requested_episodes(loaded).iter().map(|&(k, _)| k).collect();

    if let Some((_, twice)) = request
        .detectors
        .iter()
        .enumerate()
        .find(|(i, c)| request.detectors[..*i].iter().any(|d| d.name == c.name))
    {
        let name = &twice.name;
        return Err(RunError::UnknownDetector(format!("detector `{name}` is named twice")));
    }
    let mut choices: Vec<Choice> = if request.detectors.is_empty() {
        surveil_detectors::builtin_names().map(Choice::named).collect()
    } else {
        request.detectors.clone()
    };
    for floor in FLOORS {
        if !choices.iter().any(|c| c.name == floor) {
            choices.push(Choice::named(floor));
        }
    }
    let detector_seed = floor_seed(seed);
    let context = Context { kinds: &kinds, seed: detector_seed };
    let build = || {
        choices
            .iter()
            .map(|c| c.build(&context))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| RunError::UnknownDetector(e.to_string()))
    };
    build()?;

    // Run, and run again with rescaled retail sizes while the API share is
    // off its target; the last run is the one reported. Only the
    // multiplier of the run closest to the target is kept, not its output,
    // so that a calibrating run holds one run's alerts and ground truth at
    // a time; when no run meets the target, the closest is run once more.
    tracing::info!(scenario = %loaded.scenario.name, seed, detectors = choices.len(), "run starts");
    let target = loaded.api_share;
    let mut config = config;
    let mut search = calibrate::Search::new(target);
    let (output, multiplier, met, runs) = loop {
        let output = pipeline::run(&config, build()?, request.pipeline, progress);
        let share = output.stats.algo_share();
        tracing::info!(
            events = output.stats.events,
            api_share = share,
            target,
            wall_s = output.wall.as_secs_f64(),
            "run ends"
        );
        match search.record(config.retail.size_multiplier, share) {
            Next::Met => break (output, config.retail.size_multiplier, true, search.tries()),
            Next::Again(multiplier) => {
                drop(output);
                config.retail.size_multiplier = multiplier;
                tracing::info!(
                    retail_size_multiplier = multiplier,
                    "API share off target; running again with rescaled retail sizes"
                );
                progress.reset();
            }
            Next::GiveUp { closest, multiplier } => {
                // The warning counts every run made, the closest one's
                // repeat included, as the results' `calibration.runs` does.
                let warn = |runs: usize| {
                    tracing::warn!(
                        target,
                        runs,
                        closest = closest + 1,
                        "API share target not met in {} tries; reporting the closest run",
                        calibrate::MAX_RUNS
                    );
                };
                if closest + 1 == search.tries() {
                    warn(search.tries());
                    break (output, config.retail.size_multiplier, false, search.tries());
                }
                drop(output);
                warn(search.tries() + 1);
                config.retail.size_multiplier = multiplier;
                progress.reset();
                let output = pipeline::run(&config, build()?, request.pipeline, progress);
                break (output, multiplier, false, search.tries() + 1);
            }
        }
    };
    let calibration = Calibration { runs: runs as u32, met, retail_size_multiplier: multiplier };
    Ok(Executed { seed, output, calibration })
}

/// Scores every detector on all its alerts and builds the results document.
pub fn assemble(loaded: &Loaded, seed: u64, output: &RunOutput) -> RunReport {
    assemble_with(loaded, seed, output, &Thresholds::default())
}

/// Scores every detector and builds the results document; a detector and
/// kind with an operating threshold in `thresholds` is scored on its alerts
/// at or above it. The precision-recall curve and average precision always
/// look at every alert, whatever the threshold.
pub fn assemble_with(
    loaded: &Loaded,
    seed: u64,
    output: &RunOutput,
    thresholds: &Thresholds,
) -> RunReport {
    let truth = &output.truth;
    let rules = ScoringRules { grace: loaded.grace };
    let events = output.stats.events.max(1) as f64;

    let mut detectors = Vec::new();
    for run in &output.detectors {
        let busy = run.busy.as_secs_f64();
        let ns_per_event = busy * 1e9 / events;
        let events_per_sec = if busy > 0.0 { events / busy } else { 0.0 };
        for alert in &run.alerts {
            tracing::debug!(
                detector = %run.name,
                time_ns = alert.time.0,
                kind = %alert.kind,
                entity = %alert.entity,
                score = alert.score,
                "alert"
            );
        }
        for &kind in &run.kinds {
            let threshold = thresholds.get(&run.name, kind);
            let kept: Vec<_> = run
                .alerts
                .iter()
                .filter(|a| a.kind == kind && threshold.is_none_or(|t| a.score >= t))
                .copied()
                .collect();
            let score = score_kind(truth, &kept, kind, &rules);
            tracing::debug!(detector = %run.name, %kind, alerts = score.alerts, "scored");
            let credit = member_credit(truth, &kept, kind, &rules);
            let curve = thresholds::pr_curve(truth, &run.alerts, kind, &rules);
            let mut row = score.into_report(&run.name, kind, ns_per_event, events_per_sec);
            row.p99_event_ns = run.p99_event_ns;
            row.threshold = threshold;
            row.member_recall = credit.partial;
            row.whole_ring_recall = credit.whole;
            row.average_precision = row.recall.and_then(|_| thresholds::average_precision(&curve));
            row.pr_curve = curve;
            detectors.push(row);
        }
    }

    let abusive: BTreeSet<AccountId> =
        truth.episodes.iter().flat_map(|e| e.accounts.iter().copied()).collect();
    let honest = HonestAccounts::of(truth);
    let decoys = DecoyKind::ALL
        .iter()
        .map(|&kind| DecoyCount {
            kind: kind.as_str().to_owned(),
            accounts: honest.count(Cause::Decoy(kind)) as u64,
        })
        .collect();
    let episodes = requested_episodes(loaded)
        .iter()
        .map(|&(kind, requested)| EpisodeCount {
            kind: kind.as_str().to_owned(),
            count: truth.episodes.iter().filter(|e| e.kind == kind).count() as u64,
            requested: u64::from(requested),
        })
        .filter(|c| c.requested > 0 || c.count > 0)
        .inspect(|c| {
            if c.count < c.requested {
                tracing::warn!(
                    kind = %c.kind,
                    requested = c.requested,
                    injected = c.count,
                    "fewer episodes than requested: the rest found no chance to act \
                     (episodes longer than the session, no room in the spread, too few key owners)"
                );
            }
        })
        .collect();

    RunReport {
        surveil_version: env!("CARGO_PKG_VERSION").to_owned(),
        scenario: loaded.scenario.name.clone(),
        seed,
        duration_s: loaded.config.duration.as_secs_f64(),
        instruments: loaded.config.instruments.iter().map(|i| i.spec.symbol.clone()).collect(),
        accounts: truth.accounts.len() as u64,
        honest_accounts: (truth.accounts.len() - abusive.len()) as u64,
        events: output.stats.events,
        trades: output.stats.trades,
        algo_share: output.stats.algo_share(),
        api_share_target: loaded.api_share,
        calibration: Calibration {
            runs: 1,
            met: true,
            retail_size_multiplier: loaded.config.retail.size_multiplier,
        },
        digest: output.digest.clone(),
        episodes,
        decoys,
        grace_ms: loaded.grace.as_millis_f64(),
        detectors,
        controls: output.stats.controls.summary(),
        cost: RunCost {
            sim_seconds: output.sim_busy.as_secs_f64(),
            events_per_sec: output.stats.events as f64 / output.sim_busy.as_secs_f64().max(1e-9),
            wall_seconds: output.wall.as_secs_f64(),
            peak_memory_bytes: output.peak_memory_bytes,
        },
        charts: chart_data(output, loaded.config.duration, &rules),
    }
}
