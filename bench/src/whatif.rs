//! `surveil whatif`: the same market and seeds under several control
//! policies, side by side.
//!
//! For each seed the scenario's market is first calibrated to its API
//! share target without controls, as `surveil run` does, and every policy
//! then runs that same market. A run is a feedback loop: the simulation
//! advances in steps no longer than the policy's shortest review delay,
//! every built-in detector reads each step's events on the calling thread,
//! and the review desk ([`engine`]) turns the alerts of the detectors the
//! policy acts on into actions, each taking effect one review delay after
//! its alert. An action therefore always lands at or after the end of the
//! step whose alert caused it, before the simulation has gone past that
//! time, so the outcome is the same whatever the step (down to a single
//! event) and whatever the machine; `tests/controls.rs` checks that.
//! Detectors run synchronously here so that no thread timing can decide
//! when an alert is seen.
//!
//! With the `none` policy (or a scenario without `[policy]`) the stream is
//! exactly the one `surveil run` simulates.

pub mod engine;
pub mod measure;

use indicatif::ProgressBar;
use surveil_detectors::{Alert, Choice, Context, Detector};
use surveil_reports::whatif::{Figures, PolicyResult, WhatifReport};
use surveil_scenarios::{Loaded, ScenarioError};
use surveil_sim::policy::PolicyConfig;
use surveil_sim::{Config, Event, EventDigest, Nanos, Simulation};

use crate::calibrate::{self, Next};
use crate::pipeline::{self, PipelineOptions};
use crate::run::{floor_seed, requested_episodes};
use engine::ReviewDesk;
use measure::Tape;

/// The step of a run whose policy takes no actions: it only bounds how
/// many events wait in memory.
const PASSIVE_STEP: Nanos = Nanos::from_secs(60);

/// What to compare.
#[derive(Clone, Debug)]
pub struct WhatifRequest {
    /// The seeds; the scenario's own when empty.
    pub seeds: Vec<u64>,
    /// The policies, in the order the columns show them.
    pub policies: Vec<PolicyConfig>,
    /// The simulation step; the policy's shortest review delay when `None`.
    /// Results do not depend on it as long as it is no longer than that.
    pub step: Option<Nanos>,
}

/// One policy's run of one seed.
#[derive(Debug)]
pub struct PolicyRun {
    /// The stream digest.
    pub digest: String,
    /// Events in the stream.
    pub events: u64,
    /// What was measured.
    pub figures: Figures,
}

/// Runs every policy over every seed and returns the comparison.
///
/// # Errors
///
/// Returns a message when a policy's intervention list names an unknown
/// detector.
pub fn whatif(
    loaded: &Loaded,
    request: &WhatifRequest,
    progress: &ProgressBar,
) -> Result<WhatifReport, String> {
    for policy in &request.policies {
        check_detectors(policy)?;
    }
    let seeds =
        if request.seeds.is_empty() { vec![loaded.config.seed] } else { request.seeds.clone() };
    let mut results: Vec<PolicyResult> = request
        .policies
        .iter()
        .map(|p| PolicyResult { policy: p.name.clone(), ..PolicyResult::default() })
        .collect();
    progress.set_length((seeds.len() * (request.policies.len() + 1)) as u64);
    for &seed in &seeds {
        let market = calibrated(loaded, seed);
        progress.inc(1);
        for (policy, result) in request.policies.iter().zip(&mut results) {
            let mut config = market.clone();
            config.policy = policy.clone();
            let run = run_policy(loaded, &config, request.step)?;
            tracing::info!(seed, policy = %policy.name, events = run.events, "what-if run ends");
            result.events += run.events;
            result.digests.push(run.digest);
            result.figures.absorb(&run.figures);
            progress.inc(1);
        }
    }
    Ok(WhatifReport { scenario: loaded.scenario.name.clone(), seeds, policies: results })
}

/// Checks that every detector a policy's interventions act on is a
/// built-in, so that a misspelt name is refused before any market runs.
///
/// # Errors
///
/// Returns a message naming the policy, the unknown detector and the
/// names allowed.
pub fn check_detectors(policy: &PolicyConfig) -> Result<(), String> {
    match unknown_detector(policy) {
        None => Ok(()),
        Some((_, unknown)) => Err(format!(
            "policy `{}`: unknown detector `{unknown}` in interventions.detectors; expected one \
             of {}",
            policy.name,
            builtin_list()
        )),
    }
}

