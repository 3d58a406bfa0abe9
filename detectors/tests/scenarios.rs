//! The built-in detectors on simulated markets: what they catch of the
//! abuse a built-in scenario injects, and what they leave alone.

use surveil_detectors::{AbuseKind, Alert, Entity, builtin};
use surveil_sim::{Nanos, run_to_end};

/// Runs one built-in detector over a built-in scenario.
fn alerts(scenario: &str, detector: &str) -> (Vec<Alert>, surveil_sim::GroundTruth) {
    let loaded = surveil_scenarios::load(scenario).expect("a built-in scenario");
    let (events, truth) = run_to_end(&loaded.config);
    let mut d = builtin(detector, &[], 1).expect("a built-in detector");
    let mut alerts = Vec::new();
    for e in &events {
        d.on_event(e, &mut alerts);
    }
    d.finish(&mut alerts);
    (alerts, truth)
}

#[test]
fn pump_group_catches_the_pumps_of_the_small_market_and_flags_no_honest_account() {
    let (alerts, truth) = alerts("small", "pump_group");
    let pumps: Vec<_> = truth.episodes.iter().filter(|e| e.kind == AbuseKind::Pump).collect();
    assert!(pumps.len() >= 4, "the small scenario injects pumps");

    // Every alert names a member of a pump.
    for a in &alerts {
        let Entity::Account(account) = a.entity else { panic!("{a:?} names a key") };
        assert!(
            pumps.iter().any(|p| p.accounts.contains(&account)),
            "{a:?} is on an honest account"
        );
    }

    // Most pumps are caught while they run (the disguised ones, whose
    // accounts share no address or tool, are out of reach).
    let grace = Nanos::from_secs(60);
    let caught = pumps
        .iter()
        .filter(|p| {
            alerts.iter().any(|a| {
                matches!(a.entity, Entity::Account(x) if p.accounts.contains(&x))
                    && a.time >= p.start
                    && a.time <= p.end + grace
            })
        })
        .count();
    assert!(2 * caught >= pumps.len(), "{caught} of {} pumps caught", pumps.len());
}

/// A built-in detector fed plain events indexes them itself; fed through
/// `on_indexed`, it takes the indices of a shared indexer, in batches of
/// any size. The two must raise the same alerts, in the same order.
#[test]
fn every_built_in_raises_the_same_alerts_fed_plain_events_or_indexed_batches() {
    use surveil_detectors::builtin_names;
    use surveil_detectors::indices::{BatchIndices, Indexer};

    let loaded = surveil_scenarios::load("small").expect("a built-in scenario");
    let (events, _) = run_to_end(&loaded.with_seed(5));
    for name in builtin_names() {
        let mut plain = builtin(name, &AbuseKind::ALL, 1).expect("a built-in detector");
        let mut expected = Vec::new();
        for e in &events {
            plain.on_event(e, &mut expected);
        }
        plain.finish(&mut expected);

        for batch in [1, 777, 4096] {
            let mut indexed = builtin(name, &AbuseKind::ALL, 1).expect("a built-in detector");
            let (mut indexer, mut indices) = (Indexer::new(), BatchIndices::default());
            let mut alerts = Vec::new();
            for chunk in events.chunks(batch) {
                indexer.index(chunk, &mut indices);
                indexed.on_indexed(indices.view(chunk), &mut alerts);
            }
            indexed.finish(&mut alerts);
            assert_eq!(alerts, expected, "{name} in batches of {batch}");
        }
        if !matches!(name, "null" | "wash_sizes") {
            assert!(!expected.is_empty(), "{name} alerts on the small market");
        }
    }
}
