//! Sweeps end to end: a small grid run in one process, resumed after an
//! interruption, and run as shards then merged, all giving the same bytes;
//! and the refusals of merge.

use std::fs;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use surveil_bench::pipeline::PipelineOptions;
use surveil_bench::run::{RunRequest, run};
use surveil_bench::sweep::cell::{CellRecord, record_path, run_cell};
use surveil_bench::sweep::spec::Spec;
use surveil_bench::sweep::{self, MANIFEST, Shard, SweepOptions, merge, sweep_with};

/// A one-minute market at two API shares, two seeds each: four short cells.
const SPEC: &str = "scenarios = [\"small\"]\nseeds = [1, 2]\n\
    detectors = [\"spoof_cancel\", \"burst_rate\", \"key_fanout\"]\n\
    [set]\nduration_s = 60\n[grid]\napi_share = [0.2, 0.4]\n";

/// The files whose bytes must not depend on how the cells were run.
const RESULTS: [&str; 4] = ["results.csv", "results.parquet", "summary.json", "report.html"];

fn write_spec(dir: &Path, name: &str, text: &str) -> Spec {
    let path = dir.join(name);
    fs::write(&path, text).expect("the spec is written");
    Spec::read(&path).expect("the spec is valid")
}

fn run_sweep(spec: &Spec, out: &Path, workers: usize, shard: Shard) -> sweep::SweepOutcome {
    let options = SweepOptions { workers, shard };
    sweep::sweep(spec, out, options, &ProgressBar::hidden()).expect("the sweep runs")
}

fn assert_same_results(a: &Path, b: &Path) {
    for name in RESULTS {
        let read = |dir: &Path| fs::read(dir.join(name)).expect("the results are written");
        let (x, y) = (read(a), read(b));
        assert!(x == y, "{name} differs between {} and {}", a.display(), b.display());
    }
}

#[test]
fn resumed_and_merged_sweeps_equal_one_uninterrupted_process_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(dir.path(), "sweep.toml", SPEC);
    assert_eq!(spec.len(), 4);

    let whole = dir.path().join("whole");
    let outcome = run_sweep(&spec, &whole, 2, Shard::WHOLE);
    assert_eq!((outcome.ran, outcome.skipped, outcome.failed.len()), (4, 0, 0));
    let csv = fs::read_to_string(whole.join("results.csv")).unwrap();
    // Four cells, three detectors and the two floors over every kind.
    assert!(csv.lines().count() > 4 * 3, "{csv}");

    // An interrupted sweep: two cells never finished and a temporary file
    // was left behind. Running again runs exactly those two.
    let resumed = dir.path().join("resumed");
    run_sweep(&spec, &resumed, 1, Shard::WHOLE);
    for cell in [1, 2] {
        fs::remove_file(record_path(&resumed, cell)).unwrap();
    }
    fs::write(resumed.join("cells").join(".cell-000001.json.partial"), "{\"cut\":").unwrap();
    for name in RESULTS {
        fs::remove_file(resumed.join(name)).unwrap();
    }
    let outcome = run_sweep(&spec, &resumed, 2, Shard::WHOLE);
    assert_eq!((outcome.ran, outcome.skipped), (2, 2));
    assert_same_results(&whole, &resumed);
    for cell in 0..4 {
        assert_eq!(
            fs::read(record_path(&whole, cell)).unwrap(),
            fs::read(record_path(&resumed, cell)).unwrap(),
            "cell {cell}"
        );
    }

    // Three shards, one worker each, merged.
    let shards: Vec<PathBuf> = (1..=3).map(|k| dir.path().join(format!("shard-{k}"))).collect();
    for (k, out) in shards.iter().enumerate() {
        run_sweep(&spec, out, 1, Shard { index: k + 1, count: 3 });
    }
    let merged = dir.path().join("merged");
    assert_eq!(merge(&shards, &merged).unwrap(), 4);
    assert_same_results(&whole, &merged);

    // A shard left out is named.
    let message = merge(&shards[..2], &dir.path().join("partial")).unwrap_err().to_string();
    assert!(message.contains("cells are in none") && message.contains("shard 3/3"), "{message}");
    let message = merge(&[shards[0].clone(), shards[0].clone()], &dir.path().join("twice"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("two of the directories"), "{message}");
}

