//! `surveil generate`: datasets read back to the very events and ground
//! truth they were written from, their LOBSTER files replay without a
//! mismatch, and bad requests and malformed files are refused clearly.

#![allow(clippy::unwrap_used, reason = "the helpers of a test fail it by panicking")]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use indicatif::ProgressBar;
use surveil_bench::dataset::{self, Dataset, DatasetFormat, GenerateRequest};
use surveil_bench::replay::{self, OnError};
use surveil_sim::{EventDigest, run_to_end};

/// The small built-in scenario cut to two minutes, so each test simulates
/// in about a second.
fn tiny_scenario(dir: &Path) -> PathBuf {
    let source = surveil_scenarios::library::find("small").expect("built-in small").source;
    let source = source.replace("duration_s = 900", "duration_s = 120");
    let path = dir.join("tiny.toml");
    std::fs::write(&path, source).unwrap();
    path
}

fn generate(dir: &Path, format: DatasetFormat) -> (Dataset, surveil_scenarios::Loaded) {
    let scenario = tiny_scenario(dir);
    let loaded = surveil_scenarios::load(scenario.to_str().unwrap()).unwrap();
    let out = dir.join(format!("dataset-{}", format.name()));
    let request = GenerateRequest {
        seed: Some(3),
        out: out.clone(),
        format,
        depth: 10,
        force: false,
        stop: Arc::default(),
    };
    dataset::generate(&loaded, &request, &ProgressBar::hidden()).unwrap();
    (Dataset::open(&out).unwrap(), loaded)
}

fn surveil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_surveil")).args(args).output().expect("surveil starts")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn round_trip(format: DatasetFormat) {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, loaded) = generate(dir.path(), format);

    // The run the dataset was made from, simulated again in memory.
    let mut config = loaded.with_seed(3);
    config.retail.size_multiplier = dataset.metadata.calibration.retail_size_multiplier;
    let (events, truth) = run_to_end(&config);

    let read = dataset.events().unwrap();
    assert_eq!(read.len(), events.len());
    for (got, want) in read.iter().zip(&events) {
        assert_eq!(got, want);
    }
    let mut digest = EventDigest::new();
    digest.update(&read);
    assert_eq!(digest.hex(), dataset.metadata.digest);
    assert_eq!(dataset.metadata.events, events.len() as u64);
    assert_eq!(dataset.truth().unwrap(), truth);

    // Every table file exists with the row count metadata.json gives.
    for table in &dataset.metadata.tables {
        assert!(dataset.dir.join(&table.file).is_file(), "{}", table.file);
    }
    let card = std::fs::read_to_string(dataset.dir.join("README.md")).unwrap();
    let schemas = std::iter::once(&dataset::events::EVENTS).chain(dataset::truth::TABLES.iter());
    for schema in schemas {
        assert!(card.contains(&format!("### `{}`", schema.name)), "the card has {}", schema.name);
        for column in schema.columns {
            let row = format!("| `{}` | {} |", column.name, column.ty.describe());
            assert!(card.contains(&row), "the card describes {}.{}", schema.name, column.name);
        }
    }
}

#[test]
fn a_parquet_dataset_reads_back_event_by_event_and_digests_the_same() {
    round_trip(DatasetFormat::Parquet);
}

#[test]
fn a_csv_dataset_reads_back_event_by_event_and_digests_the_same() {
    round_trip(DatasetFormat::Csv);
}

#[test]
fn the_digest_is_the_one_surveil_run_reports() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = tiny_scenario(dir.path());
    let out = dir.path().join("d");
    let scenario = scenario.to_str().unwrap();
    let generated = surveil(&["generate", scenario, "--seed", "5", "--out", out.to_str().unwrap()]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let run = surveil(&["run", scenario, "--seed", "5", "--json"]);
    let run: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let metadata = Dataset::open(&out).unwrap().metadata;
    assert_eq!(run["digest"].as_str(), Some(metadata.digest.as_str()));
    assert_eq!(run["events"].as_u64(), Some(metadata.events));
}

