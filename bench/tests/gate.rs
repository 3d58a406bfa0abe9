//! The harness's protocols through the `surveil` binary: detector
//! parameters, many seeds, the threshold protocol and the regression gate.
//! They run a four-minute scenario written to a temporary folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TINY: &str = "name = \"tiny\"\nduration_s = 240\n[retail]\naccounts = 200\nsize_multiplier = 3.8\n\
    [api_traders]\naccounts = 20\n\
    [abuse.key_sharing]\nepisodes = 3\nepisode_length_s = 120\n\
    [abuse.spoofing]\nepisodes = 3\nepisode_length_s = 120\n\
    [abuse.wash_trading]\nepisodes = 3\nepisode_length_s = 120\ntrade_gap_s = 10\n\
    [abuse.micro_burst]\nepisodes = 3\n";

fn surveil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_surveil")).args(args).output().expect("surveil starts")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A folder holding the tiny scenario.
fn folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let scenario = dir.path().join("tiny.toml");
    std::fs::write(&scenario, TINY).expect("the scenario is written");
    (dir, scenario)
}

fn text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

#[test]
fn a_detector_parameter_from_the_command_line_changes_its_scores() {
    let (_dir, scenario) = folder();
    let run = |detectors: &str| {
        let out = surveil(&["run", text(&scenario), "--detectors", detectors, "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["detectors"][0]["alerts"].as_u64().unwrap()
    };
    // One occurrence is enough here: the session is too short for the
    // default three.
    let default = run("spoof_cancel:repeats=1");
    let strict = run("spoof_cancel:repeats=1:size_ratio=1000");
    assert!(default > 0);
    assert_eq!(strict, 0, "no order is a thousand times the typical size");
}

#[test]
fn a_detector_configuration_file_is_checked_and_applied() {
    let (dir, scenario) = folder();
    let config = dir.path().join("detectors.toml");
    std::fs::write(&config, "[spoof_cancel]\nsize_ratio = 1000\n").unwrap();
    let out = surveil(&[
        "run",
        text(&scenario),
        "--detectors",
        "spoof_cancel",
        "--detector-config",
        text(&config),
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["detectors"][0]["alerts"], 0);

    std::fs::write(&config, "[spoof_cancel]\n\nratio = 0.9\n").unwrap();
    let out = surveil(&["run", text(&scenario), "--detector-config", text(&config)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("detectors.toml, line 3") && err.contains("size_ratio"), "{err}");
}

#[test]
fn an_unknown_parameter_is_refused_with_the_allowed_ones() {
    let out = surveil(&["run", "small", "--detectors", "burst_rate:window=5"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no parameter `window`") && err.contains("window_ms"), "{err}");
}

#[test]
fn a_calibration_seed_among_the_scored_seeds_is_refused() {
    let out = surveil(&["run", "small", "--seeds", "1..3", "--calibrate-seed", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("calibration seed 2 is also an evaluation seed"),
        "{}",
        stderr(&out)
    );

    let out = surveil(&["run", "small", "--seed", "4", "--calibrate-seed", "4"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    let out = surveil(&["run", "small", "--alert-budget", "5"]);
    assert_eq!(out.status.code(), Some(2), "a budget needs a calibration seed");
}

#[test]
fn many_seeds_report_each_seed_and_intervals_and_apply_the_calibrated_thresholds() {
    let (_dir, scenario) = folder();
    let out = surveil(&[
        "run",
        text(&scenario),
        "--seeds",
        "1..2",
        "--calibrate-seed",
        "9",
        "--detectors",
        "spoof_cancel:repeats=1,burst_rate",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["seeds"], serde_json::json!([1, 2]));
    assert_eq!(doc["calibrate_seed"], 9);
    assert_eq!(doc["runs"].as_array().unwrap().len(), 2);
    let f1 = &doc["summary"][0]["f1"];
    assert_eq!(f1["n"], 2);
    assert!(f1["half_width"].is_number(), "{f1}");
    // Every alert a thresholded detector keeps scores at least its threshold.
    let row = &doc["runs"][0]["detectors"][0];
    assert_eq!(row["name"], "spoof_cancel");
    assert!(row["threshold"].is_number(), "{row}");
    assert!(row["pr_curve"].as_array().is_some_and(|c| !c.is_empty()), "{row}");
}

#[test]
fn the_gate_passes_on_its_own_baseline_and_fails_on_a_better_one() {
    let (dir, scenario) = folder();
    let baseline = dir.path().join("baseline.toml");
    std::fs::write(&baseline, format!("[[run]]\nscenario = {:?}\nseeds = [1]\n", text(&scenario)))
        .unwrap();

    // Recording: every row is new, so the gate passes and rewrites the file.
    let out = surveil(&["check", "--baseline", text(&baseline), "--update"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let recorded = std::fs::read_to_string(&baseline).unwrap();
    assert!(recorded.contains("detector = \"wash_pairs\""), "{recorded}");

    // The same code gives the same figures.
    let junit = dir.path().join("junit.xml");
    let out = surveil(&["check", "--baseline", text(&baseline), "--junit", text(&junit)]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("0 of "), "{}", stdout(&out));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testcase name=\"wash_pairs / wash_trading\""), "{xml}");

    // A baseline that claims a perfect F1 for the random floor fails.
    let row = "detector = \"random\"\nkind = \"key_sharing\"\n";
    let start = recorded.find(row).expect("the random row is in the baseline") + row.len();
    let end = start + recorded[start..].find('\n').unwrap();
    assert!(recorded[start..end].starts_with("f1 = "), "{recorded}");
    let raised = format!("{}f1 = 1.0{}", &recorded[..start], &recorded[end..]);
    std::fs::write(&baseline, raised).unwrap();
    let out = surveil(&["check", "--baseline", text(&baseline), "--junit", text(&junit)]);
    assert_eq!(out.status.code(), Some(3), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("WORSE: F1 1.000 ->"), "{}", stdout(&out));
    assert!(stderr(&out).contains("1 detector row regressed"), "{}", stderr(&out));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"1\"") && xml.contains("<failure"), "{xml}");
}

#[test]
fn a_malformed_baseline_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("broken.toml");
    std::fs::write(&baseline, "[[run]]\nscenario = 3\n").unwrap();
    let out = surveil(&["check", "--baseline", text(&baseline)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("broken.toml"), "{}", stderr(&out));
}

#[test]
fn a_missing_baseline_or_detector_configuration_is_named_once_with_the_reason_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let (_scenario_dir, scenario) = folder();
    for args in [
        vec!["check", "--baseline", text(&missing)],
        vec!["run", text(&scenario), "--detector-config", text(&missing)],
    ] {
        let out = surveil(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("missing.toml"), "{err}");
        assert_eq!(err.matches("No such file").count(), 1, "{err}");
    }
}

#[test]
fn a_bad_figure_detector_kind_or_row_of_a_baseline_exits_2_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("figures.toml");
    let head = "[[run]]\nscenario = \"small\"\nseeds = [1]\n\n[[run.score]]\n";
    let row = "detector = \"burst_rate\"\nkind = \"micro_burst\"\n";
    for (body, field, line) in [
        (format!("{row}f1 = 2.0\nrecall = 0.5\n"), "`f1`", 8),
        (format!("{row}f1 = 0.5\nrecall = -1\n"), "`recall`", 9),
        (format!("{row}f1 = 0.5\ndelay_p50_ms = nan\n"), "`delay_p50_ms`", 9),
        ("detector = \"burst_rate\"\nkind = \"bursts\"\nf1 = 0.5\n".to_owned(), "`kind`", 7),
        (format!("{row}f1 = 0.5\n\n[[run.score]]\n{row}f1 = 0.4\n"), "twice", 12),
        ("detector = \"burst_rat\"\nkind = \"micro_burst\"\n".to_owned(), "`detector`", 6),
    ] {
        std::fs::write(&baseline, format!("{head}{body}")).unwrap();
        let out = surveil(&["check", "--baseline", text(&baseline)]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("figures.toml"), "{err}");
        assert!(err.contains(field), "{err}");
        assert!(err.contains(&format!("line {line},")), "{err}");
    }
}

#[test]
fn the_calibration_warning_counts_the_runs_the_results_report() {
    // Retail sizes cannot shrink far enough in four minutes for API orders
    // to make up 98% of the value traded.
    let (dir, _) = folder();
    let scenario = dir.path().join("far.toml");
    std::fs::write(&scenario, format!("api_share = 0.98\n{TINY}")).unwrap();
    let out = surveil(&["run", text(&scenario), "--detectors", "null", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["calibration"]["met"], false, "{}", doc["calibration"]);
    let runs = doc["calibration"]["runs"].as_u64().unwrap();
    let err = stderr(&out);
    assert!(err.contains("API share target not met in 4 tries"), "{err}");
    assert!(err.contains(&format!("runs={runs}")), "{err}");
}
