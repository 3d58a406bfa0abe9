//! Reference detectors that set the floor every real detector must clear:
//! one that never alerts, and one that alerts on random accounts at random
//! times.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use surveil_sim::{AccountId, Event};

use crate::indices::{self, EventIndices, Feed, Indexed, Step, Table};
use crate::{AbuseKind, Alert, Detector, Entity};

/// A detector that never alerts.
#[derive(Debug, Clone)]
pub struct Null {
    kinds: Vec<AbuseKind>,
}

impl Null {
    /// Creates it, scored on `kinds`.
    pub fn new(kinds: Vec<AbuseKind>) -> Null {
        Null { kinds }
    }
}

impl Detector for Null {
    fn name(&self) -> &str {
        "null"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &self.kinds
    }

    fn cost_ns(&self) -> u32 {
        1
    }

    #[inline(always)]
    fn on_event(&mut self, _: &Event, _: &mut Vec<Alert>) {}
}

/// A detector that, at random events, names a random account among those
/// seen so far, for a random kind, with a random score. Accounts are drawn
/// uniformly, not in proportion to their activity, so a very active abuser
/// does not make chance look clever.
#[derive(Debug)]
pub struct RandomDetector {
    kinds: Vec<AbuseKind>,
    probability: f64,
    rng: ChaCha8Rng,
    /// Whether each account was seen, by account index.
    seen: Table<bool>,
    /// The accounts seen, in the order this detector first saw them.
    accounts: Vec<AccountId>,
    feed: Feed,
}

impl RandomDetector {
    /// Creates it with its own seed, scored on `kinds`, raising on average
    /// `alerts_per_million` alerts of each kind per million events.
    pub fn new(kinds: Vec<AbuseKind>, seed: u64, alerts_per_million: f64) -> RandomDetector {
        let probability = (alerts_per_million * kinds.len() as f64 / 1e6).clamp(0.0, 1.0);
        RandomDetector {
            kinds,
            probability,
            rng: ChaCha8Rng::seed_from_u64(seed),
            seen: Table::default(),
            accounts: Vec::new(),
            feed: Feed::default(),
        }
    }
}

impl Detector for RandomDetector {
    fn name(&self) -> &str {
        "random"
    }

    fn kinds(&self) -> &[AbuseKind] {
        &self.kinds
    }

    fn cost_ns(&self) -> u32 {
        4
    }

    #[inline(always)]
    fn on_event(&mut self, event: &Event, alerts: &mut Vec<Alert>) {
        indices::on_event(self, event, alerts);
    }

    fn on_indexed(&mut self, events: Indexed<'_>, alerts: &mut Vec<Alert>) {
        indices::on_indexed(self, events, alerts);
    }
}

impl Step for RandomDetector {
    fn feed(&mut self) -> &mut Feed {
        &mut self.feed
    }

    #[inline(always)]
    fn step(&mut self, event: &Event, indices: &EventIndices, alerts: &mut Vec<Alert>) {
        let seen = self.seen.at(indices.access.account.get());
        if !*seen {
            *seen = true;
            self.accounts.push(event.body.access().account);
        }
        if self.kinds.is_empty() || !self.rng.random_bool(self.probability) {
            return;
        }
        let kind = self.kinds[self.rng.random_range(0..self.kinds.len())];
        let entity = Entity::Account(self.accounts[self.rng.random_range(0..self.accounts.len())]);
        alerts.push(Alert { time: event.time, kind, entity, score: self.rng.random() });
    }
}
