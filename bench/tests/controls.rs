//! The exchange's controls in a running market: forced key expiry,
//! re-verification, reconciliation halts, the stream without controls, and
//! the what-if loop's independence from how the run is stepped.

#![allow(clippy::unwrap_used, reason = "the helpers of a test fail it by panicking")]

use surveil_bench::whatif::{self, run_policy};
use surveil_scenarios::Loaded;
use surveil_scenarios::policy::load_policy;
use surveil_sim::event::{ControlKind, HaltCause, RejectReason};
use surveil_sim::policy::{Action, PolicyConfig, ReconciliationPolicy};
use surveil_sim::{AccountId, Channel, Config, Event, EventBody, EventDigest, KeyId, Nanos};

/// Two minutes of the small market: enough for every lever to act.
fn short() -> Loaded {
    let source = "name = \"controls\"\nduration_s = 120\n\
                  [retail]\naccounts = 300\nsize_multiplier = 18\n\
                  [api_traders]\naccounts = 40\n";
    surveil_scenarios::parse(source, "<test>").unwrap()
}

fn with_policy(name: &str) -> Config {
    let mut config = short().config;
    config.policy = load_policy(name).unwrap();
    config
}

/// Runs a session, applying `actions` when the simulation reaches their
/// times, and returns every event.
fn run_with(config: &Config, actions: &[(Action, Nanos)]) -> Vec<Event> {
    let mut sim = surveil_sim::Simulation::new(config);
    let mut events = Vec::new();
    let mut pending = actions.to_vec();
    pending.sort_by_key(|&(_, at)| std::cmp::Reverse(at));
    loop {
        let until = pending.last().map_or(Nanos(u64::MAX), |&(_, at)| at);
        let more = sim.run_until(&mut events, until);
        while pending.last().is_some_and(|&(_, at)| at <= until) {
            let (action, at) = pending.pop().unwrap();
            assert!(sim.apply(action, at), "the policy takes actions");
        }
        if !more {
            break;
        }
    }
    events
}

fn digest(events: &[Event]) -> String {
    let mut d = EventDigest::new();
    d.update(events);
    d.hex()
}

/// The busiest API key of the first half minute, and its account.
fn busy_key(events: &[Event]) -> (KeyId, AccountId) {
    let mut counts = std::collections::BTreeMap::new();
    for e in events.iter().filter(|e| e.time < Nanos::from_secs(30)) {
        if let EventBody::Accepted(a) = e.body
            && let Channel::Api(key) = a.access.channel
        {
            *counts.entry((key, a.access.account)).or_insert(0u32) += 1;
        }
    }
    counts.into_iter().max_by_key(|&(k, n)| (n, std::cmp::Reverse(k))).unwrap().0
}

#[test]
fn the_none_policy_leaves_the_stream_byte_identical() {
    let plain = surveil_sim::run_to_end(&short().config).0;
    let none = surveil_sim::run_to_end(&with_policy("none")).0;
    assert_eq!(digest(&plain), digest(&none));
    assert!(plain.iter().all(|e| !matches!(e.body, EventBody::Control(_))));
}

#[test]
fn a_forced_expiry_cuts_off_every_later_request_with_the_key() {
    let config = with_policy("interventions");
    let (key, account) = busy_key(&run_with(&config, &[]));
    let at = Nanos::from_secs(40);
    let events = run_with(&config, &[(Action::ExpireKey(key), at)]);

    let expired = events.iter().position(|e| {
        matches!(e.body, EventBody::Control(c) if c.kind == ControlKind::KeyExpired && c.key == Some(key))
    });
    let expired = expired.expect("the expiry is a public event");
    assert_eq!(events[expired].time, at);
    let later: Vec<&Event> = events[expired..]
        .iter()
        .filter(|e| e.body.starts_request() && e.body.access().channel == Channel::Api(key))
        .collect();
    assert!(!later.is_empty(), "the owner's client tried the expired key");
    for e in later {
        let reason = match e.body {
            EventBody::Rejected(r) => r.reason,
            EventBody::CancelRejected(r) => r.reason,
            EventBody::AmendRejected(r) => r.reason,
            other => panic!("a request with the expired key got through: {other:?}"),
        };
        assert_eq!(reason, RejectReason::KeyExpired);
    }
    let issued = events.iter().find_map(|e| match e.body {
        EventBody::Control(c) if c.kind == (ControlKind::KeyIssued { replaces: key }) => c.key,
        _ => None,
    });
    if let Some(new_key) = issued {
        assert_ne!(new_key, key);
        assert!(events.iter().any(|e| matches!(e.body, EventBody::Accepted(a)
            if a.access.channel == Channel::Api(new_key) && a.access.account == account)));
    }
}

#[test]
fn a_re_verifying_account_resumes_only_after_it_completes() {
    let mut config = with_policy("interventions");
    if let Some(i) = config.policy.interventions.as_mut() {
        i.reverify_time = Nanos::from_secs(20);
    }
    let (_, account) = busy_key(&run_with(&config, &[]));
    let at = Nanos::from_secs(30);
    let events = run_with(&config, &[(Action::RequireReverification(account), at)]);

    let control = |kind: ControlKind| {
        events.iter().position(|e| {
            matches!(e.body, EventBody::Control(c) if c.kind == kind && c.account == Some(account))
        })
    };
    let paused = control(ControlKind::ReverificationRequired).expect("the demand is public");
    let resumed = control(ControlKind::Reverified).expect("an honest owner completes it");
    assert!(events[resumed].time > events[paused].time);
    let accepted =
        |e: &&Event| matches!(e.body, EventBody::Accepted(a) if a.access.account == account);
    assert_eq!(events[paused..resumed].iter().filter(accepted).count(), 0, "nothing while paused");
    assert!(events[resumed..].iter().any(|e| accepted(&e)), "it trades again afterwards");
}

