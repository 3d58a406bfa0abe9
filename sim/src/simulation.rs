//! The discrete-event loop.
//!
//! Agents wake in order of (time, sequence number): two wake-ups at the same
//! nanosecond run in the order they were scheduled, never in an order that
//! depends on memory layout or threads. The loop hands out the public event
//! stream in batches and keeps the ground truth to itself until the run
//! ends.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use crate::agents::Ctx;
use crate::agents::population::{self, Participant};
use crate::config::{Config, InstrumentConfig};
use crate::event::{Event, EventBody};
use crate::exchange::{Exchange, InstrumentSpec};
use crate::truth::{Decoy, GroundTruth, TruthRecorder};
use crate::types::{AccountId, InstrumentId, KeyId, Nanos, OrderId};
use crate::world::Reference;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Wake {
    time: Nanos,
    seq: u64,
    agent: u32,
}

/// One simulated trading session.
pub struct Simulation {
    duration: Nanos,
    now: Nanos,
    exchange: Exchange,
    instruments: Vec<InstrumentConfig>,
    reference: Reference,
    participants: Vec<Participant>,
    queue: BinaryHeap<Reverse<Wake>>,
    next_wake_seq: u64,
    truth: TruthRecorder,
    accounts: Vec<AccountId>,
    keys: Vec<(KeyId, AccountId)>,
    decoys: Vec<Decoy>,
    /// The instrument of every order placed in an abuse episode.
    episode_instruments: BTreeMap<OrderId, InstrumentId>,
}

impl Simulation {
    /// Builds the market and its participants; nothing happens until
    /// [`Simulation::next_batch`] is called.
    pub fn new(config: &Config) -> Simulation {
        let population = population::build(config);
        let specs = config.instruments.iter().map(|i| i.spec.clone()).collect();
        let mut sim = Simulation {
            duration: config.duration,
            now: Nanos(0),
            exchange: Exchange::with_self_trade_prevention(specs, config.self_trade_prevention),
            instruments: config.instruments.clone(),
            reference: Reference::new(
                config.seed,
                &config.instruments,
                &config.world,
                config.duration,
            ),
            participants: population.participants,
            queue: BinaryHeap::new(),
            next_wake_seq: 0,
            truth: TruthRecorder::default(),
            accounts: population.accounts,
            keys: population.keys,
            decoys: population.decoys,
            episode_instruments: BTreeMap::new(),
        };
        for agent in 0..sim.participants.len() {
            let first = sim.participants[agent].first_wake;
            sim.schedule(first, agent as u32);
        }
        sim
    }

    /// Returns the length of the session.
    pub fn duration(&self) -> Nanos {
        self.duration
    }

    /// Returns the simulated time reached so far.
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Returns the instruments traded.
    pub fn instruments(&self) -> &[InstrumentSpec] {
        self.exchange.instruments()
    }

    /// Returns the number of accounts in the market.
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// Runs until at least `target` events are waiting or the session ends,
    /// and appends the events to `out`. Returns `false` once the session is
    /// over and every event has been handed out.
    pub fn next_batch(&mut self, out: &mut Vec<Event>, target: usize) -> bool {
        let start = out.len();
        while let Some(&Reverse(wake)) = self.queue.peek() {
            if wake.time >= self.duration {
                self.queue.clear();
                break;
            }
            self.now = wake.time;
            self.reference.advance_to(wake.time);

            let participant = &mut self.participants[wake.agent as usize];
            let mut ctx = Ctx {
                now: wake.time,
                rng: &mut participant.stream,
                exchange: &mut self.exchange,
                reference: &self.reference,
                instruments: &self.instruments,
                truth: &mut self.truth,
            };
            // The wake stays at the top of the queue while the agent acts,
            // since nothing else is scheduled meanwhile. Replacing it there
            // with the agent's next wake sifts once instead of twice; every
            // key is distinct, so the order of wakes is the same as a pop
            // followed by a push would give.
            match participant.agent.wake(&mut ctx) {
                Some(next) => {
                    let next = next.max(wake.time + Nanos(1));
                    let seq = self.next_wake_seq;
                    self.next_wake_seq += 1;
                    if let Some(mut top) = self.queue.peek_mut() {
                        *top = Reverse(Wake { time: next, seq, agent: wake.agent });
                    }
                }
                None => {
                    self.queue.pop();
                }
            }

            if self.truth.has_fresh_orders() {
                self.note_episode_orders();
            }
            self.exchange.drain_events(out);
            if out.len() - start >= target {
                return true;
            }
        }
        self.exchange.drain_events(out);
        if self.queue.is_empty() {
            self.now = self.duration;
        }
        out.len() > start
    }

    /// Returns the instrument of every order placed in an abuse episode so
    /// far. The harness reads it to tell which instruments an episode
    /// traded on, so that it need not remember the instrument of every
    /// order in the stream, a record that would grow with the session.
    pub fn episode_order_instruments(&self) -> &BTreeMap<OrderId, InstrumentId> {
        &self.episode_instruments
    }

    /// Finds the instrument of the orders the ground truth has just
    /// recorded. Agents record an order in the wake that placed it, so its
    /// acceptance is among the events not yet handed out.
    fn note_episode_orders(&mut self) {
        let pending = self.exchange.pending_events();
        for order in self.truth.take_fresh_orders() {
            let accepted = pending.iter().rev().find_map(|e| match &e.body {
                EventBody::Accepted(a) if a.order == order => Some(a.instrument),
                _ => None,
            });
            debug_assert!(accepted.is_some(), "order {} recorded without its acceptance", order.0);
            if let Some(instrument) = accepted {
                self.episode_instruments.insert(order, instrument);
            }
        }
    }

    /// Ends the run and returns its ground truth.
    pub fn finish(self) -> GroundTruth {
        self.truth.finish(self.accounts, self.keys, self.decoys)
    }

    fn schedule(&mut self, time: Nanos, agent: u32) {
        self.queue.push(Reverse(Wake { time, seq: self.next_wake_seq, agent }));
        self.next_wake_seq += 1;
    }
}

/// Runs a whole session and returns its event stream and ground truth;
/// convenient for tests and small runs, since it keeps every event.
pub fn run_to_end(config: &Config) -> (Vec<Event>, GroundTruth) {
    let mut sim = Simulation::new(config);
    let mut events = Vec::new();
    while sim.next_batch(&mut events, 1 << 16) {}
    (events, sim.finish())
}
