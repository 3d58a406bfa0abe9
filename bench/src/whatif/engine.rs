//! The exchange's review desk: detector alerts in, actions out.
//!
//! Each alert from a detector the policy acts on counts against the
//! account it names (an alert on a key counts against the key's owner, as
//! the public stream shows it) and, when it names a key, against the key.
//! At the policy's thresholds the desk raises the account's monitoring and
//! warns it, then demands re-verification; a key alerted on often enough
//! is expired. Every action takes effect one review delay after the alert
//! that led to it, a shorter one for an account under raised monitoring.
//! The desk sees only public events and alerts.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use surveil_detectors::{Alert, Entity};
use surveil_sim::policy::{Action, InterventionPolicy};
use surveil_sim::{AccountId, Event, KeyId, Nanos};

/// Turns alerts into timed actions.
#[derive(Debug)]
pub struct ReviewDesk {
    policy: InterventionPolicy,
    owners: HashMap<KeyId, AccountId>,
    account_alerts: BTreeMap<AccountId, u32>,
    key_alerts: BTreeMap<KeyId, u32>,
    monitored: BTreeSet<AccountId>,
}

impl ReviewDesk {
    /// Opens a desk working to `policy`.
    pub fn new(policy: InterventionPolicy) -> ReviewDesk {
        ReviewDesk {
            policy,
            owners: HashMap::new(),
            account_alerts: BTreeMap::new(),
            key_alerts: BTreeMap::new(),
            monitored: BTreeSet::new(),
        }
    }

    /// Tells whether the desk acts on a detector's alerts.
    pub fn acts_on(&self, detector: &str) -> bool {
        self.policy.detectors.iter().any(|d| d == detector)
    }

    /// Learns which account each key belongs to from the public stream.
    pub fn observe(&mut self, events: &[Event]) {
        for event in events {
            let access = event.body.access();
            if let Some(key) = access.channel.key() {
                self.owners.entry(key).or_insert(access.account);
            }
        }
    }

    /// Reviews one alert and appends the actions it leads to, each with
    /// the time it takes effect, no earlier than `earliest`.
    pub fn review(&mut self, alert: &Alert, earliest: Nanos, out: &mut Vec<(Action, Nanos)>) {
        let (account, key) = match alert.entity {
            Entity::Account(a) => (Some(a), None),
            Entity::Key(k) => (self.owners.get(&k).copied(), Some(k)),
        };
        let Some(account) = account else { return };
        let delay = if self.monitored.contains(&account) {
            self.policy.monitored_review_delay
        } else {
            self.policy.review_delay
        };
        let at = (alert.time + delay).max(earliest);

        let seen = self.account_alerts.entry(account).or_default();
        *seen += 1;
        if *seen == self.policy.warn_after {
            self.monitored.insert(account);
            out.push((Action::RaiseMonitoring(account), at));
            out.push((Action::Warn(account), at));
        }
        if *seen == self.policy.reverify_after {
            out.push((Action::RequireReverification(account), at));
        }
        if let Some(key) = key {
            let seen = self.key_alerts.entry(key).or_default();
            *seen += 1;
            if *seen == self.policy.expire_after {
                out.push((Action::ExpireKey(key), at));
            }
        }
    }
}
