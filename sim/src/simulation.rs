//! The discrete-event loop.
//!
//! Agents wake in order of (time, sequence number): two wake-ups at the same
//! nanosecond run in the order they were scheduled, never in an order that
//! depends on memory layout or threads. The loop hands out the public event
//! stream in batches and keeps the ground truth to itself until the run
//! ends.

use crate::agents::Ctx;
use crate::agents::population::{self, Participant};
use crate::config::{Config, InstrumentConfig};
use crate::controls::Controls;
use crate::event::{Event, EventBody};
use crate::exchange::{Exchange, InstrumentSpec};
use crate::policy::Action;
use crate::schedule::{Wake, WakeQueue};
use crate::truth::{Decoy, GroundTruth, TruthRecorder};
use crate::types::{AccountId, InstrumentId, KeyId, Nanos};
use crate::world::Reference;

/// One simulated trading session.
pub struct Simulation {
    duration: Nanos,
    now: Nanos,
    exchange: Exchange,
    instruments: Vec<InstrumentConfig>,
    reference: Reference,
    participants: Vec<Participant>,
    queue: WakeQueue,
    next_wake_seq: u64,
    truth: TruthRecorder,
    accounts: Vec<AccountId>,
    keys: Vec<(KeyId, AccountId)>,
    decoys: Vec<Decoy>,
    /// The instruments each abuse episode's orders went to so far, by the
    /// episode's position among those opened: a few per episode, however
    /// many orders it places.
    episode_instruments: Vec<Vec<InstrumentId>>,
    /// The exchange's timed controls, when the policy switches any on.
    controls: Option<Box<Controls>>,
    /// Participants waking at or after this time wait for the next call.
    stop_at: Nanos,
}

impl Simulation {
    /// Builds the market and its participants; nothing happens until
    /// [`Simulation::next_batch`] is called.
    pub fn new(config: &Config) -> Simulation {
        let population = population::build(config);
        let specs = config.instruments.iter().map(|i| i.spec.clone()).collect();
        let mut exchange =
            Exchange::with_self_trade_prevention(specs, config.self_trade_prevention);
        exchange.enable_controls(config.seed, &config.policy);
        let mut sim = Simulation {
            duration: config.duration,
            now: Nanos(0),
            exchange,
            instruments: config.instruments.clone(),
            reference: Reference::new(
                config.seed,
                &config.instruments,
                &config.world,
                config.duration,
            ),
            participants: population.participants,
            queue: WakeQueue::default(),
            next_wake_seq: 0,
            truth: TruthRecorder::default(),
            accounts: population.accounts,
            keys: population.keys,
            decoys: population.decoys,
            episode_instruments: Vec::new(),
            controls: Controls::new(config.seed, &config.policy).map(Box::new),
            stop_at: Nanos(u64::MAX),
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
        // Without controls, whose checks after each wake read the events
        // that wake published, the exchange writes its events straight into
        // `out` instead of having them copied there after every wake.
        let direct = self.controls.is_none();
        if direct {
            self.exchange.lend_events(out);
        }
        let full = self.run_wakes(out, start, target, direct);
        if direct {
            self.exchange.return_events(out);
        }
        if full {
            return true;
        }
        if let Some(controls) = self.controls.as_deref_mut() {
            let limit = if self.queue.is_empty() { self.duration } else { self.stop_at };
            controls.run_before(limit.min(self.duration), &mut self.exchange);
        }
        self.exchange.drain_events(out);
        if self.queue.is_empty() {
            self.now = self.duration;
        }
        out.len() > start
    }

    /// Wakes participants in order until `target` events have been added
    /// after the first `start` of the batch, the next wake is due at or
    /// after `stop_at` or the session's end, or no one is left to wake;
    /// returns `true` in the first case. The batch is the exchange's own
    /// list of events when `direct` (see [`Exchange::lend_events`]), and
    /// `out` otherwise.
    fn run_wakes(
        &mut self,
        out: &mut Vec<Event>,
        start: usize,
        target: usize,
        direct: bool,
    ) -> bool {
        while let Some(&wake) = self.queue.peek() {
            if wake.time >= self.duration {
                self.queue.clear();
                break;
            }
            if wake.time >= self.stop_at {
                break;
            }
            if let Some(controls) = self.controls.as_deref_mut() {
                if controls.next_due() <= wake.time {
                    controls.run_before(wake.time + Nanos(1), &mut self.exchange);
                }
                Controls::before_wake(&mut self.exchange, wake.agent);
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
                    let mut next = next.max(wake.time + Nanos(1));
                    if self.controls.is_some() {
                        next = Controls::next_wake(&mut self.exchange, wake.time, next);
                    }
                    let seq = self.next_wake_seq;
                    self.next_wake_seq += 1;
                    self.queue.replace_top(Wake { time: next, seq, agent: wake.agent });
                }
                None => {
                    self.queue.pop();
                }
            }

            if self.truth.has_fresh_orders() {
                self.note_episode_orders();
            }
            let added = if direct {
                self.exchange.pending_events().len() - start
            } else {
                let drained = out.len();
                self.exchange.drain_events(out);
                if let Some(controls) = self.controls.as_deref_mut() {
                    controls.after_wake(&self.truth, &mut self.exchange, &out[drained..]);
                }
                out.len() - start
            };
            if added >= target {
                return true;
            }
        }
        false
    }

