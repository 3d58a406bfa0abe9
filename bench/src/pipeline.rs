//! Runs a simulation and feeds its public events to detectors.
//!
//! The simulation runs on the calling thread and hands its events out in
//! batches. Each batch is shared, read-only, with a pool of detector
//! threads over bounded crossbeam channels, so detection overlaps with
//! simulation and memory stays flat however long the session. Every
//! detector sees every event in stream order; which thread runs it changes
//! only how fast the run goes, never what it outputs.
//!
//! Detectors keep state per account, API key and address, whose ids the
//! simulator draws at random, so the pipeline gives each batch the dense
//! indices of the entities its events name (see
//! [`surveil_detectors::indices`]) once for every detector, and hands the
//! two together to [`Detector::on_indexed`]. The first worker indexes each
//! batch and passes it on, with its indices, to the others before reading
//! it itself; a run whose detectors share the calling thread indexes on
//! that thread.
//!
//! A worker hands each batch to its detectors a block of [`BLOCK`] events
//! at a time, every detector in turn, so that the block is still in the
//! core's cache when the next detector reads it: a whole batch of 4,096
//! events (some 490 KB) is about the size of a core's second-level cache,
//! so without blocks every detector would read it again from the shared
//! cache or from memory.
//!
//! Each detector's cost is measured two ways. Its busy time is the wall
//! time spent inside it: the clock is read once as each detector finishes
//! a block, and the time since the previous reading is its, so the clock
//! is read once per detector per block. Its per-event latency is sampled:
//! one event in [`LATENCY_SAMPLE_EVERY`], chosen by position in the
//! stream, is timed on its own, and the 99th percentile of those samples,
//! counted in a histogram of fixed size, is reported. The sample includes
//! the cost of reading the clock (some tens of nanoseconds), so it is an
//! upper bound on the latency of one event. The clock is read sparingly
//! because a reading costs tens of nanoseconds on a virtual machine, more
//! than a cheap detector spends on an event.

use std::collections::VecDeque;
use std::ops::Deref;
use std::sync::Arc;
use std::thread::ScopedJoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::bounded;
use indicatif::ProgressBar;
use surveil_detectors::indices::{BatchIndices, Indexer};
use surveil_detectors::{AbuseKind, Alert, Detector, Indexed};
use surveil_sim::{Config, Event, EventDigest, GroundTruth, Simulation};

use crate::latency::LatencyHistogram;
use crate::memory;
use crate::stats::StreamStats;
use crate::timeline::Timeline;

/// How a run uses the machine; none of it changes the results.
#[derive(Clone, Copy, Debug)]
pub struct PipelineOptions {
    /// Detector threads; 0 runs every detector on the calling thread,
    /// between the simulation's batches, which is what a sweep running one
    /// cell per core wants.
    pub threads: usize,
    /// Events per batch handed to the detectors.
    pub batch: usize,
}

impl Default for PipelineOptions {
    fn default() -> PipelineOptions {
        PipelineOptions { threads: 2, batch: 4096 }
    }
}

/// One event in this many is timed on its own for the latency percentile,
/// which is taken from a histogram of the samples (see [`crate::latency`]).
/// The default scenario's 2.6 million events give each detector some five
/// thousand samples, fifty of them above the 99th percentile.
pub const LATENCY_SAMPLE_EVERY: usize = 512;

/// Events every detector of a worker consumes in turn before the next
/// block: about 120 KB of events, which stays in a core's second-level
/// cache beside the detectors' own state.
pub const BLOCK: usize = 1024;

/// What one detector produced.
#[derive(Clone, Debug)]
pub struct DetectorRun {
    /// Its name.
    pub name: String,
    /// The kinds it reports on.
    pub kinds: Vec<AbuseKind>,
    /// Its alerts, sorted by [`Alert::total_cmp`].
    pub alerts: Vec<Alert>,
    /// Wall-clock time spent inside the detector.
    pub busy: Duration,
    /// The 99th percentile of the sampled per-event latencies, in
    /// nanoseconds; 0 when no event was sampled.
    pub p99_event_ns: f64,
}

