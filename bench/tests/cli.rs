//! The `surveil` binary as a user calls it: exit codes, output formats and
//! error messages.

use std::process::{Command, Output};

fn surveil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_surveil")).args(args).output().expect("surveil starts")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn run_json_holds_the_documented_fields() {
    let out = surveil(&["run", "small", "--seed", "3", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in
        ["scenario", "seed", "events", "trades", "algo_share", "digest", "decoys", "detectors"]
    {
        assert!(doc.get(field).is_some(), "missing {field}");
    }
    assert_eq!(doc["seed"], 3);
    let detectors = doc["detectors"].as_array().unwrap();
    for field in [
        "name",
        "kind",
        "precision",
        "recall",
        "f1",
        "delay_p50_ms",
        "delay_p90_ms",
        "false_flags_per_1k_honest",
        "false_flags_by_cause",
        "ns_per_event",
    ] {
        assert!(detectors.iter().all(|d| d.get(field).is_some()), "missing {field}");
    }
    for cause in detectors.iter().flat_map(|d| d["false_flags_by_cause"].as_array().unwrap()) {
        for field in ["cause", "accounts", "flagged", "per_1k_accounts"] {
            assert!(cause.get(field).is_some(), "missing {field} in {cause}");
        }
    }
    let kinds: Vec<&str> = detectors.iter().filter_map(|d| d["kind"].as_str()).collect();
    for kind in ["key_sharing", "spoofing", "wash_trading", "micro_burst"] {
        assert!(kinds.contains(&kind), "{kind}");
    }
}

#[test]
fn run_prints_a_table_for_people() {
    let out = surveil(&["run", "small"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("API share") && text.contains("key_travel"), "{text}");
    assert!(text.contains("false flags by cause") && text.contains("other"), "{text}");
    assert!(stderr(&out).is_empty(), "a piped run prints nothing else: {}", stderr(&out));
}

#[test]
fn malformed_scenario_exits_2_naming_file_line_and_field() {
    let dir = std::env::temp_dir().join(format!("surveil-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, "name = \"bad\"\n[retail]\nmobile_share = 2\n").unwrap();
    let out = surveil(&["run", path.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.toml:3:") && err.contains("retail.mobile_share"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn unknown_scenario_and_detector_exit_2() {
    let out = surveil(&["run", "no-such-scenario"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("surveil scenarios"), "{}", stderr(&out));

    let out = surveil(&["run", "small", "--detectors", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown detector `nope`"), "{}", stderr(&out));
}

#[test]
fn scenarios_lists_the_builtins() {
    let out = surveil(&["scenarios"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().any(|l| l.starts_with("default ")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("small ")), "{text}");

    let out = surveil(&["scenarios", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["name"], "default");
}

#[test]
fn option_values_out_of_range_exit_2() {
    for args in [
        &["run", "small", "--threads", "0"][..],
        &["run", "small", "--detectors", "key_travel,key_travel"],
        &["run", "small", "--seed", "-1"],
    ] {
        let out = surveil(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = surveil(&["run", "small", "--detectors", "key_travel,key_travel"]);
    assert!(stderr(&out).contains("named twice"), "{}", stderr(&out));

    let out = surveil(&["run", "small", "--calibrate-seed", "9", "--alert-budget", "1e400"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--alert-budget: the number is out of range"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("inf is"), "{}", stderr(&out));
}

#[test]
fn run_refuses_interventions_on_an_unknown_detector_and_says_interventions_act_only_in_whatif() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |detectors: &str| {
        let path = dir.path().join("desk.toml");
        let source = format!(
            "name = \"desk\"\nduration_s = 20\n[retail]\naccounts = 200\n\
             [policy.interventions]\ndetectors = [{detectors}]\n"
        );
        std::fs::write(&path, source).unwrap();
        path
    };
    let path = scenario("\"burst_rate\", \"spoof_cancle\"");
    let out = surveil(&["run", path.to_str().unwrap(), "--detectors", "null"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("unknown detector `spoof_cancle`"), "{err}");
    assert!(err.contains("desk.toml:6:"), "the file and line are named: {err}");
    assert!(err.contains("field `policy.interventions.detectors[1]`"), "{err}");
    assert!(out.stdout.is_empty());

    let path = scenario("\"burst_rate\"");
    let out = surveil(&["run", path.to_str().unwrap(), "--detectors", "null"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("acts only under `surveil whatif`"), "{}", stderr(&out));
}

#[test]
fn whatif_refuses_an_empty_or_repeated_policy_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.toml");
    std::fs::write(&file, "[policy]\nname = \"whitelist\"\n[policy.keys]\nwhitelist = true\n")
        .unwrap();
    let twice = format!("none,{}", file.display());
    let twice = format!("{twice},whitelist");
    for (policies, expected) in [
        ("none,,all", "entry 2 of `none,,all` is empty"),
        ("none,all,none", "`none` and `none` are both the policy named `none`"),
        (twice.as_str(), "are both the policy named `whitelist`"),
    ] {
        let out = surveil(&["whatif", "small", "--policies", policies]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
    }
}
