//! The simulator's side of the exchange controls: what happens at a time
//! rather than at a request.
//!
//! Actions handed in from outside ([`crate::Simulation::apply`]), the
//! completion of a re-verification, the reissue of an expired key, the
//! periodic reconciliation and its injected fault all wait in one queue
//! ordered by (time, sequence number) and run before any participant who
//! wakes at the same time or later, so the outcome depends only on the
//! times, never on how the caller batches the run. How a participant
//! reacts (an abuser leaving after a warning, failing re-verification,
//! getting the reissued key from a complicit owner) is drawn from a stream
//! of its own per account.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use rand::Rng;

use crate::event::{Control, ControlKind, Event, HaltCause};
use crate::exchange::Exchange;
use crate::policy::{Action, InterventionPolicy, PolicyConfig, ReconciliationPolicy, draw_exp};
use crate::reconcile::Ledger;
use crate::rng::{self, Stream};
use crate::truth::TruthRecorder;
use crate::types::{AccountId, KeyId, Nanos};

/// How long a refused client waits before it acts again.
pub(crate) const RETRY_BACKOFF: Nanos = Nanos::from_millis(250);

/// Reissued keys take ids above every id the population hands out.
const REISSUED_KEYS: u32 = 1_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Job {
    Act(Action),
    Reverified(AccountId),
    Reissue(KeyId),
    Inject,
    Check,
    /// The books are corrected; a check runs at once.
    Correct,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Task {
    time: Nanos,
    seq: u64,
    job: Job,
}

/// Timed controls and the settlement ledger.
pub(crate) struct Controls {
    seed: u64,
    interventions: Option<InterventionPolicy>,
    reconciliation: Option<ReconciliationPolicy>,
    tasks: BinaryHeap<Reverse<Task>>,
    next_seq: u64,
    settled: Option<Ledger>,
    reactions: HashMap<AccountId, Stream>,
    synced_episodes: usize,
    /// Keys issued to replace expired ones, with their owners.
    pub(crate) issued: Vec<(KeyId, AccountId)>,
}

impl Controls {
    /// Returns the controls of a policy, or `None` when every lever is off.
    pub(crate) fn new(seed: u64, policy: &PolicyConfig) -> Option<Controls> {
        if !policy.is_active() {
            return None;
        }
        let mut controls = Controls {
            seed,
            interventions: policy.interventions.clone(),
            reconciliation: policy.reconciliation.clone(),
            tasks: BinaryHeap::new(),
            next_seq: 0,
            settled: policy.reconciliation.as_ref().map(|_| Ledger::default()),
            reactions: HashMap::new(),
            synced_episodes: 0,
            issued: Vec::new(),
        };
        if let Some(r) = policy.reconciliation.clone() {
            controls.schedule(r.interval, Job::Check);
            if let Some(at) = r.inject_at {
                controls.schedule(at, Job::Inject);
            }
        }
        Some(controls)
    }

    fn schedule(&mut self, time: Nanos, job: Job) {
        self.tasks.push(Reverse(Task { time, seq: self.next_seq, job }));
        self.next_seq += 1;
    }

    /// Queues an action; returns `false` when the policy takes no actions.
    pub(crate) fn apply(&mut self, action: Action, at: Nanos) -> bool {
        if self.interventions.is_none() {
            return false;
        }
        self.schedule(at, Job::Act(action));
        true
    }

    /// Returns when the next task is due.
    pub(crate) fn next_due(&self) -> Nanos {
        self.tasks.peek().map_or(Nanos(u64::MAX), |t| t.0.time)
    }

    /// Tells the gateway who is about to act.
    pub(crate) fn before_wake(exchange: &mut Exchange, agent: u32) {
        if let Some(gate) = exchange.gate_mut() {
            gate.actor = agent;
            gate.refused_this_wake = false;
        }
    }

    /// Returns when a participant may wake next: as it asked, but no
    /// sooner than [`RETRY_BACKOFF`] when the controls refused it, as a
    /// client backs off after a refusal instead of retrying at once.
    pub(crate) fn next_wake(exchange: &mut Exchange, now: Nanos, asked: Nanos) -> Nanos {
        match exchange.gate_mut() {
            Some(gate) if gate.refused_this_wake => asked.max(now + RETRY_BACKOFF),
            _ => asked,
        }
    }

    /// Learns the accounts of newly opened episodes, so that their owners
    /// react as abusers, and settles the trades just published.
    pub(crate) fn after_wake(
        &mut self,
        truth: &TruthRecorder,
        exchange: &mut Exchange,
        published: &[Event],
    ) {
        if truth.opened() != self.synced_episodes {
            if let Some(gate) = exchange.gate_mut() {
                gate.abusive.extend(truth.accounts_since(self.synced_episodes));
            }
            self.synced_episodes = truth.opened();
        }
        if let Some(settled) = &mut self.settled {
            settled.settle(published);
        }
    }

    /// Runs every task due before `limit`, in order.
    pub(crate) fn run_before(&mut self, limit: Nanos, exchange: &mut Exchange) {
        while let Some(&Reverse(task)) = self.tasks.peek() {
            if task.time >= limit {
                break;
            }
            self.tasks.pop();
            self.run(task, exchange);
        }
    }

    fn run(&mut self, task: Task, exchange: &mut Exchange) {
        let t = task.time;
        match task.job {
            Job::Act(action) => self.act(t, action, exchange),
            Job::Reverified(account) => {
                if exchange.gate_mut().is_some_and(|g| g.unpause(account)) {
                    exchange.emit_control(t, on_account(ControlKind::Reverified, account));
                }
            }
            Job::Reissue(old) => {
                let next = KeyId(REISSUED_KEYS + self.issued.len() as u32);
                let Some(gate) = exchange.gate_mut() else { return };
                let owner = gate.owner_of(old);
                let Some(owner) = owner else { return };
                let abusive = gate.abusive.contains(&owner);
                let reshare = self.interventions.as_ref().map_or(0.0, |i| i.abuser_reshares_key);
                let shared = abusive && self.reaction(owner).random_bool(reshare.clamp(0.0, 1.0));
                let gate = exchange.gate_mut().expect("checked above");
                if gate.reissue(t, old, next, shared).is_some() {
                    self.issued.push((next, owner));
                    let control = Control {
                        kind: ControlKind::KeyIssued { replaces: old },
                        account: Some(owner),
                        key: Some(next),
                    };
                    exchange.emit_control(t, control);
                }
            }
            Job::Inject => {
                if let Some(ledger) = exchange.gate_mut().and_then(|g| g.ledger.as_mut()) {
                    ledger.inject_double_booking();
                }
            }
            Job::Check => {
                self.check(t, exchange);
                if let Some(r) = &self.reconciliation {
                    let next = t + r.interval;
                    self.schedule(next, Job::Check);
                }
            }
            Job::Correct => {
                if let (Some(settled), Some(gate)) = (&self.settled, exchange.gate_mut()) {
                    gate.ledger = Some(settled.clone());
                }
                self.check(t, exchange);
            }
        }
    }

    /// Compares the booked and settled ledgers, halting on a discrepancy
    /// and resuming a reconciliation halt once they agree.
    fn check(&mut self, t: Nanos, exchange: &mut Exchange) {
        let (Some(settled), Some(gate)) = (&self.settled, exchange.gate_mut()) else { return };
        let Some(booked) = &gate.ledger else { return };
        let comparison = booked.compare(settled);
        let discrepancies = comparison.differing.len() as u32;
        let halted = gate.halted();
        let kind = ControlKind::Reconciled { accounts: comparison.accounts as u32, discrepancies };
        exchange.emit_control(t, Control { kind, account: None, key: None });
        let gate = exchange.gate_mut().expect("checked above");
        if discrepancies > 0 {
            if halted.is_none() {
                gate.halt(t, HaltCause::Reconciliation);
                let mut notices = Vec::new();
                gate.take_notices(&mut notices);
                for control in notices {
                    exchange.emit_control(t, control);
                }
                let after = self.reconciliation.as_ref().map_or(Nanos(0), |r| r.correct_after);
                self.schedule(t + after, Job::Correct);
            }
        } else if halted == Some(HaltCause::Reconciliation) && gate.resume() {
            exchange
                .emit_control(t, Control { kind: ControlKind::Resumed, account: None, key: None });
        }
    }

    fn act(&mut self, t: Nanos, action: Action, exchange: &mut Exchange) {
        let Some(policy) = self.interventions.clone() else { return };
        let Some(gate) = exchange.gate_mut() else { return };
        match action {
            Action::RaiseMonitoring(account) => {
                exchange.emit_control(t, on_account(ControlKind::MonitoringRaised, account));
            }
            Action::Warn(account) => {
                let abusive = gate.abusive.contains(&account);
                exchange.emit_control(t, on_account(ControlKind::Warned, account));
                if abusive && self.reaction(account).random_bool(policy.abuser_leaves_on_warning) {
                    exchange.gate_mut().expect("checked above").depart(account);
                }
            }
            Action::RequireReverification(account) => {
                if !gate.pause(account) {
                    return;
                }
                let abusive = gate.abusive.contains(&account);
                let kind = ControlKind::ReverificationRequired;
                exchange.emit_control(t, on_account(kind, account));
                let fails = policy.abuser_fails_reverification.clamp(0.0, 1.0);
                if abusive && self.reaction(account).random_bool(fails) {
                    return;
                }
                let took = draw_exp(self.reaction(account), policy.reverify_time);
                self.schedule(t + took, Job::Reverified(account));
            }
            Action::ExpireKey(key) => {
                let Some(owner) = gate.expire(key) else { return };
                let control =
                    Control { kind: ControlKind::KeyExpired, account: Some(owner), key: Some(key) };
                exchange.emit_control(t, control);
                let delay = draw_exp(self.reaction(owner), policy.reissue_delay);
                self.schedule(t + delay, Job::Reissue(key));
            }
        }
    }

    fn reaction(&mut self, account: AccountId) -> &mut Stream {
        let seed = self.seed;
        self.reactions
            .entry(account)
            .or_insert_with(|| rng::stream(seed, "policy_reaction", u64::from(account.0)))
    }
}

fn on_account(kind: ControlKind, account: AccountId) -> Control {
    Control { kind, account: Some(account), key: None }
}
