//! Throughput of the LOBSTER replay on the AMZN level-1 sample.
//!
//! Run with `cargo bench -p surveil-bench --bench replay`. Two measures:
//! the messages alone through the order book, parsed beforehand (the
//! engine's speed), and the whole checked replay from the files on disk,
//! parsing and comparing every row (what `surveil replay` costs). The data
//! is found as the tests find it: `SURVEIL_DATA`, or `shared/data/real`
//! beside the workspace; without it the benchmark says so and measures
//! nothing.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use csv::{ByteRecord, ReaderBuilder};
use surveil_bench::replay::lobster::parse_message;
use surveil_bench::replay::{Message, OnError, Replayer, replay_files};

const MESSAGES: &str = "lobster/AMZN_2012-06-21_34200000_57600000_message_1.csv";
const ORDERBOOK: &str = "lobster/AMZN_2012-06-21_34200000_57600000_orderbook_1.csv";

fn data_dir() -> PathBuf {
    match std::env::var_os("SURVEIL_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/real")),
    }
}

/// Reads every well-formed message row; the header and any malformed row
/// are left out.
fn load(path: &std::path::Path) -> Vec<Message> {
    let Ok(mut reader) = ReaderBuilder::new().has_headers(false).from_path(path) else {
        return Vec::new();
    };
    let mut record = ByteRecord::new();
    let mut out = Vec::new();
    while reader.read_byte_record(&mut record).unwrap_or(false) {
        if let Ok(message) = parse_message(&record) {
            out.push(message);
        }
    }
    out
}

#[allow(clippy::print_stderr, reason = "a benchmark without its data says why")]
fn lobster_replay(c: &mut Criterion) {
    let (messages_path, orderbook_path) = (data_dir().join(MESSAGES), data_dir().join(ORDERBOOK));
    let messages = load(&messages_path);
    if messages.is_empty() || !orderbook_path.is_file() {
        eprintln!(
            "skipped: LOBSTER sample not found in {} (set SURVEIL_DATA)",
            data_dir().display()
        );
        return;
    }

    let mut group = c.benchmark_group("replay");
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("messages", |b| {
        b.iter(|| {
            let mut replayer = Replayer::new(false);
            for message in &messages {
                black_box(replayer.apply(message));
            }
            replayer.finish()
        });
    });
    group.bench_function("files_checked", |b| {
        b.iter(|| {
            replay_files(&messages_path, Some(&orderbook_path), OnError::Stop, &mut |_| {})
                .map(|report| report.rows)
        });
    });
    group.finish();
}

criterion_group!(benches, lobster_replay);
criterion_main!(benches);