#[test]
fn lobster_files_replay_through_surveil_replay_without_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = generate(dir.path(), DatasetFormat::Lobster);
    assert!(dataset.events().is_err(), "a lobster dataset has no event table");
    assert!(!dataset.metadata.lobster.is_empty());
    for files in &dataset.metadata.lobster {
        let messages = dataset.dir.join(&files.messages);
        let orderbook = dataset.dir.join(&files.orderbook);
        let report =
            replay::replay_files(&messages, Some(&orderbook), OnError::Stop, &mut |_| {}).unwrap();
        assert_eq!(report.rows, files.rows);
        assert_eq!(report.mismatches(), 0, "{}", report.render_table());

        let out = surveil(&[
            "replay",
            messages.to_str().unwrap(),
            "--orderbook",
            orderbook.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

#[test]
fn a_non_empty_output_directory_is_refused_and_force_replaces_only_a_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = tiny_scenario(dir.path());
    let out = dir.path().join("taken");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("thesis.txt"), "mine").unwrap();
    let write = |extra: &[&str]| {
        let mut args = vec!["generate", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        surveil(&args)
    };

    let refused = write(&[]);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(message.contains("not empty") && message.contains("--force"), "{message}");
    assert!(out.join("thesis.txt").is_file(), "the directory is left alone");

    // A directory that is not a dataset is not replaced, even when forced.
    let refused = write(&["--force"]);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(message.contains(out.to_str().unwrap()), "{message}");
    assert!(message.contains("not a dataset") && message.contains("metadata.json"), "{message}");
    assert_eq!(std::fs::read_to_string(out.join("thesis.txt")).unwrap(), "mine");

    // A dataset is.
    std::fs::remove_file(out.join("thesis.txt")).unwrap();
    let first = write(&["--format", "csv"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let forced = write(&["--force", "--format", "lobster"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(Dataset::open(&out).unwrap().metadata.format, "lobster");
    assert!(!out.join("events.csv").exists(), "the old dataset is gone whole");

    // Nothing but the dataset is left beside it: no partial directory.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("partial") && !n.ends_with(".old")), "{names:?}");
}

#[test]
fn a_later_run_removes_abandoned_partial_directories_and_leaves_live_ones() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = tiny_scenario(dir.path());
    let partial = |name: &str, lock: bool| {
        let path = dir.path().join(name);
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("events.parquet"), "half").unwrap();
        if lock {
            File::create(path.join(".writer.lock")).unwrap();
        }
        path
    };
    // One whose writer was killed: its lock file is there, and nobody
    // holds it.
    let abandoned = partial(".d.partial-dead01", true);
    // One a concurrent run is writing: this test holds its lock.
    let live = partial(".d.partial-live01", true);
    let held = File::open(live.join(".writer.lock")).unwrap();
    held.lock().unwrap();
    // One without a lock file, whose owner cannot be told, and one of
    // another output.
    let unknown = partial(".d.partial-nolock", false);
    let other = partial(".e.partial-dead02", true);

    let out = dir.path().join("d");
    let run = surveil(&["generate", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(!abandoned.exists(), "the abandoned directory is removed");
    assert!(live.join("events.parquet").is_file(), "the live directory is left alone");
    assert!(unknown.join("events.parquet").is_file());
    assert!(other.join("events.parquet").is_file());
    assert!(!out.join(".writer.lock").exists(), "the dataset does not hold the lock file");
    drop(held);
}

/// Sends `signal` to a `surveil generate` of the default scenario (an hour
/// long, so still writing) once its partial directory appears.
#[cfg(unix)]
fn interrupt_generate(signal: &str) {
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    let child = Command::new(env!("CARGO_BIN_EXE_surveil"))
        .args(["generate", "--out", out.to_str().unwrap(), "--format", "csv"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let partials = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".d.partial-"))
            .count()
    };
    #[allow(clippy::disallowed_methods, reason = "a deadline on a test, not a result")]
    let started = Instant::now();
    while partials() == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "no partial directory appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Its writer lock is taken just after the directory appears.
    std::thread::sleep(Duration::from_millis(200));
    let sent = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(sent.success());

    let done = child.wait_with_output().unwrap();
    assert_eq!(done.status.code(), Some(130), "{}", stderr(&done));
    assert!(stderr(&done).contains("interrupted"), "{}", stderr(&done));
    assert_eq!(partials(), 0, "the partial directory is removed");
    assert!(!out.exists());
}

#[cfg(unix)]
#[test]
fn sigint_stops_generate_and_removes_its_partial_directory() {
    interrupt_generate("-INT");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_generate_and_removes_its_partial_directory() {
    interrupt_generate("-TERM");
}

#[test]
fn a_bad_format_or_an_output_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d");
    let bad = surveil(&["generate", "small", "--out", out.to_str().unwrap(), "--format", "xlsx"]);
    assert_eq!(bad.status.code(), Some(2));
    let message = stderr(&bad);
    assert!(message.contains("xlsx") && message.contains("parquet"), "{message}");
    assert!(!out.exists());

    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let refused = surveil(&["generate", "small", "--out", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("not a directory"), "{}", stderr(&refused));
}

#[test]
fn a_malformed_event_row_is_refused_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = generate(dir.path(), DatasetFormat::Csv);
    let path = dataset.dir.join("events.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[2] = lines[2].replacen(",buy,", ",bid,", 1).replacen(",sell,", ",bid,", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();

    let message = dataset.events().unwrap_err().to_string();
    assert!(message.contains("events.csv: line 3, column `side`"), "{message}");
    assert!(message.contains("buy, sell") && message.contains("`bid`"), "{message}");
}

#[test]
fn an_edited_event_table_fails_its_digest() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = generate(dir.path(), DatasetFormat::Csv);
    let path = dataset.dir.join("events.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    // Drop the last event: every row is still valid, the stream is not.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.pop();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let message = dataset.events().unwrap_err().to_string();
    assert!(message.contains("digest"), "{message}");
}

#[test]
fn the_same_scenario_and_seed_give_byte_identical_datasets() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = tiny_scenario(dir.path());
    let loaded = surveil_scenarios::load(scenario.to_str().unwrap()).unwrap();
    let write = |name: &str| {
        let out = dir.path().join(name);
        let request = GenerateRequest {
            seed: Some(11),
            out: out.clone(),
            format: DatasetFormat::Parquet,
            depth: 3,
            force: false,
            stop: Arc::default(),
        };
        dataset::generate(&loaded, &request, &ProgressBar::hidden()).unwrap();
        out
    };
    let (a, b) = (write("a"), write("b"));
    let files = |root: &Path| {
        let mut found = Vec::new();
        let mut dirs = vec![root.to_owned()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    found.push(path.strip_prefix(root).unwrap().to_owned());
                }
            }
        }
        found.sort();
        found
    };
    let names = files(&a);
    assert_eq!(names, files(&b));
    assert!(names.len() > 10, "{names:?}");
    for name in names {
        let same = std::fs::read(a.join(&name)).unwrap() == std::fs::read(b.join(&name)).unwrap();
        assert!(same, "{} differs between two runs", name.display());
    }
}

#[test]
fn a_parquet_file_of_other_columns_is_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = generate(dir.path(), DatasetFormat::Parquet);
    std::fs::copy(dataset.dir.join("truth/keys.parquet"), dataset.dir.join("events.parquet"))
        .unwrap();
    let message = dataset.events().unwrap_err().to_string();
    assert!(message.contains("events.parquet"), "{message}");
    assert!(message.contains("expected the columns seq,time_ns,type"), "{message}");
    assert!(message.contains("found key,account"), "{message}");
}

#[test]
fn the_detector_protocol_documents_every_event_field() {
    let doc = include_str!("../../docs/detector-protocol.md");
    for column in dataset::events::EVENTS.columns {
        assert!(
            doc.contains(&format!("| `{}` |", column.name)),
            "docs/detector-protocol.md: {}",
            column.name
        );
    }
}

#[test]
fn ground_truth_tables_that_do_not_fit_together_are_named_once() {
    let dir = tempfile::tempdir().unwrap();
    let (dataset, _) = generate(dir.path(), DatasetFormat::Csv);
    let episodes = dataset.dir.join("truth/episodes.csv");
    let text = std::fs::read_to_string(&episodes).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let (_, rest) = lines[1].split_once(',').unwrap();
    lines[1] = format!("7,{rest}");
    std::fs::write(&episodes, lines.join("\n") + "\n").unwrap();
    let message = format!("{:#}", anyhow::Error::from(dataset.truth().unwrap_err()));
    assert!(message.contains("truth"), "{message}");
    assert_eq!(message.matches("episode_id is 7").count(), 1, "{message}");
}