/// Everything a run produced.
#[derive(Debug)]
pub struct RunOutput {
    /// Counts over the public stream.
    pub stats: StreamStats,
    /// Digest of the public stream.
    pub digest: String,
    /// Prices, volumes and class volumes over the session, for the
    /// report's charts.
    pub timeline: Timeline,
    /// The ground truth.
    pub truth: GroundTruth,
    /// Each detector's alerts, in the order the detectors were given.
    pub detectors: Vec<DetectorRun>,
    /// Wall-clock time the simulation took on its thread, with the run's
    /// own reading of every event (counting, the timeline, the digest);
    /// the hand-off to the detectors and the detectors excluded.
    pub sim_busy: Duration,
    /// Wall-clock time of the whole run.
    pub wall: Duration,
    /// The process's peak resident memory when the run ended, in bytes;
    /// `None` where the operating system does not report it.
    pub peak_memory_bytes: Option<u64>,
}

/// One detector on a worker thread, with what it has produced so far.
struct Slot {
    /// Its position in the list the caller gave.
    index: usize,
    detector: Box<dyn Detector>,
    alerts: Vec<Alert>,
    busy: Duration,
    /// Sampled per-event latencies, in nanoseconds, counted in a histogram
    /// so that they take the same room however long the run.
    latencies: LatencyHistogram,
}

struct Worker {
    slots: Vec<Slot>,
    /// Events consumed so far, which places each batch in the stream.
    consumed: usize,
}

impl Worker {
    fn new() -> Worker {
        Worker { slots: Vec::new(), consumed: 0 }
    }

    /// Hands a batch and its indices to every detector of the worker.
    fn consume(&mut self, batch: Indexed<'_>) {
        let mut at = 0;
        while at < batch.len() {
            let end = batch.len().min(at + BLOCK);
            self.consume_block(batch.slice(at..end));
            at = end;
        }
    }

    /// Hands a block and its indices to every detector of the worker.
    // Never inlined, so that a profiler can single out the detectors' work.
    #[inline(never)]
    #[allow(clippy::disallowed_methods, reason = "measuring detector cost is the harness's job")]
    fn consume_block(&mut self, block: Indexed<'_>) {
        // The first sampled event of the block, by position in the stream.
        let first =
            (LATENCY_SAMPLE_EVERY - self.consumed % LATENCY_SAMPLE_EVERY) % LATENCY_SAMPLE_EVERY;
        let mut mark = Instant::now();
        for slot in &mut self.slots {
            // The events between two samples go over in one call, each
            // sampled event in a call of its own, timed.
            let mut from = 0;
            for sample in (first..block.len()).step_by(LATENCY_SAMPLE_EVERY) {
                slot.detector.on_indexed(block.slice(from..sample), &mut slot.alerts);
                let t = Instant::now();
                slot.detector.on_indexed(block.slice(sample..sample + 1), &mut slot.alerts);
                let ns = t.elapsed().as_nanos();
                slot.latencies.record(u32::try_from(ns).unwrap_or(u32::MAX));
                from = sample + 1;
            }
            slot.detector.on_indexed(block.slice(from..block.len()), &mut slot.alerts);

            // The time since the previous detector finished is this one's.
            let now = Instant::now();
            slot.busy += now.duration_since(mark);
            mark = now;
        }
        self.consumed += block.len();
    }

    #[allow(clippy::disallowed_methods, reason = "measuring detector cost is the harness's job")]
    fn finish(&mut self) {
        for slot in &mut self.slots {
            let t = Instant::now();
            slot.detector.finish(&mut slot.alerts);
            slot.busy += t.elapsed();
        }
    }
}

/// The worker that gives each batch its indices: the first of a run's
/// workers, or the only one when the detectors share the calling thread.
struct Indexing {
    worker: Worker,
    indexer: Indexer,
    /// The indices of the batch being consumed, when no other worker needs
    /// them.
    indices: BatchIndices,
    /// The indices of batches handed to other workers, oldest first, to be
    /// reused once every worker is done with them.
    handed: VecDeque<Arc<BatchIndices>>,
}

/// Indices handed on to other workers and kept for reuse; the channels
/// hold at most a few batches, so more than this are never all in use.
const HANDED: usize = 8;

impl Indexing {
    fn new(worker: Worker) -> Indexing {
        Indexing {
            worker,
            indexer: Indexer::new(),
            indices: BatchIndices::default(),
            handed: VecDeque::new(),
        }
    }

