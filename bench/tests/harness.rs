//! End-to-end tests of the harness: determinism, the calibrated market and
//! the detectors' floors on the default scenario.

use std::sync::OnceLock;

use indicatif::ProgressBar;
use surveil_bench::pipeline::PipelineOptions;
use surveil_bench::run::{RunRequest, run};
use surveil_reports::RunReport;
use surveil_scenarios::{Loaded, library, load};

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

/// The default scenario is run once and shared by the tests that read it.
fn default_report() -> &'static RunReport {
    static REPORT: OnceLock<RunReport> = OnceLock::new();
    REPORT.get_or_init(|| run_with(default_scenario(), None, 2))
}

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
    for (name, kind) in [
        ("key_travel", "key_sharing"),
        ("spoof_cancel", "spoofing"),
        ("wash_pairs", "wash_trading"),
        ("burst_rate", "micro_burst"),
    ] {
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
        [abuse.wash_trading]\nepisodes = 0\n[abuse.micro_burst]\nepisodes = 0\n";
    let calm = surveil_scenarios::parse(source, "calm.toml").expect("valid");
    let report = run_with(&calm, None, 1);
    assert!(report.episodes.is_empty());
    for kind in ["key_sharing", "spoofing", "wash_trading", "micro_burst"] {
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
    assert_eq!(report.episodes.len(), 4);
    for count in &report.episodes {
        assert_eq!(count.requested, 12, "{}", count.kind);
        assert!(count.count <= count.requested, "{}", count.kind);
    }
}
