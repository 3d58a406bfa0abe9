//! The matching engine allocates (almost) nothing per message once warm:
//! dhat's heap profiler, in testing mode, counts the allocations a warm
//! book makes while it replays the synthetic flow.

use surveil_bench::workload::{Regime, apply, generate};
use surveil_sim::book::Book;

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

#[test]
fn a_warm_book_allocates_almost_never() {
    let _profiler = dhat::Profiler::builder().testing().build();
    for regime in [Regime::Calm, Regime::Crash] {
        let flow = generate(regime, 400_000, 11);
        let (warmup, measured) = flow.split_at(200_000);
        let mut book = Book::new();
        let mut reports = Vec::with_capacity(1024);
        apply(&mut book, warmup, &mut reports);

        let before = dhat::HeapStats::get().total_blocks;
        apply(&mut book, measured, &mut reports);
        let blocks = dhat::HeapStats::get().total_blocks - before;
        let per_message = blocks as f64 / measured.len() as f64;

        // Only a side whose array of price levels outgrows its room
        // allocates, which a warm book has long since stopped doing.
        println!("{regime:?}: {per_message:.4} allocations per message");
        assert!(per_message < 0.02, "{regime:?}: {per_message:.4} allocations per message");
    }
}