#[test]
fn merge_refuses_shards_of_another_spec_or_version() {
    let dir = tempfile::tempdir().unwrap();
    let one = write_spec(
        dir.path(),
        "one.toml",
        "scenarios = [\"small\"]\nseeds = [1, 2]\ndetectors = [\"burst_rate\"]\n\
         [set]\nduration_s = 30\n",
    );
    let other = write_spec(
        dir.path(),
        "other.toml",
        "scenarios = [\"small\"]\nseeds = [1, 3]\ndetectors = [\"burst_rate\"]\n\
         [set]\nduration_s = 30\n",
    );
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run_sweep(&one, &a, 1, Shard { index: 1, count: 2 });
    run_sweep(&other, &b, 1, Shard { index: 2, count: 2 });
    let message = merge(&[a.clone(), b.clone()], &dir.path().join("m")).unwrap_err().to_string();
    assert!(message.contains("another spec") && message.contains("other.toml"), "{message}");

    // The same spec's other shard, as if run by another version.
    let c = dir.path().join("c");
    run_sweep(&one, &c, 1, Shard { index: 2, count: 2 });
    let manifest = fs::read_to_string(c.join(MANIFEST)).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    fs::write(c.join(MANIFEST), manifest.replace(version, "0.0.1")).unwrap();
    let message = merge(&[a.clone(), c.clone()], &dir.path().join("m")).unwrap_err().to_string();
    assert!(message.contains("surveil 0.0.1"), "{message}");

    // A sweep into a directory of another spec is refused too.
    let options = SweepOptions { workers: 1, shard: Shard { index: 1, count: 2 } };
    let err = sweep::sweep(&other, &a, options, &ProgressBar::hidden()).unwrap_err();
    assert!(err.is_bad_input() && err.to_string().contains("another spec"), "{err}");
}

#[test]
fn a_failing_cell_is_recorded_does_not_stop_the_sweep_and_is_retried() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(
        dir.path(),
        "sweep.toml",
        "scenarios = [\"small\"]\nseeds = \"1..3\"\ndetectors = [\"burst_rate\"]\n\
         [set]\nduration_s = 20\n",
    );
    let fingerprint = spec.fingerprint();
    let out = dir.path().join("out");
    let options = SweepOptions { workers: 2, shard: Shard::WHOLE };
    let failing = |cell: &sweep::spec::Cell| -> CellRecord {
        if cell.index == 1 {
            let mut record = CellRecord::of(&spec, &fingerprint, cell);
            record.error = Some("cell 1 cannot run".to_owned());
            return record;
        }
        run_cell(&spec, &fingerprint, cell)
    };
    let outcome = sweep_with(&spec, &out, options, &ProgressBar::hidden(), &failing).unwrap();
    assert_eq!(outcome.failed, [1]);
    let summary = fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains("cell 1 cannot run"), "{summary}");
    assert!(record_path(&out, 0).is_file() && record_path(&out, 2).is_file());

    let outcome = run_sweep(&spec, &out, 2, Shard::WHOLE);
    assert_eq!((outcome.ran, outcome.skipped, outcome.failed.len()), (1, 2, 0));
}

#[test]
fn shards_are_disjoint_and_cover_the_grid() {
    let spec = Spec::parse(
        "scenarios = [\"small\", \"calm\"]\nseeds = \"1..7\"\n[grid]\napi_share = [0.1, 0.3, 0.6]\n",
        Path::new("sweep.toml"),
    )
    .unwrap();
    for count in 1..=9 {
        let mut owner = vec![0; spec.len()];
        for index in 1..=count {
            let shard = Shard { index, count };
            for cell in spec.cells().filter(|c| shard.holds(c.index)) {
                owner[cell.index] += 1;
            }
        }
        assert!(owner.iter().all(|&n| n == 1), "{count} shards: {owner:?}");
    }
    assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
    for bad in ["0/4", "5/4", "4", "a/b", "1/0"] {
        assert!(Shard::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn detectors_on_the_calling_thread_give_the_results_of_detector_threads() {
    let loaded = surveil_scenarios::parse(
        "name = \"short\"\nduration_s = 60\n[retail]\naccounts = 300\n",
        "short.toml",
    )
    .unwrap();
    let report = |threads| {
        let request = RunRequest {
            seed: Some(4),
            detectors: Vec::new(),
            pipeline: PipelineOptions { threads, ..PipelineOptions::default() },
        };
        run(&loaded, &request, &ProgressBar::hidden()).unwrap().without_cost()
    };
    assert_eq!(report(0), report(2));
}

#[test]
fn the_command_refuses_a_bad_override_with_exit_code_2_and_writes_slurm_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("bad.toml");
    fs::write(
        &spec,
        "scenarios = [\"small\"]\nseeds = [1]\n[grid]\nabuse.spoofing.stealth = [\"sly\"]\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_surveil"))
        .args(["sweep", spec.to_str().unwrap(), "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.toml")
            && stderr.contains("abuse.spoofing.stealth")
            && stderr.contains("sly"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists(), "nothing is written for a refused spec");

    let good = dir.path().join("good.toml");
    fs::write(&good, "scenarios = [\"small\"]\nseeds = \"1..3\"\n").unwrap();
    let out = dir.path().join("cluster");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_surveil"))
        .args(["sweep", good.to_str().unwrap(), "--slurm", "--tasks", "8", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let array = fs::read_to_string(out.join("slurm").join("sweep.sbatch")).unwrap();
    // Never more tasks than cells.
    assert!(array.contains("#SBATCH --array=1-3"), "{array}");
    assert!(!out.join("cells").exists(), "--slurm runs nothing");
}
