//! End-to-end tests of the harness: determinism, the calibrated market, the
//! detectors' floors and the decoys on the default scenario.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use indicatif::ProgressBar;
use surveil_bench::pipeline::PipelineOptions;
use surveil_bench::run::{RunRequest, assemble, execute, run};
use surveil_reports::RunReport;
use surveil_scenarios::{Loaded, library, load};
use surveil_sim::{Access, AccountId, DecoyKind, EventBody, GroundTruth, Nanos, Simulation};

fn request(seed: Option<u64>, threads: usize) -> RunRequest {
    RunRequest { seed, detectors: Vec::new(), pipeline: PipelineOptions { threads, batch: 4096 } }
}

fn run_with(loaded: &Loaded, seed: Option<u64>, threads: usize) -> RunReport {
    run(loaded, &request(seed, threads), &ProgressBar::hidden()).expect("the run starts")
}

fn default_scenario() -> &'static Loaded {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    LOADED.get_or_init(|| load(library::DEFAULT).expect("the default scenario loads"))
}

/// The default scenario's results document and the ground truth it was
/// scored against.
struct DefaultRun {
    report: RunReport,
    truth: GroundTruth,
}

/// The default scenario is run once and shared by the tests that read it.
fn default_run() -> &'static DefaultRun {
    static RUN: OnceLock<DefaultRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let loaded = default_scenario();
        let executed =
            execute(loaded, &request(None, 2), &ProgressBar::hidden()).expect("the run starts");
        let report = assemble(loaded, executed.seed, &executed.output);
        DefaultRun { report, truth: executed.output.truth }
    })
}

fn default_report() -> &'static RunReport {
    &default_run().report
}

/// Each baseline detector and the kind it is built for.
const BASELINES: [(&str, &str); 4] = [
    ("key_travel", "key_sharing"),
    ("spoof_cancel", "spoofing"),
    ("wash_pairs", "wash_trading"),
    ("burst_rate", "micro_burst"),
];

fn score<'a>(report: &'a RunReport, name: &str, kind: &str) -> &'a surveil_reports::DetectorScore {
    report
        .detectors
        .iter()
        .find(|d| d.name == name && d.kind == kind)
        .unwrap_or_else(|| panic!("no score for {name} / {kind}"))
}

#[test]
fn default_scenario_is_the_size_the_design_promises() {
    let report = default_report();
    assert!(report.events >= 1_000_000, "{} events", report.events);
    assert!(report.accounts >= 2000, "{} accounts", report.accounts);
    assert!(report.duration_s >= 3600.0);
    assert_eq!(report.instruments.len(), 2);
    for kind in ["key_sharing", "spoofing", "wash_trading", "micro_burst"] {
        let count = report.episodes.iter().find(|e| e.kind == kind).map_or(0, |e| e.count);
        assert!(count >= 10, "{kind}: {count} episodes");
    }
}

#[test]
fn api_orders_make_up_thirty_percent_of_traded_volume() {
    let share = default_report().algo_share;
    assert!((0.29..=0.31).contains(&share), "API share {share:.4}");
}

#[test]
fn a_scenario_gets_the_api_share_it_asks_for() {
    for target in [0.10, 0.60] {
        let source = format!("name = \"share\"\nduration_s = 900\napi_share = {target}\n");
        let loaded = surveil_scenarios::parse(&source, "share.toml").expect("valid");
        let report = run_with(&loaded, None, 2);
        let share = report.algo_share;
        assert!((share - target).abs() <= 0.02, "target {target}: share {share:.4}");
        assert!(
            report.calibration.runs >= 2,
            "the mix alone gives 30%, so {target} needs rescaling"
        );
        assert_eq!(report.api_share_target, target);
    }
}

#[test]
fn every_baseline_clears_its_floor_on_the_default_scenario() {
    let report = default_report();
    for (name, kind) in BASELINES {
        let s = score(report, name, kind);
        let (precision, recall) = (s.precision.unwrap_or(0.0), s.recall.unwrap_or(0.0));
        assert!(precision >= 0.6, "{name}: precision {precision:.3}");
        assert!(recall >= 0.6, "{name}: recall {recall:.3}");
    }
}

