//! Throughput of the matching engine on the synthetic flow of each regime.
//!
//! Run with `cargo bench -p surveil-bench --bench matching`. Each sample
//! replays two million messages into a fresh book; criterion reports the
//! time per replay and the messages per second.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use surveil_bench::workload::{Regime, apply, generate};
use surveil_sim::book::Book;

const MESSAGES: usize = 2_000_000;

fn synthetic_flow(c: &mut Criterion) {
    let mut group = c.benchmark_group("matching");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(MESSAGES as u64));
    for regime in Regime::ALL {
        let flow = generate(regime, MESSAGES, 2026);
        let mut reports = Vec::with_capacity(64);
        group.bench_function(regime.name(), |b| {
            b.iter_batched(
                Book::new,
                |mut book| black_box(apply(&mut book, &flow, &mut reports)),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, synthetic_flow);
criterion_main!(benches);