#[test]
fn reconciliation_halts_trading_on_an_injected_discrepancy_and_resumes_once_corrected() {
    let mut config = short().config;
    config.policy = PolicyConfig {
        name: "reconcile".into(),
        reconciliation: Some(ReconciliationPolicy {
            interval: Nanos::from_secs(30),
            inject_at: Some(Nanos::from_secs(40)),
            correct_after: Nanos::from_secs(15),
        }),
        ..PolicyConfig::default()
    };
    let events = surveil_sim::run_to_end(&config).0;
    let controls: Vec<(Nanos, ControlKind)> = events
        .iter()
        .filter_map(|e| match e.body {
            EventBody::Control(c) => Some((e.time, c.kind)),
            _ => None,
        })
        .collect();
    let halt = controls
        .iter()
        .position(|&(_, k)| k == ControlKind::Halted { cause: HaltCause::Reconciliation })
        .expect("the discrepancy halts trading");
    let (halted_at, _) = controls[halt];
    assert_eq!(halted_at, Nanos::from_secs(60), "found at the first check after the fault");
    let resume = controls.iter().position(|&(_, k)| k == ControlKind::Resumed).expect("resumes");
    let resumed_at = controls[resume].0;
    assert_eq!(resumed_at, Nanos::from_secs(75), "once the books are corrected");
    assert!(matches!(controls[resume - 1].1, ControlKind::Reconciled { discrepancies: 0, .. }));
    let traded_while_halted = events.iter().any(|e| {
        e.time >= halted_at && e.time < resumed_at && matches!(e.body, EventBody::Accepted(_))
    });
    assert!(!traded_while_halted, "no order is taken during the halt");
    assert_eq!(controls.iter().filter(|(_, k)| matches!(k, ControlKind::Halted { .. })).count(), 1);
}

#[test]
fn reconciliation_never_halts_a_whole_default_session_without_a_fault() {
    let mut config = surveil_scenarios::load("default").unwrap().config;
    config.policy = load_policy("all").unwrap();
    config.policy.keys = None;
    config.policy.interventions = None;
    let mut sim = surveil_sim::Simulation::new(&config);
    let mut batch = Vec::new();
    let (mut checks, mut halts) = (0, 0);
    loop {
        batch.clear();
        let more = sim.next_batch(&mut batch, 1 << 16);
        for e in &batch {
            match e.body {
                EventBody::Control(c) => match c.kind {
                    ControlKind::Reconciled { discrepancies, accounts } => {
                        assert_eq!(discrepancies, 0, "at {:?}", e.time);
                        assert!(accounts > 0);
                        checks += 1;
                    }
                    ControlKind::Halted { .. } => halts += 1,
                    _ => {}
                },
                EventBody::Rejected(r) => assert_ne!(r.reason, RejectReason::TradingHalted),
                _ => {}
            }
        }
        if !more {
            break;
        }
    }
    assert_eq!((checks, halts), (11, 0), "a check every five minutes of the hour, no halt");
}

#[test]
fn what_if_results_do_not_depend_on_the_step() {
    let loaded = short();
    let config = with_policy("all");
    let coarse = run_policy(&loaded, &config, None).unwrap();
    let fine = run_policy(&loaded, &config, Some(Nanos::from_millis(7_300))).unwrap();
    assert_eq!(coarse.digest, fine.digest);
    assert_eq!(coarse.figures, fine.figures);
    assert!(coarse.figures.honest_accounts > 0);
}

#[test]
fn what_if_compares_policies_on_the_same_market() {
    let loaded = short();
    let policies = ["none", "whitelist"].map(|p| load_policy(p).unwrap()).to_vec();
    let request = whatif::WhatifRequest { seeds: vec![3], policies, step: None };
    let report = whatif::whatif(&loaded, &request, &indicatif::ProgressBar::hidden()).unwrap();
    assert_eq!(report.policies.len(), 2);
    let none = &report.policies[0];
    let whitelist = &report.policies[1];
    assert_eq!(none.policy, "none");
    assert_eq!(none.figures.honest.total.requests_refused, 0, "no control, no refusal");
    let shared = |p: &surveil_reports::whatif::PolicyResult| {
        p.figures.kinds.get("key_sharing").map_or(0, |k| k.requests_refused)
    };
    assert_eq!(shared(none), 0);
    assert!(shared(whitelist) > 0, "whitelists refuse the operators of leased keys");
    assert_ne!(none.digests, whitelist.digests);
}

#[test]
fn a_policy_acting_on_an_unknown_detector_is_refused_before_any_market_runs() {
    let mut misspelt = load_policy("interventions").unwrap();
    misspelt.name = "misspelt".to_owned();
    misspelt.interventions.as_mut().unwrap().detectors.push("spoof_cancle".to_owned());
    let request = whatif::WhatifRequest {
        seeds: vec![1],
        policies: vec![load_policy("none").unwrap(), misspelt],
        step: None,
    };
    let progress = indicatif::ProgressBar::hidden();
    let err = whatif::whatif(&short(), &request, &progress).unwrap_err();
    assert!(err.contains("misspelt") && err.contains("spoof_cancle"), "{err}");
    assert_eq!(progress.position(), 0, "no market ran before the refusal");
}
