//! Feeds a simulated stream through built-in detectors and prints a digest
//! of each one's alerts.
//!
//! Run with `cargo run --release -p surveil-bench --example detect --
//! [SCENARIO] [DETECTOR...]`: the scenario (the default when omitted) at
//! its own seed and retail size multiplier is simulated first, its public
//! events kept in memory, and then fed through the named built-in
//! detectors (every built-in when none is named) through the harness's
//! pipeline: on one thread in batches of 4,096 events unless the
//! environment sets `DETECT_THREADS` or `DETECT_BATCH`. Each line printed gives a detector's name,
//! its number of alerts and a digest of every alert's time, kind, entity
//! and score, so that two builds can be compared alert for alert. It is
//! also what a profiler is pointed at for detector work, since the
//! detection runs apart from the simulation, in `detect_recorded`.

use std::process::ExitCode;

use surveil_bench::pipeline::{PipelineOptions, detect_recorded};
use surveil_detectors::{AbuseKind, Detector, Entity, builtin, builtin_names};
use surveil_sim::run_to_end;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let scenario = args.next().unwrap_or_else(|| "default".to_owned());
    let mut names: Vec<String> = args.collect();
    if names.is_empty() {
        names = builtin_names().map(str::to_owned).collect();
    }
    let loaded = match surveil_scenarios::load(&scenario) {
        Ok(loaded) => loaded,
        Err(e) => return fail(&format!("error: {e}")),
    };
    let mut detectors: Vec<Box<dyn Detector>> = Vec::with_capacity(names.len());
    for name in &names {
        match builtin(name, &AbuseKind::ALL, 1) {
            Ok(d) => detectors.push(d),
            Err(e) => return fail(&format!("error: {e}")),
        }
    }

    let (events, _truth) = run_to_end(&loaded.config);
    let batch = std::env::var("DETECT_BATCH").ok().and_then(|b| b.parse().ok()).unwrap_or(4096);
    let threads = std::env::var("DETECT_THREADS").ok().and_then(|b| b.parse().ok()).unwrap_or(1);
    let runs = detect_recorded(&events, detectors, PipelineOptions { threads, batch });

    let mut out = String::new();
    for run in &runs {
        let mut hasher = blake3::Hasher::new();
        for alert in &run.alerts {
            let (tag, id) = match alert.entity {
                Entity::Account(a) => (0u8, u64::from(a.0)),
                Entity::Key(k) => (1u8, u64::from(k.0)),
            };
            hasher.update(&alert.time.0.to_le_bytes());
            hasher.update(alert.kind.as_str().as_bytes());
            hasher.update(&[tag]);
            hasher.update(&id.to_le_bytes());
            hasher.update(&alert.score.to_bits().to_le_bytes());
        }
        let digest = hasher.finalize().to_hex();
        out.push_str(&format!(
            "{} alerts {} digest {}\n",
            run.name,
            run.alerts.len(),
            &digest[..16]
        ));
    }
    if print(&out).is_err() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn fail(message: &str) -> ExitCode {
    let _ = print(&format!("{message}\n"));
    ExitCode::from(2)
}

fn print(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::io::stdout().lock().write_all(text.as_bytes())
}
