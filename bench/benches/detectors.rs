//! Throughput of the built-in detectors on a recorded event stream.
//!
//! Run with `cargo bench -p surveil-bench --bench detectors`. The default
//! scenario is simulated once, at its own retail size multiplier (without
//! the API-share recalibration a `surveil run` may add), and its public
//! events are kept in memory; each benchmark then feeds the whole stream
//! through fresh detectors, so the figures are detector time alone, with
//! no simulation in them. Events go over in batches of 4,096, as in a
//! run. Throughput is in events of the stream per second: for `indexing`,
//! how fast the pipeline gives the events the dense indices of the
//! accounts, keys and addresses they name; for one detector, its own speed
//! on the stream indexed beforehand; for all of them, how fast the stream
//! goes through every built-in together in the harness's own pipeline
//! (indexing, cost accounting and latency sampling included), on one
//! thread and spread over two as `surveil run` spreads them.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use surveil_bench::pipeline::{PipelineOptions, detect_recorded};
use surveil_detectors::indices::{BatchIndices, Indexer};
use surveil_detectors::{AbuseKind, Detector, builtin, builtin_names};
use surveil_sim::{Event, run_to_end};

/// The kinds the floors report on, as in a run of the default scenario.
const KINDS: [AbuseKind; 5] = [
    AbuseKind::KeySharing,
    AbuseKind::Spoofing,
    AbuseKind::WashTrading,
    AbuseKind::MicroBurst,
    AbuseKind::Pump,
];

fn build(names: &[&str]) -> Vec<Box<dyn Detector>> {
    names.iter().map(|n| builtin(n, &KINDS, 1).expect("a built-in detector")).collect()
}

/// Feeds the whole stream to one detector in the harness's batches, each
/// with its indices, with nothing else around it.
fn feed(events: &[Event], indices: &[BatchIndices], detector: &mut dyn Detector) -> usize {
    let mut alerts = Vec::new();
    for (batch, indices) in events.chunks(BATCH).zip(indices) {
        detector.on_indexed(indices.view(batch), &mut alerts);
    }
    detector.finish(&mut alerts);
    alerts.len()
}

/// Gives the whole stream its indices in the harness's batches, as the
/// pipeline's first worker does; returns the accounts met.
fn index(events: &[Event], indexer: &mut Indexer, indices: &mut [BatchIndices]) -> usize {
    for (batch, indices) in events.chunks(BATCH).zip(indices) {
        indexer.index(batch, indices);
    }
    indexer.accounts()
}

/// Events per batch, as `surveil run` hands them to the detectors.
const BATCH: usize = 4096;

fn detectors(c: &mut Criterion) {
    let loaded = surveil_scenarios::load("default").expect("the default scenario loads");
    let (events, _truth) = run_to_end(&loaded.config);
    let names: Vec<&str> = builtin_names().collect();

    let mut group = c.benchmark_group("detectors");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(events.len() as u64));

    // The indices, once for every detector alone; and their cost.
    let fresh = || -> Vec<BatchIndices> {
        events.chunks(BATCH).map(|b| BatchIndices::with_capacity(b.len())).collect()
    };
    let mut indices = fresh();
    index(&events, &mut Indexer::new(), &mut indices);
    let mut scratch = fresh();
    group.bench_function("indexing", |b| {
        b.iter_batched(
            Indexer::new,
            |mut indexer| black_box(index(&events, &mut indexer, &mut scratch)),
            BatchSize::LargeInput,
        );
    });
    drop(scratch);

    for &name in &names {
        group.bench_function(name, |b| {
            b.iter_batched(
                || builtin(name, &KINDS, 1).expect("a built-in detector"),
                |mut d| black_box(feed(&events, &indices, d.as_mut())),
                BatchSize::LargeInput,
            );
        });
    }
    for (label, threads) in [("all_one_thread", 1), ("all_two_threads", 2)] {
        group.bench_function(label, |b| {
            let options = PipelineOptions { threads, batch: BATCH };
            b.iter_batched(
                || build(&names),
                |d| black_box(detect_recorded(&events, d, options).len()),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, detectors);
criterion_main!(benches);