#[test]
fn null_and_random_detectors_score_far_below_the_baselines() {
    let report = default_report();
    for kind in ["key_sharing", "spoofing", "wash_trading", "micro_burst"] {
        let null = score(report, "null", kind);
        // Saying nothing leaves precision undefined and catches nothing.
        assert_eq!((null.alerts, null.precision), (0, None), "{kind}");
        assert_eq!((null.recall, null.f1), (Some(0.0), Some(0.0)), "{kind}");
        let random = score(report, "random", kind);
        assert!(random.alerts > 50, "the random floor must actually alert: {kind}");
        let f1 = random.f1.unwrap_or(0.0);
        assert!(f1 < 0.1, "random {kind}: F1 {f1:.3}");
        assert!(random.false_flags_per_1k_honest > 10.0, "random {kind}");
    }
}

#[test]
fn same_seed_gives_the_same_stream_and_scores_on_any_thread_count() {
    let small = load("small").unwrap();
    let one = run_with(&small, Some(7), 1);
    let three = run_with(&small, Some(7), 3);
    assert_eq!(one.digest, three.digest);
    assert_eq!(one.without_cost(), three.without_cost());
    assert_eq!(one.without_cost().to_json(), three.without_cost().to_json());
}

#[test]
fn different_seed_gives_a_different_stream() {
    let small = load("small").unwrap();
    let a = run_with(&small, Some(7), 2);
    let b = run_with(&small, Some(8), 2);
    assert_ne!(a.digest, b.digest);
    assert_eq!(a.seed, 7);
}

#[test]
fn unknown_detector_is_refused_before_the_run() {
    let small = load("small").unwrap();
    let mut req = request(None, 1);
    req.detectors = vec!["key_travel".into(), "no_such_detector".into()];
    let err = run(&small, &req, &ProgressBar::hidden()).unwrap_err();
    assert!(err.to_string().contains("no_such_detector"), "{err}");
}

#[test]
fn chosen_detectors_run_with_the_floors_added() {
    let small = load("small").unwrap();
    let mut req = request(None, 1);
    req.detectors = vec!["burst_rate".into()];
    let report = run(&small, &req, &ProgressBar::hidden()).unwrap();
    let mut names: Vec<&str> = report.detectors.iter().map(|d| d.name.as_str()).collect();
    names.dedup();
    assert_eq!(names, ["burst_rate", "null", "random"]);
}

#[test]
fn every_kind_is_scored_even_when_a_scenario_injects_none() {
    let source = "name = \"calm\"\nduration_s = 120\n[retail]\naccounts = 100\n\
        [abuse.key_sharing]\nepisodes = 0\n[abuse.spoofing]\nepisodes = 0\n\
        [abuse.wash_trading]\nepisodes = 0\n[abuse.micro_burst]\nepisodes = 0\n\
        [abuse.pump]\nepisodes = 0\n";
    let calm = surveil_scenarios::parse(source, "calm.toml").expect("valid");
    let report = run_with(&calm, None, 1);
    assert!(report.episodes.is_empty());
    for kind in ["key_sharing", "spoofing", "wash_trading", "micro_burst", "pump"] {
        for name in ["null", "random"] {
            let s = score(&report, name, kind);
            // With nothing to catch, recall is undefined, not zero.
            assert_eq!((s.episodes, s.recall, s.f1), (0, None, None), "{name} {kind}");
        }
    }
}

#[test]
fn the_document_says_how_many_episodes_were_requested() {
    let short = surveil_scenarios::parse("name = \"short\"\nduration_s = 120\n", "short.toml")
        .expect("valid");
    let report = run_with(&short, None, 1);
    assert_eq!(report.episodes.len(), 5);
    for count in &report.episodes {
        let requested = if count.kind == "pump" { 4 } else { 12 };
        assert_eq!(count.requested, requested, "{}", count.kind);
        // A pump hidden among wash trades adds a wash-trading episode of
        // its own, so only the other kinds are bounded by the request.
        if count.kind != "wash_trading" {
            assert!(count.count <= count.requested, "{}", count.kind);
        }
    }
}