    /// Indexes a batch a block at a time, each block just before the
    /// worker's detectors read it, while it is still in the core's cache.
    fn consume_into(&mut self, batch: &[Event], indices: &mut BatchIndices) {
        // Indexing no events empties the list, which the blocks then fill.
        self.indexer.index(&[], indices);
        let mut at = 0;
        while at < batch.len() {
            let end = batch.len().min(at + BLOCK);
            self.indexer.append(&batch[at..end], indices);
            self.worker.consume_block(indices.view(&batch[..end]).slice(at..end));
            at = end;
        }
    }

    /// Consumes a batch that no other worker needs.
    fn consume(&mut self, batch: &[Event]) {
        // A run without detectors (a what-if run, say) needs no indices.
        if self.worker.slots.is_empty() {
            return;
        }
        let mut indices = std::mem::take(&mut self.indices);
        self.consume_into(batch, &mut indices);
        self.indices = indices;
    }

    /// Consumes a batch and returns its indices for the other workers.
    fn consume_and_hand(&mut self, batch: &[Event]) -> Arc<BatchIndices> {
        // Reuse the oldest indices handed on, once no worker holds them.
        let mut reused = None;
        if let Some(oldest) = self.handed.front_mut()
            && Arc::get_mut(oldest).is_some()
        {
            reused = self.handed.pop_front();
        } else if self.handed.len() >= HANDED {
            self.handed.pop_front();
        }
        let mut indices = reused.unwrap_or_default();
        let list = Arc::get_mut(&mut indices).expect("indices no other worker holds");
        self.consume_into(batch, list);
        self.handed.push_back(Arc::clone(&indices));
        indices
    }
}

/// Runs `workers` on threads of `scope` over `batches`. The first worker
/// gives each batch its indices, once for every detector, a block at a
/// time as its detectors read it, and then hands the batch and its indices
/// to the other workers; its share of the work includes the indexing (see
/// [`spread`]). Returns the handles of the workers, which finish their
/// detectors once the batches run out.
fn start<'scope, B>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    workers: Vec<Worker>,
    batches: impl IntoIterator<Item = B> + Send + 'scope,
) -> Vec<ScopedJoinHandle<'scope, Worker>>
where
    B: Deref + Clone + Send + 'scope,
    B::Target: AsRef<[Event]>,
{
    let mut workers = workers.into_iter();
    let Some(first) = workers.next() else { return Vec::new() };
    let mut handles = Vec::new();
    let mut senders = Vec::new();
    for mut worker in workers {
        let (tx, rx) = bounded::<(B, Arc<BatchIndices>)>(4);
        senders.push(tx);
        handles.push(scope.spawn(move || {
            for (batch, indices) in rx {
                let events = (*batch).as_ref();
                worker.consume(indices.view(events));
            }
            worker.finish();
            worker
        }));
    }
    handles.push(scope.spawn(move || {
        let mut indexing = Indexing::new(first);
        for batch in batches {
            let events = (*batch).as_ref();
            if senders.is_empty() {
                indexing.consume(events);
                continue;
            }
            let indices = indexing.consume_and_hand(events);
            for tx in &senders {
                // A worker only stops early by panicking, which the join
                // reports.
                let _ = tx.send((batch.clone(), Arc::clone(&indices)));
            }
        }
        drop(senders);
        indexing.worker.finish();
        indexing.worker
    }));
    handles
}

/// Waits for the workers, passing on any panic.
fn join(handles: Vec<ScopedJoinHandle<'_, Worker>>) -> Vec<Worker> {
    handles
        .into_iter()
        .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        .collect()
}

/// The first worker's extra work per event in giving each batch its
/// indices, in the nanoseconds of [`Detector::cost_ns`]. On one thread,
/// `DETECT_COSTS=1 cargo run --release -p surveil-bench --example detect`
/// leaves about 16 ns per event of the default stream outside the
/// detectors, the indexing with the reading of the events from memory. On
/// two threads the other worker reads the events too, yet counting only
/// half of that left the first worker's busy time some 15 ns per event
/// above the other's, and counting all of it brings the two closer to even
/// (the busy times of both vary by a third from one pass to the next on
/// the shared development machine).
pub const INDEXING_COST_NS: u32 = 16;