    /// Returns, for each episode of the ground truth so far in the order
    /// [`Simulation::finish`] numbers them, the instruments its orders went
    /// to, each once, in the order first used. The harness reads it to
    /// tell which instruments an episode traded on, so that neither it nor
    /// the simulation need remember the instrument of every order, a
    /// record that would grow with the session.
    pub fn episode_instruments(&self) -> Vec<Vec<InstrumentId>> {
        self.truth
            .evidenced()
            .map(|e| self.episode_instruments.get(e.index()).cloned().unwrap_or_default())
            .collect()
    }

    /// Finds the instrument of the orders the ground truth has just
    /// recorded. Agents record an order in the wake that placed it, so its
    /// acceptance is among the events not yet handed out.
    fn note_episode_orders(&mut self) {
        let pending = self.exchange.pending_events();
        for (episode, order) in self.truth.take_fresh_orders() {
            let accepted = pending.iter().rev().find_map(|e| match &e.body {
                EventBody::Accepted(a) if a.order == order => Some(a.instrument),
                _ => None,
            });
            debug_assert!(accepted.is_some(), "order {} recorded without its acceptance", order.0);
            if let Some(instrument) = accepted {
                let i = episode.index();
                if self.episode_instruments.len() <= i {
                    self.episode_instruments.resize_with(i + 1, Vec::new);
                }
                let used = &mut self.episode_instruments[i];
                if !used.contains(&instrument) {
                    used.push(instrument);
                }
            }
        }
    }

    /// Runs every participant who wakes before `until` (and every control
    /// due before it), appends the events to `out`, and returns `false`
    /// once the session is over. Nothing at or after `until` has happened
    /// yet, so an action applied for `until` or later takes effect exactly
    /// when asked, however the run was divided.
    pub fn run_until(&mut self, out: &mut Vec<Event>, until: Nanos) -> bool {
        self.stop_at = until;
        self.next_batch(out, usize::MAX);
        self.stop_at = Nanos(u64::MAX);
        !self.queue.is_empty()
    }

    /// Takes an action on an account or key at `at` (no earlier than the
    /// time reached so far); see [`crate::policy`]. Returns `false`, and
    /// does nothing, when the scenario's policy takes no actions.
    pub fn apply(&mut self, action: Action, at: Nanos) -> bool {
        let at = at.max(self.now);
        self.controls.as_deref_mut().is_some_and(|c| c.apply(action, at))
    }

    /// Returns the exchange, for issuing keys by hand and for tests.
    pub fn exchange_mut(&mut self) -> &mut Exchange {
        &mut self.exchange
    }

    /// Ends the run and returns its ground truth.
    pub fn finish(mut self) -> GroundTruth {
        if let Some(controls) = self.controls.take() {
            self.keys.extend(controls.issued.iter().copied());
        }
        self.truth.finish(self.accounts, self.keys, self.decoys)
    }

    fn schedule(&mut self, time: Nanos, agent: u32) {
        self.queue.push(Wake { time, seq: self.next_wake_seq, agent }, self.now);
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
