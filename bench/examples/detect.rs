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
//! and score, so that two builds can be compared alert for alert; with
//! `DETECT_COSTS` set, it also gives the detector's busy time per event
//! in the pipeline, the figure its `cost_ns` should hold, and the wall time
//! of the detection. It is also what a profiler is pointed at for detector
//! work, since the detection runs apart from the simulation, in
//! `detect_recorded`; `DETECT_REPEAT` runs the detection that many times
//! over, with fresh detectors, to outweigh the simulation.

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
    let build = || -> Result<Vec<Box<dyn Detector>>, String> {
        names.iter().map(|n| builtin(n, &AbuseKind::ALL, 1).map_err(|e| e.to_string())).collect()
    };
    if let Err(e) = build() {
        return fail(&format!("error: {e}"));
    }

    let (events, _truth) = run_to_end(&loaded.config);
    let env = |name: &str, default: usize| -> usize {
        std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
    };
    let options =
        PipelineOptions { threads: env("DETECT_THREADS", 1), batch: env("DETECT_BATCH", 4096) };
    let costs = std::env::var_os("DETECT_COSTS").is_some();

    // With `DETECT_REPEAT`, fresh detectors go over the stream again and
    // again, so that detection outweighs the simulation in a profile; with
    // `DETECT_COSTS` too, the wall time of each pass is printed.
    let mut walls = Vec::new();
    let mut runs = Vec::new();
    for _ in 0..env("DETECT_REPEAT", 1).max(1) {
        let detectors = build().unwrap_or_default();
        let (took, these) = timed(|| detect_recorded(&events, detectors, options));
        walls.push(took);
        runs = these;
    }

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
        out.push_str(&format!("{} alerts {} digest {}", run.name, run.alerts.len(), &digest[..16]));
        if costs {
            let ns = run.busy.as_nanos() as f64 / events.len().max(1) as f64;
            out.push_str(&format!(" ns/event {ns:.1}"));
        }
        out.push('\n');
    }
    if costs {
        let ms: Vec<String> =
            walls.iter().map(|w| format!("{:.1}", w.as_secs_f64() * 1e3)).collect();
        out.push_str(&format!("wall ms {}\n", ms.join(" ")));
    }
    if print(&out).is_err() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

/// Runs `f` and returns how long it took, with what it returned.
#[allow(clippy::disallowed_methods, reason = "timing detection is what this example is for")]
fn timed<T>(f: impl FnOnce() -> T) -> (std::time::Duration, T) {
    let started = std::time::Instant::now();
    let out = f();
    (started.elapsed(), out)
}

fn fail(message: &str) -> ExitCode {
    let _ = print(&format!("{message}\n"));
    ExitCode::from(2)
}

fn print(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::io::stdout().lock().write_all(text.as_bytes())
}
