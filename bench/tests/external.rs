//! `surveil score --detector-cmd`: a detector in another language is fed
//! a dataset's public events and scored as `surveil run` scores built-in
//! ones; a detector that crashes, prints a malformed line, stops reading
//! or hangs gets a clear error, and the run never hangs.

#![allow(clippy::unwrap_used, reason = "the helpers of a test fail it by panicking")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The small built-in scenario cut to two minutes, with the retail size
/// that meets its API share at once, so one simulation is enough.
fn tiny_scenario(dir: &Path) -> PathBuf {
    let source = surveil_scenarios::library::find("small").unwrap().source;
    let source = source
        .replace("duration_s = 900", "duration_s = 120")
        .replace("size_multiplier = 3.8", "size_multiplier = 17.895");
    let path = dir.join("tiny.toml");
    std::fs::write(&path, source).unwrap();
    path
}

/// One dataset shared by every test of this file, written once per run.
fn dataset() -> &'static Path {
    static DATASET: OnceLock<PathBuf> = OnceLock::new();
    DATASET.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("external-detector");
        std::fs::create_dir_all(&dir).unwrap();
        let scenario = tiny_scenario(&dir);
        let out = dir.join("dataset");
        let generated = surveil(&[
            "generate",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--force",
        ]);
        assert!(generated.status.success(), "{}", stderr(&generated));
        out
    })
}

fn surveil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_surveil")).args(args).output().expect("surveil starts")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn score(command: &str, extra: &[&str]) -> Output {
    let mut args =
        vec!["score", "--dataset", dataset().to_str().unwrap(), "--detector-cmd", command];
    args.extend_from_slice(extra);
    surveil(&args)
}

fn has_sh() -> bool {
    Command::new("sh").arg("-c").arg("exit 0").status().is_ok_and(|s| s.success())
}

#[test]
#[allow(clippy::print_stderr, reason = "a skipped test says why on the test log")]
fn the_python_example_detector_is_scored_as_surveil_run_scores() {
    let python = Command::new("python3").arg("--version").output();
    if !python.is_ok_and(|o| o.status.success()) {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true and python3 is not installed; the example detector needs it");
        }
        eprintln!("skipped: python3 not found, so the example detector cannot run");
        return;
    }
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/detectors/burst.py");
    let out = score(&format!("python3 '{example}'"), &["--json", "--name", "burst_py"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let scored: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let rows = scored["detectors"].as_array().unwrap();
    let burst = rows.iter().find(|r| r["name"] == "burst_py").expect("the example is scored");
    assert_eq!(burst["kind"], "micro_burst");
    assert!(burst["recall"].as_f64().unwrap() > 0.5, "{burst}");

    // The floors and the market figures are those `surveil run` reports
    // for the same scenario and seed.
    let scenario = dataset().parent().unwrap().join("tiny.toml");
    let run = surveil(&["run", scenario.to_str().unwrap(), "--json", "--detectors", "null"]);
    let run: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    for field in ["digest", "events", "trades", "algo_share", "accounts", "honest_accounts"] {
        assert_eq!(scored[field], run[field], "{field}");
    }
    let floors = |doc: &serde_json::Value| -> Vec<serde_json::Value> {
        let rows = doc["detectors"].as_array().unwrap();
        rows.iter()
            .filter(|r| r["name"] == "null" || r["name"] == "random")
            .map(|r| {
                let mut r = r.clone();
                let object = r.as_object_mut().unwrap();
                object.retain(|k, _| {
                    !k.contains("per_event") && !k.contains("per_sec") && !k.ends_with("event_ns")
                });
                r
            })
            .collect()
    };
    assert_eq!(floors(&scored), floors(&run));
}

#[test]
fn a_detector_that_crashes_gets_a_clear_error() {
    if !has_sh() {
        return;
    }
    let out = score("head -c 1000 >/dev/null; exit 3", &[]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("exited with exit status: 3"), "{message}");
    assert!(message.contains("event lines had been written to its standard input"), "{message}");
    // It read 1,000 bytes, some lines: the count is of what it was sent,
    // never worded as what it read.
    assert!(!message.contains("reading"), "{message}");
}

#[test]
#[cfg(target_os = "linux")]
fn a_process_the_detector_leaves_behind_is_killed_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let command = format!("sleep 30 & echo $! > '{}'; exit 3", pid_file.display());
    let out = score(&command, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    // A killed process may linger as a zombie until its new parent reaps
    // it; either way it no longer runs.
    let state = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    let running = state.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z'));
    assert!(!running, "the background sleep outlived the run: {state}");
}

#[test]
fn a_malformed_alert_line_is_refused_naming_its_line() {
    if !has_sh() {
        return;
    }
    let good = r#"{"time_ns": 1, "kind": "spoofing", "account": 1, "score": 1}"#;
    let command = format!("printf '%s\\n' '{good}' 'alert: acct-1'; cat >/dev/null");
    let out = score(&command, &[]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("expected a JSON object"), "{message}");
    assert!(message.contains("alert: acct-1"), "{message}");

    let command = format!("printf '%s\\n' '{}'; cat >/dev/null", good.replace("spoofing", "spoof"));
    let message = stderr(&score(&command, &[]));
    assert!(
        message.contains("line 1") && message.contains("unknown abuse kind `spoof`"),
        "{message}"
    );
}

#[test]
#[allow(clippy::disallowed_methods, reason = "the test checks that the run does not hang")]
fn a_detector_that_hangs_is_killed_at_the_timeout() {
    if !has_sh() {
        return;
    }
    let started = std::time::Instant::now();
    // It never reads its input, so the harness's writes block as soon as
    // the pipe is full; the timeout must still end the run.
    let out = score("sleep 60", &["--timeout-s", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("did not exit within 1 s"), "{message}");
    assert!(started.elapsed().as_secs() < 30, "the run ended soon after the timeout");
}

#[test]
fn a_detector_that_stops_reading_is_told_so() {
    if !has_sh() {
        return;
    }
    let out = score("exit 0", &[]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.contains("closed its standard input"), "{message}");
}

#[test]
fn an_empty_command_or_a_name_of_a_floor_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = dir.path().to_str().unwrap();
    for (command, name, expected) in [
        ("", "external", "--detector-cmd: the command is empty"),
        ("  ", "external", "--detector-cmd: the command is empty"),
        ("cat", "", "--name: the name is empty"),
        ("cat", "null", "--name: `null` is the name of a floor"),
        ("cat", "random", "--name: `random` is the name of a floor"),
    ] {
        let args = ["score", "--dataset", dataset, "--detector-cmd", command, "--name", name];
        let out = surveil(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    }
}

#[test]
fn a_directory_that_is_not_a_dataset_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        surveil(&["score", "--dataset", dir.path().to_str().unwrap(), "--detector-cmd", "cat"]);
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(message.contains("metadata.json") && message.contains("surveil generate"), "{message}");
}

#[test]
fn a_timeout_beyond_a_year_or_a_kind_named_twice_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = dir.path().to_str().unwrap();
    for (extra, expected) in [
        (["--timeout-s", "1e30"], "--timeout-s: expected a positive number of seconds"),
        (["--timeout-s", "0"], "--timeout-s: expected a positive number of seconds"),
        (["--kinds", "pump,spoofing,pump"], "--kinds: `pump` is named twice"),
    ] {
        let mut args = vec!["score", "--dataset", dataset, "--detector-cmd", "cat"];
        args.extend_from_slice(&extra);
        let out = surveil(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
}