/// Checks, as [`check_detectors`] does, the policy a scenario writes.
///
/// # Errors
///
/// Returns the scenario's error naming its file, the line and the field of
/// the unknown detector, and the names allowed.
pub fn check_scenario_detectors(loaded: &Loaded) -> Result<(), ScenarioError> {
    match unknown_detector(&loaded.config.policy) {
        None => Ok(()),
        Some((i, unknown)) => Err(loaded.invalid(
            &format!("policy.interventions.detectors[{i}]"),
            format!("unknown detector `{unknown}`; expected one of {}", builtin_list()),
        )),
    }
}

/// Returns the place and name of the first detector the interventions act
/// on that is not a built-in.
fn unknown_detector(policy: &PolicyConfig) -> Option<(usize, &str)> {
    policy
        .interventions
        .iter()
        .flat_map(|i| i.detectors.iter().enumerate())
        .find(|(_, n)| !surveil_detectors::builtin_names().any(|b| b == n.as_str()))
        .map(|(i, n)| (i, n.as_str()))
}

fn builtin_list() -> String {
    surveil_detectors::builtin_names().collect::<Vec<_>>().join(", ")
}

/// The scenario's market for `seed`, with retail sizes scaled to meet its
/// API share target as `surveil run` scales them, and no controls.
pub fn calibrated(loaded: &Loaded, seed: u64) -> Config {
    let mut config = loaded.with_seed(seed);
    config.policy = PolicyConfig::default();
    let options = PipelineOptions { threads: 1, ..PipelineOptions::default() };
    let mut search = calibrate::Search::new(loaded.api_share);
    loop {
        let output = pipeline::run(&config, Vec::new(), options, &ProgressBar::hidden());
        match search.record(config.retail.size_multiplier, output.stats.algo_share()) {
            Next::Met => return config,
            Next::Again(multiplier) => config.retail.size_multiplier = multiplier,
            Next::GiveUp { multiplier, .. } => {
                config.retail.size_multiplier = multiplier;
                return config;
            }
        }
    }
}

/// Runs one policy on one calibrated market: the feedback loop of
/// simulation, detectors and review desk.
///
/// # Errors
///
/// Returns a message when the policy names an unknown detector.
pub fn run_policy(
    loaded: &Loaded,
    config: &Config,
    step: Option<Nanos>,
) -> Result<PolicyRun, String> {
    let mut desk = config.policy.interventions.clone().map(ReviewDesk::new);
    let shortest =
        config.policy.interventions.as_ref().map(|i| i.review_delay.min(i.monitored_review_delay));
    let step = match (step, shortest) {
        (Some(s), Some(d)) => s.min(d),
        (Some(s), None) => s,
        (None, Some(d)) => d,
        (None, None) => PASSIVE_STEP,
    }
    .max(Nanos(1));

    // Only the detectors the desk acts on need to run.
    let kinds: Vec<_> = requested_episodes(loaded).iter().map(|&(k, _)| k).collect();
    let context = Context { kinds: &kinds, seed: floor_seed(config.seed) };
    let mut detectors: Vec<Box<dyn Detector>> = Vec::new();
    if let Some(d) = &desk {
        for name in surveil_detectors::builtin_names().filter(|n| d.acts_on(n)) {
            detectors.push(Choice::named(name).build(&context).map_err(|e| e.to_string())?);
        }
        check_detectors(&config.policy)?;
    }

    let mut sim = Simulation::new(config);
    let mut tape = Tape::new(sim.instruments());
    let mut digest = EventDigest::new();
    let mut events: Vec<Event> = Vec::new();
    let mut alerts: Vec<Alert> = Vec::new();
    let mut actions = Vec::new();
    let mut produced = 0u64;
    let mut until = step;
    loop {
        events.clear();
        let more = sim.run_until(&mut events, until);
        produced += events.len() as u64;
        digest.update(&events);
        tape.record(&events);

        if let Some(desk) = desk.as_mut() {
            desk.observe(&events);
            alerts.clear();
            for detector in &mut detectors {
                for event in &events {
                    detector.on_event(event, &mut alerts);
                }
            }
            alerts.sort_by(Alert::total_cmp);
            actions.clear();
            for alert in &alerts {
                desk.review(alert, until, &mut actions);
            }
            for &(action, at) in &actions {
                sim.apply(action, at);
            }
        }
        if !more {
            break;
        }
        until += step;
    }
    let session = sim.duration();
    let truth = sim.finish();
    Ok(PolicyRun { digest: digest.hex(), events: produced, figures: tape.measure(&truth, session) })
}
