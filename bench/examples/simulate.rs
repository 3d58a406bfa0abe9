//! Simulates a scenario with no detector and prints what the stream held.
//!
//! Run with `cargo run --release -p surveil-bench --example simulate --
//! [SCENARIO] [SECONDS]`: the scenario (the default when omitted) at its
//! own seed and retail size multiplier, for its whole session or for its
//! first `SECONDS` seconds. Every event is fed to the stream digest, and
//! the line printed gives the events, the accepted orders, the trades and
//! the digest. It is what a profiler is pointed at, because it runs the
//! simulation alone, on one thread, with nothing around it.

use std::process::ExitCode;

use surveil_sim::{Config, EventBody, EventDigest, Nanos, Simulation};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "default".to_owned());
    let loaded = match surveil_scenarios::load(&name) {
        Ok(loaded) => loaded,
        Err(e) => {
            let _ = print_line(&format!("error: {e}"));
            return ExitCode::from(2);
        }
    };
    let mut config: Config = loaded.config;
    if let Some(seconds) = args.next() {
        match seconds.parse::<u64>() {
            Ok(s) => config.duration = Nanos(s.saturating_mul(1_000_000_000)),
            Err(_) => {
                let _ = print_line(&format!("error: expected whole seconds, found `{seconds}`"));
                return ExitCode::from(2);
            }
        }
    }

    let mut sim = Simulation::new(&config);
    let mut digest = EventDigest::new();
    let mut batch = Vec::with_capacity(4096);
    let (mut events, mut orders, mut trades) = (0u64, 0u64, 0u64);
    while sim.next_batch(&mut batch, 4096) {
        digest.update(&batch);
        events += batch.len() as u64;
        for event in &batch {
            match event.body {
                EventBody::Accepted(_) => orders += 1,
                EventBody::Trade(_) => trades += 1,
                _ => {}
            }
        }
        batch.clear();
    }
    drop(sim.finish());
    let line = format!("events {events} orders {orders} trades {trades} digest {}", digest.hex());
    if print_line(&line).is_err() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn print_line(line: &str) -> std::io::Result<()> {
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{line}")
}