/// Spreads detectors over `threads` workers (at least one, at most one per
/// detector) so that each worker's share of [`Detector::cost_ns`] is as even
/// as a greedy split makes it, the first worker's share counting the
/// indexing of every batch ([`INDEXING_COST_NS`]) when there are others:
/// the costliest detector first, each to the worker with the least cost so
/// far, ties going to the earlier detector and the earlier worker. The
/// split depends only on the detectors given, never on timing, and a
/// worker runs its detectors in the order given.
fn spread(detectors: Vec<Box<dyn Detector>>, threads: usize) -> Vec<Worker> {
    let threads = threads.max(1).min(detectors.len().max(1));
    let mut order: Vec<(usize, u32)> =
        detectors.iter().enumerate().map(|(i, d)| (i, d.cost_ns())).collect();
    order.sort_by_key(|&(i, cost)| (std::cmp::Reverse(cost), i));
    let mut load = vec![0_u64; threads];
    if threads > 1 {
        load[0] = u64::from(INDEXING_COST_NS);
    }
    let mut home = vec![0_usize; detectors.len()];
    for (i, cost) in order {
        let lightest = (0..threads).min_by_key(|&w| (load[w], w)).unwrap_or(0);
        load[lightest] += u64::from(cost);
        home[i] = lightest;
    }

    let mut workers: Vec<Worker> = (0..threads).map(|_| Worker::new()).collect();
    for (i, d) in detectors.into_iter().enumerate() {
        let slot = Slot {
            index: i,
            detector: d,
            alerts: Vec::new(),
            busy: Duration::ZERO,
            latencies: LatencyHistogram::default(),
        };
        workers[home[i]].slots.push(slot);
    }
    workers
}

/// Feeds a recorded event stream to `detectors`, spread over `threads`
/// threads in batches of `batch` events, and returns each detector's
/// alerts and cost in the order the detectors were given. It is what
/// [`run`] does without the simulation, for streams read from files and
/// for benchmarks.
pub fn detect_recorded(
    events: &[Event],
    detectors: Vec<Box<dyn Detector>>,
    options: PipelineOptions,
) -> Vec<DetectorRun> {
    let batch = options.batch.max(1);
    let workers = spread(detectors, options.threads);
    let finished = std::thread::scope(|scope| join(start(scope, workers, events.chunks(batch))));
    collect(finished)
}

/// Puts the detectors of finished workers back in the caller's order, with
/// their alerts sorted.
fn collect(finished: Vec<Worker>) -> Vec<DetectorRun> {
    let mut slots: Vec<Slot> = finished.into_iter().flat_map(|w| w.slots).collect();
    slots.sort_by_key(|s| s.index);
    slots
        .into_iter()
        .map(|mut slot| {
            // The order compares every field, so an unstable sort gives
            // the same order as a stable one without a buffer of half the
            // alerts.
            slot.alerts.sort_unstable_by(Alert::total_cmp);
            DetectorRun {
                name: slot.detector.name().to_owned(),
                kinds: slot.detector.kinds().to_vec(),
                alerts: slot.alerts,
                busy: slot.busy,
                p99_event_ns: slot.latencies.percentile(99),
            }
        })
        .collect()
}

/// Events the run counts, charts and digests in turn before the next
/// stretch: some 15 KB, which stays in a core's first-level cache.
const READ_STRETCH: usize = 128;

/// The simulation and what the run keeps of its stream besides the
/// detectors' alerts.
struct Feed {
    sim: Simulation,
    stats: StreamStats,
    timeline: Timeline,
    digest: EventDigest,
    /// Wall-clock time spent simulating and reading the events.
    sim_busy: Duration,
}

impl Feed {
    /// Runs the simulation to its end in batches of about `batch` events,
    /// counting and digesting each batch before `hand_off` passes it to
    /// the detectors; `hand_off` leaves the batch empty.
    #[allow(
        clippy::disallowed_methods,
        reason = "the simulation's wall time is reported as its cost"
    )]
    fn stream(
        &mut self,
        batch: usize,
        progress: &ProgressBar,
        mut hand_off: impl FnMut(&mut Vec<Event>),
    ) {
        let mut events = Vec::with_capacity(batch_room(batch));
        loop {
            // The simulation's cost includes what the run does with every
            // event besides detecting, so that none of it goes unmeasured.
            let t = Instant::now();
            let more = self.sim.next_batch(&mut events, batch);
            if more {
                // All three readings of a stretch of events are made while
                // it is in the core's first-level cache, rather than three
                // passes over a batch that fills the second.
                for stretch in events.chunks(READ_STRETCH) {
                    self.stats.update(stretch);
                    self.timeline.update(stretch);
                    self.digest.update(stretch);
                }
            }
            self.sim_busy += t.elapsed();
            if !more {
                break;
            }
            progress.set_position(self.sim.now().0);
            hand_off(&mut events);
        }
    }
}

