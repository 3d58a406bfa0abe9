//! Writes every alert one built-in detector raises over a scenario, one a
//! line, so that two builds of a detector can be compared alert for alert,
//! and ends with the process's peak resident memory, read from
//! `/proc/self/status` where there is one.
//!
//! ```text
//! cargo run -p surveil-detectors --example alerts -- SCENARIO DETECTOR [HOURS]
//! ```
//!
//! `HOURS` overrides the scenario's length. The session is simulated in
//! batches and never kept whole, so the memory reported is the
//! simulation's, which stays flat, and the detector's.

use std::io::{BufWriter, Write};

use surveil_detectors::builtin;
use surveil_sim::{Nanos, Simulation};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(scenario), Some(name)) = (args.first(), args.get(1)) else {
        return Err("usage: alerts SCENARIO DETECTOR [HOURS]".into());
    };
    let loaded = surveil_scenarios::load(scenario)?;
    let mut config = loaded.config.clone();
    if let Some(hours) = args.get(2) {
        let hours: f64 = hours
            .parse()
            .map_err(|_| format!("HOURS: expected a number of hours, found {hours:?}"))?;
        config.duration = Nanos((hours * 3.6e12) as u64);
    }
    let mut detector = builtin(name, &[], 1)?;

    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut sim = Simulation::new(&config);
    let (mut events, mut alerts) = (Vec::new(), Vec::new());
    loop {
        events.clear();
        let more = sim.next_batch(&mut events, 1 << 14);
        for e in &events {
            detector.on_event(e, &mut alerts);
        }
        if !more {
            detector.finish(&mut alerts);
        }
        for a in alerts.drain(..) {
            writeln!(out, "{a:?}")?;
        }
        if !more {
            break;
        }
    }

    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(peak) = status.lines().find(|l| l.starts_with("VmHWM:")) {
        writeln!(out, "# {}", peak.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))?;
    }
    Ok(())
}