#[test]
fn every_decoy_type_is_in_the_ground_truth_of_the_default_scenario() {
    let truth = &default_run().truth;
    for kind in DecoyKind::ALL {
        let accounts: usize =
            truth.decoys.iter().filter(|d| d.kind == kind).map(|d| d.accounts.len()).sum();
        assert!(accounts > 0, "no {kind} decoy");
    }

    // A decoy is honest: none takes part in an episode.
    let abusive: BTreeSet<AccountId> =
        truth.episodes.iter().flat_map(|e| e.accounts.iter().copied()).collect();
    for decoy in &truth.decoys {
        assert!(decoy.accounts.iter().all(|a| !abusive.contains(a)), "{decoy:?}");
    }
}

#[test]
fn every_baseline_has_false_flags_and_baselines_flag_decoys_on_the_default_scenario() {
    let report = default_report();
    let mut decoys_flagged = 0;
    for (name, kind) in BASELINES {
        let s = score(report, name, kind);
        assert!(s.false_flags_per_1k_honest > 0.0, "{name}: no false flag");

        // The breakdown names every decoy type and then the other honest
        // accounts, covers every honest account, and adds up to the rate.
        let causes: Vec<&str> = s.false_flags_by_cause.iter().map(|c| c.cause.as_str()).collect();
        let mut expected: Vec<&str> = DecoyKind::ALL.iter().map(|k| k.as_str()).collect();
        expected.push("other_honest");
        assert_eq!(causes, expected, "{name}");
        let accounts: u64 = s.false_flags_by_cause.iter().map(|c| c.accounts).sum();
        assert_eq!(accounts, report.honest_accounts, "{name}");
        let flagged: u64 = s.false_flags_by_cause.iter().map(|c| c.flagged).sum();
        let rate = flagged as f64 * 1000.0 / report.honest_accounts as f64;
        assert!((rate - s.false_flags_per_1k_honest).abs() < 1e-9, "{name}: {rate}");

        decoys_flagged += s
            .false_flags_by_cause
            .iter()
            .filter(|c| c.cause != "other_honest")
            .map(|c| c.flagged)
            .sum::<u64>();
    }
    assert!(decoys_flagged > 0, "no baseline flagged a decoy");
}

/// The requests each account of a decoy type sent, in stream order: every
/// event but trades and self-trade decrements, which repeat the access of
/// an order already sent.
fn requests_by_account(
    events: &[surveil_sim::Event],
    truth: &GroundTruth,
    kind: DecoyKind,
) -> BTreeMap<AccountId, Vec<(Nanos, Access)>> {
    let accounts: BTreeSet<AccountId> = truth
        .decoys
        .iter()
        .filter(|d| d.kind == kind)
        .flat_map(|d| d.accounts.iter().copied())
        .collect();
    let mut requests: BTreeMap<AccountId, Vec<(Nanos, Access)>> = BTreeMap::new();
    for event in events {
        if matches!(event.body, EventBody::Trade(_) | EventBody::Decremented(_)) {
            continue;
        }
        let access = *event.body.access();
        if accounts.contains(&access.account) {
            requests.entry(access.account).or_default().push((event.time, access));
        }
    }
    requests
}