/// Returns the room to give a batch of about `batch` events. The
/// simulation ends a batch with the wake that brings it to `batch` events,
/// so a batch holds a few events more; the room spare beyond `batch` keeps
/// that last wake from growing the batch, which would copy all of it.
fn batch_room(batch: usize) -> usize {
    batch + batch / 4 + 64
}

/// Simulates `config`, feeding every event to `detectors`, and returns the
/// stream's statistics, the ground truth and every detector's alerts.
/// `progress` is advanced in simulated nanoseconds.
#[allow(clippy::disallowed_methods, reason = "the run's own wall time is reported as its cost")]
pub fn run(
    config: &Config,
    detectors: Vec<Box<dyn Detector>>,
    options: PipelineOptions,
    progress: &ProgressBar,
) -> RunOutput {
    let started = Instant::now();
    let inline = options.threads == 0;
    let mut workers = spread(detectors, options.threads);

    let sim = Simulation::new(config);
    progress.set_length(sim.duration().0);
    let mut feed = Feed {
        stats: StreamStats::new(sim.instruments()),
        timeline: Timeline::forgetting_orders(sim.instruments(), sim.duration()),
        digest: EventDigest::new(),
        sim_busy: Duration::ZERO,
        sim,
    };

    let finished: Vec<Worker> = if inline {
        let mut indexing = Indexing::new(workers.pop().expect("one worker is always made"));
        feed.stream(options.batch, progress, |batch| {
            indexing.consume(batch);
            batch.clear();
        });
        indexing.worker.finish();
        vec![indexing.worker]
    } else {
        std::thread::scope(|scope| {
            // The batches go to the first worker, which hands them on.
            let (tx, rx) = bounded::<Arc<Vec<Event>>>(4);
            let handles = start(scope, workers, rx);
            feed.stream(options.batch, progress, |batch| {
                let room = batch_room(options.batch);
                let shared = Arc::new(std::mem::replace(batch, Vec::with_capacity(room)));
                // The worker only stops early by panicking, which the join
                // below reports.
                let _ = tx.send(shared);
            });
            drop(tx);
            join(handles)
        })
    };
    let Feed { sim, stats, mut timeline, digest, sim_busy } = feed;
    progress.set_position(sim.duration().0);
    timeline.note_episode_instruments(sim.episode_instruments());

    let runs = collect(finished);

    RunOutput {
        stats,
        digest: digest.hex(),
        timeline,
        truth: sim.finish(),
        detectors: runs,
        sim_busy,
        wall: started.elapsed(),
        peak_memory_bytes: memory::peak_resident_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use surveil_detectors::{builtin, builtin_names};

    use super::*;

    fn builtins() -> Vec<Box<dyn Detector>> {
        builtin_names().map(|n| builtin(n, &AbuseKind::ALL, 1).unwrap()).collect()
    }

    fn loads(workers: &[Worker]) -> Vec<u32> {
        workers.iter().map(|w| w.slots.iter().map(|s| s.detector.cost_ns()).sum()).collect()
    }

    #[test]
    fn detectors_are_spread_over_threads_by_cost_in_their_given_order() {
        let total: u32 = builtins().iter().map(|d| d.cost_ns()).sum();
        let costliest = builtins().iter().map(|d| d.cost_ns()).max().unwrap();
        let workers = spread(builtins(), 2);
        let loads = loads(&workers);
        assert_eq!(loads.iter().sum::<u32>(), total);
        // The first worker also indexes every batch.
        let first = loads[0] + INDEXING_COST_NS;
        assert!(first.abs_diff(loads[1]) <= costliest, "{loads:?}");
        for worker in &workers {
            assert!(worker.slots.windows(2).all(|w| w[0].index < w[1].index));
        }

        let again = spread(builtins(), 2);
        let placed = |ws: &[Worker]| -> Vec<Vec<usize>> {
            ws.iter().map(|w| w.slots.iter().map(|s| s.index).collect()).collect()
        };
        assert_eq!(placed(&workers), placed(&again));
    }

    #[test]
    fn there_are_never_more_workers_than_detectors() {
        assert_eq!(spread(builtins(), 64).len(), builtins().len());
        assert_eq!(spread(Vec::new(), 2).len(), 1);
        assert_eq!(spread(builtins(), 0).len(), 1);
    }
}
