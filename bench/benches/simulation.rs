//! Throughput of the whole simulation: agents deciding, the gateway
//! checking each request, the books matching, the ground truth recorded
//! and every public event digested.
//!
//! Run with `cargo bench -p surveil-bench --bench simulation`. Each sample
//! of `default_5min` simulates the first five minutes of the default
//! scenario and each sample of `default_hour` the whole of it (one
//! simulated hour), at its own retail size multiplier (without the
//! API-share recalibration a `surveil run` may add), from building the
//! population to the ground truth, and feeds every batch of events to the
//! stream digest, so that no part of the work can be optimised away. No
//! detector runs. Throughput is in public events per second.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use surveil_sim::{Config, EventDigest, Nanos, Simulation};

/// The simulated span of each sample.
const SESSION: Nanos = Nanos(300 * 1_000_000_000);

/// Simulates `config` to its end, digesting every event, and returns the
/// number of events and the digest.
fn simulate(config: &Config) -> (usize, String) {
    let mut sim = Simulation::new(config);
    let mut digest = EventDigest::new();
    let mut batch = Vec::with_capacity(4096);
    let mut events = 0;
    while sim.next_batch(&mut batch, 4096) {
        digest.update(&batch);
        events += batch.len();
        batch.clear();
    }
    black_box(sim.finish());
    (events, digest.hex())
}

fn simulation(c: &mut Criterion) {
    let loaded = surveil_scenarios::load("default").expect("the default scenario loads");
    let hour = loaded.config;
    let five_minutes = Config { duration: SESSION, ..hour.clone() };

    let mut group = c.benchmark_group("simulation");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    for (name, config) in [("default_5min", &five_minutes), ("default_hour", &hour)] {
        let (events, _) = simulate(config);
        group.throughput(Throughput::Elements(events as u64));
        group.bench_function(name, |b| b.iter(|| black_box(simulate(config))));
    }
    group.finish();
}

criterion_group!(benches, simulation);
criterion_main!(benches);
