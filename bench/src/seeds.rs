//! Many seeds, and the threshold protocol.
//!
//! A list of seeds is run one after the other, each scored on its own, and
//! summarised as means with 95% confidence intervals
//! ([`surveil_reports::SeedsReport`]). With a calibration seed, the
//! operating threshold of every detector and kind is chosen on that seed
//! first ([`crate::thresholds::calibrate`]) and every evaluation seed is
//! scored at it. A calibration seed that is also an evaluation seed is
//! refused: a threshold tuned on the data it is scored on flatters the
//! detector, and the protocol exists to make that impossible.

use indicatif::ProgressBar;
use surveil_reports::{RunReport, SeedsReport};
use surveil_scenarios::Loaded;

use crate::run::{RunError, RunRequest, assemble_with, execute};
use crate::score::ScoringRules;
use crate::thresholds::{self, Objective, Thresholds};

/// The largest number of seeds one list may name, so that a typo such as
/// `1..100000` is refused rather than run for days.
pub const MAX_SEEDS: usize = 10_000;

/// Reads a list of seeds: comma-separated seeds and inclusive ranges,
/// such as `1..20` or `1,2,5..8`. Repeated seeds are refused.
///
/// # Errors
///
/// Returns a message naming the part that is not a seed or range.
pub fn parse_seeds(text: &str) -> Result<Vec<u64>, String> {
    let mut seeds = Vec::new();
    for part in text.split(',').map(str::trim) {
        let number = |s: &str| {
            s.trim().parse::<u64>().map_err(|_| {
                format!("`{part}` in `{text}` is not a seed or a range of seeds such as 1..20")
            })
        };
        match part.split_once("..") {
            Some((a, b)) => {
                let (a, b) = (number(a)?, number(b.trim_start_matches('='))?);
                if a > b {
                    return Err(format!("the range `{part}` is empty: it must run upwards"));
                }
                if b - a >= MAX_SEEDS as u64 {
                    return Err(format!("the range `{part}` names more than {MAX_SEEDS} seeds"));
                }
                seeds.extend(a..=b);
            }
            None => seeds.push(number(part)?),
        }
        if seeds.len() > MAX_SEEDS {
            return Err(format!("`{text}` names more than {MAX_SEEDS} seeds"));
        }
    }
    if let Some((_, s)) = seeds.iter().enumerate().find(|(i, s)| seeds[..*i].contains(s)) {
        return Err(format!("seed {s} is named twice in `{text}`"));
    }
    Ok(seeds)
}

/// How the evaluation seeds are scored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Protocol {
    /// The seed thresholds are chosen on; every alert is scored when
    /// `None`.
    pub calibrate_seed: Option<u64>,
    /// How the threshold is chosen.
    pub objective: Objective,
}

/// Why an evaluation was refused.
#[derive(Debug, thiserror::Error)]
pub enum SeedsError {
    /// The calibration seed is among the evaluation seeds.
    #[error(
        "calibration seed {0} is also an evaluation seed; thresholds must be chosen on a seed \
         that is not scored (pick another --calibrate-seed or leave {0} out of --seeds)"
    )]
    CalibrationScored(u64),
    /// No seed to evaluate.
    #[error("no evaluation seed")]
    NoSeeds,
    /// The run itself was refused.
    #[error(transparent)]
    Run(#[from] RunError),
}

/// Chooses the thresholds on the protocol's calibration seed, if it has
/// one.
///
/// # Errors
///
/// Refuses a calibration seed among `seeds`, and an unknown detector.
pub fn calibrate(
    loaded: &Loaded,
    request: &RunRequest,
    seeds: &[u64],
    protocol: Protocol,
    progress: &ProgressBar,
) -> Result<Thresholds, SeedsError> {
    let Some(seed) = protocol.calibrate_seed else { return Ok(Thresholds::default()) };
    if seeds.contains(&seed) {
        return Err(SeedsError::CalibrationScored(seed));
    }
    let request = RunRequest { seed: Some(seed), ..request.clone() };
    let executed = execute(loaded, &request, progress)?;
    let rules = ScoringRules { grace: loaded.grace };
    let chosen = thresholds::calibrate(
        &executed.output.truth,
        &executed.output.detectors,
        &rules,
        protocol.objective,
    );
    tracing::info!(seed, "operating thresholds chosen on the calibration seed");
    Ok(chosen)
}

/// Runs and scores each seed under the protocol.
///
/// # Errors
///
/// Refuses an empty list, a calibration seed among the seeds, and an
/// unknown detector, all before any evaluation seed runs.
pub fn evaluate(
    loaded: &Loaded,
    request: &RunRequest,
    seeds: &[u64],
    protocol: Protocol,
    progress: &ProgressBar,
) -> Result<SeedsReport, SeedsError> {
    if seeds.is_empty() {
        return Err(SeedsError::NoSeeds);
    }
    let chosen = calibrate(loaded, request, seeds, protocol, progress)?;
    let mut runs: Vec<RunReport> = Vec::with_capacity(seeds.len());
    for &seed in seeds {
        progress.reset();
        let request = RunRequest { seed: Some(seed), ..request.clone() };
        let executed = execute(loaded, &request, progress)?;
        let mut report = assemble_with(loaded, executed.seed, &executed.output, &chosen);
        report.calibration = executed.calibration;
        runs.push(report);
    }
    let (objective, budget) = match (protocol.calibrate_seed, protocol.objective) {
        (None, _) => ("none", None),
        (Some(_), Objective::BestF1) => ("best_f1", None),
        (Some(_), Objective::AlertBudget(k)) => ("alert_budget", Some(k)),
    };
    Ok(SeedsReport {
        scenario: loaded.scenario.name.clone(),
        seeds: seeds.to_vec(),
        calibrate_seed: protocol.calibrate_seed,
        objective: objective.to_owned(),
        alert_budget_per_1k: budget,
        summary: SeedsReport::summarise(&runs),
        runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_lists_and_inclusive_ranges() {
        assert_eq!(parse_seeds("1..5").unwrap(), [1, 2, 3, 4, 5]);
        assert_eq!(parse_seeds("7").unwrap(), [7]);
        assert_eq!(parse_seeds("1, 3,5..6").unwrap(), [1, 3, 5, 6]);
        assert_eq!(parse_seeds("2..=3").unwrap(), [2, 3]);
    }

    #[test]
    fn bad_lists_are_refused_with_the_part_named() {
        assert!(parse_seeds("1..x").unwrap_err().contains("`1..x`"));
        assert!(parse_seeds("5..1").unwrap_err().contains("empty"));
        assert!(parse_seeds("1,2,1").unwrap_err().contains("twice"));
        assert!(parse_seeds("0..100000").unwrap_err().contains("more than"));
        assert!(parse_seeds("-1").is_err());
    }
}
