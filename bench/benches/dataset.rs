//! How fast the public event stream is written as a dataset's event table:
//! the events of the small scenario, simulated once, encoded into columns
//! and written to Parquet (Snappy) and to CSV.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use surveil_bench::dataset::EventTable;
use surveil_bench::dataset::format::TableFormat;
use surveil_sim::run_to_end;

fn event_table(c: &mut Criterion) {
    let loaded = surveil_scenarios::load("small").expect("the built-in small scenario loads");
    let (events, _) = run_to_end(&loaded.config);
    let dir = tempfile::tempdir().expect("a temporary directory");

    let mut group = c.benchmark_group("event_table");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(10);
    for format in [TableFormat::Parquet, TableFormat::Csv] {
        group.bench_function(format.name(), |b| {
            b.iter(|| {
                let mut table = EventTable::create(dir.path(), format).expect("file created");
                for batch in events.chunks(4096) {
                    table.push(batch).expect("file written");
                }
                table.finish().expect("file closed");
            });
        });
    }
    group.finish();
}

criterion_group!(benches, event_table);
criterion_main!(benches);