#[test]
fn decoys_move_and_share_addresses_as_labelled() {
    // An hour, so that travellers have time to arrive somewhere, with a
    // small crowd around the decoys.
    let source = "name = \"decoys\"\n[retail]\naccounts = 300\n[api_traders]\naccounts = 40\n\
        [decoys]\ntravelling_mobile = 40\n";
    let loaded = surveil_scenarios::parse(source, "decoys.toml").expect("valid");
    let (events, truth) = surveil_sim::run_to_end(&loaded.config);

    // Travellers change address and region, but never faster than an
    // airliner flies (the 805 km/h of the impossible-travel rule).
    let mut region_changes = 0;
    let mut address_changes = 0;
    for (account, requests) in requests_by_account(&events, &truth, DecoyKind::TravellingMobile) {
        for pair in requests.windows(2) {
            let ((t1, a1), (t2, a2)) = (pair[0], pair[1]);
            address_changes += usize::from(a1.ip != a2.ip);
            if a1.region == a2.region {
                continue;
            }
            region_changes += 1;
            let km = a1.region.distance_km(a2.region);
            let hours = t2.saturating_sub(t1).as_secs_f64() / 3600.0;
            assert!(km <= 805.0 * hours, "{account}: {km:.0} km in {hours:.3} h");
        }
    }
    assert!(region_changes > 0 && address_changes > region_changes, "{region_changes}");

    // Every office is one address; on every VPN exit at least two accounts
    // use the same address.
    let shared = requests_by_account(&events, &truth, DecoyKind::SharedIp);
    for decoy in truth.decoys.iter().filter(|d| d.kind == DecoyKind::SharedIp) {
        let mut users: BTreeMap<_, BTreeSet<AccountId>> = BTreeMap::new();
        for account in &decoy.accounts {
            for (_, access) in shared.get(account).into_iter().flatten() {
                users.entry(access.ip).or_default().insert(*account);
            }
        }
        let most = users.values().map(BTreeSet::len).max().unwrap_or(0);
        assert!(most >= 2, "{decoy:?}");
        if decoy.variant == "office" {
            assert_eq!(users.len(), 1, "{decoy:?}");
        }
    }

    // A firm's accounts trade from one address, region and client.
    let firms = requests_by_account(&events, &truth, DecoyKind::Institution);
    for decoy in truth.decoys.iter().filter(|d| d.kind == DecoyKind::Institution) {
        let places: BTreeSet<_> = decoy
            .accounts
            .iter()
            .flat_map(|a| firms.get(a).into_iter().flatten())
            .map(|(_, access)| (access.ip, access.region, access.client))
            .collect();
        assert_eq!(places.len(), 1, "{decoy:?}");
    }
}

#[test]
fn a_recorded_stream_gives_the_same_alerts_on_any_thread_count_and_batch_size() {
    use surveil_bench::pipeline::detect_recorded;
    use surveil_detectors::{AbuseKind, builtin, builtin_names};

    let small = load("small").unwrap();
    let (events, _) = surveil_sim::run_to_end(&small.with_seed(3));
    let build = || -> Vec<_> {
        builtin_names().map(|n| builtin(n, &AbuseKind::ALL, 3).expect("a built-in")).collect()
    };
    let alerts = |threads, batch| -> Vec<(String, Vec<surveil_detectors::Alert>)> {
        detect_recorded(&events, build(), PipelineOptions { threads, batch })
            .into_iter()
            .map(|run| (run.name, run.alerts))
            .collect()
    };
    let one = alerts(1, 4096);
    assert!(one.iter().any(|(_, a)| !a.is_empty()), "some detector alerts");
    assert_eq!(one, alerts(2, 4096));
    assert_eq!(one, alerts(5, 1000));
}

/// The simulation tells the harness which instruments each episode traded
/// on as a few instruments per episode, each once, never as a record per
/// order, so a longer session adds only the episodes it opens. What it
/// tells agrees with the instruments of the episodes' accepted orders.
#[test]
fn episode_instruments_are_kept_per_episode_not_per_order() {
    let loaded = load("small").expect("the small scenario loads");
    let mut sim = Simulation::new(&loaded.config);
    let mut batch = Vec::new();
    let mut order_instrument = BTreeMap::new();
    while sim.next_batch(&mut batch, 4096) {
        for event in batch.drain(..) {
            if let EventBody::Accepted(a) = event.body {
                order_instrument.insert(a.order, a.instrument);
            }
        }
    }
    let per_episode = sim.episode_instruments();
    let truth = sim.finish();

    assert_eq!(per_episode.len(), truth.episodes.len());
    let instruments = loaded.config.instruments.len();
    let orders: usize = truth.episodes.iter().map(|e| e.orders.len()).sum();
    let noted: usize = per_episode.iter().map(Vec::len).sum();
    assert!(noted <= truth.episodes.len() * instruments, "{noted} instruments noted");
    assert!(orders > 10 * noted, "{orders} episode orders, {noted} instruments noted");
    for (episode, noted) in truth.episodes.iter().zip(&per_episode) {
        let used: BTreeSet<_> = episode.orders.iter().map(|o| order_instrument[o]).collect();
        let told: BTreeSet<_> = noted.iter().copied().collect();
        assert_eq!(told.len(), noted.len(), "episode {} names an instrument twice", episode.id.0);
        assert_eq!(told, used, "episode {}", episode.id.0);
    }
}
